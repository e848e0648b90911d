-- Custom migration: the webhook outbox. Every event fans out, in its own transaction, to one pending delivery per
-- enabled endpoint of its organization that subscribes to its type; the scheduled sweeper claims due deliveries of
-- every tenant through a role that can see nothing else. See DATABASE.md, "Webhooks". Runs as the migration owner.

-- 1. RLS applies to the tables' owner too; app_api's DML comes from the default privileges of 0001.
ALTER TABLE public.webhook_endpoints FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.webhook_deliveries FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.webhook_delivery_attempts FORCE ROW LEVEL SECURITY;
--> statement-breakpoint

-- 2. The fan-out: AFTER INSERT on events. An endpoint subscribes with `*`, a type (`ticket.created`) or a resource
-- (`ticket.*`). SECURITY DEFINER like app_record_event (events are inserted by it, as the owner), search_path
-- pinned. The delivery is born enqueued (enqueued_at = now()): the request's producer sends it to the queue after the
-- commit; if that send is lost, the sweeper takes it once the lease has passed.
CREATE OR REPLACE FUNCTION public.app_fan_out_event()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_ids text;
BEGIN
  WITH created AS (
    INSERT INTO public.webhook_deliveries (organization_id, endpoint_id, event_id, enqueued_at)
    SELECT NEW.organization_id, e.id, NEW.id, now()
    FROM public.webhook_endpoints e
    WHERE e.organization_id = NEW.organization_id AND e.enabled
      AND (e.enabled_events ? '*' OR e.enabled_events ? NEW.type OR e.enabled_events ? (NEW.object_type || '.*'))
    RETURNING id
  )
  SELECT pg_catalog.string_agg(created.id::text, ',') INTO v_ids FROM created;
  -- The transaction's new deliveries, for the request's producer (src/webhooks/producer.ts) to enqueue after the
  -- commit: transaction-local, read by the batch's last statement.
  IF v_ids IS NOT NULL THEN
    EXECUTE pg_catalog.format('SET LOCAL app.webhook_deliveries = %L',
      coalesce(nullif(pg_catalog.current_setting('app.webhook_deliveries', true), '') || ',', '') || v_ids);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_fan_out_event() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER events_fan_out AFTER INSERT ON public.events
  FOR EACH ROW EXECUTE FUNCTION public.app_fan_out_event();
--> statement-breakpoint

-- 3. The sweeper's claim: app_claim_webhook_deliveries(limit, lease_seconds) returns up to `limit` due pending
-- deliveries of any tenant (id, organization_id) that are not on the queue (never enqueued, or enqueued more than
-- lease_seconds ago without progress), oldest due first, and marks them enqueued. FOR UPDATE SKIP LOCKED: two
-- sweepers never claim the same delivery, and neither waits for a consumer writing one. It runs as
-- app_webhook_dispatcher: NOLOGIN, no SUPERUSER or BYPASSRLS, allowed to read five columns of webhook_deliveries
-- and write one, and whose only policy shows it pending deliveries: even a flaw in it reads no payload, no
-- endpoint, no secret.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'app_webhook_dispatcher') THEN
    BEGIN
      CREATE ROLE app_webhook_dispatcher NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
  IF EXISTS (
    SELECT 1 FROM pg_catalog.pg_roles
    WHERE rolname = 'app_webhook_dispatcher' AND (rolsuper OR rolbypassrls OR rolcanlogin)
  ) THEN
    RAISE EXCEPTION 'role app_webhook_dispatcher exists with SUPERUSER, BYPASSRLS or LOGIN; it must have none of them';
  END IF;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO app_webhook_dispatcher;
--> statement-breakpoint
GRANT SELECT (id, organization_id, status, next_attempt_at, enqueued_at), UPDATE (enqueued_at)
  ON TABLE public.webhook_deliveries TO app_webhook_dispatcher;
--> statement-breakpoint
DROP POLICY IF EXISTS webhook_dispatcher_pending ON public.webhook_deliveries;
--> statement-breakpoint
CREATE POLICY webhook_dispatcher_pending ON public.webhook_deliveries AS PERMISSIVE FOR ALL
  TO app_webhook_dispatcher USING (status = 'PENDING') WITH CHECK (status = 'PENDING');
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.app_claim_webhook_deliveries(p_limit integer, p_lease_seconds integer)
RETURNS TABLE (id uuid, organization_id uuid)
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  WITH due AS (
    SELECT d.id FROM public.webhook_deliveries d
    WHERE d.status = 'PENDING' AND d.next_attempt_at <= now()
      AND (d.enqueued_at IS NULL OR d.enqueued_at < now() - pg_catalog.make_interval(secs => p_lease_seconds))
    ORDER BY d.next_attempt_at
    LIMIT greatest(p_limit, 0)
    FOR UPDATE SKIP LOCKED
  )
  UPDATE public.webhook_deliveries d SET enqueued_at = now()
  FROM due WHERE d.id = due.id
  RETURNING d.id, d.organization_id
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_claim_webhook_deliveries(integer, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_claim_webhook_deliveries(integer, integer) TO app_api;
--> statement-breakpoint
DO $$
DECLARE
  v_superuser boolean := (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user);
BEGIN
  IF NOT v_superuser THEN
    EXECUTE pg_catalog.format('GRANT app_webhook_dispatcher TO %I', current_user);
    GRANT CREATE ON SCHEMA public TO app_webhook_dispatcher;
  END IF;
  ALTER FUNCTION public.app_claim_webhook_deliveries(integer, integer) OWNER TO app_webhook_dispatcher;
  IF NOT v_superuser THEN
    REVOKE CREATE ON SCHEMA public FROM app_webhook_dispatcher;
    EXECUTE pg_catalog.format('REVOKE app_webhook_dispatcher FROM %I', current_user);
  END IF;
END
$$;
