import type { PerformanceMetrics, TeamPerformance } from '../../db/schema'
import { createRouter } from '../../lib/openapi'
import { represent } from '../../lib/representation'
import { authorized } from '../../middleware/authorize'
import * as data from './metrics.data'
import * as routes from './metrics.routes'
import { MetricsSchema, TeamMetricsSchema } from './metrics.schemas'

const decimal = (value: string | null) => (value === null ? null : Number(value))

const toMetrics = (row: PerformanceMetrics) =>
  represent(MetricsSchema, {
    ...row,
    csatScore: decimal(row.csatScore),
    escalationRate: decimal(row.escalationRate),
    aiResolutionRate: decimal(row.aiResolutionRate),
  })

const toTeamMetrics = (row: TeamPerformance) =>
  represent(TeamMetricsSchema, { ...row, csatScore: decimal(row.csatScore) })

export const metricsRouter = createRouter()
  .openapi(routes.listMetrics, async (c) => {
    const page = await data.listMetrics(authorized(c).db, c.req.valid('query'))
    return c.json({ data: page.data.map(toMetrics), nextCursor: page.nextCursor }, 200)
  })
  .openapi(routes.listTeamMetrics, async (c) => {
    const page = await data.listTeamMetrics(authorized(c).db, c.req.valid('query'))
    return c.json({ data: page.data.map(toTeamMetrics), nextCursor: page.nextCursor }, 200)
  })
  .openapi(routes.recomputeMetrics, async (c) => {
    const { from, to } = c.req.valid('json')
    const result = await data.computeMetrics(authorized(c).db, { from, to, through: to })
    return c.json({ from, to, ...result }, 200)
  })
