-- No metrics row for a period that ended before its organization existed: since the last release the computation
-- (src/resources/metrics/metrics.data.ts, rangeStartCte) starts a range no earlier than the organization's creation
-- day (the UTC day of organizations.created_at), so it never writes a DAY row before that day nor a WEEK, MONTH,
-- QUARTER or YEAR row that ended before it; the periods containing the creation day are written (partial) and stay.
-- Earlier releases wrote such rows (the zero-filled days and periods of a new organization's 7-day catch-up): this
-- deletes exactly those, from both tables. A period ends before the creation day exactly when it starts before the
-- period of its kind containing that day, the first one the computation generates (period_end = its last day).
-- QUARTER and YEAR rows are summed from their MONTH rows (rollupStatement): a quarter or year containing the
-- creation day stays, and the MONTH rows deleted from it counted nothing (the source rows' timestamps are the
-- database's clock at their write, never before their organization existed), so its sums stay those of its months.
-- Runs as the migration owner, who is not subject to RLS (a superuser locally, BYPASSRLS on Neon; as in 0045 and
-- 0051). A role under the tenant_isolation policies, with no tenant bound, would see and delete nothing and the
-- migration would still be recorded as applied: it is refused instead (row_security_active). Idempotent.
DO $$
BEGIN
  IF row_security_active('public.organizations') OR row_security_active('public.performance_metrics')
    OR row_security_active('public.team_performance') THEN
    RAISE EXCEPTION 'migration 0056 must run as a role that bypasses row-level security (the owner: a superuser or BYPASSRLS), not %', current_user;
  END IF;
END
$$;
--> statement-breakpoint
DELETE FROM public.performance_metrics pm
USING public.organizations o
WHERE o.id = pm.organization_id
  AND pm.period_end < (o.created_at AT TIME ZONE 'UTC')::date;
--> statement-breakpoint
DELETE FROM public.team_performance tp
USING public.organizations o
WHERE o.id = tp.organization_id
  AND tp.period_end < (o.created_at AT TIME ZONE 'UTC')::date;
