-- Custom migration: inactive people are never assigned, and `auto` assignment locks only the representative it
-- takes. See DATABASE.md ("Assignment") and src/resources/escalations/escalations.data.ts.

-- 1. A ticket or an escalation gets (by INSERT, or by an UPDATE that changes its assignee) only a representative
-- whose user is active; otherwise OA030 (409 REPRESENTATIVE_INACTIVE, src/lib/errors.ts). An unknown
-- representative is left to the foreign key (INVALID_REFERENCE), as before. The user row is locked FOR SHARE: a
-- concurrent deactivation (PATCH /v1/users/{id} isActive false, which unassigns that person's open work in its own
-- transaction) either commits first, and the assignment is refused, or waits for the assignment and then
-- unassigns it: nobody inactive keeps work either way.
CREATE OR REPLACE FUNCTION public.app_assignee_must_be_active()
RETURNS trigger
LANGUAGE plpgsql
SECURITY INVOKER
AS $$
BEGIN
  PERFORM 1 FROM public.representatives r
    JOIN public.users u ON u.organization_id = r.organization_id AND u.id = r.user_id
    WHERE r.organization_id = NEW.organization_id AND r.id = NEW.assigned_representative_id AND u.is_active
    FOR SHARE OF u;
  IF NOT FOUND AND EXISTS (
    SELECT 1 FROM public.representatives r
    WHERE r.organization_id = NEW.organization_id AND r.id = NEW.assigned_representative_id
  ) THEN
    RAISE EXCEPTION 'the representative''s user account is not active' USING ERRCODE = 'OA030';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_assignee_must_be_active() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_assignee_must_be_active() TO app_api;
--> statement-breakpoint
CREATE TRIGGER tickets_assignee_active_on_insert BEFORE INSERT ON public.tickets
  FOR EACH ROW WHEN (NEW.assigned_representative_id IS NOT NULL)
  EXECUTE FUNCTION public.app_assignee_must_be_active();
--> statement-breakpoint
CREATE TRIGGER tickets_assignee_active_on_update BEFORE UPDATE OF assigned_representative_id ON public.tickets
  FOR EACH ROW WHEN (NEW.assigned_representative_id IS NOT NULL
    AND NEW.assigned_representative_id IS DISTINCT FROM OLD.assigned_representative_id)
  EXECUTE FUNCTION public.app_assignee_must_be_active();
--> statement-breakpoint
CREATE TRIGGER escalations_assignee_active_on_insert BEFORE INSERT ON public.escalations
  FOR EACH ROW WHEN (NEW.assigned_representative_id IS NOT NULL)
  EXECUTE FUNCTION public.app_assignee_must_be_active();
--> statement-breakpoint
CREATE TRIGGER escalations_assignee_active_on_update BEFORE UPDATE OF assigned_representative_id ON public.escalations
  FOR EACH ROW WHEN (NEW.assigned_representative_id IS NOT NULL
    AND NEW.assigned_representative_id IS DISTINCT FROM OLD.assigned_representative_id)
  EXECUTE FUNCTION public.app_assignee_must_be_active();
--> statement-breakpoint

-- 2. A representative's open load: its ASSIGNED or IN_PROGRESS escalations in the bound tenant, not counting
-- `p_except` (the escalation being assigned, so reassigning it to the same person does not count it twice).
-- The one definition of "open load": the assignment statements and app_take_representative use it.
CREATE OR REPLACE FUNCTION public.app_open_escalations(p_representative_id uuid, p_except uuid)
RETURNS integer
LANGUAGE sql
STABLE
SECURITY INVOKER
AS $$
  SELECT count(*)::integer FROM public.escalations e
  WHERE e.organization_id = nullif(pg_catalog.current_setting('app.organization_id', true), '')::uuid
    AND e.assigned_representative_id = p_representative_id
    AND e.status IN ('ASSIGNED', 'IN_PROGRESS')
    AND e.id <> p_except
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_open_escalations(uuid, uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_open_escalations(uuid, uuid) TO app_api;
--> statement-breakpoint

-- 3. `auto` assignment: the first of `p_candidates` (in the caller's order of preference) that, once this
-- transaction holds its row lock, is still ONLINE, active and below its max_concurrent_tickets; NULL when none.
-- - Candidates another assigner holds are skipped (SKIP LOCKED) on the first pass and waited for only on the second,
--   when no free candidate had room: assignments to different representatives run in parallel, and a
--   representative with room is never passed over because it was busy for a moment.
-- - The load is counted by a statement that starts after the lock is held, and every assigner holds the lock while
--   it counts and assigns (until commit): capacity is exact under any concurrency.
-- - A candidate found full or no longer eligible is released at once: its lock was taken in a subtransaction, which
--   is rolled back. A transaction thus waits for at most one lock at a time and holds no other representative's:
--   assigners never deadlock.
CREATE OR REPLACE FUNCTION public.app_take_representative(p_candidates uuid[], p_escalation_id uuid)
RETURNS uuid
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
AS $$
DECLARE
  v_org uuid := nullif(pg_catalog.current_setting('app.organization_id', true), '')::uuid;
  v_candidate uuid;
  v_busy uuid[] := '{}';
  v_pass integer;
BEGIN
  FOR v_pass IN 1..2 LOOP
    FOREACH v_candidate IN ARRAY (CASE WHEN v_pass = 1 THEN p_candidates ELSE v_busy END) LOOP
      BEGIN
        IF v_pass = 1 THEN
          PERFORM 1 FROM public.representatives r
            WHERE r.organization_id = v_org AND r.id = v_candidate FOR UPDATE SKIP LOCKED;
          IF NOT FOUND THEN
            v_busy := v_busy || v_candidate;
            CONTINUE;
          END IF;
        ELSE
          PERFORM 1 FROM public.representatives r
            WHERE r.organization_id = v_org AND r.id = v_candidate FOR UPDATE;
        END IF;
        IF EXISTS (
          SELECT 1 FROM public.representatives r
            JOIN public.users u ON u.organization_id = r.organization_id AND u.id = r.user_id
          WHERE r.organization_id = v_org AND r.id = v_candidate AND r.status = 'ONLINE' AND u.is_active
            AND public.app_open_escalations(r.id, p_escalation_id) < r.max_concurrent_tickets
        ) THEN
          RETURN v_candidate;
        END IF;
        RAISE EXCEPTION 'representative full' USING ERRCODE = 'OA031';
      EXCEPTION WHEN SQLSTATE 'OA031' THEN
        NULL;
      END;
    END LOOP;
  END LOOP;
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_take_representative(uuid[], uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_take_representative(uuid[], uuid) TO app_api;
