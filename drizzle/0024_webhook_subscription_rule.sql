-- Custom migration: which endpoints an event goes to is one SQL function, used by the fan-out trigger (0019) and
-- by POST /v1/events/{id}/redeliver (src/resources/webhook-endpoints/webhook-endpoints.data.ts), which until now each
-- wrote the rule out. Runs as the migration owner. Idempotent.

-- 1. app_webhook_subscribes(enabled_events, type, object_type): an endpoint subscribes to an event when its
-- enabled_events (a jsonb array of strings) holds `*`, the event's type (`ticket.created`) or its resource's wildcard
-- (`ticket.*`). A plain SQL expression (IMMUTABLE, no SET clause) so the planner can inline it where it is called;
-- operators schema-qualified because callers pin other search_paths.
CREATE OR REPLACE FUNCTION public.app_webhook_subscribes(p_enabled_events jsonb, p_type text, p_object_type text)
RETURNS boolean
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
  SELECT p_enabled_events OPERATOR(pg_catalog.?|) ARRAY['*', p_type, p_object_type OPERATOR(pg_catalog.||) '.*']
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_webhook_subscribes(jsonb, text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_webhook_subscribes(jsonb, text, text) TO app_api;
--> statement-breakpoint

-- 2. The fan-out (0019's app_fan_out_event, unchanged but for the rule, which it now calls).
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
      AND public.app_webhook_subscribes(e.enabled_events, NEW.type, NEW.object_type)
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
