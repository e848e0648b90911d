import { eq, gte, lte, type SQL, sql } from 'drizzle-orm'
import { listTable } from '../../db/crud'
import {
  escalations,
  type PerformanceMetrics,
  performanceMetrics,
  refunds,
  representatives,
  type TeamPerformance,
  teamPerformance,
  tickets,
} from '../../db/schema'
import type { Statement, TenantDb } from '../../db/tenant'
import type { SortOrder } from '../../lib/pagination'
import type { ListMetricsQuery, ListTeamMetricsQuery, MetricsSort } from './metrics.schemas'

/*
 * Metrics of docs/domain.md §5, computed from the source rows in SQL, per organization and period, and upserted.
 * Definitions (README "Metrics"); a period is [period_start 00:00 UTC, period_end + 1 day 00:00 UTC):
 * - ticketsCreated / ticketsResolved / ticketsClosed: tickets whose created_at / resolved_at / closed_at is in it;
 * - avgFirstResponseSeconds: mean of first_response_at − created_at over tickets first-responded in it;
 * - avgResolutionSeconds: mean of resolved_at − created_at over tickets resolved in it;
 *   (durations below zero count as 0; means are rounded to whole seconds, halves away from zero)
 * - escalationsCreated: escalations created in it; escalationRate = escalationsCreated ÷ ticketsCreated;
 * - aiResolutionRate = tickets resolved in it that never had an escalation and whose first response was not a
 *   person's ÷ ticketsResolved. Who answered first is recorded on the ticket (first_response_by_type: the first
 *   public message's author, or the first staff status change's actor; an AGENT's is the AI's); tickets answered
 *   before that was recorded count a first response while a representative is assigned as a person's;
 * - refunds: those requested (created_at) in it, by current status and currency (`refundsByCurrency`);
 *   refundsCount all of them, refundsApprovedCount the APPROVED or PROCESSED ones, refundsTotalAmount their
 *   approved (APPROVED + PROCESSED) amount in `currency`, the currency most of them were requested in (ties:
 *   alphabetical; USD when there were none);
 * - team rows, per representative, over the tickets currently assigned to them: ticketsHandled = created,
 *   first-responded or resolved in it; ticketsResolved, avgResponseSeconds, avgResolutionSeconds as above;
 *   trend compares avgResolutionSeconds with the previous period of the same kind: more than 5% lower
 *   IMPROVING, more than 5% higher DECLINING, otherwise (or either unknown) STABLE;
 * - rates are rounded to four decimals; a zero denominator gives NULL; CSAT stays NULL: the API records no
 *   satisfaction ratings, so there is no score to compute (the seeded sample rows are null too).
 * Cost: one pass over the tickets with an event in the range's span per statement (ticketStatsCtes), bounded like
 * every request by the statement timeout; one computation per organization at a time (app_lock_metrics_recompute).
 */

/** What to compute: DAY rows for every day in [from, to]; WEEK and MONTH rows for each one meeting [from, through]. */
export interface MetricsRange {
  /** ISO dates (YYYY-MM-DD), UTC calendar days. */
  from: string
  to: string
  through: string
}

/** The periods of a range, their UTC bounds and those of the previous period of the same kind. */
function periodsCte(range: MetricsRange): SQL {
  return sql`periods as (
    select 'DAY'::metric_period as period, d::date as period_start, d::date as period_end, interval '1 day' as length
      from generate_series(${range.from}::timestamp, ${range.to}::timestamp, interval '1 day') as d
    union all
    select 'WEEK'::metric_period, w::date, (w + interval '6 days')::date, interval '1 week'
      from generate_series(date_trunc('week', ${range.from}::timestamp), ${range.through}::timestamp, interval '1 week') as w
    union all
    select 'MONTH'::metric_period, m::date, (m + interval '1 month' - interval '1 day')::date, interval '1 month'
      from generate_series(date_trunc('month', ${range.from}::timestamp), ${range.through}::timestamp, interval '1 month') as m
  ),
  bounds as (
    select period, period_start, period_end,
      period_start::timestamp at time zone 'UTC' as starts_at,
      (period_end + 1)::timestamp at time zone 'UTC' as ends_at,
      (period_start::timestamp - length) at time zone 'UTC' as previous_starts_at,
      (period_start::timestamp - length)::date as previous_start
    from periods
  ),
  period_units(period, unit) as (values ('DAY'::metric_period, 'day'), ('WEEK', 'week'), ('MONTH', 'month'))`
}

/**
 * A CTE `span(starts_at, ends_at)`: what the range's periods cover, from the earliest `spanStart` of `bounds`
 * (`previous_starts_at` when the previous periods are needed too). Source rows are read once, for that span.
 */
