-- Custom migration: the end of a budget's next period (src/resources/budgets/budgets.data.ts, `nextPeriod`). The
-- next period starts the day after this one ends (b.period_end + 1, "n") and ends the day before the anchor day one
-- `period` after n's month, or on the day before that month's last day when the month lacks the anchor day
-- (n + interval '1 month' - 1 day alone clamped the anchor for good: 30 Jan → 28 Feb → 28 Mar → ...). DAILY and
-- WEEKLY have no anchor: 1 and 7 days.
--
-- The anchor: n's day, unless n is the last day of its month, where it may stand in for a later day: then the latest
-- day among the starts of this period and of the periods before it (same name and period, each ending the day before
-- the next starts) back to one not on a month end, which is the anchor as given. 31 needs no look further; 8 steps
-- back cover the 7 common years from 2096 to 2104 of a YEARLY anchored on 29 February. With no earlier period, a
-- start on a month end is taken at its word (a YEARLY from 28 Feb 2029 is anchored on the 28th, not the 29th).
-- Calendar periods (1st … last day) start on the 1st: exact, as before.
--
-- SECURITY INVOKER: app_api reads budgets under its tenant's row-level security. Idempotent.
CREATE OR REPLACE FUNCTION public.app_budget_next_end(b public.budgets)
RETURNS date
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH RECURSIVE starts(s, depth) AS (
    SELECT b.period_start, 0
    UNION ALL
    SELECT p.period_start, starts.depth + 1
    FROM starts JOIN public.budgets p
      ON p.organization_id = b.organization_id AND p.name = b.name AND p.period = b.period
      AND p.period_end = starts.s - 1
    WHERE extract(day FROM starts.s + 1) = 1 AND extract(day FROM starts.s) < 31 AND starts.depth < 8
  )
  SELECT CASE b.period::text
    WHEN 'DAILY' THEN n
    WHEN 'WEEKLY' THEN n + 6
    ELSE least(m + anchor, (m + interval '1 month')::date) - 2
  END
  FROM (SELECT b.period_end + 1 AS n) n0,
    LATERAL (SELECT (n - extract(day FROM n)::int + 1 + CASE b.period::text
      WHEN 'MONTHLY' THEN interval '1 month' WHEN 'QUARTERLY' THEN interval '3 months' ELSE interval '1 year'
    END)::date AS m) m0,
    LATERAL (SELECT CASE WHEN extract(day FROM n + 1) <> 1 THEN extract(day FROM n)::int
      ELSE greatest(extract(day FROM n)::int, (SELECT max(extract(day FROM s))::int FROM starts)) END AS anchor) a0
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_budget_next_end(public.budgets) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_budget_next_end(public.budgets) TO app_api;
