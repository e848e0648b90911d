import { eq, gte, lte, type SQL, sql } from 'drizzle-orm'
import { listTable } from '../../db/crud'
import {
  escalations,
  organizations,
  type PerformanceMetrics,
  performanceMetrics,
  refunds,
  representatives,
  type TeamPerformance,
  teamPerformance,
  tickets,
  users,
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
 *   only for representatives whose user is active: deactivating someone unassigns their tickets that are not
 *   CLOSED (users.data.ts), so a computation after they left would erase the work they resolved; their rows
 *   are kept as last computed, as history, and they get no new ones;
 *   trend compares avgResolutionSeconds with the previous period of the same kind: more than 5% lower
 *   IMPROVING, more than 5% higher DECLINING, otherwise (or either unknown) STABLE;
 * - csatScore = satisfied ÷ rated × 100 (two decimals) over the satisfaction ratings given in it
 *   (tickets.satisfaction_rated_at; satisfied: 4 or 5); a team row's over the tickets assigned to the
 *   representative, as its other columns; a re-rating counts in the period it was last given;
 * - rates are rounded to four decimals; a zero denominator gives NULL.
 * Cost: one pass over the tickets with an event in the range's span per statement (ticketCtes), read through one
 * index per event column (migration 0054), not the tenant's whole history; bounded like every request by the
 * statement timeout; one computation per organization at a time (app_lock_metrics_recompute).
 */

/**
 * What to compute: DAY rows for every day in [from, to]; WEEK, MONTH, QUARTER and YEAR rows for each one meeting
 * [from, through]; `from` no earlier than the organization's creation day (rangeStartCte).
 */
export interface MetricsRange {
  /** ISO dates (YYYY-MM-DD), UTC calendar days. */
  from: string
  to: string
  through: string
}

/**
 * The CTE `range_start(day)`: where the range starts for the organization, `from` or the day it was created (UTC
 * day of organizations.created_at), whichever is later; no row when that is after `to`. So no row is written for a
 * day the organization did not exist, nor for a longer period that ended before it (cron, queue and recompute
 * alike); the periods containing the creation day are partial, as one still running is. No row either for an
 * organization deleted, suspended or cancelled since the cron listed it (a queued message, or its retry): the daily
 * metrics skip it, as the listing does, and nothing is written that its foreign keys would refuse. Read in the
 * computation's own statements: no extra round trip.
 */
function rangeStartCte(org: string, range: MetricsRange): SQL {
  return sql`range_start as (
    select day from (select greatest(${range.from}::date, (o.created_at at time zone 'UTC')::date) as day
      from ${organizations} o where o.id = ${org} and o.status in ('ACTIVE', 'TRIAL')) r
    where day <= ${range.to}::date
  )`
}

/** The periods of a range, their UTC bounds and those of the previous period of the same kind. */
function periodsCte(org: string, range: MetricsRange): SQL {
  return sql`${rangeStartCte(org, range)},
  periods as (
    select 'DAY'::metric_period as period, d::date as period_start, d::date as period_end, interval '1 day' as length
      from range_start r, generate_series(r.day::timestamp, ${range.to}::timestamp, interval '1 day') as d
    union all
    select 'WEEK'::metric_period, w::date, (w + interval '6 days')::date, interval '1 week'
      from range_start r, generate_series(date_trunc('week', r.day::timestamp), ${range.through}::timestamp, interval '1 week') as w
    union all
    select 'MONTH'::metric_period, m::date, (m + interval '1 month' - interval '1 day')::date, interval '1 month'
      from range_start r, generate_series(date_trunc('month', r.day::timestamp), ${range.through}::timestamp, interval '1 month') as m
  ),
  bounds as (
    select period, period_start, period_end,
      period_start::timestamp at time zone 'UTC' as starts_at,
      (period_end + 1)::timestamp at time zone 'UTC' as ends_at,
      (period_start::timestamp - length) at time zone 'UTC' as previous_starts_at,
      (period_start::timestamp - length)::date as previous_start
    from periods
  ),
  period_units(period) as (values ('DAY'::metric_period), ('WEEK'), ('MONTH'))`
}

/**
 * A CTE `span(starts_at, ends_at)`: what the range's periods and their previous periods cover. Source rows are
 * read once, for that span.
 */
const spanCte = sql`span as (select min(previous_starts_at) as starts_at, max(ends_at) as ends_at from bounds)`

/** `column` falls in the span (alias `s`). */
const inSpan = (column: string) => sql`(${sql.raw(column)} >= s.starts_at and ${sql.raw(column)} < s.ends_at)`

/** The UTC calendar day of an instant. */
const utcDay = (column: string) => sql`(${sql.raw(column)} at time zone 'UTC')::date`
/** The Monday (ISO week) and the first of the month of a date. */
const weekOf = (day: SQL) => sql`(${day} - (extract(isodow from ${day})::int - 1))`
const monthOf = (day: SQL) => sql`(${day} - (extract(day from ${day})::int - 1))`
/** The first day of the quarter and of the year of a date (as a timestamp: no session time zone involved). */
const quarterOf = (day: SQL) => sql`date_trunc('quarter', ${day}::timestamp)`
const yearOf = (day: SQL) => sql`date_trunc('year', ${day}::timestamp)`

/**
 * The start of the period of kind `u.period` (alias `u`, from period_units) a day falls in. Rows are first counted
 * per day, then days per period: one pass over the source rows, whatever the number of periods (matching each row
 * against every period cost periods × rows, ~110 × for 92 days).
 */
const periodOf = (day: string) =>
  sql`case u.period when 'DAY' then ${sql.raw(day)} when 'WEEK' then ${weekOf(sql.raw(day))} else ${monthOf(sql.raw(day))} end`

/** `numerator ÷ denominator` to four decimals, NULL when the denominator is 0. */
const rate = (numerator: string, denominator: string) =>
  sql`case when ${sql.raw(denominator)} = 0 then null else round(${sql.raw(numerator)}::numeric / ${sql.raw(denominator)}, 4) end`

/** `numerator ÷ denominator` as a percentage to two decimals (CSAT), NULL when the denominator is 0. */
const percentage = (numerator: string, denominator: string) =>
  sql`round(100 * ${sql.raw(numerator)}::numeric / nullif(${sql.raw(denominator)}, 0), 2)`

/** A mean in whole seconds (halves away from zero) from a sum and a count; NULL when the count is 0. */
const meanOf = (sum: string, count: string) => sql`round(${sql.raw(sum)} / nullif(${sql.raw(count)}, 0))::int`

/**
 * A person gave the ticket's first response: recorded by who answered (first_response_by_type, set by the first
 * public message or the first staff status change); for tickets answered before that was recorded, a first response
 * while a representative is assigned.
 */
const humanFirstResponse = sql`coalesce(tk.first_response_by_type = 'REPRESENTATIVE',
  tk.first_response_at is not null and tk.assigned_representative_id is not null)`

/**
 * An event is the first of its ticket in its period of each kind (what `handled` counts, once per ticket and
 * period): creation always; a first response unless the ticket was created in the same period; a resolution
 * unless it was created or first answered in the same period.
 */
function firstInPeriod(periodOfDay: (day: SQL) => SQL) {
  const [at, created, responded] = [sql.raw('day'), sql.raw('created_day'), sql.raw('responded_day')]
  return sql`(kind = 'created'
    or (kind = 'responded' and ${periodOfDay(at)} is distinct from ${periodOfDay(created)})
    or (kind = 'resolved' and ${periodOfDay(at)} is distinct from ${periodOfDay(created)}
      and ${periodOfDay(at)} is distinct from ${periodOfDay(responded)}))`
}

/**
 * CTEs over the tenant's tickets with an event (creation, first response, resolution, closing, satisfaction rating)
 * in the span:
 * `ticket_events` (one row per event, with its day), `ticket_days` (per day and assigned representative: counts,
 * sums of durations, and per period kind the tickets it is the first event of) and `ticket_periods` (the same per
 * period, from the days). Durations below zero count as 0.
 */
function ticketCtes(db: TenantDb) {
  const org = db.organizationId
  const escalated = sql`exists (select 1 from ${escalations} x where x.organization_id = ${org} and x.ticket_id = tk.id)`
  const identity = (day: SQL) => day
  return sql`ticket_events as (
    select tk.assigned_representative_id as representative_id, e.kind, ${utcDay('e.at')} as day,
      ${utcDay('tk.created_at')} as created_day, ${utcDay('tk.first_response_at')} as responded_day,
      case e.kind
        when 'responded' then greatest(extract(epoch from tk.first_response_at - tk.created_at), 0)
        when 'resolved' then greatest(extract(epoch from tk.resolved_at - tk.created_at), 0)
      end as seconds,
      (e.kind = 'resolved' and not ${escalated} and not ${humanFirstResponse}) as ai_resolved,
      (e.kind = 'rated' and tk.satisfaction_rating >= 4) as satisfied
    from span s
    join ${tickets} tk on tk.organization_id = ${org}
      and (${inSpan('tk.created_at')} or ${inSpan('tk.first_response_at')} or ${inSpan('tk.resolved_at')}
        or ${inSpan('tk.closed_at')} or ${inSpan('tk.satisfaction_rated_at')})
    cross join lateral (values ('created', tk.created_at), ('responded', tk.first_response_at),
      ('resolved', tk.resolved_at), ('closed', tk.closed_at), ('rated', tk.satisfaction_rated_at)) as e(kind, at)
    where ${inSpan('e.at')}
  ),
  ticket_days as (
    select day, representative_id,
      count(*) filter (where kind = 'created') as created,
      count(*) filter (where kind = 'resolved') as resolved,
      count(*) filter (where kind = 'closed') as closed,
      count(*) filter (where kind = 'responded') as responded,
      sum(seconds) filter (where kind = 'responded') as response_seconds,
      sum(seconds) filter (where kind = 'resolved') as resolution_seconds,
      count(*) filter (where ai_resolved) as ai_resolved,
      count(*) filter (where kind = 'rated') as rated,
      count(*) filter (where satisfied) as satisfied,
      count(*) filter (where ${firstInPeriod(identity)}) as first_of_day,
      count(*) filter (where ${firstInPeriod(weekOf)}) as first_of_week,
      count(*) filter (where ${firstInPeriod(monthOf)}) as first_of_month,
      count(*) filter (where ${firstInPeriod(quarterOf)}) as first_of_quarter,
      count(*) filter (where ${firstInPeriod(yearOf)}) as first_of_year
    from ticket_events
    group by day, representative_id
  ),
  ticket_periods as (
    select u.period, ${periodOf('d.day')} as period_start, d.representative_id,
      sum(created) as created, sum(resolved) as resolved, sum(closed) as closed, sum(responded) as responded,
      sum(response_seconds) as response_seconds, sum(resolution_seconds) as resolution_seconds,
      sum(ai_resolved) as ai_resolved, sum(resolved) as resolution_count,
      sum(rated) as rated, sum(satisfied) as satisfied,
      sum(first_of_quarter) as quarter_handled, sum(first_of_year) as year_handled,
      sum(case u.period when 'DAY' then first_of_day when 'WEEK' then first_of_week else first_of_month end) as handled
    from ticket_days d
    cross join period_units u
    group by 1, 2, 3
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
  'response_count',
  'response_seconds',
  'resolution_count',
  'resolution_seconds',
  'ai_resolved_count',
  'rated_count',
  'satisfied_count',
]

const teamColumns = [
  'period_end',
  'tickets_handled',
  'tickets_resolved',
  'avg_response_seconds',
  'avg_resolution_seconds',
  'csat_score',
  'trend',
  'response_count',
  'response_seconds',
  'resolution_count',
  'resolution_seconds',
  'quarter_handled',
  'year_handled',
  'rated_count',
  'satisfied_count',
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

/**
 * The CTE `organization_rows`: upserts a performance_metrics row per row of CTE `stats` (period, period_start,
 * period_end, created, resolved, closed, escalated, responded, response_seconds, resolution_count,
 * resolution_seconds, ai_resolved, rated, satisfied), with its refunds from CTE `refund_totals` (period, period_start, currency,
 * status, n, amount). Means and rates come from the sums, so a row summed from others is exact.
 */
function organizationUpsert(org: string) {
  return sql`organization_rows as (
      insert into ${performanceMetrics} as pm (organization_id, period, period_start, ${sql.raw(metricColumns.join(', '))})
      select ${org}::uuid, s.period, s.period_start, s.period_end,
        s.created, s.resolved, s.closed, s.escalated,
        ${meanOf('s.response_seconds', 's.responded')}, ${meanOf('s.resolution_seconds', 's.resolution_count')},
        ${percentage('s.satisfied', 's.rated')}, ${rate('s.escalated', 's.created')},
        ${rate('s.ai_resolved', 's.resolution_count')},
        rf.count, rf.approved, coalesce(main.amount, 0), coalesce(main.currency, 'USD'), rf.by_currency,
        s.responded, s.response_seconds, s.resolution_count, s.resolution_seconds, s.ai_resolved, s.rated, s.satisfied
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
      returning 1
    )`
}

/**
 * The CTE `team_rows`: upserts a team_performance row per period of CTE `bounds` (period, period_start,
 * period_end, previous_start) and active representative, from CTE `sums` (period, period_start,
 * representative_id, handled, resolved, responded, response_seconds, resolution_count, resolution_seconds,
 * quarter_handled, year_handled, rated, satisfied; the previous periods' too, for the trend).
 */
function teamUpsert(org: string, sums: string) {
  const cur = meanOf('cur.resolution_seconds', 'cur.resolution_count')
  // The trend compares the exact means: the whole seconds served would move a mean under 20 s past the band.
  const [exactCur, exactPrev] = ['cur', 'prev'].map(
    (alias) =>
      sql`(${sql.raw(alias)}.resolution_seconds::numeric / nullif(${sql.raw(alias)}.resolution_count, 0))`,
  )
  return sql`team_rows as (
      insert into ${teamPerformance} as tp (organization_id, representative_id, period, period_start, ${sql.raw(teamColumns.join(', '))})
      select ${org}::uuid, rep.id, b.period, b.period_start, b.period_end,
        coalesce(cur.handled, 0), coalesce(cur.resolved, 0),
        ${meanOf('cur.response_seconds', 'cur.responded')}, ${cur}, ${percentage('cur.satisfied', 'cur.rated')},
        (case
          when ${exactCur} is null or ${exactPrev} is null then 'STABLE'
          when ${exactCur} * 100 < ${exactPrev} * 95 then 'IMPROVING'
          when ${exactCur} * 100 > ${exactPrev} * 105 then 'DECLINING'
          else 'STABLE' end)::performance_trend,
        coalesce(cur.responded, 0), coalesce(cur.response_seconds, 0), coalesce(cur.resolution_count, 0),
        coalesce(cur.resolution_seconds, 0), coalesce(cur.quarter_handled, 0), coalesce(cur.year_handled, 0),
        coalesce(cur.rated, 0), coalesce(cur.satisfied, 0)
      from bounds b
      join ${representatives} rep on rep.organization_id = ${org}
      join ${users} u on u.organization_id = ${org} and u.id = rep.user_id and u.is_active
      left join ${sql.raw(sums)} cur
        on cur.period = b.period and cur.period_start = b.period_start and cur.representative_id = rep.id
      left join ${sql.raw(sums)} prev
        on prev.period = b.period and prev.period_start = b.previous_start and prev.representative_id = rep.id
      on conflict (organization_id, representative_id, period, period_start) do update set ${upsertSet('tp', teamColumns)}
      returning 1
    )`
}

const countsSelect = sql`select (select count(*) from organization_rows)::int as organization_rows,
      (select count(*) from team_rows)::int as team_rows`

/**
 * The organization's DAY, WEEK and MONTH performance_metrics and team_performance rows of the range, from the
 * source rows, in ONE statement (the source rows are read once for both): returns how many rows of each were
 * inserted or changed.
 */
function metricsStatement(db: TenantDb, range: MetricsRange) {
  const org = db.organizationId
  return db.raw<{ organization_rows: number; team_rows: number }>(sql`with ${periodsCte(org, range)},
    ${spanCte},
    ${ticketCtes(db)},
    organization_tickets as (
      select period, period_start, sum(created)::int as created, sum(resolved)::int as resolved,
        sum(closed)::int as closed, sum(ai_resolved)::int as ai_resolved, sum(responded)::int as responded,
        sum(response_seconds) as response_seconds, sum(resolution_seconds) as resolution_seconds,
        sum(rated)::int as rated, sum(satisfied)::int as satisfied
      from ticket_periods
      group by period, period_start
    ),
    escalation_days as (
      select ${utcDay('x.created_at')} as day, count(*) as escalated
      from span s
      join ${escalations} x on x.organization_id = ${org} and ${inSpan('x.created_at')}
      group by 1
    ),
    escalation_periods as (
      select u.period, ${periodOf('day')} as period_start, sum(escalated)::int as escalated
      from escalation_days cross join period_units u
      group by 1, 2
    ),
    stats as (
      select b.period, b.period_start, b.period_end,
        coalesce(t.created, 0) as created, coalesce(t.resolved, 0) as resolved, coalesce(t.closed, 0) as closed,
        coalesce(t.ai_resolved, 0) as ai_resolved, coalesce(e.escalated, 0) as escalated,
        coalesce(t.responded, 0) as responded, coalesce(t.response_seconds, 0) as response_seconds,
        coalesce(t.resolved, 0) as resolution_count, coalesce(t.resolution_seconds, 0) as resolution_seconds,
        coalesce(t.rated, 0) as rated, coalesce(t.satisfied, 0) as satisfied
      from bounds b
      left join organization_tickets t on t.period = b.period and t.period_start = b.period_start
      left join escalation_periods e on e.period = b.period and e.period_start = b.period_start
    ),
    refund_days as (
      select ${utcDay('r.created_at')} as day, r.currency, r.status, count(*) as n, sum(r.amount) as amount
      from span s
      join ${refunds} r on r.organization_id = ${org} and ${inSpan('r.created_at')}
      group by 1, 2, 3
    ),
    refund_totals as (
      select u.period, ${periodOf('day')} as period_start, currency, status, sum(n)::int as n, sum(amount) as amount
      from refund_days cross join period_units u
      group by 1, 2, 3, 4
    ),
    ${organizationUpsert(org)},
    ${teamUpsert(org, 'ticket_periods')}
    ${countsSelect}`)
}

/**
 * The QUARTER and YEAR rows of the quarters and years meeting [from, through], summed from their MONTH rows (a
 * quarter or a year is whole months, and every column is a sum or comes from sums: exact, as if computed from the
 * source rows when the months were computed). Runs after metricsStatement in the same batch, so it sums the months
 * that statement has just written; reads at most 24 MONTH rows per representative (a year and the previous one, for
 * the trend) instead of the source rows of two years, which a one-day computation could not afford (README). A
 * month never computed counts nothing; one computed before migration 0051 and never since counts no means.
 */
function rollupStatement(db: TenantDb, range: MetricsRange) {
  const org = db.organizationId
  const month = (alias: string, start: string, end: string) =>
    sql`${sql.raw(alias)}.organization_id = ${org} and ${sql.raw(alias)}.period = 'MONTH'
      and ${sql.raw(alias)}.period_start between ${sql.raw(start)} and ${sql.raw(end)}`
  return db.raw<{ organization_rows: number; team_rows: number }>(sql`with ${rangeStartCte(org, range)},
    periods as (
      select 'QUARTER'::metric_period as period, q::date as period_start, interval '3 months' as length
        from range_start r, generate_series(date_trunc('quarter', r.day::timestamp), ${range.through}::timestamp, interval '3 months') as q
      union all
      select 'YEAR'::metric_period, y::date, interval '1 year'
        from range_start r, generate_series(date_trunc('year', r.day::timestamp), ${range.through}::timestamp, interval '1 year') as y
    ),
    bounds as (
      select period, period_start, (period_start + length - interval '1 day')::date as period_end,
        (period_start - length)::date as previous_start
      from periods
    ),
    stats as (
      select b.period, b.period_start, b.period_end,
        coalesce(sum(m.tickets_created), 0)::int as created, coalesce(sum(m.tickets_resolved), 0)::int as resolved,
        coalesce(sum(m.tickets_closed), 0)::int as closed, coalesce(sum(m.escalations_created), 0)::int as escalated,
        coalesce(sum(m.response_count), 0)::int as responded, coalesce(sum(m.response_seconds), 0) as response_seconds,
        coalesce(sum(m.resolution_count), 0)::int as resolution_count,
        coalesce(sum(m.resolution_seconds), 0) as resolution_seconds,
        coalesce(sum(m.ai_resolved_count), 0)::int as ai_resolved,
        coalesce(sum(m.rated_count), 0)::int as rated, coalesce(sum(m.satisfied_count), 0)::int as satisfied
      from bounds b
      left join ${performanceMetrics} m on ${month('m', 'b.period_start', 'b.period_end')}
      group by 1, 2, 3
    ),
    refund_totals as (
      select b.period, b.period_start, r.currency, r.status, sum(r.count)::int as n, sum(r.amount) as amount
      from bounds b
      join ${performanceMetrics} m on ${month('m', 'b.period_start', 'b.period_end')}
      cross join lateral jsonb_to_recordset(m.refunds_by_currency)
        as r(currency text, status refund_status, count int, amount numeric)
      group by 1, 2, 3, 4
    ),
    sums as (
      select p.period, p.period_start, t.representative_id,
        sum(case p.period when 'QUARTER' then t.quarter_handled else t.year_handled end) as handled,
        sum(t.tickets_resolved) as resolved, sum(t.response_count) as responded,
        sum(t.response_seconds) as response_seconds, sum(t.resolution_count) as resolution_count,
        sum(t.resolution_seconds) as resolution_seconds,
        sum(t.quarter_handled) as quarter_handled, sum(t.year_handled) as year_handled,
        sum(t.rated_count) as rated, sum(t.satisfied_count) as satisfied
      from (select period, period_start, period_end from bounds
        union select period, previous_start, period_start - 1 from bounds) p
      join ${teamPerformance} t on ${month('t', 'p.period_start', 'p.period_end')}
      group by 1, 2, 3
    ),
    ${organizationUpsert(org)},
    ${teamUpsert(org, 'sums')}
    ${countsSelect}`)
}

/**
 * How a computation meets another one of the same organization (app_lock_metrics_recompute): `refuse` (POST
 * /v1/metrics/recompute: 409 RECOMPUTE_IN_PROGRESS at once, so a burst of recomputes holds one connection, not
 * twelve) or `wait` (the daily cron: it runs after the one in progress).
 */
export type MetricsLock = 'refuse' | 'wait'

/**
 * The statements that compute and upsert the organization's metrics of a range: for ONE batch (one round trip,
 * one transaction), after the tenant binding. The first takes the organization's metrics lock and turns JIT off for
 * the transaction; the second writes the DAY/WEEK/MONTH performance_metrics and team_performance rows, the third the
 * QUARTER/YEAR ones from those MONTH rows; each counts the rows inserted or changed (unchanged rows are not
 * rewritten).
 */
export function computeMetricsStatements(
  db: TenantDb,
  range: MetricsRange,
  lock: MetricsLock,
): [Statement, Statement, Statement] {
  return [
    // Also turns JIT off for the transaction (migration 0055): the statement's cost estimate grows with the tenant's
    // tickets past the JIT thresholds, and compiling it took 2.2 s of its 2.9 s at 700,000 tickets (README).
    db.raw(sql`select app_lock_metrics_recompute(${lock === 'wait'})`),
    metricsStatement(db, range),
    rollupStatement(db, range),
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
  return (await computeMetricsWith(db, range, lock, [])).computed
}

/**
 * `computeMetrics` with `before` in the same batch, after the lock and before the computation (the daily
 * computation reads and takes the stale-day marks there); answers their results too.
 */
export async function computeMetricsWith(
  db: TenantDb,
  range: MetricsRange,
  lock: MetricsLock,
  before: Statement[],
): Promise<{ computed: ComputedMetrics; before: unknown[] }> {
  const [locked, ...statements] = computeMetricsStatements(db, range, lock)
  const results = await db.run(locked, ...before, ...statements)
  const counts = results
    .slice(1 + before.length)
    .map((result) => (result as { rows: Array<{ organization_rows: number; team_rows: number }> }).rows[0])
  const total = (key: 'organization_rows' | 'team_rows') =>
    counts.reduce((sum, row) => sum + (row?.[key] ?? 0), 0)
  return {
    computed: { organizationRowsChanged: total('organization_rows'), teamRowsChanged: total('team_rows') },
    before: results.slice(1, 1 + before.length),
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
