import { eq, sql } from 'drizzle-orm'
import { writtenNow } from '../../db/crud'
import { representatives } from '../../db/schema'
import { etagOf, ifMatchVersions } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { represent } from '../../lib/representation'
import { authorized } from '../../middleware/authorize'
import { updateRepresentative } from '../representatives/representatives.data'
import { toRepresentative } from '../representatives/representatives.index'
import { getMe } from './me.data'
import * as routes from './me.routes'
import { MeSchema } from './me.schemas'

export const meRouter = createRouter()
  .openapi(routes.getMe, async (c) => {
    const { db, principal } = authorized(c)
    return c.json(
      represent(MeSchema, { role: principal.role, ...(await getMe(db, principal)) }, principal),
      200,
    )
  })
  .openapi(routes.updateMyStatus, async (c) => {
    const { db, principal } = authorized(c)
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const own = eq(representatives.userId, principal.subject)
    // Replayed as the representative's own GET, whose id only the database knows here.
    db.expectResult({
      status: 200,
      path: sql`(select '/v1/representatives/' || ${representatives.id} from ${representatives} where ${own})`,
      written: writtenNow(db, representatives, principal.subject, representatives.userId),
    })
    const row = await updateRepresentative(db, own, c.req.valid('json'), versions)
    return c.json(toRepresentative(row, principal), 200, { ETag: etagOf(row) })
  })
