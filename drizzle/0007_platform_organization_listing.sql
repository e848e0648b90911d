-- Custom migration: the metrics cron's one cross-tenant read, ids of ACTIVE and TRIAL organizations, without
-- giving app_api (or anything it runs) a way around row-level security. See DATABASE.md, "Listing
-- organizations for the cron". Runs once, as the migration owner.
--
-- app_platform_reader: NOLOGIN, cannot bypass RLS, may read organizations(id, status) only, and its own RLS policy
-- shows it only ACTIVE/TRIAL rows. It owns app_list_active_organizations(), a SECURITY DEFINER function that
-- app_api may execute: the function runs as app_platform_reader, so even a flaw in it could read no more.

-- 1. The role (cluster-wide: create it only if missing; refuse an existing one that could bypass RLS).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'app_platform_reader') THEN
    BEGIN
      CREATE ROLE app_platform_reader NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
  IF EXISTS (
    SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'app_platform_reader' AND (rolsuper OR rolbypassrls OR rolcanlogin)
  ) THEN
    RAISE EXCEPTION 'role app_platform_reader exists with SUPERUSER, BYPASSRLS or LOGIN; it must have none of them';
  END IF;
END
$$;
--> statement-breakpoint

-- 2. What it may read: two columns of organizations, and (RLS) only the rows of organizations that are served.
GRANT USAGE ON SCHEMA public TO app_platform_reader;
--> statement-breakpoint
GRANT SELECT (id, status) ON TABLE public.organizations TO app_platform_reader;
--> statement-breakpoint
DROP POLICY IF EXISTS platform_reader_served_organizations ON public.organizations;
--> statement-breakpoint
CREATE POLICY platform_reader_served_organizations ON public.organizations
  AS PERMISSIVE FOR SELECT TO app_platform_reader
  USING (status IN ('ACTIVE', 'TRIAL'));
--> statement-breakpoint

-- 3. The function: ids only, in a stable order. Every name is schema-qualified and the search_path is pinned.
CREATE OR REPLACE FUNCTION public.app_list_active_organizations()
RETURNS TABLE (id uuid)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT o.id FROM public.organizations o WHERE o.status IN ('ACTIVE', 'TRIAL') ORDER BY o.id
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_list_active_organizations() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_list_active_organizations() TO app_api;
--> statement-breakpoint

-- 4. Owned by app_platform_reader (the grants above move with it). A non-superuser migration owner must be able
-- to SET ROLE to it, and the role needs CREATE on the schema, for ALTER ... OWNER: both are granted for that one
-- statement and taken back.
DO $$
DECLARE
  v_superuser boolean := (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user);
BEGIN
  IF NOT v_superuser THEN
    EXECUTE pg_catalog.format('GRANT app_platform_reader TO %I', current_user);
    GRANT CREATE ON SCHEMA public TO app_platform_reader;
  END IF;
  ALTER FUNCTION public.app_list_active_organizations() OWNER TO app_platform_reader;
  IF NOT v_superuser THEN
    REVOKE CREATE ON SCHEMA public FROM app_platform_reader;
    EXECUTE pg_catalog.format('REVOKE app_platform_reader FROM %I', current_user);
  END IF;
END
$$;
