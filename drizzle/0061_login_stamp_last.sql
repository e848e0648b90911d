-- Custom migration: the login stamp (users.last_login_at, 0060) moves from the first statement of a batch to its
-- last. Stamped first, the caller's user row stayed locked for the whole batch, so a request of the same new token
-- that locks another row and then the caller's (an assignment to oneself: the representative, then its user FOR
-- SHARE) waited on the stamping request while that request waited on it: a deadlock, answered 409
-- CONCURRENT_UPDATE. Stamped last, the stamping request waits for nothing after it takes the row (SKIP LOCKED), so it
-- is never part of a wait cycle, and it holds the row only until its COMMIT. See DATABASE.md, `app_record_login`.
-- Runs as the migration owner. Idempotent.

-- 1. app_begin_request checks the caller again without stamping (as 0014 did). p_issued_at stays in the signature,
-- ignored, so the Worker deployed before this migration (which passes it) keeps working until the deploy; that
-- Worker then records no login in between, which costs nothing but a later stamp.
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
REVOKE ALL ON FUNCTION public.app_begin_request(uuid, text, uuid, text, text, text, timestamptz) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_begin_request(uuid, text, uuid, text, text, text, timestamptz) TO app_api;
--> statement-breakpoint

-- 2. app_record_login: the last statement of a request's first batch (src/db/tenant.ts), for a user caller
-- (CUSTOMER, REPRESENTATIVE, ADMIN) whose token has an `iat`. It reads the caller app_begin_request bound, and moves
-- last_login_at forward to p_issued_at clamped to now() (never a login in the future) when it is NULL or older; a
-- token already recorded writes nothing. The row is taken FOR NO KEY UPDATE SKIP LOCKED: it never waits (a row
-- another transaction holds is stamped by a later request). Last in the batch, after every statement that asks
-- "did this transaction write the row" (xmin: crud.ts writtenNow, the Idempotency-Key's completion), so no
-- subtransaction is needed (0060 needed one). version, updated_at and events: unchanged, as 0060 set them.
CREATE OR REPLACE FUNCTION public.app_record_login(p_issued_at timestamptz)
RETURNS void
LANGUAGE sql
VOLATILE
SECURITY INVOKER
AS $$
  UPDATE public.users u SET last_login_at = least(p_issued_at, now())
  WHERE u.organization_id = pg_catalog.current_setting('app.organization_id')::uuid AND u.id = (
    SELECT s.id FROM public.users s
    WHERE s.organization_id = pg_catalog.current_setting('app.organization_id')::uuid
      AND s.id = pg_catalog.current_setting('app.principal_id')::uuid
      AND s.role::text = pg_catalog.current_setting('app.principal_role')
      AND s.is_active
      AND (s.last_login_at IS NULL OR s.last_login_at < least(p_issued_at, now()))
    FOR NO KEY UPDATE SKIP LOCKED
  )
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_record_login(timestamptz) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_record_login(timestamptz) TO app_api;