const spanCte = (spanStart: 'starts_at' | 'previous_starts_at') =>
  sql`span as (select min(${sql.raw(spanStart)}) as starts_at, max(ends_at) as ends_at from bounds)`

/** `column` falls in the span (alias `s`). */
const inSpan = (column: string) => sql`(${sql.raw(column)} >= s.starts_at and ${sql.raw(column)} < s.ends_at)`

/**
 * The start of the period of kind `u.period` (alias `u`, from period_units) an instant falls in: its UTC day, ISO
 * week (from Monday) or month, as a date. Bucketing by date_trunc is what keeps the cost one pass over the source
 * rows; matching each row against every period cost periods × rows (~110 × for 92 days).
 */
const bucket = (column: string) => sql`date_trunc(u.unit, ${sql.raw(column)} at time zone 'UTC')::date`

/** Mean of `later − earlier` in whole seconds (never below 0 per row), over the rows `filter` keeps. */
const meanSeconds = (later: string, earlier: string, filter: SQL) =>
  sql`round(avg(greatest(extract(epoch from ${sql.raw(later)} - ${sql.raw(earlier)}), 0)) filter (where ${filter}))::int`

/** `numerator ÷ denominator` to four decimals, NULL when the denominator is 0. */
const rate = (numerator: string, denominator: string) =>
  sql`case when ${sql.raw(denominator)} = 0 then null else round(${sql.raw(numerator)}::numeric / ${sql.raw(denominator)}, 4) end`

/**
 * A person gave the ticket's first response: recorded by who answered (first_response_by_type, set by the first
 * public message or the first staff status change); for tickets answered before that was recorded, a first response
 * while a representative is assigned.
 */
const humanFirstResponse = sql`coalesce(tk.first_response_by_type = 'REPRESENTATIVE',
  tk.first_response_at is not null and tk.assigned_representative_id is not null)`

/**
 * CTEs `ticket_events` and `ticket_stats(period, period_start, representative_id, created, resolved, closed,
 * handled, avg_first_response, avg_resolution, ai_resolved)`: the tenant's tickets aggregated per period of every
 * kind starting in the span, per assigned representative when `perRepresentative` (else representative_id is
 * null). One pass over the tickets with an event (creation, first response, resolution, closing) in the span.
 * `handled` counts a ticket once per period: an event counts unless an earlier event of the ticket (creation, then
 * first response) falls in the same period.
 */
function ticketStatsCtes(db: TenantDb, perRepresentative: boolean) {
  const org = db.organizationId
  const escalated = sql`exists (select 1 from ${escalations} x where x.organization_id = ${org} and x.ticket_id = tk.id)`
  const inSpanBucket = (column: string) => sql`case when ${inSpan(column)} then ${bucket(column)} end`
  return sql`ticket_events as (
    select tk.id, ${perRepresentative ? sql`tk.assigned_representative_id` : sql`null::uuid`} as representative_id,
      e.kind, e.at, tk.created_at, tk.first_response_at, tk.resolved_at,
      (e.kind = 'resolved' and not ${escalated} and not ${humanFirstResponse}) as ai_resolved
    from span s
    join ${tickets} tk on tk.organization_id = ${org}
      ${perRepresentative ? sql`and tk.assigned_representative_id is not null` : sql``}
      and (${inSpan('tk.created_at')} or ${inSpan('tk.first_response_at')} or ${inSpan('tk.resolved_at')}
        or ${inSpan('tk.closed_at')})
    cross join lateral (values ('created', tk.created_at), ('responded', tk.first_response_at),
      ('resolved', tk.resolved_at), ('closed', tk.closed_at)) as e(kind, at)
    where ${inSpan('e.at')}
  ),
  ticket_stats as (
    select u.period, ${bucket('ev.at')} as period_start, ev.representative_id,
      count(*) filter (where kind = 'created')::int as created,
      count(*) filter (where kind = 'resolved')::int as resolved,
      count(*) filter (where kind = 'closed')::int as closed,
      count(*) filter (where kind = 'created'
        or (kind = 'responded' and ${bucket('ev.at')} is distinct from ${inSpanBucket('ev.created_at')})
        or (kind = 'resolved' and ${bucket('ev.at')} is distinct from ${inSpanBucket('ev.created_at')}
          and ${bucket('ev.at')} is distinct from ${inSpanBucket('ev.first_response_at')}))::int as handled,
      ${meanSeconds('ev.first_response_at', 'ev.created_at', sql`kind = 'responded'`)} as avg_first_response,
      ${meanSeconds('ev.resolved_at', 'ev.created_at', sql`kind = 'resolved'`)} as avg_resolution,
      count(*) filter (where ai_resolved)::int as ai_resolved
    from ticket_events ev
    cross join span s
    cross join period_units u
    group by u.period, ${bucket('ev.at')}, ev.representative_id
  )`
}

