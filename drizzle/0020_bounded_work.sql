-- Custom migration: bounds on heavy work, so no tenant can starve another (issue 17). See DATABASE.md,
-- "Bounded work". Runs as the migration owner. Idempotent.

-- 1. app_set_statement_timeout(ms): the statements of a batch stop on the server shortly after the request that sent
-- them gave up (TenantDb's first statement passes DATABASE_TIMEOUT_MS plus a margin), instead of running on for
-- nobody. SET LOCAL: until the batch's COMMIT or ROLLBACK, never into another request. app_api may not SET
-- (it is confined to SELECT/INSERT/UPDATE/DELETE), so this function does it, within bounds; NULL leaves the
-- session's setting (scripts and work outside a request).
CREATE OR REPLACE FUNCTION public.app_set_statement_timeout(p_milliseconds integer)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
AS $$
BEGIN
  IF p_milliseconds IS NULL THEN
    RETURN;
  END IF;
  IF p_milliseconds < 1 OR p_milliseconds > 600000 THEN
    RAISE EXCEPTION 'statement timeout of % ms is out of range (1 to 600000)', p_milliseconds USING ERRCODE = '22023';
  END IF;
  EXECUTE pg_catalog.format('SET LOCAL statement_timeout = %s', p_milliseconds);
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_set_statement_timeout(integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_set_statement_timeout(integer) TO app_api;
--> statement-breakpoint

-- 2. app_lock_metrics_recompute(wait): one metrics computation per organization at a time. A transaction-level
-- advisory lock keyed by the bound tenant (app.organization_id, set by app_begin_request first in the batch):
-- POST /v1/metrics/recompute tries it and is refused with OA040 (409 RECOMPUTE_IN_PROGRESS, Retry-After) while
-- another computation of the same organization holds it; the daily cron waits for it instead. Released at the
-- batch's COMMIT or ROLLBACK (also when the statement timeout stops the work). The key is 64 bits of a hash of a
-- name for this lock and the organization id: two organizations share a lock only on a 64-bit collision.
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
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_lock_metrics_recompute(boolean) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_lock_metrics_recompute(boolean) TO app_api;
