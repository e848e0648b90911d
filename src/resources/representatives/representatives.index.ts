import { eq } from 'drizzle-orm'
import { representatives } from '../../db/schema'
import { etagOf, ifMatchVersions } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { represent, type Viewer } from '../../lib/representation'
import { authorized } from '../../middleware/authorize'
import * as data from './representatives.data'
import * as routes from './representatives.routes'
import { RepresentativeSchema } from './representatives.schemas'

export const toRepresentative = (row: data.RepresentativeRow, viewer: Viewer) =>
  represent(RepresentativeSchema, row, viewer)

export const representativesRouter = createRouter()
  .openapi(routes.listRepresentatives, async (c) => {
    const { db, principal } = authorized(c)
    const page = await data.listRepresentatives(db, c.req.valid('query'))
    return c.json(
      { data: page.data.map((row) => toRepresentative(row, principal)), nextCursor: page.nextCursor },
      200,
    )
  })
  .openapi(routes.getRepresentative, async (c) => {
    const { db, principal } = authorized(c)
    const row = await data.getRepresentative(db, c.req.valid('param').representativeId)
    return c.json(toRepresentative(row, principal), 200, { ETag: etagOf(row) })
  })
  .openapi(routes.updateRepresentative, async (c) => {
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const { representativeId } = c.req.valid('param')
    const which = eq(representatives.id, representativeId)
    const { db, principal } = authorized(c)
    db.expectChanged(representatives, `/v1/representatives/${representativeId}`, representativeId)
    const row = await data.updateRepresentative(db, which, c.req.valid('json'), versions)
    return c.json(toRepresentative(row, principal), 200, { ETag: etagOf(row) })
  })
