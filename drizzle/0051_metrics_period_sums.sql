-- QUARTER and YEAR metric rows are summed from their MONTH rows (src/resources/metrics/metrics.data.ts,
-- rollupStatement): every row now keeps the additive sums behind its means and rates, so a sum of months gives exact
-- means. Computing quarters and years from the source rows instead made a one-day computation of a large tenant
-- read two years of tickets and miss the request deadline (README "Metrics").
ALTER TABLE "performance_metrics" ADD COLUMN IF NOT EXISTS "response_count" integer;--> statement-breakpoint
ALTER TABLE "performance_metrics" ADD COLUMN IF NOT EXISTS "response_seconds" numeric;--> statement-breakpoint
ALTER TABLE "performance_metrics" ADD COLUMN IF NOT EXISTS "resolution_count" integer;--> statement-breakpoint
ALTER TABLE "performance_metrics" ADD COLUMN IF NOT EXISTS "resolution_seconds" numeric;--> statement-breakpoint
ALTER TABLE "performance_metrics" ADD COLUMN IF NOT EXISTS "ai_resolved_count" integer;--> statement-breakpoint
ALTER TABLE "team_performance" ADD COLUMN IF NOT EXISTS "response_count" integer;--> statement-breakpoint
ALTER TABLE "team_performance" ADD COLUMN IF NOT EXISTS "response_seconds" numeric;--> statement-breakpoint
ALTER TABLE "team_performance" ADD COLUMN IF NOT EXISTS "resolution_count" integer;--> statement-breakpoint
ALTER TABLE "team_performance" ADD COLUMN IF NOT EXISTS "resolution_seconds" numeric;--> statement-breakpoint
ALTER TABLE "team_performance" ADD COLUMN IF NOT EXISTS "quarter_handled" integer;--> statement-breakpoint
ALTER TABLE "team_performance" ADD COLUMN IF NOT EXISTS "year_handled" integer;
--> statement-breakpoint

-- Backfill: the MONTH rows computed before this migration (the only rows that are summed) take their sums from the
-- source rows as they are now, with the same definitions as metricsStatement (durations below zero count 0; AI
-- resolved = resolved, never escalated, first response not a person's; a team row's tickets = those currently
-- assigned). Each sum comes with its own count, so a mean never divides one snapshot's seconds by another's count
-- even where the source rows changed since the row's counts were computed. The rows' API representation does not
-- change, so neither do their version and updated_at. Cost: one pass over every tenant's tickets (as the owner, not
-- subject to RLS, as in 0045) and one update of each MONTH row. DAY and WEEK rows keep NULL until next computed
-- (nothing sums them). Idempotent (it writes the same values again).
WITH ticket_events AS (
  SELECT tk.organization_id, tk.assigned_representative_id AS representative_id, e.kind,
    (e.at AT TIME ZONE 'UTC')::date AS day,
    (tk.created_at AT TIME ZONE 'UTC')::date AS created_day,
    (tk.first_response_at AT TIME ZONE 'UTC')::date AS responded_day,
    CASE e.kind
      WHEN 'responded' THEN greatest(extract(epoch FROM tk.first_response_at - tk.created_at), 0)
      WHEN 'resolved' THEN greatest(extract(epoch FROM tk.resolved_at - tk.created_at), 0)
    END AS seconds,
    (e.kind = 'resolved'
      AND NOT EXISTS (SELECT 1 FROM public.escalations x WHERE x.organization_id = tk.organization_id AND x.ticket_id = tk.id)
      AND NOT coalesce(tk.first_response_by_type = 'REPRESENTATIVE',
        tk.first_response_at IS NOT NULL AND tk.assigned_representative_id IS NOT NULL)) AS ai_resolved
  FROM public.tickets tk
  CROSS JOIN LATERAL (VALUES ('created', tk.created_at), ('responded', tk.first_response_at),
    ('resolved', tk.resolved_at)) AS e(kind, at)
  WHERE e.at IS NOT NULL
    AND EXISTS (SELECT 1 FROM public.performance_metrics pm WHERE pm.organization_id = tk.organization_id AND pm.period = 'MONTH')
),
-- An event is its ticket's first in its quarter / year (what tickets_handled counts once per ticket and period).
firsts AS (
  SELECT *,
    (kind = 'created'
      OR (kind = 'responded' AND date_trunc('quarter', day::timestamp) IS DISTINCT FROM date_trunc('quarter', created_day::timestamp))
      OR (kind = 'resolved' AND date_trunc('quarter', day::timestamp) IS DISTINCT FROM date_trunc('quarter', created_day::timestamp)
        AND date_trunc('quarter', day::timestamp) IS DISTINCT FROM date_trunc('quarter', responded_day::timestamp))) AS first_of_quarter,
    (kind = 'created'
      OR (kind = 'responded' AND date_trunc('year', day::timestamp) IS DISTINCT FROM date_trunc('year', created_day::timestamp))
      OR (kind = 'resolved' AND date_trunc('year', day::timestamp) IS DISTINCT FROM date_trunc('year', created_day::timestamp)
        AND date_trunc('year', day::timestamp) IS DISTINCT FROM date_trunc('year', responded_day::timestamp))) AS first_of_year
  FROM ticket_events
),
month_sums AS (
  SELECT organization_id, representative_id, date_trunc('month', day::timestamp)::date AS month,
    count(*) FILTER (WHERE kind = 'responded') AS response_count,
    coalesce(sum(seconds) FILTER (WHERE kind = 'responded'), 0) AS response_seconds,
    count(*) FILTER (WHERE kind = 'resolved') AS resolution_count,
    coalesce(sum(seconds) FILTER (WHERE kind = 'resolved'), 0) AS resolution_seconds,
    count(*) FILTER (WHERE ai_resolved) AS ai_resolved_count,
    count(*) FILTER (WHERE first_of_quarter) AS quarter_handled,
    count(*) FILTER (WHERE first_of_year) AS year_handled
  FROM firsts
  GROUP BY 1, 2, 3
),
organization_updates AS (
  UPDATE public.performance_metrics pm
  SET response_count = coalesce(s.response_count, 0),
      response_seconds = coalesce(s.response_seconds, 0),
      resolution_count = coalesce(s.resolution_count, 0),
      resolution_seconds = coalesce(s.resolution_seconds, 0),
      ai_resolved_count = coalesce(s.ai_resolved_count, 0)
  FROM public.performance_metrics m
  LEFT JOIN (SELECT organization_id, month, sum(response_count)::int AS response_count,
      sum(response_seconds) AS response_seconds, sum(resolution_count)::int AS resolution_count,
      sum(resolution_seconds) AS resolution_seconds, sum(ai_resolved_count)::int AS ai_resolved_count
    FROM month_sums GROUP BY 1, 2) s ON s.organization_id = m.organization_id AND s.month = m.period_start
  WHERE pm.id = m.id AND m.period = 'MONTH'
  RETURNING 1
)
UPDATE public.team_performance tp
SET response_count = coalesce(s.response_count, 0),
    response_seconds = coalesce(s.response_seconds, 0),
    resolution_count = coalesce(s.resolution_count, 0),
    resolution_seconds = coalesce(s.resolution_seconds, 0),
    quarter_handled = coalesce(s.quarter_handled, 0),
    year_handled = coalesce(s.year_handled, 0)
FROM public.team_performance t
LEFT JOIN month_sums s
  ON s.organization_id = t.organization_id AND s.representative_id = t.representative_id AND s.month = t.period_start
WHERE tp.id = t.id AND t.period = 'MONTH';
