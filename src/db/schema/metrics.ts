import { sql } from 'drizzle-orm'
import {
  type AnyPgColumn,
  bigint,
  char,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  unique,
  uuid,
} from 'drizzle-orm/pg-core'
import { metricPeriodEnum, metricPeriodValues, performanceTrendEnum, type RefundStatus } from './enums'
import { money, tenantIsolationPolicy, tenantKeys, versionAndTimestamps } from './helpers'
import { representatives } from './people'
import { organizationForeignKey, tenantForeignKey } from './tenancy'

/** numeric(5,4) fraction 0..1 (rates). */
const rate = (name: string) => numeric(name, { precision: 5, scale: 4, mode: 'string' })
/**
 * numeric(9,4) ratio ≥ 0 that may exceed 1: escalations created ÷ tickets created (escalations of older tickets,
 * or several of one ticket, count in the period they were opened).
 */
const ratio = (name: string) => numeric(name, { precision: 9, scale: 4, mode: 'string' })

/** One entry of performance_metrics.refunds_by_currency: refunds requested in the period, by currency and status. */
export interface RefundTotal {
  currency: string
  status: RefundStatus
  count: number
  /** Decimal string, two places. */
  amount: string
}
/**
 * The read endpoints' keyset order (period_start, period, id) alone, and behind the period filter: one partial index
 * per period kind (an enum comparison is no index condition for app_api under row-level security). The
 * (organization, period, period_start) keys do not give that order. Measured by `npm run bench -- --scale`.
 */
function metricsListIndexes(
  table: 'performance_metrics' | 'team_performance',
  t: { organizationId: AnyPgColumn; periodStart: AnyPgColumn; period: AnyPgColumn; id: AnyPgColumn },
) {
  return [
    index(`${table}_organization_id_period_start_period_id_idx`).on(
      t.organizationId,
      t.periodStart,
      t.period,
      t.id,
    ),
    ...metricPeriodValues.map((value) =>
      index(`${table}_period_${value.toLowerCase()}_idx`)
        .on(t.organizationId, t.periodStart, t.period, t.id)
        .where(sql.raw(`period = '${value}'`)),
    ),
  ]
}

/**
 * The additive sums behind a row's means and rates (counts; seconds summed exactly, as numeric): QUARTER and YEAR
 * rows are summed from their MONTH rows (metrics.data.ts), so their means are exact, not means of means. Internal
 * (not in the API). NULL on rows computed before migration 0051 and not since; its backfill fills the MONTH rows.
 */
const responseSums = {
  responseCount: integer('response_count'),
  responseSeconds: numeric('response_seconds', { mode: 'string' }),
  resolutionCount: integer('resolution_count'),
  resolutionSeconds: numeric('resolution_seconds', { mode: 'string' }),
}

/**
 * The sums behind csat_score (not null, default 0): satisfaction ratings given in the period and those of 4 or 5.
 * Internal, summed like responseSums; rows computed before migration 0053 count none until computed again.
 */
const csatSums = {
  ratedCount: integer('rated_count').notNull().default(0),
  satisfiedCount: integer('satisfied_count').notNull().default(0),
}

/** numeric(5,2) percentage 0..100 (CSAT: share of satisfied ratings). */
const percentage = (name: string) => numeric(name, { precision: 5, scale: 2, mode: 'string' })

/**
 * Organization aggregates per period, upserted by the metrics job on (organization_id, period, period_start).
 * Periods are inclusive UTC calendar dates; averages are NULL when there was nothing to average.
 */
export const performanceMetrics = pgTable(
  'performance_metrics',
  {
    ...tenantKeys(),
    period: metricPeriodEnum('period').notNull(),
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    periodEnd: date('period_end', { mode: 'string' }).notNull(),
    ticketsCreated: integer('tickets_created').notNull().default(0),
    ticketsResolved: integer('tickets_resolved').notNull().default(0),
    ticketsClosed: integer('tickets_closed').notNull().default(0),
    escalationsCreated: integer('escalations_created').notNull().default(0),
    avgFirstResponseSeconds: integer('avg_first_response_seconds'),
    avgResolutionSeconds: integer('avg_resolution_seconds'),
    csatScore: percentage('csat_score'),
    escalationRate: ratio('escalation_rate'),
    aiResolutionRate: rate('ai_resolution_rate'),
    refundsCount: integer('refunds_count').notNull().default(0),
    refundsApprovedCount: integer('refunds_approved_count').notNull().default(0),
    // A sum of up to 2^31 - 1 refunds (refunds_count is an integer) of at most 9,999,999,999.99: 20 digits before the
    // point, so it never overflows where numeric(12,2) did with the second maximal refund (migration 0038).
    refundsTotalAmount: money('refunds_total_amount', 22).notNull().default('0.00'),
    /** Currency of refunds_total_amount (ISO 4217). */
    currency: char('currency', { length: 3 }).notNull().default('USD'),
    /** Every refund requested in the period, counted and summed per (currency, status); sorted by both. */
    refundsByCurrency: jsonb('refunds_by_currency').$type<RefundTotal[]>().notNull().default([]),
    ...responseSums,
    /** The numerator of ai_resolution_rate (its denominator: resolution_count). */
    aiResolvedCount: integer('ai_resolved_count'),
    ...csatSums,
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('performance_metrics', t.organizationId),
    // Also the (organization_id, period, period_start) index of the read endpoints.
    unique('performance_metrics_organization_id_period_period_start_key').on(
      t.organizationId,
      t.period,
      t.periodStart,
    ),
    ...metricsListIndexes('performance_metrics', t),
    check('performance_metrics_period_order', sql`period_end >= period_start`),
    check('performance_metrics_csat_counts', sql`satisfied_count >= 0 and satisfied_count <= rated_count`),
    check(
      'performance_metrics_counts_non_negative',
      sql`tickets_created >= 0 and tickets_resolved >= 0 and tickets_closed >= 0 and escalations_created >= 0 and refunds_count >= 0 and refunds_approved_count >= 0`,
    ),
    check(
      'performance_metrics_seconds_non_negative',
      sql`avg_first_response_seconds >= 0 and avg_resolution_seconds >= 0`,
    ),
    check('performance_metrics_csat_score_range', sql`csat_score >= 0 and csat_score <= 100`),
    check(
      'performance_metrics_rates_range',
      sql`escalation_rate >= 0 and ai_resolution_rate >= 0 and ai_resolution_rate <= 1`,
    ),
    check(
      'performance_metrics_refunds_by_currency_is_array',
      sql`jsonb_typeof(refunds_by_currency) = 'array'`,
    ),
    check('performance_metrics_refunds_total_amount_non_negative', sql`refunds_total_amount >= 0`),
    check('performance_metrics_currency_format', sql`currency ~ '^[A-Z]{3}$'`),
    tenantIsolationPolicy(),
  ],
)

