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
-- A request that changes the user and then the profile row (deactivating an ONLINE representative: the user
-- inactive, then the profile OFFLINE) writes two events of the profile, one per change, in that order: each says
-- what it changed, as every other event does; events are never merged or deleted after they are written.
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
  )
  INSERT INTO public.events (organization_id, type, object_type, object_id, object, previous, actor_type,
      actor_role, actor_id, request_id, idempotency_key)
    SELECT NEW.organization_id, p.object_type || '.updated', p.object_type, p.object_id, p.object || v_joined,
      v_previous, v_actor_type, v_role,
      CASE WHEN v_role IS NULL THEN NULL ELSE nullif(pg_catalog.current_setting('app.principal_id', true), '')::uuid END,
      nullif(pg_catalog.current_setting('app.request_id', true), ''),
      nullif(pg_catalog.current_setting('app.idempotency_key', true), '')
    FROM profiles p;
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
