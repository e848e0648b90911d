-- Custom migration: attachments have events of their own. An upload inserts a message_attachments row and raises its
-- message's version and updated_at only, which app_record_event ignores (no event), so the feed and webhooks never
-- learned of a file. Now the attachments table records `attachment.created` / `.updated` / `.deleted` through the same
-- trigger function as every other table (same transaction, actor, request id and Idempotency-Key), and a redaction
-- (which deletes the message's attachments after redacting it) clears the file name and the content's digest from
-- every stored event of the message's attachments, as it clears the body from the message's own events. The types
-- and the object type are in the events CHECKs since 0073 (generated from src/db/schema/events.ts). Runs as the
-- migration owner. Idempotent. No attachment event exists before it: nothing to scrub for earlier redactions (they
-- left no attachment either).

-- 1. What a redaction leaves of an attachment in its events, the one rule: no file name (the sender's words, often
-- what the file is about) and no SHA-256 (a fingerprint that confirms a guessed file); the id, message, media type,
-- size and times stay, like a redacted message's author and model. `previous` (true): the changed values before an
-- UPDATE lose the keys instead, as a redacted message's previous values lose the body.
CREATE OR REPLACE FUNCTION public.app_redacted_attachment(fields jsonb, previous boolean)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN previous THEN fields - ARRAY['file_name', 'sha256']
    ELSE fields || pg_catalog.jsonb_build_object('file_name', NULL, 'sha256', NULL) END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_redacted_attachment(jsonb, boolean) FROM PUBLIC;
--> statement-breakpoint

-- 2. app_record_event(), as 0067 defined it, and an attachment of a redacted message recorded scrubbed (its
-- deletion by the redaction comes after the redaction's scrub, below). CREATE OR REPLACE keeps its triggers.
CREATE OR REPLACE FUNCTION public.app_record_event()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_object_type text := TG_ARGV[0];
  v_id_column text := TG_ARGV[1];
  v_status_column text := nullif(TG_ARGV[2], '');
  v_assignee_column text := nullif(TG_ARGV[3], '');
  v_ignored text[] := ARRAY['version', 'updated_at'] || TG_ARGV[4]::text[];
  v_row jsonb;
  v_previous jsonb;
  v_organization_id uuid;
  v_verb text;
  v_types text[];
  v_type text;
  v_context record;
BEGIN
  v_row := CASE WHEN TG_OP = 'DELETE' THEN pg_catalog.to_jsonb(OLD) ELSE pg_catalog.to_jsonb(NEW) END;
  v_organization_id := (v_row ->> CASE WHEN TG_TABLE_NAME = 'organizations' THEN 'id' ELSE 'organization_id' END)::uuid;

  IF TG_OP = 'INSERT' THEN
    v_types := ARRAY[v_object_type || '.created'];
    IF v_status_column IS NOT NULL THEN
      v_verb := public.app_event_status_verb(v_object_type, v_row ->> v_status_column);
      IF v_verb NOT IN ('updated', 'status_changed') THEN
        v_types := v_types || (v_object_type || '.' || v_verb);
      END IF;
    END IF;
    IF v_assignee_column IS NOT NULL AND v_row ->> v_assignee_column IS NOT NULL
       AND NOT (v_object_type || '.assigned') = ANY (v_types) THEN
      v_types := v_types || (v_object_type || '.assigned');
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT pg_catalog.jsonb_object_agg(o.key, o.value) INTO v_previous
    FROM pg_catalog.jsonb_each(pg_catalog.to_jsonb(OLD)) o
    WHERE NOT (o.key = ANY (v_ignored)) AND o.value IS DISTINCT FROM v_row -> o.key;
    IF v_previous IS NULL THEN
      RETURN NULL;
    END IF;
    IF v_status_column IS NOT NULL AND v_previous ? v_status_column THEN
      v_verb := public.app_event_status_verb(v_object_type, v_row ->> v_status_column);
    END IF;
    -- A status without a verb of its own (`updated`) yields to a change of the assignee: an escalation handed back
    -- to the queue (PENDING, no assignee) is `escalation.unassigned`.
    IF v_verb IS NOT NULL AND NOT (v_verb = 'updated' AND v_assignee_column IS NOT NULL
                                   AND v_previous ? v_assignee_column) THEN
      v_types := ARRAY[v_object_type || '.' || v_verb];
    ELSIF v_assignee_column IS NOT NULL AND v_previous ? v_assignee_column THEN
      v_types := ARRAY[v_object_type || CASE WHEN v_row ->> v_assignee_column IS NULL THEN '.unassigned' ELSE '.assigned' END];
    ELSE
      v_types := ARRAY[v_object_type || '.updated'];
    END IF;
  ELSE
    -- A deletion cascading from its organization's: the organization's feed goes with it (and could not
    -- reference it any more).
    IF NOT EXISTS (SELECT 1 FROM public.organizations o WHERE o.id = v_organization_id) THEN
      RETURN NULL;
    END IF;
    v_types := ARRAY[v_object_type || '.deleted'];
  END IF;

  -- The resources whose representation joins another table: the joined fields as they are in this transaction.
  IF TG_TABLE_NAME = 'representatives' OR TG_TABLE_NAME = 'customer_profiles' THEN
    v_row := v_row || coalesce((
      SELECT pg_catalog.jsonb_build_object('name', u.name, 'email', u.email, 'is_active', u.is_active,
        'user_created_at', u.created_at)
      FROM public.users u WHERE u.organization_id = v_organization_id AND u.id = (v_row ->> 'user_id')::uuid
    ), '{}'::jsonb);
  ELSIF TG_TABLE_NAME = 'users' THEN
    v_row := v_row || pg_catalog.jsonb_build_object('representative_id', (
      SELECT r.id FROM public.representatives r
      WHERE r.organization_id = v_organization_id AND r.user_id = (v_row ->> 'id')::uuid
    ));
  ELSIF TG_TABLE_NAME = 'message_attachments' AND EXISTS (
    SELECT 1 FROM public.messages m
    WHERE m.organization_id = v_organization_id AND m.id = (v_row ->> 'message_id')::uuid
      AND m.redacted_at IS NOT NULL
  ) THEN
    -- An attachment of a redacted message: the redaction's deletion of it (which follows the redaction, and so its
    -- scrub) is recorded as the scrub leaves the attachment's other events.
    v_row := public.app_redacted_attachment(v_row, false);
    v_previous := public.app_redacted_attachment(v_previous, true);
  END IF;

  SELECT * INTO v_context FROM public.app_event_context();
  FOREACH v_type IN ARRAY v_types LOOP
    INSERT INTO public.events (organization_id, type, object_type, object_id, object, previous, actor_type,
      actor_role, actor_id, request_id, idempotency_key)
    VALUES (
      v_organization_id, v_type, v_object_type, (v_row ->> v_id_column)::uuid, v_row, v_previous,
      v_context.actor_type, v_context.actor_role, v_context.actor_id, v_context.request_id, v_context.idempotency_key
    );
  END LOOP;
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_record_event() FROM PUBLIC;
--> statement-breakpoint

-- 3. app_scrub_redacted_message() (0045), and the events of the message's attachments: the redaction's UPDATE fires
-- it before the same batch deletes them (messages.data.ts redactMessage), so they are still there to name their
-- events (by id: the object-id index). CREATE OR REPLACE keeps its trigger (messages_scrub_redacted_events).
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
  UPDATE public.events e
  SET object = public.app_redacted_attachment(e.object, false),
      previous = public.app_redacted_attachment(e.previous, true)
  WHERE e.organization_id = NEW.organization_id
    AND e.object_type = 'attachment'
    AND e.object_id IN (
      SELECT a.id FROM public.message_attachments a
      WHERE a.organization_id = NEW.organization_id AND a.message_id = NEW.id
    )
    AND (e.object IS DISTINCT FROM public.app_redacted_attachment(e.object, false)
      OR e.previous IS DISTINCT FROM public.app_redacted_attachment(e.previous, true));
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_scrub_redacted_message() FROM PUBLIC;
--> statement-breakpoint

-- 4. The attachments' own trigger: no status or assignee column, nothing ignored but version and updated_at.
CREATE OR REPLACE TRIGGER message_attachments_record_event AFTER INSERT OR UPDATE OR DELETE ON public.message_attachments
  FOR EACH ROW EXECUTE FUNCTION public.app_record_event('attachment', 'id', '', '', '{}');
