-- Custom migration: `auto` keeps the customer's preference under concurrency. 0042/0044's
-- app_take_representative(uuid[], uuid) skipped every candidate another assigner held (SKIP LOCKED) on a first pass
-- over all of them, so a burst for a Spanish-speaking customer went to free English speakers while the Spanish
-- speaker, held for a moment by the assignment ahead, still had room (test/escalations/concurrency.test.ts).
-- The caller now passes each candidate's rank (equal for candidates the preferences rank alike: language match, then
-- skill matches), and the candidates are taken rank by rank: within a rank, held ones are skipped on a first pass and
-- waited for on a second (as before, so equally ranked assignments still run in parallel); a worse rank is tried
-- only when every candidate of the better one was found full. Otherwise 0044's function: the representative's lock,
-- then its user's FOR SHARE, the room counted once both are held, a full one released at once (subtransaction).
-- The two-argument function stays for the Worker version deployed before this migration (a later one may drop it).
CREATE OR REPLACE FUNCTION public.app_take_representative(p_candidates uuid[], p_ranks integer[], p_escalation_id uuid)
RETURNS uuid
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
AS $$
DECLARE
  v_org uuid := nullif(pg_catalog.current_setting('app.organization_id', true), '')::uuid;
  v_count integer := coalesce(pg_catalog.array_length(p_candidates, 1), 0);
  v_next integer := 1;
  v_rank uuid[];
  v_busy uuid[];
  v_candidate uuid;
  v_pass integer;
BEGIN
  WHILE v_next <= v_count LOOP
    -- The next rank: the candidates ranked alike, in the caller's order (fewest open escalations first).
    v_rank := '{}';
    LOOP
      v_rank := v_rank || p_candidates[v_next];
      v_next := v_next + 1;
      EXIT WHEN v_next > v_count OR p_ranks[v_next] IS DISTINCT FROM p_ranks[v_next - 1];
    END LOOP;
    v_busy := '{}';
    FOR v_pass IN 1..2 LOOP
      FOREACH v_candidate IN ARRAY (CASE WHEN v_pass = 1 THEN v_rank ELSE v_busy END) LOOP
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
  END LOOP;
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_take_representative(uuid[], integer[], uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_take_representative(uuid[], integer[], uuid) TO app_api;
