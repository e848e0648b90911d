import { headerRef, jsonBody, jsonContent, problemResponses } from '../../lib/openapi'
import { protectedRoute } from '../../lib/routes'
import type { Permission } from '../../middleware/authorize'
import {
  ListMetricsQuerySchema,
  ListTeamMetricsQuerySchema,
  MetricsPageSchema,
  RecomputeMetricsSchema,
  RecomputeResultSchema,
  TeamMetricsPageSchema,
} from './metrics.schemas'

const readers: Permission = { roles: ['ADMIN', 'REPRESENTATIVE'] }
const admins: Permission = { roles: ['ADMIN'] }
const tags = ['Metrics']

export const listMetrics = protectedRoute(readers, {
  method: 'get',
  path: '/v1/metrics',
  tags,
  summary: 'Organization performance per period (DAY, WEEK, MONTH, QUARTER, YEAR; UTC)',
  description:
    'Rows whose period starts in [from, to]. Definitions: README, “Metrics”. QUARTER and YEAR rows are summed ' +
    'from their months as last computed (exact means, not means of means).',
  request: { query: ListMetricsQuerySchema },
  responses: { 200: jsonContent(MetricsPageSchema, 'A page of performance rows.') },
})

export const listTeamMetrics = protectedRoute(readers, {
  method: 'get',
  path: '/v1/metrics/team',
  tags,
  summary: 'Per-representative performance per period, with trend',
  description:
    'Rows whose period starts in [from, to]. `trend` compares avgResolutionSeconds with the previous period of ' +
    'the same kind: more than 5% lower IMPROVING, more than 5% higher DECLINING, otherwise STABLE. QUARTER and ' +
    'YEAR rows are summed from their months as last computed.',
  request: { query: ListTeamMetricsQuerySchema },
  responses: { 200: jsonContent(TeamMetricsPageSchema, 'A page of team performance rows.') },
})

export const recomputeMetrics = protectedRoute(admins, {
  method: 'post',
  path: '/v1/metrics/recompute',
  tags,
  summary: 'Recompute the metrics of a date range (at most 92 days) from the source rows',
  description:
    'DAY rows of every day in [from, to] and the WEEK/MONTH rows of the periods meeting it, from the source ' +
    'rows, then the QUARTER/YEAR rows meeting it, summed from their MONTH rows; upserted exactly as the daily ' +
    'cron does (a rerun over unchanged data changes nothing). Nothing is written for a period that ended before ' +
    'the organization was created: a range entirely before that is a 200 with 0 rows. One round trip. One computation per ' +
    'organization at a time: while another runs (a recompute, or the daily cron), the answer is 409 ' +
    '`RECOMPUTE_IN_PROGRESS` with `Retry-After`. The work is bounded like every request’s: it stops on the ' +
    'database when the request’s deadline passes (503).',
  // A rerun over the same range leaves the rows the first run left: its MCP tool is marked idempotentHint.
  'x-idempotent': true,
  request: { body: jsonBody(RecomputeMetricsSchema) },
  responses: {
    200: jsonContent(RecomputeResultSchema, 'What was written.'),
    ...problemResponses(409, 413, 422),
    409: {
      ...problemResponses(409)[409],
      description: 'Another metrics computation of this organization is running (`RECOMPUTE_IN_PROGRESS`).',
      headers: { 'Retry-After': headerRef('RetryAfter') },
    },
  },
})
