import { refusalOf } from '../../db/crud'
import { organizations } from '../../db/schema'
import { errors } from '../../lib/errors'
import { etagOf, ifMatchVersions, versionMatches } from '../../lib/etag'
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
    return c.json(toOrganization(row), 200, { ETag: etagOf(row) })
  })
  .openapi(updateOrganization, async (c) => {
    const { db } = authorized(c)
    const changes = c.req.valid('json')
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    // The row as it is after the UPDATE (same batch) explains a refusal: 412 with its current ETag.
    const [[row], [current]] = await db.run(
      db.updateOrganization(changes, versionMatches(organizations.version, versions)).returning(),
      db.selectOrganization(),
    )
    if (!row) throw refusalOf(current, { what: 'organization', versions })
    return c.json(toOrganization(row), 200, { ETag: etagOf(row) })
  })
  .openapi(provisionOrganization, async (c) => {
    const result = await provision(
      c.env.DATABASE_URL,
      c.req.valid('json'),
      c.get('requestId'),
      c.get('idempotency'),
    )
    // A replay answers 201 too: the only status a provisioning's key is completed with.
    return c.json(
      { organization: toOrganization(result.organization), admin: result.admin },
      201,
      result.replayed ? { 'Idempotent-Replayed': 'true' } : {},
    )
  })