const metricColumns = [
  'period_end',
  'tickets_created',
  'tickets_resolved',
  'tickets_closed',
  'escalations_created',
  'avg_first_response_seconds',
  'avg_resolution_seconds',
  'csat_score',
  'escalation_rate',
  'ai_resolution_rate',
  'refunds_count',
  'refunds_approved_count',
  'refunds_total_amount',
  'currency',
  'refunds_by_currency',
]

const teamColumns = [
  'period_end',
  'tickets_handled',
  'tickets_resolved',
  'avg_response_seconds',
  'avg_resolution_seconds',
  'csat_score',
  'trend',
]

/**
 * ON CONFLICT … DO UPDATE of the computed columns, only when one of them differs: a rerun over unchanged
 * source rows leaves the rows exactly as they were (same values, version and updated_at).
 */
function upsertSet(target: string, columns: string[]) {
  const list = (prefix: string) => sql.raw(columns.map((column) => `${prefix}.${column}`).join(', '))
  return sql`${sql.raw(columns.map((column) => `${column} = excluded.${column}`).join(', '))},
    version = ${sql.raw(target)}.version + 1, updated_at = greatest(now(), ${sql.raw(target)}.updated_at)
    where (${list(target)}) is distinct from (${list('excluded')})`
}

/** The organization's performance_metrics rows of the range (one statement). */
function organizationMetricsStatement(db: TenantDb, range: MetricsRange) {
  const org = db.organizationId
  return db.raw<{ id: string }>(sql`with ${periodsCte(range)},
    ${spanCte('starts_at')},
    ${ticketStatsCtes(db, false)},
    escalation_stats as (
      select u.period, ${bucket('x.created_at')} as period_start, count(*)::int as escalated
      from span s
      join ${escalations} x on x.organization_id = ${org} and ${inSpan('x.created_at')}
      cross join period_units u
      group by u.period, ${bucket('x.created_at')}
    ),
    stats as (
      select b.period, b.period_start, b.period_end,
        coalesce(t.created, 0) as created, coalesce(t.resolved, 0) as resolved, coalesce(t.closed, 0) as closed,
        t.avg_first_response, t.avg_resolution, coalesce(t.ai_resolved, 0) as ai_resolved,
        coalesce(e.escalated, 0) as escalated
      from bounds b
      left join ticket_stats t on t.period = b.period and t.period_start = b.period_start
      left join escalation_stats e on e.period = b.period and e.period_start = b.period_start
    ),
    refund_totals as (
      select u.period, ${bucket('r.created_at')} as period_start, r.currency, r.status, count(*)::int as n,
        sum(r.amount) as amount
      from span s
      join ${refunds} r on r.organization_id = ${org} and ${inSpan('r.created_at')}
      cross join period_units u
      group by u.period, ${bucket('r.created_at')}, r.currency, r.status
    )
    insert into ${performanceMetrics} as pm (organization_id, period, period_start, ${sql.raw(metricColumns.join(', '))})
    select ${org}::uuid, s.period, s.period_start, s.period_end,
      s.created, s.resolved, s.closed, s.escalated,
      s.avg_first_response, s.avg_resolution, null::numeric,
      ${rate('s.escalated', 's.created')}, ${rate('s.ai_resolved', 's.resolved')},
      rf.count, rf.approved, coalesce(main.amount, 0), coalesce(main.currency, 'USD'), rf.by_currency
    from stats s
    cross join lateral (select
        coalesce(sum(n), 0)::int as count,
        coalesce(sum(n) filter (where status in ('APPROVED', 'PROCESSED')), 0)::int as approved,
        coalesce(jsonb_agg(jsonb_build_object('currency', currency, 'status', status, 'count', n, 'amount', amount::text)
          order by currency, status), '[]'::jsonb) as by_currency
      from refund_totals rt where rt.period = s.period and rt.period_start = s.period_start) rf
    left join lateral (select currency,
        sum(amount) filter (where status in ('APPROVED', 'PROCESSED')) as amount
      from refund_totals rt where rt.period = s.period and rt.period_start = s.period_start
      group by currency order by sum(n) desc, currency limit 1) main on true
    on conflict (organization_id, period, period_start) do update set ${upsertSet('pm', metricColumns)}
    returning pm.id`)
}

