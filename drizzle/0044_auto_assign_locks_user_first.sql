-- Custom migration: `auto` assignment locks the picked representative's user FOR SHARE right after the
-- representative, before the UPDATE locks the escalation. The assignee trigger of 0017 takes that same lock, but only
-- once the escalation is held, while a deactivation holds the users it checks (the person, the other active admins)
-- and then waits for the person's escalations: "auto holds the escalation, waits for the user; the deactivation holds
-- the user, waits for the escalation" closed a cycle and Postgres aborted one request as a deadlock (409
-- CONCURRENT_UPDATE; test/escalations/admin-deactivation-lock-order.test.ts). The named assignment takes the same
-- lock in escalations.data.ts (assigneeUserLock). app_take_representative is otherwise 0042's. Idempotent.
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
            WHERE r.organization_id = v_org AND r.id = v_candidate FOR NO KEY UPDATE SKIP LOCKED;
          IF NOT FOUND THEN
            v_busy := v_busy || v_candidate;
            CONTINUE;
          END IF;
        ELSE
          PERFORM 1 FROM public.representatives r
            WHERE r.organization_id = v_org AND r.id = v_candidate FOR NO KEY UPDATE;
        END IF;
        PERFORM 1 FROM public.users u
          JOIN public.representatives r ON r.organization_id = u.organization_id AND r.user_id = u.id
        WHERE r.organization_id = v_org AND r.id = v_candidate FOR SHARE OF u;
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
