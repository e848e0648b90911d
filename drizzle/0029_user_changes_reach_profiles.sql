-- Custom migration: a change of a user's name, email or active flag is a change of its customer or representative
-- too. Their representations embed those fields (app_record_event stores them in the profiles' events, joined from
-- users), but only a change of the profile row itself wrote a `customer.*` / `representative.*` event: renaming or
-- deactivating a user told `user.*` readers only, and the profile's own feed and webhooks never learned it. See
-- DATABASE.md, "Events". Runs as the migration owner. Idempotent.

-- 1. app_record_user_profile_events(): the users trigger below, AFTER UPDATE when name, email or is_active changed,
-- writes `<profile>.updated` for the user's representative profile and customer profile (whichever it has), in the
-- change's transaction: the object as app_record_event stores a profile's (to_jsonb of the row, with the user's
-- joined fields, as they are now), the previous values of the joined fields that changed, and the actor, request
-- and Idempotency-Key read from the same settings as app_record_event reads them (the user's own event of the
-- change carries the same). SECURITY DEFINER like app_record_event (app_api may not insert events), search_path
-- pinned, every name qualified. The profile rows are read without a lock, as app_record_event reads the user's: a
-- lock here would take the user's row before the profile's, the reverse of the order deactivation takes them in.
-- Its trigger is named to fire after users_record_event (AFTER triggers fire in name order): the user's event first.
-- The ids it wrote are kept in the transaction-local setting app.user_profile_events, for step 2.
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
  v_role text := nullif(pg_catalog.current_setting('app.principal_role', true), '');
  v_actor_type text;
  v_ids text;
BEGIN
  SELECT pg_catalog.jsonb_object_agg(b.key, b.value) INTO v_previous
  FROM pg_catalog.jsonb_each(v_before) b
  WHERE b.value IS DISTINCT FROM v_joined -> b.key;
  IF v_previous IS NULL THEN
    RETURN NULL;
  END IF;

  v_actor_type := CASE
    WHEN v_role = 'AGENT' THEN 'AGENT'
    WHEN v_role IS NOT NULL THEN 'USER'
    ELSE coalesce(nullif(pg_catalog.current_setting('app.actor_type', true), ''), 'SYSTEM')
  END;

  WITH profiles (object_type, object_id, object) AS (
    SELECT 'representative', r.id, pg_catalog.to_jsonb(r)
    FROM public.representatives r
    WHERE r.organization_id = NEW.organization_id AND r.user_id = NEW.id
    UNION ALL
    SELECT 'customer', c.user_id, pg_catalog.to_jsonb(c)
    FROM public.customer_profiles c
    WHERE c.organization_id = NEW.organization_id AND c.user_id = NEW.id
  ), written AS (
    INSERT INTO public.events (organization_id, type, object_type, object_id, object, previous, actor_type,
      actor_role, actor_id, request_id, idempotency_key)
    SELECT NEW.organization_id, p.object_type || '.updated', p.object_type, p.object_id, p.object || v_joined,
      v_previous, v_actor_type, v_role,
      CASE WHEN v_role IS NULL THEN NULL ELSE nullif(pg_catalog.current_setting('app.principal_id', true), '')::uuid END,
      nullif(pg_catalog.current_setting('app.request_id', true), ''),
      nullif(pg_catalog.current_setting('app.idempotency_key', true), '')
    FROM profiles p
    RETURNING id
  )
  SELECT pg_catalog.string_agg(written.id::text, ',') INTO v_ids FROM written;

  IF v_ids IS NOT NULL THEN
    EXECUTE pg_catalog.format('SET LOCAL app.user_profile_events = %L',
      coalesce(nullif(pg_catalog.current_setting('app.user_profile_events', true), '') || ',', '') || v_ids);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_record_user_profile_events() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER users_record_profile_events AFTER UPDATE ON public.users
  FOR EACH ROW
  WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email
    OR OLD.is_active IS DISTINCT FROM NEW.is_active)
  EXECUTE FUNCTION public.app_record_user_profile_events();
--> statement-breakpoint

