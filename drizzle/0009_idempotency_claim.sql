-- Custom migration: Idempotency-Key claims (see src/db/schema/idempotency.ts and src/lib/idempotency.ts).
-- RLS applies to the table's owner too, like every other tenant table; app_api's grants come from the
-- default privileges of 0001.
ALTER TABLE public.idempotency_keys FORCE ROW LEVEL SECURITY;
--> statement-breakpoint

-- Claims a key for the bound tenant and caller (app_begin_request ran first in the batch), in the request's
-- own transaction:
--   new key (or an expired one)                  → claimed; the work of the batch runs;
--   same key, another request (fingerprint)      → OA011 (422), nothing runs;
--   same key, same request, completed            → OA010 with the stored status and resource (DETAIL, JSON):
--                                                  nothing runs, the API replays;
--   same key, same request, never completed      → claimed again (the earlier attempt changed nothing).
-- A concurrent duplicate waits on the primary key (INSERT … ON CONFLICT) until the first commits, then sees it
-- completed: it never runs twice. It also purges up to 20 expired keys of the tenant (cleanup on write).
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

  IF v_row.expires_at >= now() AND v_row.fingerprint <> p_fingerprint THEN
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