/** The organization's team_performance rows of the range, one per representative and period (one statement). */
function teamMetricsStatement(db: TenantDb, range: MetricsRange) {
  const org = db.organizationId
  return db.raw<{ id: string }>(sql`with ${periodsCte(range)},
    ${spanCte('previous_starts_at')},
    ${ticketStatsCtes(db, true)}
    insert into ${teamPerformance} as tp (organization_id, representative_id, period, period_start, ${sql.raw(teamColumns.join(', '))})
    select ${org}::uuid, rep.id, b.period, b.period_start, b.period_end,
      coalesce(cur.handled, 0), coalesce(cur.resolved, 0), cur.avg_first_response, cur.avg_resolution, null::numeric,
      (case
        when cur.avg_resolution is null or prev.avg_resolution is null then 'STABLE'
        when cur.avg_resolution::bigint * 100 < prev.avg_resolution::bigint * 95 then 'IMPROVING'
        when cur.avg_resolution::bigint * 100 > prev.avg_resolution::bigint * 105 then 'DECLINING'
        else 'STABLE' end)::performance_trend
    from bounds b
    join ${representatives} rep on rep.organization_id = ${org}
    left join ticket_stats cur
      on cur.period = b.period and cur.period_start = b.period_start and cur.representative_id = rep.id
    left join ticket_stats prev
      on prev.period = b.period and prev.period_start = b.previous_start and prev.representative_id = rep.id
    on conflict (organization_id, representative_id, period, period_start) do update set ${upsertSet('tp', teamColumns)}
    returning tp.id`)
}

/**
 * How a computation meets another one of the same organization (app_lock_metrics_recompute): `refuse` (POST
 * /v1/metrics/recompute: 409 RECOMPUTE_IN_PROGRESS at once, so a burst of recomputes holds one connection, not
 * twelve) or `wait` (the daily cron: it runs after the one in progress).
 */
export type MetricsLock = 'refuse' | 'wait'

/**
 * The statements that compute and upsert the organization's metrics of a range: for ONE batch (one round trip,
 * one transaction), after the tenant binding. The first takes the organization's metrics lock; the others' results
 * are the ids of the performance_metrics rows and of the team_performance rows inserted or changed (unchanged rows
 * are not rewritten, so they are not returned).
 */
export function computeMetricsStatements(
  db: TenantDb,
  range: MetricsRange,
  lock: MetricsLock,
): [Statement, Statement, Statement] {
  return [
    db.raw(sql`select app_lock_metrics_recompute(${lock === 'wait'})`),
    organizationMetricsStatement(db, range),
    teamMetricsStatement(db, range),
  ]
}

export interface ComputedMetrics {
  organizationRowsChanged: number
  teamRowsChanged: number
}

/** Computes and upserts the range's metrics of the tenant: one round trip. */
export async function computeMetrics(
  db: TenantDb,
  range: MetricsRange,
  lock: MetricsLock = 'wait',
): Promise<ComputedMetrics> {
  const [, organizationRows, teamRows] = await db.run(...computeMetricsStatements(db, range, lock))
  return {
    organizationRowsChanged: (organizationRows as { rows: unknown[] }).rows.length,
    teamRowsChanged: (teamRows as { rows: unknown[] }).rows.length,
  }
}

/** By period start, then the period kind (DAY, WEEK, MONTH …), then id: a total, stable order. */
const sortOrders = (table: typeof performanceMetrics | typeof teamPerformance) =>
  ({
    periodStart: { columns: [table.periodStart, table.period, table.id], direction: 'asc' },
    '-periodStart': { columns: [table.periodStart, table.period, table.id], direction: 'desc' },
  }) satisfies Record<MetricsSort, SortOrder>

const metricsSorts = sortOrders(performanceMetrics)
const teamSorts = sortOrders(teamPerformance)

/** performance_metrics rows of a period kind whose period starts in [from, to]: one round trip. */
export function listMetrics(db: TenantDb, query: ListMetricsQuery) {
  return listTable<typeof performanceMetrics, ListMetricsQuery['sort'], PerformanceMetrics>(
    db,
    performanceMetrics,
    query,
    metricsSorts,
    [
      query.period ? eq(performanceMetrics.period, query.period) : undefined,
      query.from ? gte(performanceMetrics.periodStart, query.from) : undefined,
      query.to ? lte(performanceMetrics.periodStart, query.to) : undefined,
    ],
  )
}

/** team_performance rows, optionally of one representative: one round trip. */
export function listTeamMetrics(db: TenantDb, query: ListTeamMetricsQuery) {
  return listTable<typeof teamPerformance, ListTeamMetricsQuery['sort'], TeamPerformance>(
    db,
    teamPerformance,
    query,
    teamSorts,
    [
      query.period ? eq(teamPerformance.period, query.period) : undefined,
      query.from ? gte(teamPerformance.periodStart, query.from) : undefined,
      query.to ? lte(teamPerformance.periodStart, query.to) : undefined,
      query.representativeId ? eq(teamPerformance.representativeId, query.representativeId) : undefined,
    ],
  )
}
