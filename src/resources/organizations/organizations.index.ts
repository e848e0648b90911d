import { refusalOf } from '../../db/crud'
import { organizations } from '../../db/schema'
import { errors } from '../../lib/errors'
import { etagOf, ifMatchVersions, versionMatches } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { freeFormFits } from '../../lib/schemas'
import { authorized } from '../../middleware/authorize'
import { mergedSettings, provision } from './organizations.data'
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
    const { settings, ...changes } = c.req.valid('json')
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const merged = settings && mergedSettings(settings)
    // The row as it is after the UPDATE (same batch) explains a refusal: 412 with its current ETag, or 422 when
    // the row is at a named version, so the merged settings were too large (never stored).
    const [[row], [current]] = await db.run(
      db
        .updateOrganization(
          merged ? { ...changes, settings: merged } : changes,
          versionMatches(organizations.version, versions),
          merged && freeFormFits(merged),
        )
        .returning(),
      db.selectOrganization(),
    )
    const tooLarge = () =>
      merged &&
      errors.validation(
        [{ path: 'settings', message: freeFormFits.tooLarge }],
        'The merged settings are too large.',
      )
    if (!row) throw refusalOf(current, { what: 'organization', versions, explain: tooLarge })
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
