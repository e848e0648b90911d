import type { z } from '@hono/zod-openapi'
import type { Principal, PrincipalRole } from '../../auth/principal'
import type { Event, EventActorType, EventObjectType, EventType } from '../../db/schema'
import { createRouter } from '../../lib/openapi'
import { authorized } from '../../middleware/authorize'
import { eventObjectKind, rowFromStored } from './event-objects'
import * as data from './events.data'
import * as routes from './events.routes'
import type { EventRepresentation } from './events.schemas'

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** The fields of `before` whose values differ in `after`. */
function changedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(before).filter(([field, value]) => !sameJson(value, after[field])))
}

/**
 * An embedded resource (a customer's profile): a field the schema declares as an object with a version of its own.
 * Any other object (settings, thresholds, satisfaction) is a value, compared and shown whole.
 */
function isEmbeddedResource(schema: z.ZodObject, field: string): boolean {
  const fieldSchema = schema.shape[field] as { shape?: Record<string, unknown> } | undefined
  return fieldSchema?.shape?.version !== undefined
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null

/**
 * An event for `reader`: its object through the resource's own representation for the reader's role, and
 * previousAttributes as the fields of that representation that differ from the same representation of the row
 * before the change (so computed fields and role-hidden fields behave as in the REST GET).
 */
export function toEvent(row: Event, reader: Principal): EventRepresentation {
  const kind = eventObjectKind(row.objectType)
  const object = kind.represent(rowFromStored(kind, row.object), reader)
  let previousAttributes: Record<string, unknown> | null = null
  if (row.previous) {
    const before = kind.represent(rowFromStored(kind, { ...row.object, ...row.previous }), reader)
    previousAttributes = changedFields(before, object)
    // An embedded resource's own fields are diffed too: the stored `previous` has no old version or updatedAt, so
    // the whole embedded object would carry the new ones as if they were previous.
    for (const [field, value] of Object.entries(previousAttributes)) {
      const after = object[field]
      if (isEmbeddedResource(kind.schema, field) && isObject(value) && isObject(after)) {
        previousAttributes[field] = changedFields(value, after)
      }
    }
  }
  return {
    id: row.id,
    type: row.type as EventType,
    createdAt: row.createdAt.toISOString(),
    organizationId: row.organizationId,
    objectType: row.objectType as EventObjectType,
    objectId: row.objectId,
    actor: {
      type: row.actorType as EventActorType,
      id: row.actorId,
      role: row.actorRole as PrincipalRole | null,
    },
    requestId: row.requestId,
    idempotencyKey: row.idempotencyKey,
    data: { object: object as EventRepresentation['data']['object'], previousAttributes },
  }
}

export const eventsRouter = createRouter()
  .openapi(routes.listEvents, async (c) => {
    const { db, principal } = authorized(c)
    const page = await data.listEvents(db, principal, c.req.valid('query'))
    return c.json({ data: page.data.map((row) => toEvent(row, principal)), nextCursor: page.nextCursor }, 200)
  })
  .openapi(routes.getEvent, async (c) => {
    const { db, principal } = authorized(c)
    const event = await data.getEvent(db, principal, c.req.valid('param').eventId)
    return c.json(toEvent(event, principal), 200)
  })
