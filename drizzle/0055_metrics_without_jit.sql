-- The metrics computation without JIT compilation. app_lock_metrics_recompute (0020), the first statement of every
-- computation's batch, also sets jit = off for the rest of its transaction (SET LOCAL, as app_set_statement_timeout
-- sets the timeout; app_api may not SET at top level nor call set_config, 0003). The DAY/WEEK/MONTH statement's cost
-- estimate grows with the tenant's tickets past jit_optimize_above_cost / jit_inline_above_cost, and compiling it
-- took 2.2 s of its 2.9 s at 700,000 tickets, against a 5 s statement deadline (`npm run bench:metrics`, README);
-- interpreted, the same statement runs in ~0.5 s. Where JIT is unavailable the setting changes nothing. No table is
-- read; the lock is as before.
CREATE OR REPLACE FUNCTION public.app_lock_metrics_recompute(p_wait boolean)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
AS $$
DECLARE
  v_organization_id text := pg_catalog.current_setting('app.organization_id', true);
  v_key bigint;
BEGIN
  IF coalesce(v_organization_id, '') = '' THEN
    RAISE EXCEPTION 'app_lock_metrics_recompute: no tenant is bound (call app_begin_request first)';
  END IF;
  v_key := ('x' || pg_catalog.substr(pg_catalog.md5('metrics-recompute:' || v_organization_id), 1, 16))::bit(64)::bigint;
  IF p_wait THEN
    PERFORM pg_catalog.pg_advisory_xact_lock(v_key);
  ELSIF NOT pg_catalog.pg_try_advisory_xact_lock(v_key) THEN
    RAISE EXCEPTION 'a metrics computation of this organization is already running' USING ERRCODE = 'OA040';
  END IF;
  SET LOCAL jit = off;
END
$$;
