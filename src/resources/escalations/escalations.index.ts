import type { PrincipalRole } from '../../auth/principal'
import { escalations } from '../../db/schema'
import type { TenantDb } from '../../db/tenant'
import { etagOf, ifMatchVersions } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { represent } from '../../lib/representation'
import { authorized } from '../../middleware/authorize'
import { getOrExpand, listOrExpand, readNodes } from '../../reads/expand'
import { allowedActions } from './escalation-actions'
import * as data from './escalations.data'
import * as routes from './escalations.routes'
import { EscalationSchema } from './escalations.schemas'

/** The representation, with what this caller may do next (the rules of escalation-actions.ts). */
export const toEscalation = (row: data.EscalationRow, role: PrincipalRole) =>
  represent(
    EscalationSchema,
    {
      ...row,
      aiConfidence: row.aiConfidence === null ? null : Number(row.aiConfidence),
      allowedActions: allowedActions(row, { role, representativeId: row.callerRepresentativeId }),
    },
    { role },
  )

/** An action route's result, for a replay of its Idempotency-Key (src/middleware/idempotency.ts). */
const changes = (db: TenantDb, escalationId: string) =>
  db.expectChanged(escalations, `/v1/escalations/${escalationId}`, escalationId)

export const escalationsRouter = createRouter()
  .openapi(routes.listEscalations, async (c) => {
    const { db, principal } = authorized(c)
    const query = c.req.valid('query')
    const page = await listOrExpand(
      db,
      principal,
      readNodes.Escalation,
      query,
      () => data.listEscalations(db, query),
      (row) => toEscalation(row, principal.role),
    )
    return c.json(page, 200)
  })
  .openapi(routes.createEscalation, async (c) => {
    const { db, principal } = authorized(c)
    const agentId = principal.role === 'AGENT' ? principal.subject : null
    const id = db.expectCreated(escalations, '/v1/escalations')
    const row = await data.createEscalation(db, c.req.valid('json'), agentId, id)
    return c.json(toEscalation(row, principal.role), 201, {
      ETag: etagOf(row),
      Location: `/v1/escalations/${row.id}`,
    })
  })
  .openapi(routes.getEscalation, async (c) => {
    const { db, principal } = authorized(c)
    const read = await getOrExpand(
      db,
      principal,
      readNodes.Escalation,
      c.req.valid('param').escalationId,
      c.req.valid('query').expand,
      (id) => data.getEscalation(db, id),
      (row) => toEscalation(row, principal.role),
    )
    return c.json(read.body, 200, { ETag: read.etag })
  })
  .openapi(routes.updateEscalation, async (c) => {
    const { db, principal } = authorized(c)
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    changes(db, c.req.valid('param').escalationId)
    const row = await data.updateEscalation(
      db,
      c.req.valid('param').escalationId,
      c.req.valid('json'),
      versions,
    )
    return c.json(toEscalation(row, principal.role), 200, { ETag: etagOf(row) })
  })
  .openapi(routes.assignEscalation, async (c) => {
    const { db, principal } = authorized(c)
    changes(db, c.req.valid('param').escalationId)
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const { representativeId } = c.req.valid('json')
    const row = await data.assignEscalation(db, c.req.valid('param').escalationId, representativeId, versions)
    return c.json(toEscalation(row, principal.role), 200, { ETag: etagOf(row) })
  })
  .openapi(routes.startEscalation, async (c) => {
    const { db, principal } = authorized(c)
    changes(db, c.req.valid('param').escalationId)
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const row = await data.startEscalation(db, c.req.valid('param').escalationId, versions)
    return c.json(toEscalation(row, principal.role), 200, { ETag: etagOf(row) })
  })
  .openapi(routes.resolveEscalation, async (c) => {
    const { db, principal } = authorized(c)
    changes(db, c.req.valid('param').escalationId)
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const { resolutionNotes } = c.req.valid('json')
    const row = await data.resolveEscalation(db, c.req.valid('param').escalationId, resolutionNotes, versions)
    return c.json(toEscalation(row, principal.role), 200, { ETag: etagOf(row) })
  })
  .openapi(routes.cancelEscalation, async (c) => {
    const { db, principal } = authorized(c)
    changes(db, c.req.valid('param').escalationId)
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const row = await data.cancelEscalation(db, c.req.valid('param').escalationId, versions)
    return c.json(toEscalation(row, principal.role), 200, { ETag: etagOf(row) })
  })
