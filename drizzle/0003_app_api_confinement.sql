-- Custom migration: app_api can never leave app_api, and never binds a tenant as a role that skips RLS.
-- Runs as the migration owner. Idempotent. See DATABASE.md, "app_api is confined".
--
-- On Neon the Worker logs in as app_api itself, so SET ROLE to anything else fails. Locally the endpoint
-- (scripts/neon-local) runs a superuser session and enters app_api with SET LOCAL ROLE per batch; there a
-- statement could switch back (RESET ROLE, set_config('role', …), a DO block or a temporary function doing
-- it). The endpoint refuses every statement of app_api that is not SELECT/INSERT/UPDATE/DELETE before the next
-- one runs (so a top-level SET/RESET never takes effect), and this migration takes away the ways to switch
-- roles from inside one statement: set_config, procedural code (DO) and creating functions or temp objects.

-- 1. app_begin_request binds the tenant with SET LOCAL through EXECUTE (no set_config, which app_api may no
-- longer call), refuses a role that can bypass RLS (OA004: a Neon owner URL configured by mistake), and binds
-- a platform operation's tenant before the organization exists (provisioning).
CREATE OR REPLACE FUNCTION public.app_begin_request(p_organization_id uuid, p_role text, p_principal_id uuid)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
AS $$
DECLARE
  v_status public.organization_status;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = current_user AND (r.rolsuper OR r.rolbypassrls)) THEN
    RAISE EXCEPTION 'role % can bypass row-level security; the API must connect as app_api', current_user
      USING ERRCODE = 'OA004';
  END IF;

  EXECUTE pg_catalog.format('SET LOCAL app.organization_id = %L', coalesce(p_organization_id::text, ''));
  EXECUTE pg_catalog.format('SET LOCAL app.principal_role = %L', coalesce(p_role, ''));
  EXECUTE pg_catalog.format('SET LOCAL app.principal_id = %L', coalesce(p_principal_id::text, ''));

  -- Platform operations (no principal) bind the tenant only; they may act on a suspended organization (to
  -- reactivate it) or on one that is being created in the same batch (provisioning).
  IF p_role IS NULL THEN
    RETURN;
  END IF;

  SELECT o.status INTO v_status FROM public.organizations o WHERE o.id = p_organization_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'organization not found' USING ERRCODE = 'OA001';
  END IF;

  IF v_status = 'SUSPENDED' THEN
    RAISE EXCEPTION 'organization is suspended' USING ERRCODE = 'OA002';
  ELSIF v_status = 'CANCELLED' THEN
    RAISE EXCEPTION 'organization is cancelled' USING ERRCODE = 'OA002';
  END IF;

  IF p_role IN ('CUSTOMER', 'REPRESENTATIVE', 'ADMIN') THEN
    PERFORM 1 FROM public.users u
    WHERE u.organization_id = p_organization_id AND u.id = p_principal_id
      AND u.is_active AND u.role = p_role::public.user_role;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'principal is not an active % of this organization', p_role USING ERRCODE = 'OA003';
    END IF;
  ELSIF p_role = 'AGENT' THEN
    PERFORM 1 FROM public.agent_configurations a
    WHERE a.organization_id = p_organization_id AND a.id = p_principal_id AND a.status = 'ACTIVE';
    IF NOT FOUND THEN
      RAISE EXCEPTION 'principal is not an active agent of this organization' USING ERRCODE = 'OA003';
    END IF;
  ELSE
    RAISE EXCEPTION 'unknown principal role %', p_role USING ERRCODE = 'OA003';
  END IF;
END
$$;
--> statement-breakpoint

-- 2. No role switch from inside a statement, no procedural code, no new functions or temporary objects for
-- app_api. Revoked from PUBLIC (app_api has no grants of its own on these). Where the migration owner does not
-- own the object (Neon: pg_catalog and the language belong to the platform), Postgres only warns; nothing fails.
-- A non-superuser owner keeps the rights it needs for later migrations.
DO $$
DECLARE
  v_statement text;
  v_keep_for_owner text[] := CASE WHEN (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
    THEN ARRAY[]::text[]
    ELSE ARRAY[
      pg_catalog.format('GRANT USAGE ON LANGUAGE plpgsql TO %I', current_user),
      pg_catalog.format('GRANT TEMPORARY ON DATABASE %I TO %I', current_database(), current_user)
    ] END;
BEGIN
  FOREACH v_statement IN ARRAY v_keep_for_owner || ARRAY[
    'REVOKE EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) FROM PUBLIC',
    'REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC',
    'REVOKE CREATE ON SCHEMA public FROM PUBLIC',
    pg_catalog.format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database())
  ] LOOP
    BEGIN
      EXECUTE v_statement;
    EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
      RAISE WARNING 'app_api confinement: % failed (%); harmless where the API logs in as app_api', v_statement, SQLERRM;
    END;
  END LOOP;
END
$$;
