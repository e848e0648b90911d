import { sql } from 'drizzle-orm'
import { organizations } from '../../db/schema'
import { TenantDb } from '../../db/tenant'
import { errors } from '../../lib/errors'
import { etagOf, ifMatchVersions } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { authorized } from '../../middleware/authorize'
import { provision, update } from './organizations.data'
import {
  changeOrganization,
  getOrganization,
  provisionOrganization,
  updateOrganization,
} from './organizations.routes'
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
    db.expectResult({
      status: 200,
      path: '/v1/organization',
      written: sql`exists (select 1 from ${organizations} where ${organizations.id} = ${db.organizationId}
        and xmin = pg_current_xact_id()::xid)`,
    })
    const row = await update(db, c.req.valid('json'), ifMatchVersions(c.req.valid('header')['if-match']))
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
  .openapi(changeOrganization, async (c) => {
    const { organizationId } = c.req.valid('param')
    const db = TenantDb.forPlatform(c.env.DATABASE_URL, organizationId, c.get('requestId'))
    const row = await update(db, c.req.valid('json'), ifMatchVersions(c.req.valid('header')['if-match']))
    return c.json(toOrganization(row), 200, { ETag: etagOf(row) })
  })
