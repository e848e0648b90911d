import { z } from '@hono/zod-openapi'
import { principalRoles } from '../../auth/principal'
import {
  EVENT_RETENTION_DAYS,
  eventActorTypeValues,
  eventObjectTypeValues,
  eventTypeValues,
} from '../../db/schema'
import { pageQuerySchema, pageSchema, sortQuerySchema } from '../../lib/pagination'
import { idParams, isoTimestamp, timestampInput } from '../../lib/schemas'
import { eventObjects } from './event-objects'

const objectSchemas = Object.values(eventObjects).map((kind) => kind.schema)

export const EventActorSchema = z
  .object({
    type: z.enum(eventActorTypeValues).openapi({
      description:
        'USER: a person (CUSTOMER, REPRESENTATIVE, ADMIN); AGENT: an AI agent; SYSTEM: the API’s own scheduled or ' +
        'queued work, or an operator’s direct database change; PLATFORM: a platform operation (X-Platform-Key).',
    }),
    id: z
      .uuid()
      .nullable()
      .openapi({ description: 'The user id, or the agent configuration id for an AGENT.' }),
    role: z.enum(principalRoles).nullable(),
  })
  .openapi('EventActor')

export const EventSchema = z
  .object({
    id: z.uuid(),
    type: z.enum(eventTypeValues),
    createdAt: isoTimestamp.openapi({
      description: 'When the change’s transaction started: the changed object’s updatedAt.',
    }),
    organizationId: z.uuid(),
    objectType: z.enum(eventObjectTypeValues),
    objectId: z.uuid().openapi({ description: 'The id of `data.object` (a customer’s is its user id).' }),
    actor: EventActorSchema,
    requestId: z
      .string()
      .nullable()
      .openapi({ description: 'The X-Request-Id of the request that made the change.' }),
    idempotencyKey: z
      .string()
      .nullable()
      .openapi({ description: 'The Idempotency-Key that request carried, if any.' }),
    data: z.object({
      object: z.union(objectSchemas as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]).openapi({
        description:
          'The object after the change (before it, for a deletion), in the representation its own GET returns ' +
          'to the reader.',
      }),
      previousAttributes: z
        .record(z.string(), z.unknown())
        .nullable()
        .openapi({
          description:
            'For an update: the fields of `object` that changed, with their values before the change (of an ' +
            'embedded resource, such as a customer’s `profile`, only its fields that changed). Null for creations ' +
            'and deletions.',
        }),
    }),
  })
  .openapi('Event')

export const EventPageSchema = pageSchema(EventSchema, 'EventPage')
export const EventIdParamsSchema = idParams('eventId')

export const eventSorts = ['-createdAt', 'createdAt'] as const
export type EventSort = (typeof eventSorts)[number]

/** `ticket.created` or a whole resource, `ticket.*`. */
export const eventTypePatterns = [
  ...eventTypeValues,
  ...eventObjectTypeValues.map((type) => `${type}.*` as const),
] as const
export type EventTypePattern = (typeof eventTypePatterns)[number]

export const ListEventsQuerySchema = z.object({
  ...pageQuerySchema,
  sort: sortQuerySchema(eventSorts, '-createdAt'),
  type: z
    .string()
    .transform((text) => text.split(',').map((item) => item.trim()))
    .pipe(z.array(z.enum(eventTypePatterns)).min(1).max(50))
    .optional()
    .openapi({
      description:
        'Comma-separated event types, or `<resource>.*` for all of a resource’s (e.g. `ticket.*,refund.approved`).',
      example: 'ticket.*,refund.approved',
    }),
  objectId: z
    .uuid()
    .optional()
    .openapi({ description: 'Only the events of this object: its audit history.' }),
  createdFrom: timestampInput.optional().openapi({ description: 'Created at or after (ISO 8601).' }),
  createdTo: timestampInput.optional().openapi({ description: 'Created before (ISO 8601).' }),
})

export type ListEventsQuery = z.output<typeof ListEventsQuerySchema>
export type EventRepresentation = z.output<typeof EventSchema>

export const retentionNote = `Events are kept ${EVENT_RETENTION_DAYS} days, then deleted by the scheduled cleanup.`
