import type { PerformanceMetrics, TeamPerformance } from '../../db/schema'
import { errors } from '../../lib/errors'
import { createRouter } from '../../lib/openapi'
import { represent, type Viewer } from '../../lib/representation'
import { authorized } from '../../middleware/authorize'
import * as data from './metrics.data'
import * as routes from './metrics.routes'
import { MetricsSchema, TeamMetricsSchema } from './metrics.schemas'

const decimal = (value: string | null) => (value === null ? null : Number(value))

/** The organizations whose metrics this isolate is recomputing now. */
const recomputing = new Set<string>()

const toMetrics = (row: PerformanceMetrics, viewer: Viewer) =>
  represent(
    MetricsSchema,
    {
      ...row,
      csatScore: decimal(row.csatScore),
      escalationRate: decimal(row.escalationRate),
      aiResolutionRate: decimal(row.aiResolutionRate),
    },
    viewer,
  )

const toTeamMetrics = (row: TeamPerformance, viewer: Viewer) =>
  represent(TeamMetricsSchema, { ...row, csatScore: decimal(row.csatScore) }, viewer)

export const metricsRouter = createRouter()
  .openapi(routes.listMetrics, async (c) => {
    const { db, principal } = authorized(c)
    const page = await data.listMetrics(db, c.req.valid('query'))
    return c.json(
      { data: page.data.map((row) => toMetrics(row, principal)), nextCursor: page.nextCursor },
      200,
    )
  })
  .openapi(routes.listTeamMetrics, async (c) => {
    const { db, principal } = authorized(c)
    const page = await data.listTeamMetrics(db, c.req.valid('query'))
    return c.json(
      { data: page.data.map((row) => toTeamMetrics(row, principal)), nextCursor: page.nextCursor },
      200,
    )
  })
  .openapi(routes.recomputeMetrics, async (c) => {
    const { from, to } = c.req.valid('json')
    const { db } = authorized(c)
    // The database lock decides across isolates; a recompute this isolate is already running is refused before
    // any database work (a burst of them costs the database nothing).
    if (recomputing.has(db.organizationId)) throw errors.recomputeInProgress()
    recomputing.add(db.organizationId)
    try {
      const result = await data.computeMetrics(db, { from, to, through: to }, 'refuse')
      return c.json({ from, to, ...result }, 200)
    } finally {
      recomputing.delete(db.organizationId)
    }
  })