/** Per-representative aggregates per period; deleted with the representative. */
export const teamPerformance = pgTable(
  'team_performance',
  {
    ...tenantKeys(),
    representativeId: uuid('representative_id').notNull(),
    period: metricPeriodEnum('period').notNull(),
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    periodEnd: date('period_end', { mode: 'string' }).notNull(),
    ticketsHandled: integer('tickets_handled').notNull().default(0),
    ticketsResolved: integer('tickets_resolved').notNull().default(0),
    avgResponseSeconds: integer('avg_response_seconds'),
    avgResolutionSeconds: integer('avg_resolution_seconds'),
    csatScore: percentage('csat_score'),
    trend: performanceTrendEnum('trend').notNull().default('STABLE'),
    ...responseSums,
    /**
     * Of the events tickets_handled counts in the period (a ticket's creation, first response or resolution),
     * those that are their ticket's first in its quarter / year: a QUARTER/YEAR row's tickets_handled is their sum
     * over its MONTH rows (a ticket handled in two months of a quarter counts once).
     */
    quarterHandled: integer('quarter_handled'),
    yearHandled: integer('year_handled'),
    ...csatSums,
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('team_performance', t.organizationId),
    tenantForeignKey(
      'team_performance_representative_fk',
      t.organizationId,
      t.representativeId,
      representatives,
    ).onDelete('cascade'),
    // Also the index of the representative foreign key.
    unique('team_performance_org_representative_period_start_key').on(
      t.organizationId,
      t.representativeId,
      t.period,
      t.periodStart,
    ),
    index('team_performance_organization_id_period_period_start_idx').on(
      t.organizationId,
      t.period,
      t.periodStart,
    ),
    ...metricsListIndexes('team_performance', t),
    // The representative filter in the keyset order.
    index('team_performance_organization_id_representative_id_period_start_idx').on(
      t.organizationId,
      t.representativeId,
      t.periodStart,
      t.period,
      t.id,
    ),
    check('team_performance_period_order', sql`period_end >= period_start`),
    check('team_performance_csat_counts', sql`satisfied_count >= 0 and satisfied_count <= rated_count`),
    check('team_performance_counts_non_negative', sql`tickets_handled >= 0 and tickets_resolved >= 0`),
    check(
      'team_performance_seconds_non_negative',
      sql`avg_response_seconds >= 0 and avg_resolution_seconds >= 0`,
    ),
    check('team_performance_csat_score_range', sql`csat_score >= 0 and csat_score <= 100`),
    tenantIsolationPolicy(),
  ],
)

/**
 * Days whose metrics a late change made stale: a change to a ticket, refund or escalation that moves what an older
 * day counts (a reopened ticket's first resolution, a re-rating, a late approval, a reassignment, an escalation of a
 * resolved ticket) marks the days it moves, old and new, once they are older than the daily computation's window
 * (src/cron/metrics.ts LOOKBACK_DAYS). Marked by triggers (migration 0069_metrics_stale_marks), taken by the daily
 * computation, which recomputes those days and the periods containing them (src/cron/metrics.ts).
 */
export const metricsStaleDays = pgTable(
  'metrics_stale_days',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    organizationId: uuid('organization_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
  },
  (t) => [
    // Append-only, one row per change and day (no unique key): a writer never waits for another, nor for the daily
    // computation, which deletes only the marks committed before it reads the source rows (src/cron/metrics.ts).
    index('metrics_stale_days_organization_id_day_idx').on(t.organizationId, t.day),
    organizationForeignKey('metrics_stale_days', t.organizationId),
    tenantIsolationPolicy(),
  ],
)
