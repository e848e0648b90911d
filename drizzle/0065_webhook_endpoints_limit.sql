-- Custom migration: at most 20 webhook endpoints per organization. Every change of an organization inserts one
-- delivery per subscribed endpoint in its own transaction (app_fan_out_event), and GET /v1/events/{id}/deliveries
-- lists an event's deliveries (one per endpoint) on one page: without a bound on the endpoints, one organization
-- could make each of its writes, and that list, as large as it likes. So the database refuses the endpoint past the
-- limit (OA051 → 422 WEBHOOK_ENDPOINT_LIMIT_REACHED), enabled or not (a disabled one can be enabled again without
-- a new check). Concurrent registrations of one organization take a transaction-level advisory lock (keyed like
-- app_limit_active_decision_rules's: a hash of a name and the organization id) before counting, so two of them
-- never both see 19. Organizations already past the limit keep their endpoints; they only cannot add one until
-- they are below it (test/webhooks/endpoint-limit.test.ts). Runs as the migration owner. Idempotent.
CREATE OR REPLACE FUNCTION public.app_limit_webhook_endpoints()
RETURNS trigger
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
AS $$
BEGIN
  PERFORM pg_catalog.pg_advisory_xact_lock(
    ('x' || pg_catalog.substr(pg_catalog.md5('webhook-endpoints:' || NEW.organization_id::text), 1, 16))::bit(64)::bigint
  );
  IF (SELECT count(*) FROM public.webhook_endpoints
      WHERE organization_id = NEW.organization_id AND id <> NEW.id) >= 20 THEN
    RAISE EXCEPTION 'an organization has at most 20 webhook endpoints' USING ERRCODE = 'OA051';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER webhook_endpoints_limit BEFORE INSERT ON public.webhook_endpoints
  FOR EACH ROW EXECUTE FUNCTION public.app_limit_webhook_endpoints();
