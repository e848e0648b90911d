-- Custom migration: what drizzle-kit does not model (see DATABASE.md, "Custom migration").
-- Runs as the migration owner, inside the migrator's transaction. Idempotent where Postgres allows it.

-- 1. app_api: the role every request statement runs as. NOBYPASSRLS and not a superuser, so RLS applies
-- to it. Roles are cluster-wide (several databases of one server share it): create it only if missing,
-- and tolerate a concurrent migration of another database creating it at the same moment.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'app_api') THEN
    BEGIN
      CREATE ROLE app_api NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
  -- An existing role that could bypass RLS would silently void tenant isolation: refuse it.
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'app_api' AND (rolsuper OR rolbypassrls)) THEN
    RAISE EXCEPTION 'role app_api exists with SUPERUSER or BYPASSRLS; run ALTER ROLE app_api NOSUPERUSER NOBYPASSRLS';
  END IF;
END
$$;
--> statement-breakpoint
-- The migration owner must be able to SET ROLE app_api (the local endpoint and the tests do it per batch).
-- A superuser already can; a repeated GRANT is harmless; lacking the right is a warning, not a failure.
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT app_api TO %I', current_user);
  END IF;
EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
  RAISE WARNING 'could not grant app_api to %: %', current_user, SQLERRM;
END
$$;
--> statement-breakpoint

-- 2. Privileges: plain DML on the 13 tables, nothing else (no TRUNCATE, REFERENCES, TRIGGER or DDL).
GRANT USAGE ON SCHEMA public TO app_api;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE
  public.organizations, public.users, public.representatives, public.customer_profiles, public.tickets,
  public.escalations, public.refunds, public.budgets, public.budget_usage_records, public.agent_configurations,
  public.decision_rules, public.performance_metrics, public.team_performance
TO app_api;
--> statement-breakpoint
-- Tables later migrations create (as the same owner) get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO app_api;
--> statement-breakpoint

-- 3. RLS applies to the tables' owner too (a non-superuser owner without BYPASSRLS).
ALTER TABLE public.organizations FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.users FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.representatives FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.customer_profiles FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.tickets FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.escalations FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.refunds FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.budgets FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.budget_usage_records FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.agent_configurations FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.decision_rules FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.performance_metrics FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.team_performance FORCE ROW LEVEL SECURITY;
--> statement-breakpoint

-- 4. Optional composite references: a plain ON DELETE SET NULL would null organization_id as well (and fail
-- on NOT NULL), so only the referencing column is nulled (PostgreSQL 15+). Same constraint names as the
-- generated migration; each is dropped and re-added in one ALTER TABLE, so it is never missing.
ALTER TABLE public.tickets
  DROP CONSTRAINT IF EXISTS tickets_assigned_representative_fk,
  ADD CONSTRAINT tickets_assigned_representative_fk FOREIGN KEY (organization_id, assigned_representative_id)
    REFERENCES public.representatives (organization_id, id) ON DELETE SET NULL (assigned_representative_id);
--> statement-breakpoint
ALTER TABLE public.escalations
  DROP CONSTRAINT IF EXISTS escalations_assigned_representative_fk,
  ADD CONSTRAINT escalations_assigned_representative_fk FOREIGN KEY (organization_id, assigned_representative_id)
    REFERENCES public.representatives (organization_id, id) ON DELETE SET NULL (assigned_representative_id),
  DROP CONSTRAINT IF EXISTS escalations_agent_configuration_fk,
  ADD CONSTRAINT escalations_agent_configuration_fk FOREIGN KEY (organization_id, agent_configuration_id)
    REFERENCES public.agent_configurations (organization_id, id) ON DELETE SET NULL (agent_configuration_id);
--> statement-breakpoint
ALTER TABLE public.refunds
  DROP CONSTRAINT IF EXISTS refunds_ticket_fk,
  ADD CONSTRAINT refunds_ticket_fk FOREIGN KEY (organization_id, ticket_id)
    REFERENCES public.tickets (organization_id, id) ON DELETE SET NULL (ticket_id),
  DROP CONSTRAINT IF EXISTS refunds_decision_rule_fk,
  ADD CONSTRAINT refunds_decision_rule_fk FOREIGN KEY (organization_id, decision_rule_id)
    REFERENCES public.decision_rules (organization_id, id) ON DELETE SET NULL (decision_rule_id),
  DROP CONSTRAINT IF EXISTS refunds_decided_by_user_fk,
  ADD CONSTRAINT refunds_decided_by_user_fk FOREIGN KEY (organization_id, decided_by_user_id)
    REFERENCES public.users (organization_id, id) ON DELETE SET NULL (decided_by_user_id),
  DROP CONSTRAINT IF EXISTS refunds_budget_fk,
  ADD CONSTRAINT refunds_budget_fk FOREIGN KEY (organization_id, budget_id)
    REFERENCES public.budgets (organization_id, id) ON DELETE SET NULL (budget_id);
--> statement-breakpoint
ALTER TABLE public.budget_usage_records
  DROP CONSTRAINT IF EXISTS budget_usage_records_refund_fk,
  ADD CONSTRAINT budget_usage_records_refund_fk FOREIGN KEY (organization_id, refund_id)
    REFERENCES public.refunds (organization_id, id) ON DELETE SET NULL (refund_id);
--> statement-breakpoint
ALTER TABLE public.decision_rules
  DROP CONSTRAINT IF EXISTS decision_rules_agent_configuration_fk,
  ADD CONSTRAINT decision_rules_agent_configuration_fk FOREIGN KEY (organization_id, agent_configuration_id)
    REFERENCES public.agent_configurations (organization_id, id) ON DELETE SET NULL (agent_configuration_id);
--> statement-breakpoint

-- 5. Per-request tenant context, called as the first statement of every request batch (as app_api).
-- set_config(..., true) is transaction-local: it lasts until the batch's COMMIT, never into another request.
-- Every name is schema-qualified, so no function-level `SET search_path` is needed. (Such a clause would be
-- harmless: at function exit it restores only its own variable, so app.* settings survive; tested.)
-- SECURITY INVOKER: the checks below run as the caller, under RLS with the context just set.
CREATE OR REPLACE FUNCTION public.app_begin_request(p_organization_id uuid, p_role text, p_principal_id uuid)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
AS $$
DECLARE
  v_status public.organization_status;
BEGIN
  PERFORM pg_catalog.set_config('app.organization_id', coalesce(p_organization_id::text, ''), true);
  PERFORM pg_catalog.set_config('app.principal_role', coalesce(p_role, ''), true);
  PERFORM pg_catalog.set_config('app.principal_id', coalesce(p_principal_id::text, ''), true);

  SELECT o.status INTO v_status FROM public.organizations o WHERE o.id = p_organization_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'organization not found' USING ERRCODE = 'OA001';
  END IF;

  -- Platform operations (no principal) may act on a suspended or cancelled organization, e.g. to reactivate it.
  IF p_role IS NULL THEN
    RETURN;
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
REVOKE ALL ON FUNCTION public.app_begin_request(uuid, text, uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_begin_request(uuid, text, uuid) TO app_api;
