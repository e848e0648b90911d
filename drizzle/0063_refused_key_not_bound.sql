-- Custom migration: a refused request's Idempotency-Key is not bound to that request. The key is claimed in the
-- work's own batch; a refusal the database raises rolls the claim back with the work, but a refusal decided after
-- the batch committed (a conditional write that matched nothing: 404, 409, 412) left the claim behind,
-- uncompleted, with the refused request's fingerprint, so the same key with a corrected body was 422
-- IDEMPOTENCY_KEY_REUSED for 24 hours, while the same correction after a database refusal ran. Now only a
-- completed key (the work was done, and is replayed) is bound to its request: an uncompleted one is claimed again by
-- whichever request comes next, as a new key would be (README, "A request that was refused … is not remembered").
-- Runs as the migration owner. Idempotent.

-- app_claim_idempotency_key, as 0009 defined it, but for the fingerprint check (completed keys only).
CREATE OR REPLACE FUNCTION public.app_claim_idempotency_key(p_key text, p_fingerprint text, p_ttl_seconds integer)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
AS $$
DECLARE
  v_org uuid := nullif(pg_catalog.current_setting('app.organization_id', true), '')::uuid;
  v_caller uuid := nullif(pg_catalog.current_setting('app.principal_id', true), '')::uuid;
  v_row public.idempotency_keys%ROWTYPE;
BEGIN
  IF v_org IS NULL OR v_caller IS NULL THEN
    RAISE EXCEPTION 'idempotency keys need a bound tenant and caller' USING ERRCODE = 'OA012';
  END IF;

  DELETE FROM public.idempotency_keys k
  WHERE k.ctid IN (
    SELECT e.ctid FROM public.idempotency_keys e
    WHERE e.organization_id = v_org AND e.expires_at < now()
    LIMIT 20
  );

  INSERT INTO public.idempotency_keys (organization_id, caller_id, key, fingerprint, expires_at)
  VALUES (v_org, v_caller, p_key, p_fingerprint, now() + pg_catalog.make_interval(secs => p_ttl_seconds))
  ON CONFLICT (organization_id, caller_id, key) DO NOTHING;
  IF FOUND THEN
    RETURN;
  END IF;

  SELECT * INTO v_row FROM public.idempotency_keys k
  WHERE k.organization_id = v_org AND k.caller_id = v_caller AND k.key = p_key
  FOR UPDATE;

  IF v_row.expires_at >= now() AND v_row.completed_at IS NOT NULL AND v_row.fingerprint <> p_fingerprint THEN
    RAISE EXCEPTION 'idempotency key reused for another request' USING ERRCODE = 'OA011';
  END IF;
  IF v_row.expires_at >= now() AND v_row.completed_at IS NOT NULL THEN
    RAISE EXCEPTION 'idempotent replay' USING ERRCODE = 'OA010',
      DETAIL = pg_catalog.json_build_object('status', v_row.status_code, 'path', v_row.resource_path)::text;
  END IF;

  UPDATE public.idempotency_keys k
  SET fingerprint = p_fingerprint, created_at = now(), completed_at = NULL, status_code = NULL,
      resource_path = NULL, expires_at = now() + pg_catalog.make_interval(secs => p_ttl_seconds)
  WHERE k.organization_id = v_org AND k.caller_id = v_caller AND k.key = p_key;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_claim_idempotency_key(text, text, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_claim_idempotency_key(text, text, integer) TO app_api;
--> statement-breakpoint

-- app_peek_idempotency_key, as 0016 defined it, with the same rule: OA011 only for a completed key.
CREATE OR REPLACE FUNCTION public.app_peek_idempotency_key(p_key text, p_fingerprint text)
RETURNS void
LANGUAGE plpgsql
STABLE
SECURITY INVOKER
AS $$
DECLARE
  v_org uuid := nullif(pg_catalog.current_setting('app.organization_id', true), '')::uuid;
  v_caller uuid := nullif(pg_catalog.current_setting('app.principal_id', true), '')::uuid;
  v_row public.idempotency_keys%ROWTYPE;
BEGIN
  IF v_org IS NULL OR v_caller IS NULL THEN
    RAISE EXCEPTION 'idempotency keys need a bound tenant and caller' USING ERRCODE = 'OA012';
  END IF;

  SELECT * INTO v_row FROM public.idempotency_keys k
  WHERE k.organization_id = v_org AND k.caller_id = v_caller AND k.key = p_key AND k.expires_at >= now();
  IF NOT FOUND THEN
    RETURN;
  END IF;

  IF v_row.completed_at IS NOT NULL AND v_row.fingerprint <> p_fingerprint THEN
    RAISE EXCEPTION 'idempotency key reused for another request' USING ERRCODE = 'OA011';
  END IF;
  IF v_row.completed_at IS NOT NULL THEN
    RAISE EXCEPTION 'idempotent replay' USING ERRCODE = 'OA010',
      DETAIL = pg_catalog.json_build_object('status', v_row.status_code, 'path', v_row.resource_path)::text;
  END IF;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_peek_idempotency_key(text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_peek_idempotency_key(text, text) TO app_api;
