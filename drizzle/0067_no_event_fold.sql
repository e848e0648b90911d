-- Undoes 0066's fold. 0066 folded an UPDATE that kept a row's version into that version's events "of this
-- transaction", found by the events' xmin. That was unsound: an owner's UPDATE of committed events (the redaction
-- scrub) gives them the current xmin, and app_api may write `version`, so a version-keeping update could rewrite an
-- event committed earlier, or hide a status change in the event of an earlier update; events in a subtransaction
-- have another xmin, and a frozen xmin repeats after wraparound. The one update it was for, a refund's failed
-- auto-charge note, is now written by the refund's INSERT (src/resources/budgets/budgets.data.ts chargeOutlook), so
-- no fold is needed: events are again only ever inserted. Events folded meanwhile stay as they are. Runs as the
-- migration owner. Idempotent.

-- app_record_event(), exactly as 0062 defined it. CREATE OR REPLACE keeps its triggers.
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
