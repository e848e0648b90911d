-- Custom migration: a change of a user's name, email or active flag is a new version of its representative and
-- customer profiles. Their representations embed those fields, and their ETag is the profile row's version: a rename
-- changed what GET /v1/representatives/{id} answers without changing its ETag, `version` or `updatedAt`, and the
-- profile's event (0029) carried the version from before, so a client or webhook consumer that keeps the newest
-- version of a resource dropped the change, and an If-Match read before the rename still matched.
-- app_record_user_profile_events (the users trigger, AFTER UPDATE when name, email or is_active changed) now raises
-- the profiles' version and updated_at first, then writes their events from the new rows. That write locks the
-- profile rows after the user's, the reverse of the order assigners take them in (the representative, then its user
-- FOR SHARE), so the API locks them first (PATCH /v1/users/{id}, src/resources/users/users.data.ts): within the
-- request's transaction the trigger then waits for nothing. An operator's SQL that renames a user takes them in this
-- order, and may deadlock with an assignment in flight (one of the two is aborted, nothing half-done).
-- Runs as the migration owner. Idempotent.

-- app_record_user_profile_events(), as 0036 defined it, but for the new versions. CREATE OR REPLACE keeps its
-- trigger, users_record_profile_events.
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

  -- The profiles' new versions first, so their events carry them (app_record_event writes none for a change of only
  -- version and updated_at).
  WITH bumped_representatives AS (
    UPDATE public.representatives r
    SET version = r.version + 1, updated_at = GREATEST(pg_catalog.now(), r.updated_at)
    WHERE r.organization_id = NEW.organization_id AND r.user_id = NEW.id
    RETURNING r.*
  ), bumped_customers AS (
    UPDATE public.customer_profiles c
    SET version = c.version + 1, updated_at = GREATEST(pg_catalog.now(), c.updated_at)
    WHERE c.organization_id = NEW.organization_id AND c.user_id = NEW.id
    RETURNING c.*
  ), profiles (object_type, object_id, object) AS (
    SELECT 'representative', r.id, pg_catalog.to_jsonb(r) FROM bumped_representatives r
    UNION ALL
    SELECT 'customer', c.user_id, pg_catalog.to_jsonb(c) FROM bumped_customers c
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
