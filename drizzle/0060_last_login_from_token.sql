-- Custom migration: a user's last login (users.last_login_at) is the issue time (`iat`) of the newest access token
-- the API has accepted for that user, recorded by app_begin_request, the statement that opens every batch, in the
-- same round trip: a sign-in or a session refresh at the identity provider issues a token, and its first request
-- records it. See DATABASE.md, `app_begin_request`. Runs as the migration owner. Idempotent.

-- 1. app_begin_request gains p_issued_at (the token's `iat`; NULL: the token has none, or no user calls). For a user
-- (CUSTOMER, REPRESENTATIVE, ADMIN) it moves last_login_at forward to p_issued_at, clamped to now() (the token
-- verifier accepts an `iat` up to its clock tolerance ahead: never a login in the future), only when it is NULL or
-- older: a request with an older token never moves it back, and a token already recorded writes nothing (the
-- common case stays one indexed read). The row is taken FOR NO KEY UPDATE SKIP LOCKED, the lock the UPDATE takes
-- anyway: a request never waits for a login stamp; a user whose row another transaction holds (an admin's PATCH, an
-- assignment's FOR SHARE) is stamped by a later request. The UPDATE changes neither version nor updated_at (no new
-- ETag) and records no event (2.). The caller check is the UPDATE's own (active, that role, this organization)
-- when it stamped, else the check of 0014, unchanged (OA003). The new parameter has a default, so the Worker
-- deployed before this migration (six arguments) keeps working until the deploy; the six-parameter signature is
-- dropped so that exactly one function answers to the name (as 0014 did). Otherwise as 0014 defined it.
DROP FUNCTION IF EXISTS public.app_begin_request(uuid, text, uuid, text, text, text);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.app_begin_request(
  p_organization_id uuid,
  p_role text,
  p_principal_id uuid,
  p_request_id text DEFAULT NULL,
  p_idempotency_key text DEFAULT NULL,
  p_actor_type text DEFAULT NULL,
  p_issued_at timestamptz DEFAULT NULL
)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
AS $$
DECLARE
  v_status public.organization_status;
  v_stamped boolean := false;
  -- least() ignores a NULL: no issue time stays NULL (nothing recorded), not now().
  v_login timestamptz := CASE WHEN p_issued_at IS NOT NULL THEN least(p_issued_at, now()) END;
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
    IF v_login IS NOT NULL THEN
      -- A block with a handler runs in a subtransaction: the stamped row version's xmin is the subtransaction's
      -- xid, not the request's, so "this transaction wrote the row" (xmin = pg_current_xact_id(): crud.ts
      -- writtenNow, the Idempotency-Key's completion) stays true only of the request's own work, e.g. not of a
      -- refused PATCH of the caller's own user. No error is expected (SKIP LOCKED never waits nor fails).
      BEGIN
        UPDATE public.users u SET last_login_at = v_login
        WHERE u.organization_id = p_organization_id AND u.id = (
          SELECT s.id FROM public.users s
          WHERE s.organization_id = p_organization_id AND s.id = p_principal_id
            AND s.is_active AND s.role = p_role::public.user_role
            AND (s.last_login_at IS NULL OR s.last_login_at < v_login)
          FOR NO KEY UPDATE SKIP LOCKED
        );
        v_stamped := FOUND;
      EXCEPTION WHEN lock_not_available THEN
        v_stamped := false;
      END;
      IF v_stamped THEN
        RETURN;
      END IF;
    END IF;
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
REVOKE ALL ON FUNCTION public.app_begin_request(uuid, text, uuid, text, text, text, timestamptz) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_begin_request(uuid, text, uuid, text, text, text, timestamptz) TO app_api;
--> statement-breakpoint

-- 2. A change of last_login_at alone is no change of the user's: the users trigger of 0014 lists it with the columns
-- whose change alone writes no event (app_record_event, as 0036 defined it, compares the row without them), so a
-- login stamp records no user.updated (and fans out no webhook). users_record_profile_events (0029) compares only
-- name, email and is_active: no profile event either.
CREATE OR REPLACE TRIGGER users_record_event AFTER INSERT OR UPDATE OR DELETE ON public.users
  FOR EACH ROW EXECUTE FUNCTION public.app_record_event('user', 'id', '', '', '{last_login_at}');
