-- Custom migration: the transactional outbox (events written by the database with every change), the request
-- context the events carry, and the retention cleanup. See DATABASE.md, "Events". Runs as the migration owner.

-- 1. app_begin_request also binds the request id, the Idempotency-Key and, for calls without a principal, who acts
-- (PLATFORM: an operator's platform operation; SYSTEM: the API's own scheduled and queued work). The three new
-- parameters have defaults, so a caller of the three-parameter form (a Worker deployed before this migration)
-- keeps working. The old signature is dropped so that exactly one function answers to the name.
DROP FUNCTION IF EXISTS public.app_begin_request(uuid, text, uuid);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.app_begin_request(
  p_organization_id uuid,
  p_role text,
  p_principal_id uuid,
  p_request_id text DEFAULT NULL,
  p_idempotency_key text DEFAULT NULL,
  p_actor_type text DEFAULT NULL
)
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
  EXECUTE pg_catalog.format('SET LOCAL app.request_id = %L', coalesce(p_request_id, ''));
  EXECUTE pg_catalog.format('SET LOCAL app.idempotency_key = %L', coalesce(p_idempotency_key, ''));

  -- Platform operations (no principal) bind the tenant only; they may act on a suspended organization (to
  -- reactivate it) or on one that is being created in the same batch (provisioning).
  IF p_role IS NULL THEN
    IF coalesce(p_actor_type, 'PLATFORM') NOT IN ('PLATFORM', 'SYSTEM') THEN
      RAISE EXCEPTION 'unknown actor type %', p_actor_type USING ERRCODE = 'OA003';
    END IF;
    EXECUTE pg_catalog.format('SET LOCAL app.actor_type = %L', coalesce(p_actor_type, 'PLATFORM'));
    RETURN;
  END IF;
  EXECUTE 'SET LOCAL app.actor_type = ''''';

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
REVOKE ALL ON FUNCTION public.app_begin_request(uuid, text, uuid, text, text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_begin_request(uuid, text, uuid, text, text, text) TO app_api;
--> statement-breakpoint

-- 2. The events table: RLS for its owner too, and app_api may only read it (the default privileges of 0001 gave
-- it DML): nothing the API runs can write, change or delete an event; only the trigger below writes them.
ALTER TABLE public.events FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE public.events FROM app_api;
--> statement-breakpoint
GRANT SELECT ON TABLE public.events TO app_api;
--> statement-breakpoint

-- 3. The verb a status names (`<resource>.<verb>`): the lifecycle verbs of refunds and escalations, `updated` for
-- their other statuses, `status_changed` for the resources whose statuses have no verbs of their own. Every value
-- the trigger can produce is in the TypeScript list (src/db/schema/events.ts), which the events_type_known CHECK
-- mirrors; test/events/ tries every status of every resource against it.
CREATE OR REPLACE FUNCTION public.app_event_status_verb(p_object_type text, p_status text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE p_object_type
    WHEN 'refund' THEN CASE p_status
      WHEN 'APPROVED' THEN 'approved' WHEN 'REJECTED' THEN 'rejected'
      WHEN 'CANCELLED' THEN 'cancelled' WHEN 'PROCESSED' THEN 'processed' ELSE 'updated' END
    WHEN 'escalation' THEN CASE p_status
      WHEN 'ASSIGNED' THEN 'assigned' WHEN 'IN_PROGRESS' THEN 'started'
      WHEN 'RESOLVED' THEN 'resolved' WHEN 'CANCELLED' THEN 'cancelled' ELSE 'updated' END
    -- A message's "status" is its redaction time: set once, never cleared.
    WHEN 'message' THEN CASE WHEN p_status IS NULL THEN 'updated' ELSE 'redacted' END
    ELSE 'status_changed'
  END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_event_status_verb(text, text) FROM PUBLIC;
--> statement-breakpoint

-- 4. The outbox writer: one AFTER row trigger per table with a public resource. Arguments: the object type, the
-- column of the object's public id, the status column ('' none), the assignee column ('' none), and columns whose
-- change alone is no event (counters, generated columns), besides version and updated_at.
-- SECURITY DEFINER (owned by the migration owner) because app_api may not insert events; the search_path is
-- pinned and every name qualified. It reads the request context app_begin_request bound (none: an operator's SQL,
-- recorded as SYSTEM). An UPDATE that changed none of the row's other columns writes no event.
CREATE OR REPLACE FUNCTION public.app_record_event()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_object_type text := TG_ARGV[0];
  v_id_column text := TG_ARGV[1];
  v_status_column text := nullif(TG_ARGV[2], '');
  v_assignee_column text := nullif(TG_ARGV[3], '');
  v_ignored text[] := ARRAY['version', 'updated_at'] || TG_ARGV[4]::text[];
  v_row jsonb;
  v_previous jsonb;
  v_organization_id uuid;
  v_verb text;
  v_types text[];
  v_type text;
  v_role text := nullif(pg_catalog.current_setting('app.principal_role', true), '');
  v_actor_type text;
BEGIN
  v_row := CASE WHEN TG_OP = 'DELETE' THEN pg_catalog.to_jsonb(OLD) ELSE pg_catalog.to_jsonb(NEW) END;
  v_organization_id := (v_row ->> CASE WHEN TG_TABLE_NAME = 'organizations' THEN 'id' ELSE 'organization_id' END)::uuid;

  IF TG_OP = 'INSERT' THEN
    v_types := ARRAY[v_object_type || '.created'];
    IF v_status_column IS NOT NULL THEN
      v_verb := public.app_event_status_verb(v_object_type, v_row ->> v_status_column);
      IF v_verb NOT IN ('updated', 'status_changed') THEN
        v_types := v_types || (v_object_type || '.' || v_verb);
      END IF;
    END IF;
    IF v_assignee_column IS NOT NULL AND v_row ->> v_assignee_column IS NOT NULL
       AND NOT (v_object_type || '.assigned') = ANY (v_types) THEN
      v_types := v_types || (v_object_type || '.assigned');
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT pg_catalog.jsonb_object_agg(o.key, o.value) INTO v_previous
    FROM pg_catalog.jsonb_each(pg_catalog.to_jsonb(OLD)) o
    WHERE NOT (o.key = ANY (v_ignored)) AND o.value IS DISTINCT FROM v_row -> o.key;
    IF v_previous IS NULL THEN
      RETURN NULL;
    END IF;
    IF v_status_column IS NOT NULL AND v_previous ? v_status_column THEN
      v_types := ARRAY[v_object_type || '.' || public.app_event_status_verb(v_object_type, v_row ->> v_status_column)];
    ELSIF v_assignee_column IS NOT NULL AND v_previous ? v_assignee_column THEN
      v_types := ARRAY[v_object_type || CASE WHEN v_row ->> v_assignee_column IS NULL THEN '.unassigned' ELSE '.assigned' END];
    ELSE
      v_types := ARRAY[v_object_type || '.updated'];
    END IF;
  ELSE
    -- A deletion cascading from its organization's: the organization's feed goes with it (and could not
    -- reference it any more).
    IF NOT EXISTS (SELECT 1 FROM public.organizations o WHERE o.id = v_organization_id) THEN
      RETURN NULL;
    END IF;
    v_types := ARRAY[v_object_type || '.deleted'];
  END IF;

  -- The resources whose representation joins another table: the joined fields as they are in this transaction.
  IF TG_TABLE_NAME = 'representatives' OR TG_TABLE_NAME = 'customer_profiles' THEN
    v_row := v_row || coalesce((
      SELECT pg_catalog.jsonb_build_object('name', u.name, 'email', u.email, 'is_active', u.is_active,
        'user_created_at', u.created_at)
      FROM public.users u WHERE u.organization_id = v_organization_id AND u.id = (v_row ->> 'user_id')::uuid
    ), '{}'::jsonb);
  ELSIF TG_TABLE_NAME = 'users' THEN
    v_row := v_row || pg_catalog.jsonb_build_object('representative_id', (
      SELECT r.id FROM public.representatives r
      WHERE r.organization_id = v_organization_id AND r.user_id = (v_row ->> 'id')::uuid
    ));
  END IF;

  v_actor_type := CASE
    WHEN v_role = 'AGENT' THEN 'AGENT'
    WHEN v_role IS NOT NULL THEN 'USER'
    ELSE coalesce(nullif(pg_catalog.current_setting('app.actor_type', true), ''), 'SYSTEM')
  END;

  FOREACH v_type IN ARRAY v_types LOOP
    INSERT INTO public.events (organization_id, type, object_type, object_id, object, previous, actor_type,
      actor_role, actor_id, request_id, idempotency_key)
    VALUES (
      v_organization_id, v_type, v_object_type, (v_row ->> v_id_column)::uuid, v_row, v_previous, v_actor_type,
      v_role,
      CASE WHEN v_role IS NULL THEN NULL ELSE nullif(pg_catalog.current_setting('app.principal_id', true), '')::uuid END,
      nullif(pg_catalog.current_setting('app.request_id', true), ''),
      nullif(pg_catalog.current_setting('app.idempotency_key', true), '')
    );
  END LOOP;
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_record_event() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER organizations_record_event AFTER INSERT OR UPDATE ON public.organizations
  FOR EACH ROW EXECUTE FUNCTION public.app_record_event('organization', 'id', 'status', '', '{ticket_sequence}');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER users_record_event AFTER INSERT OR UPDATE OR DELETE ON public.users
  FOR EACH ROW EXECUTE FUNCTION public.app_record_event('user', 'id', '', '', '{}');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER representatives_record_event AFTER INSERT OR UPDATE OR DELETE ON public.representatives
  FOR EACH ROW EXECUTE FUNCTION public.app_record_event('representative', 'id', 'status', '', '{}');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER customer_profiles_record_event AFTER INSERT OR UPDATE OR DELETE ON public.customer_profiles
  FOR EACH ROW EXECUTE FUNCTION public.app_record_event('customer', 'user_id', '', '', '{}');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER agent_configurations_record_event AFTER INSERT OR UPDATE OR DELETE ON public.agent_configurations
  FOR EACH ROW EXECUTE FUNCTION public.app_record_event('agent', 'id', 'status', '', '{}');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER decision_rules_record_event AFTER INSERT OR UPDATE OR DELETE ON public.decision_rules
  FOR EACH ROW EXECUTE FUNCTION public.app_record_event('decision_rule', 'id', '', '', '{}');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER tickets_record_event AFTER INSERT OR UPDATE OR DELETE ON public.tickets
  FOR EACH ROW EXECUTE FUNCTION public.app_record_event('ticket', 'id', 'status', 'assigned_representative_id', '{priority_level}');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER escalations_record_event AFTER INSERT OR UPDATE OR DELETE ON public.escalations
  FOR EACH ROW EXECUTE FUNCTION public.app_record_event('escalation', 'id', 'status', 'assigned_representative_id', '{priority_rank}');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER refunds_record_event AFTER INSERT OR UPDATE OR DELETE ON public.refunds
  FOR EACH ROW EXECUTE FUNCTION public.app_record_event('refund', 'id', 'status', '', '{}');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER budgets_record_event AFTER INSERT OR UPDATE OR DELETE ON public.budgets
  FOR EACH ROW EXECUTE FUNCTION public.app_record_event('budget', 'id', '', '', '{}');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER budget_usage_records_record_event AFTER INSERT OR UPDATE OR DELETE ON public.budget_usage_records
  FOR EACH ROW EXECUTE FUNCTION public.app_record_event('budget_usage', 'id', '', '', '{}');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER messages_record_event AFTER INSERT OR UPDATE OR DELETE ON public.messages
  FOR EACH ROW EXECUTE FUNCTION public.app_record_event('message', 'id', 'redacted_at', '', '{}');
--> statement-breakpoint

-- 5. Retention (30 days): app_purge_expired_events(limit) deletes up to `limit` of the oldest expired events of all
-- tenants and returns how many; the scheduled handler calls it until it returns less. Like 0007's listing, it runs
-- as a NOLOGIN role that cannot bypass RLS, may read only events' id and created_at and delete, and whose own
-- policy shows it only expired events: even a flaw in the function could delete nothing younger than 30 days.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'app_event_janitor') THEN
    BEGIN
      CREATE ROLE app_event_janitor NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
  IF EXISTS (
    SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'app_event_janitor' AND (rolsuper OR rolbypassrls OR rolcanlogin)
  ) THEN
    RAISE EXCEPTION 'role app_event_janitor exists with SUPERUSER, BYPASSRLS or LOGIN; it must have none of them';
  END IF;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO app_event_janitor;
--> statement-breakpoint
GRANT SELECT (id, created_at), DELETE ON TABLE public.events TO app_event_janitor;
--> statement-breakpoint
DROP POLICY IF EXISTS event_janitor_expired ON public.events;
--> statement-breakpoint
CREATE POLICY event_janitor_expired ON public.events AS PERMISSIVE FOR ALL TO app_event_janitor
  USING (created_at < now() - interval '30 days');
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.app_purge_expired_events(p_limit integer)
RETURNS integer
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  WITH expired AS (
    SELECT e.id FROM public.events e
    WHERE e.created_at < now() - interval '30 days'
    ORDER BY e.created_at
    LIMIT greatest(p_limit, 0)
  ), purged AS (
    DELETE FROM public.events e USING expired x WHERE e.id = x.id RETURNING 1
  )
  SELECT count(*)::integer FROM purged
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_purge_expired_events(integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_purge_expired_events(integer) TO app_api;
--> statement-breakpoint
DO $$
DECLARE
  v_superuser boolean := (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user);
BEGIN
  IF NOT v_superuser THEN
    EXECUTE pg_catalog.format('GRANT app_event_janitor TO %I', current_user);
    GRANT CREATE ON SCHEMA public TO app_event_janitor;
  END IF;
  ALTER FUNCTION public.app_purge_expired_events(integer) OWNER TO app_event_janitor;
  IF NOT v_superuser THEN
    REVOKE CREATE ON SCHEMA public FROM app_event_janitor;
    EXECUTE pg_catalog.format('REVOKE app_event_janitor FROM %I', current_user);
  END IF;
END
$$;
