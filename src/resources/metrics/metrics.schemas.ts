import { z } from '@hono/zod-openapi'
import { metricPeriodValues, performanceMetrics, refundStatusValues, teamPerformance } from '../../db/schema'
import { pageQuerySchema, pageSchema, sortQuerySchema } from '../../lib/pagination'
import { calendarDate, createSelectSchema, periodFields, timestampFields } from '../../lib/schemas'

/** The longest range POST /v1/metrics/recompute accepts, in days (both ends included). */
export const MAX_RECOMPUTE_DAYS = 92

/** The sums behind the means (metrics.data.ts sums QUARTER and YEAR rows from them): internal, not served. */
const sums = {
  responseCount: true,
  responseSeconds: true,
  resolutionCount: true,
  resolutionSeconds: true,
  ratedCount: true,
  satisfiedCount: true,
} as const

/** CSAT: ratings of 4 or 5 among those given in the period (PUT /v1/tickets/{ticketId}/satisfaction). */
const csatDescription =
  'Percentage (0–100, two decimals) of the customers’ satisfaction ratings given in the period that were rated 4 ' +
  'or 5; null when none was given.'

/** A rate or score: a number (four decimals for rates, two for CSAT), null when undefined (zero denominator). */
const decimal = z.number().nullable()

export const MetricsSchema = createSelectSchema(performanceMetrics, { ...periodFields, ...timestampFields })
  .omit({
    organizationId: true,
    csatScore: true,
    escalationRate: true,
    aiResolutionRate: true,
    refundsByCurrency: true,
    ...sums,
    aiResolvedCount: true,
  })
  .extend({
    csatScore: decimal.openapi({ description: csatDescription }),
    escalationRate: decimal.openapi({ description: 'escalationsCreated ÷ ticketsCreated (may exceed 1).' }),
    aiResolutionRate: decimal.openapi({
      description: 'Tickets resolved without escalation or human first response ÷ ticketsResolved.',
    }),
    refundsByCurrency: z
      .array(
        z.object({
          currency: z.string(),
          status: z.enum(refundStatusValues),
          count: z.number().int(),
          amount: z.string().openapi({ example: '125.00' }),
        }),
      )
      .openapi({ description: 'Refunds requested in the period, per currency and current status.' }),
  })
  .openapi('PerformanceMetrics')

export const TeamMetricsSchema = createSelectSchema(teamPerformance, { ...periodFields, ...timestampFields })
  .omit({ organizationId: true, csatScore: true, ...sums, quarterHandled: true, yearHandled: true })
  .extend({
    csatScore: decimal.openapi({
      description: `${csatDescription} Of the tickets assigned to the representative.`,
    }),
  })
  .openapi('TeamPerformance')

export const MetricsPageSchema = pageSchema(MetricsSchema, 'PerformanceMetricsPage')
export const TeamMetricsPageSchema = pageSchema(TeamMetricsSchema, 'TeamPerformancePage')

export const metricsSorts = ['periodStart', '-periodStart'] as const
export type MetricsSort = (typeof metricsSorts)[number]

const rangeQuery = {
  ...pageQuerySchema,
  sort: sortQuerySchema(metricsSorts, 'periodStart'),
  period: z.enum(metricPeriodValues).optional().openapi({ description: 'Only rows of this period kind.' }),
  from: calendarDate.optional().openapi({ description: 'Periods starting on or after this date.' }),
  to: calendarDate.optional().openapi({ description: 'Periods starting on or before this date.' }),
}

export const ListMetricsQuerySchema = z.object(rangeQuery)
export const ListTeamMetricsQuerySchema = z.object({
  ...rangeQuery,
  representativeId: z.uuid().optional(),
})

const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000

export const RecomputeMetricsSchema = z
  .strictObject({ from: calendarDate, to: calendarDate })
  .superRefine((range, ctx) => {
    // An impossible date (2026-02-30) is reported on its field alone: no range follows from it.
    if (![range.from, range.to].every((date) => calendarDate.safeParse(date).success)) return
    const days = dayNumber(range.to) - dayNumber(range.from) + 1
    if (days < 1) ctx.addIssue({ code: 'custom', path: ['to'], message: '`to` must not be before `from`.' })
    if (days > MAX_RECOMPUTE_DAYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `At most ${MAX_RECOMPUTE_DAYS} days, both included.`,
      })
    }
    const today = new Date().toISOString().slice(0, 10)
    if (range.to > today) ctx.addIssue({ code: 'custom', path: ['to'], message: 'Not after today (UTC).' })
  })
  .openapi('RecomputeMetrics')

export const RecomputeResultSchema = z
  .object({
    from: calendarDate,
    to: calendarDate,
    organizationRowsChanged: z.number().int().openapi({
      description:
        'performance_metrics rows inserted or changed (DAY rows of the range, WEEK/MONTH/QUARTER/YEAR rows meeting it).',
    }),
    teamRowsChanged: z.number().int().openapi({ description: 'team_performance rows inserted or changed.' }),
  })
  .openapi('RecomputeMetricsResult')

export type ListMetricsQuery = z.output<typeof ListMetricsQuerySchema>
export type ListTeamMetricsQuery = z.output<typeof ListTeamMetricsQuerySchema>
