import { eq } from 'drizzle-orm'
import { organizations } from '../../db/schema'
import { errors } from '../../lib/errors'
import { etagOf, ifMatchVersion } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { authorized } from '../../middleware/authorize'
import { provision } from './organizations.data'
import { getOrganization, provisionOrganization, updateOrganization } from './organizations.routes'
import { toOrganization } from './organizations.schemas'

export const organizationsRouter = createRouter()
  .openapi(getOrganization, async (c) => {
    const { db } = authorized(c)
    const [[row]] = await db.run(db.selectOrganization())
    if (!row) throw errors.notFound()
    return c.json(toOrganization(row), 200, { ETag: etagOf(row.updatedAt) })
  })
  .openapi(updateOrganization, async (c) => {
    const { db } = authorized(c)
    const changes = c.req.valid('json')
    const version = ifMatchVersion(c.req.valid('header')['if-match'])
    const [updated] = await db.run(
      db.updateOrganization(changes, version ? eq(organizations.updatedAt, version) : undefined).returning(),
    )
    const row = updated[0]
    if (!row) throw version ? errors.preconditionFailed() : errors.notFound()
    return c.json(toOrganization(row), 200, { ETag: etagOf(row.updatedAt) })
  })
  .openapi(provisionOrganization, async (c) => {
    const result = await provision(c.env.DATABASE_URL, c.req.valid('json'), c.get('requestId'))
    return c.json({ organization: toOrganization(result.organization), admin: result.admin }, 201)
  })