-- 2. app_merge_user_profile_event(object_type, id_column): one event per profile and transaction when the profile row
-- changes after its user (deactivating an ONLINE representative: the user inactive, then the profile OFFLINE). The
-- profile's own event (written just before by <table>_record_event: this trigger is named to fire after it) takes
-- the user's changes into its previous values, and the event step 1 wrote for the user's change is deleted with its
-- webhook deliveries (whose ids leave app.webhook_deliveries, so the request enqueues none of them). The own event
-- keeps its type (a status change stays `representative.status_changed`), its object already shows the user's
-- fields as they are now. Only step 1's events of this transaction (listed in app.user_profile_events, created at
-- this transaction's start) are merged. No other transaction can have written an event of the profile in between:
-- this one holds the user's row (step 1 ran in its UPDATE) and the profile's (this UPDATE), the only rows whose
-- changes write the profile's events. A profile UPDATE that changed nothing wrote no event of its own: the user's
-- change stays its own event.
CREATE OR REPLACE FUNCTION public.app_merge_user_profile_event()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_object_type text := TG_ARGV[0];
  v_object_id uuid := (pg_catalog.to_jsonb(NEW) ->> TG_ARGV[1])::uuid;
  v_pending uuid[] := pg_catalog.string_to_array(
    nullif(pg_catalog.current_setting('app.user_profile_events', true), ''), ',')::uuid[];
  v_own public.events;
  v_user_change public.events;
  v_previous jsonb;
  v_merged uuid[] := '{}';
  v_gone text[];
BEGIN
  IF v_pending IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT e.* INTO v_own FROM public.events e
  WHERE e.organization_id = NEW.organization_id AND e.object_type = v_object_type AND e.object_id = v_object_id
  ORDER BY e.ordinal DESC
  LIMIT 1;
  IF NOT FOUND OR v_own.id = ANY (v_pending) THEN
    RETURN NULL;
  END IF;

  -- Newest first, so that the oldest value of a field (its value before the transaction) is the one kept.
  v_previous := coalesce(v_own.previous, '{}'::jsonb);
  FOR v_user_change IN
    SELECT e.* FROM public.events e
    WHERE e.organization_id = NEW.organization_id AND e.object_type = v_object_type AND e.object_id = v_object_id
      AND e.id = ANY (v_pending) AND e.ordinal < v_own.ordinal
      AND e.created_at = now()::timestamp(3) with time zone
    ORDER BY e.ordinal DESC
  LOOP
    v_previous := v_user_change.previous || v_previous;
    v_merged := v_merged || v_user_change.id;
  END LOOP;
  IF pg_catalog.cardinality(v_merged) = 0 THEN
    RETURN NULL;
  END IF;

  UPDATE public.events e SET previous = v_previous
  WHERE e.organization_id = NEW.organization_id AND e.id = v_own.id;
  WITH gone AS (
    DELETE FROM public.webhook_deliveries d
    WHERE d.organization_id = NEW.organization_id AND d.event_id = ANY (v_merged)
    RETURNING d.id::text
  )
  SELECT pg_catalog.array_agg(gone.id) INTO v_gone FROM gone;
  DELETE FROM public.events e WHERE e.organization_id = NEW.organization_id AND e.id = ANY (v_merged);
  IF v_gone IS NOT NULL THEN
    EXECUTE pg_catalog.format('SET LOCAL app.webhook_deliveries = %L', coalesce((
      SELECT pg_catalog.string_agg(t.id, ',' ORDER BY t.n)
      FROM pg_catalog.unnest(pg_catalog.string_to_array(
        pg_catalog.current_setting('app.webhook_deliveries', true), ',')) WITH ORDINALITY AS t(id, n)
      WHERE NOT t.id = ANY (v_gone)
    ), ''));
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_merge_user_profile_event() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER representatives_record_event_with_user AFTER UPDATE ON public.representatives
  FOR EACH ROW EXECUTE FUNCTION public.app_merge_user_profile_event('representative', 'id');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER customer_profiles_record_event_with_user AFTER UPDATE ON public.customer_profiles
  FOR EACH ROW EXECUTE FUNCTION public.app_merge_user_profile_event('customer', 'user_id');
