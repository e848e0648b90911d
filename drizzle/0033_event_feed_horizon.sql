-- Custom migration: the oldest-first event feed ends at a settled horizon (src/resources/events/events.data.ts,
-- `settledHorizon`; DATABASE.md, "Events"). An event's created_at is its transaction's start (now(), to the
-- millisecond) but it is visible only from its commit, so a transaction that began earlier and commits later would
-- put an event behind a cursor that had already passed its place. Runs as the migration owner. Idempotent.
--
-- app_settle_event_feed(): sets the transaction-local app.feed_horizon to one millisecond before the start of the
-- oldest other client transaction still open (autovacuum and other background processes write no events), no later
-- than now; a transaction open for more than 60 s holds it back no further (the API's own work is bounded by its
-- request deadline and statement timeout). The feed's list statement, run after it in the same batch, reads it. A statement of its own, before the list's: a transaction open at
-- the list's snapshot was open at this read, or began after it. SECURITY DEFINER: app_api may not SET (it is confined
-- to SELECT/INSERT/UPDATE/DELETE, 0003), and pg_stat_activity shows the start of another session's transaction only
-- to its own login role or to a role with pg_read_all_stats (locally the endpoint logs in as a superuser and enters
-- app_api per batch; the owner, a superuser there, sees them all; on Neon the owner needs pg_read_all_stats, or
-- sessions' starts read as NULL and the horizon is simply now()). search_path pinned, every name qualified.
CREATE OR REPLACE FUNCTION public.app_settle_event_feed()
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_now timestamptz := pg_catalog.clock_timestamp();
  v_oldest timestamptz;
BEGIN
  SELECT pg_catalog.min(a.xact_start) INTO v_oldest
  FROM pg_catalog.pg_stat_activity a
  WHERE a.backend_type = 'client backend' AND a.pid <> pg_catalog.pg_backend_pid() AND a.state <> 'idle'
    AND a.xact_start IS NOT NULL;
  EXECUTE pg_catalog.format('SET LOCAL app.feed_horizon = %L',
    (LEAST(v_now, GREATEST(v_now - interval '60 seconds', coalesce(v_oldest, v_now))) - interval '1 millisecond')::text);
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_settle_event_feed() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_settle_event_feed() TO app_api;
