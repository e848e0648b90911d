-- Custom migration: a redacted message loses its metadata's sources as well as its body. An AI message's sources
-- ({title, url}) can quote or link what was said; its model and confidence say who answered and how sure it was,
-- like the author that a redaction keeps, and stay. The redaction's UPDATE removes the key
-- (src/resources/messages/messages.data.ts redactMessage); this migration makes the events of the message follow it
-- and does the same for messages redacted before it. Runs as the migration owner. Idempotent.

-- 1. app_scrub_redacted_message() (0028): every stored event of the message now also takes the message's metadata as
-- the redaction left it (so the rule of what goes is written once, in the redaction), and the previous values lose
-- the key as they lose the body, so a `message.redacted` event's previousAttributes stay the redaction's own fields.
-- CREATE OR REPLACE keeps its trigger (messages_scrub_redacted_events).
CREATE OR REPLACE FUNCTION public.app_scrub_redacted_message()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE public.events e
  SET object = e.object || pg_catalog.jsonb_build_object('body', NULL, 'metadata', NEW.metadata),
      previous = e.previous - 'body' - 'metadata'
  WHERE e.organization_id = NEW.organization_id
    AND e.object_id = NEW.id
    AND e.object_type = 'message'
    AND (e.object -> 'body' IS DISTINCT FROM 'null'::jsonb
      OR e.object -> 'metadata' IS DISTINCT FROM coalesce(NEW.metadata, 'null'::jsonb)
      OR e.previous ?| ARRAY['body', 'metadata']);
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_scrub_redacted_message() FROM PUBLIC;
--> statement-breakpoint

-- 2. Messages redacted before this migration lose their sources now, with the next version and updated_at (their
-- ETag must change with their representation), as the owner (not subject to RLS, as in 0012). Without an event:
-- messages_record_event would store the sources as the change's previous value, which is what is being removed; the
-- message's earlier events take the new metadata in step 3 instead.
ALTER TABLE public.messages DISABLE TRIGGER messages_record_event;
--> statement-breakpoint
UPDATE public.messages m
SET metadata = m.metadata - 'sources',
    version = m.version + 1,
    updated_at = greatest(now(), m.updated_at)
WHERE m.redacted_at IS NOT NULL
  AND m.metadata ? 'sources';
--> statement-breakpoint
ALTER TABLE public.messages ENABLE TRIGGER messages_record_event;
--> statement-breakpoint

-- 3. Their events, as the function does it.
UPDATE public.events e
SET object = e.object || jsonb_build_object('body', NULL, 'metadata', m.metadata),
    previous = e.previous - 'body' - 'metadata'
FROM public.messages m
WHERE e.organization_id = m.organization_id
  AND e.object_id = m.id
  AND e.object_type = 'message'
  AND m.redacted_at IS NOT NULL
  AND (e.object -> 'body' IS DISTINCT FROM 'null'::jsonb
    OR e.object -> 'metadata' IS DISTINCT FROM coalesce(m.metadata, 'null'::jsonb)
    OR e.previous ?| ARRAY['body', 'metadata']);
