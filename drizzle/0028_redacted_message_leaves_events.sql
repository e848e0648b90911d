-- Custom migration: a redacted message's body leaves the event feed too. Redaction removes a message's body (and its
-- search terms, 0012); the events of that message still held it (`message.created`'s object for the feed's 30 days,
-- and `message.redacted`'s previous values, which webhooks delivered at the moment of the redaction). Webhook payloads
-- are built from the stored event when they are sent (src/webhooks/delivery.ts), so scrubbing the events also covers
-- deliveries still pending and later redeliveries. Runs as the migration owner. Idempotent.

-- 1. app_scrub_redacted_message(): in the redaction's transaction, every stored event of the message loses the body
-- (the object's is set to null, as the message now is; the previous values lose the key, so a `message.redacted`
-- event's previousAttributes are the redaction's own fields). SECURITY DEFINER like app_record_event (app_api may not
-- change events), search_path pinned, every name qualified. Its trigger is named to fire after
-- messages_record_event (AFTER triggers fire in name order), so the `message.redacted` event it just wrote is
-- scrubbed as well.
CREATE OR REPLACE FUNCTION public.app_scrub_redacted_message()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE public.events e
  SET object = e.object || pg_catalog.jsonb_build_object('body', NULL),
      previous = e.previous - 'body'
  WHERE e.organization_id = NEW.organization_id
    AND e.object_id = NEW.id
    AND e.object_type = 'message'
    AND (e.object -> 'body' IS DISTINCT FROM 'null'::jsonb OR e.previous ? 'body');
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_scrub_redacted_message() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER messages_scrub_redacted_events AFTER UPDATE OF redacted_at ON public.messages
  FOR EACH ROW WHEN (OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL)
  EXECUTE FUNCTION public.app_scrub_redacted_message();
--> statement-breakpoint

-- 2. Messages redacted before this migration: their events lose the body now (as the owner, who is not subject to
-- RLS: a superuser or BYPASSRLS, as in 0012).
UPDATE public.events e
SET object = e.object || jsonb_build_object('body', NULL),
    previous = e.previous - 'body'
FROM public.messages m
WHERE e.organization_id = m.organization_id
  AND e.object_id = m.id
  AND e.object_type = 'message'
  AND m.redacted_at IS NOT NULL
  AND (e.object -> 'body' IS DISTINCT FROM 'null'::jsonb OR e.previous ? 'body');
