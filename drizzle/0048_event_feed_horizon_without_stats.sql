-- Custom migration: the oldest-first event feed's horizon (0033, app_settle_event_feed) stays safe whatever its
-- owner may see. pg_stat_activity shows another session's xact_start only to a superuser, the same login role, or a
-- role with the privileges of pg_read_all_stats; to any other owner (possible on Neon) every other session's start
-- reads NULL, and the horizon was silently now(): a follower's cursor could pass an event that commits later.
-- Runs as the migration owner. Idempotent (CREATE OR REPLACE, same grants).
--
-- app_settle_event_feed(): when the owner has the privileges of pg_read_all_stats (pg_has_role … USAGE is the test
-- pg_stat_activity itself applies; true for a superuser), as before: one millisecond before the start of the oldest
-- other client transaction still open, no later than now and no earlier than 60 s back. Otherwise it cannot know
-- that start and takes the earliest it could be: 60 s back. 60 s is the bound the exact horizon already relies on
-- (a transaction open longer holds it back no further), so the fallback is never later than the exact one and the
-- guarantee is the same; the price is delay (an event reaches the followed feed 60 s after its transaction began).
-- The API's writes fit well inside it: each is one HTTP batch, a transaction of a few statements each stopped by
-- statement_timeout at DATABASE_TIMEOUT_MS + 0.5 s (5.5 s by default; app_set_statement_timeout, 0020), never idle
-- in between. GET /ready reports which mode the function's owner gives (`eventFeed`: exact or delayed).
-- Also new: only this database's sessions count (one in another database of the cluster cannot write these events,
-- and held the horizon back for nothing: seen with other databases' test runs on a shared PostgreSQL).
CREATE OR REPLACE FUNCTION public.app_settle_event_feed()
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_now timestamptz := pg_catalog.clock_timestamp();
  v_horizon timestamptz := v_now - interval '60 seconds';
BEGIN
  IF pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') THEN
    SELECT LEAST(v_now, GREATEST(v_horizon, coalesce(pg_catalog.min(a.xact_start), v_now))) INTO v_horizon
    FROM pg_catalog.pg_stat_activity a
    WHERE a.backend_type = 'client backend' AND a.pid <> pg_catalog.pg_backend_pid() AND a.state <> 'idle'
      AND a.xact_start IS NOT NULL AND a.datname = pg_catalog.current_database();
  END IF;
  EXECUTE pg_catalog.format('SET LOCAL app.feed_horizon = %L', (v_horizon - interval '1 millisecond')::text);
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_settle_event_feed() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_settle_event_feed() TO app_api;
