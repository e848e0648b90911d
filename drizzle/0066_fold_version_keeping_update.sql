-- A refund auto-approved by the rules whose budget could not be charged got its charge outcome noted by a second
-- UPDATE in its creating batch, which raised its version to 2: a CUSTOMER (who never sees the trace) could tell it
-- from a refund left for review (version 1). The note now keeps the version (src/resources/budgets/budgets.data.ts
-- noteChargeFailure), and app_record_event folds an update that keeps the version into that version's events of
-- the same transaction instead of writing an event whose version would repeat (so the refund has one
-- refund.created, showing the note). Events written before stay as they were. Runs as the migration owner.
-- Idempotent.

-- app_record_event(), as 0062 defined it, plus the fold. CREATE OR REPLACE keeps its triggers.
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

  -- An update that keeps the version is part of the state its version already names: the row's first committed
  -- state when this transaction created it (a refund's failed auto-charge, noted in its creating batch). It is
  -- folded into that version's events of this transaction, which then show the row as committed; no event of its
  -- own, whose version would repeat. Elsewhere (an operator's direct SQL) it is an event as before.
  IF TG_OP = 'UPDATE' AND v_row -> 'version' = pg_catalog.to_jsonb(OLD) -> 'version' THEN
    UPDATE public.events e SET object = v_row
    WHERE e.organization_id = v_organization_id AND e.object_type = v_object_type
      AND e.object_id = (v_row ->> v_id_column)::uuid AND e.object -> 'version' = v_row -> 'version'
      AND e.xmin = pg_catalog.pg_current_xact_id()::xid;
    IF FOUND THEN
      RETURN NULL;
    END IF;
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
