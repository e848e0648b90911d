-- Custom migration: the request context an event carries (actor type, role and id, request id, Idempotency-Key) is
-- derived from the session's settings by one function, app_event_context(), which both event writers use:
-- app_record_event (0014) and app_record_user_profile_events (0029), which had each written the rule out, so the
-- profile event of a user's change and the user's own event could drift apart. Behaviour unchanged: both functions
-- are re-created as they were, with the derivation replaced by the call (test/events/ holds them to it). See
-- DATABASE.md, "Events". Runs as the migration owner. Idempotent.

-- 1. app_event_context(): the context app_begin_request bound (0014): role AGENT → actor AGENT, a user role → USER
-- (both with the principal's id), no role → app.actor_type (PLATFORM or SYSTEM), nothing bound at all (an
-- operator's SQL) → SYSTEM; app.request_id and app.idempotency_key, NULL when empty. One row. STABLE: settings do
-- not change within a statement. SECURITY INVOKER (it reads only settings); its callers are SECURITY DEFINER and
-- run it as the owner, so EXECUTE is revoked from PUBLIC. search_path pinned, every name qualified.
CREATE OR REPLACE FUNCTION public.app_event_context(
  OUT actor_type text,
  OUT actor_role text,
  OUT actor_id uuid,
  OUT request_id text,
  OUT idempotency_key text
)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT
    CASE
      WHEN s.role = 'AGENT' THEN 'AGENT'
      WHEN s.role IS NOT NULL THEN 'USER'
      ELSE coalesce(nullif(pg_catalog.current_setting('app.actor_type', true), ''), 'SYSTEM')
    END,
    s.role,
    CASE WHEN s.role IS NULL THEN NULL ELSE nullif(pg_catalog.current_setting('app.principal_id', true), '')::uuid END,
    nullif(pg_catalog.current_setting('app.request_id', true), ''),
    nullif(pg_catalog.current_setting('app.idempotency_key', true), '')
  FROM (SELECT nullif(pg_catalog.current_setting('app.principal_role', true), '') AS role) s
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_event_context() FROM PUBLIC;
--> statement-breakpoint

-- 2. app_record_event(), as 0014 defined it (its comment there says what it does), reading the context from
-- app_event_context(), once per row. CREATE OR REPLACE keeps its triggers.
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
  v_context record;
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

  SELECT * INTO v_context FROM public.app_event_context();
  FOREACH v_type IN ARRAY v_types LOOP
    INSERT INTO public.events (organization_id, type, object_type, object_id, object, previous, actor_type,
      actor_role, actor_id, request_id, idempotency_key)
    VALUES (
      v_organization_id, v_type, v_object_type, (v_row ->> v_id_column)::uuid, v_row, v_previous,
      v_context.actor_type, v_context.actor_role, v_context.actor_id, v_context.request_id, v_context.idempotency_key
    );
  END LOOP;
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_record_event() FROM PUBLIC;
--> statement-breakpoint

-- 3. app_record_user_profile_events(), as 0029 defined it (its comment there says what it does), with the context
-- from app_event_context(): the same actor, request id and Idempotency-Key as the user's event of the change, by
-- construction. CREATE OR REPLACE keeps its trigger, users_record_profile_events.
CREATE OR REPLACE FUNCTION public.app_record_user_profile_events()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_before jsonb := pg_catalog.jsonb_build_object('name', OLD.name, 'email', OLD.email, 'is_active', OLD.is_active);
  -- The joined fields exactly as app_record_event adds them to a profile's row.
  v_joined jsonb := pg_catalog.jsonb_build_object('name', NEW.name, 'email', NEW.email, 'is_active', NEW.is_active,
    'user_created_at', NEW.created_at);
  v_previous jsonb;
BEGIN
  SELECT pg_catalog.jsonb_object_agg(b.key, b.value) INTO v_previous
  FROM pg_catalog.jsonb_each(v_before) b
  WHERE b.value IS DISTINCT FROM v_joined -> b.key;
  IF v_previous IS NULL THEN
    RETURN NULL;
  END IF;

  WITH profiles (object_type, object_id, object) AS (
    SELECT 'representative', r.id, pg_catalog.to_jsonb(r)
    FROM public.representatives r
    WHERE r.organization_id = NEW.organization_id AND r.user_id = NEW.id
    UNION ALL
    SELECT 'customer', c.user_id, pg_catalog.to_jsonb(c)
    FROM public.customer_profiles c
    WHERE c.organization_id = NEW.organization_id AND c.user_id = NEW.id
  )
  INSERT INTO public.events (organization_id, type, object_type, object_id, object, previous, actor_type,
      actor_role, actor_id, request_id, idempotency_key)
    SELECT NEW.organization_id, p.object_type || '.updated', p.object_type, p.object_id, p.object || v_joined,
      v_previous, ctx.actor_type, ctx.actor_role, ctx.actor_id, ctx.request_id, ctx.idempotency_key
    FROM profiles p CROSS JOIN public.app_event_context() ctx;
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_record_user_profile_events() FROM PUBLIC;
