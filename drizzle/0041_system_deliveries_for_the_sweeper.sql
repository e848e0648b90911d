-- Custom migration: a delivery is born enqueued (enqueued_at = now(), 0019) because the request that made the change
-- sends it to the queue after its commit (TenantDb reads the new ids in the request's own batch). A change that no
-- caller's request makes (the API's own scheduled or queued work, a migration's data fix such as 0031's or 0032's,
-- an operator's SQL) has no such producer, so its deliveries sat until the sweeper's 10-minute lease ran out. They are
-- now born unclaimed (enqueued_at NULL) when no principal is bound (app.principal_role empty: SYSTEM or PLATFORM
-- work), and the sweeper, every minute, sends them. app_fan_out_event is otherwise 0024's. Idempotent.
CREATE OR REPLACE FUNCTION public.app_fan_out_event()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_ids text;
  v_enqueued timestamptz := CASE WHEN nullif(pg_catalog.current_setting('app.principal_role', true), '') IS NULL
    THEN NULL ELSE now() END;
BEGIN
  WITH created AS (
    INSERT INTO public.webhook_deliveries (organization_id, endpoint_id, event_id, enqueued_at)
    SELECT NEW.organization_id, e.id, NEW.id, v_enqueued
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
