import { z } from '@hono/zod-openapi'
import {
  type WebhookDelivery,
  type WebhookDeliveryAttempt,
  type WebhookEndpoint,
  webhookDeliveryStatusValues,
  webhookDisabledReasonValues,
} from '../../db/schema'
import { pageQuerySchema, pageSchema, sortQuerySchema } from '../../lib/pagination'
import { atLeastOneChange, csvOf, distinct, idParams, isoTimestamp } from '../../lib/schemas'
import { eventTypePatterns } from '../events/events.schemas'

/** What an endpoint subscribes to: an event type, a whole resource (`ticket.*`), or everything (`*`). */
export const enabledEventPatterns = ['*', ...eventTypePatterns] as const

const enabledEvents = z
  .array(z.enum(enabledEventPatterns))
  .min(1)
  .max(100)
  .transform((values) => distinct(values))
  .openapi({ description: 'Event types (`refund.approved`), resources (`ticket.*`) or `*` for every event.' })
// Trimmed: whitespace around a pasted URL is no part of it (the URL parser and fetch ignore it too).
const url = z
  .string()
  .trim()
  .max(2048)
  .openapi({
    description:
      'Where deliveries are POSTed: https to a public host (no loopback, private, link-local or metadata addresses; ' +
      'checked again before every delivery). In development, http://127.0.0.1 and http://localhost are allowed too.',
    example: 'https://hooks.example.com/organization-api',
  })
const description = z.string().trim().max(500)

export const WebhookEndpointSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    description: z.string().nullable(),
    enabledEvents: z.array(z.string()),
    enabled: z.boolean(),
    disabledReason: z
      .enum(webhookDisabledReasonValues)
      .nullable()
      .openapi({
        description:
          'Why it receives nothing: MANUAL (disabled through the API), GONE (it answered 410), FAILING (every attempt ' +
          'failed for 3 days). PATCH enabled=true enables it again.',
      }),
    failingSince: isoTimestamp.nullable().openapi({ description: 'Since when every attempt has failed.' }),
    previousSecretExpiresAt: isoTimestamp.nullable().openapi({
      description:
        'When the secret the last rotation replaced stops signing (past once it has; null when none is kept): ' +
        '`previousSecrets[0].expiresAt`.',
    }),
    previousSecrets: z.array(z.object({ expiresAt: isoTimestamp }).openapi('WebhookPreviousSecret')).openapi({
      description:
        'The secrets rotated out, newest first (never the secrets themselves): until its `expiresAt`, 24 hours ' +
        'after the rotation that replaced it, each adds a signature to every delivery. Expired ones stay listed ' +
        'until the next rotation drops them.',
    }),
    version: z.number().int(),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  })
  .openapi('WebhookEndpoint')

const secretField = z.string().openapi({
  description: 'The signing secret (`whsec_…`). Shown only in this answer: store it now.',
  example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
})

/** rotate-secret's answer: always the new secret. */
export const WebhookEndpointWithSecretSchema = WebhookEndpointSchema.extend({ secret: secretField }).openapi(
  'WebhookEndpointWithSecret',
)

/**
 * A registration's answer: the secret, except in the replay of an Idempotency-Key, which answers the endpoint as GET
 * shows it (the secret is never stored for replays: rotate it for a new one).
 */
export const CreatedWebhookEndpointSchema = WebhookEndpointSchema.extend({
  secret: secretField.optional().openapi({
    description:
      'The signing secret (`whsec_…`). Shown only in this answer: store it now. Absent from the replay of an ' +
      'Idempotency-Key (the endpoint as GET shows it).',
  }),
}).openapi('CreatedWebhookEndpoint')

export const WebhookEndpointPageSchema = pageSchema(WebhookEndpointSchema, 'WebhookEndpointPage')

export const WebhookDeliveryAttemptSchema = z
  .object({
    attempt: z.number().int(),
    statusCode: z.number().int().nullable().openapi({ description: 'Null when no answer came.' }),
    error: z.string().nullable(),
    durationMs: z.number().int(),
    createdAt: isoTimestamp,
  })
  .openapi('WebhookDeliveryAttempt')

export const WebhookDeliverySchema = z
  .object({
    id: z.uuid(),
    endpointId: z.uuid(),
    eventId: z
      .uuid()
      .openapi({ description: 'Also the `webhook-id` of every attempt: the same on every retry.' }),
    eventType: z.string(),
    status: z.enum(webhookDeliveryStatusValues).openapi({
      description:
        'PENDING (to be attempted), SUCCEEDED (a 2xx), FAILED (given up after ~24 h, or the endpoint was disabled).',
    }),
    attempts: z.number().int(),
    nextAttemptAt: isoTimestamp,
    lastAttemptAt: isoTimestamp.nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    attemptLog: z
      .array(WebhookDeliveryAttemptSchema)
      .openapi({ description: 'Every attempt, oldest first.' }),
    version: z.number().int(),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  })
  .openapi('WebhookDelivery')

export const WebhookDeliveryPageSchema = pageSchema(WebhookDeliverySchema, 'WebhookDeliveryPage')

export const webhookSorts = ['-createdAt', 'createdAt'] as const
export type WebhookSort = (typeof webhookSorts)[number]

export const ListWebhookEndpointsQuerySchema = z.object({
  ...pageQuerySchema,
  sort: sortQuerySchema(webhookSorts, '-createdAt'),
})

export const ListWebhookDeliveriesQuerySchema = z.object({
  ...pageQuerySchema,
  sort: sortQuerySchema(webhookSorts, '-createdAt'),
  status: csvOf(webhookDeliveryStatusValues),
})

export const WebhookEndpointIdParamsSchema = idParams('endpointId')

/** Which endpoints an event is delivered to again: every enabled one subscribed to its type, or one. */
export const RedeliverEventSchema = z
  .strictObject({
    endpointId: z
      .uuid()
      .optional()
      .openapi({
        description:
          'Only this endpoint (enabled, and subscribed to the event’s type). Without it: every enabled endpoint ' +
          'subscribed to the event’s type.',
      }),
  })
  .openapi('RedeliverEvent')

export const EventDeliveriesQuerySchema = z.object({
  endpointId: z.uuid().optional().openapi({ description: 'Only the delivery to this endpoint.' }),
})

/** An event's deliveries: at most one per endpoint (no page: an organization's endpoints are few). */
export const WebhookDeliveryListSchema = z
  .object({ data: z.array(WebhookDeliverySchema) })
  .openapi('WebhookDeliveryList')

export const RotateWebhookSecretSchema = z
  .strictObject({
    revokePrevious: z.boolean().default(false).openapi({
      description:
        'End every overlap now (a leaked secret): only the new secret signs, none rotated out (this one included).',
    }),
  })
  .openapi('RotateWebhookSecret')

export type RedeliverEventInput = z.output<typeof RedeliverEventSchema>
export const WebhookDeliveryParamsSchema = idParams('endpointId').extend(idParams('deliveryId').shape)

export const CreateWebhookEndpointSchema = z
  .strictObject({
    url,
    description: description.optional(),
    enabledEvents,
    enabled: z.boolean().default(true),
  })
  .openapi('CreateWebhookEndpoint')

export const UpdateWebhookEndpointSchema = z
  .strictObject({
    url: url.optional(),
    description: description.nullable().optional(),
    enabledEvents: enabledEvents.optional(),
    enabled: z
      .boolean()
      .optional()
      .openapi({ description: 'false disables it (MANUAL); true enables it again.' }),
  })
  .refine(...atLeastOneChange)
  .openapi('UpdateWebhookEndpoint')

export type CreateWebhookEndpointInput = z.output<typeof CreateWebhookEndpointSchema>
export type UpdateWebhookEndpointInput = z.output<typeof UpdateWebhookEndpointSchema>
export type ListWebhookEndpointsQuery = z.output<typeof ListWebhookEndpointsQuerySchema>
export type ListWebhookDeliveriesQuery = z.output<typeof ListWebhookDeliveriesQuerySchema>

const iso = (date: Date | null) => (date ? date.toISOString() : null)

export function toWebhookEndpoint(row: WebhookEndpoint): z.output<typeof WebhookEndpointSchema> {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    enabledEvents: row.enabledEvents,
    enabled: row.enabled,
    disabledReason: row.disabledReason as z.output<typeof WebhookEndpointSchema>['disabledReason'],
    failingSince: iso(row.failingSince),
    previousSecretExpiresAt: row.previousSecrets[0] ? iso(new Date(row.previousSecrets[0].expiresAt)) : null,
    previousSecrets: row.previousSecrets.map((entry) => ({
      expiresAt: new Date(entry.expiresAt).toISOString(),
    })),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

export type WebhookDeliveryRow = WebhookDelivery & {
  eventType: string
  attemptLog: Array<
    Pick<WebhookDeliveryAttempt, 'attempt' | 'statusCode' | 'error' | 'durationMs'> & { createdAt: string }
  >
}

export function toWebhookDelivery(row: WebhookDeliveryRow): z.output<typeof WebhookDeliverySchema> {
  return {
    id: row.id,
    endpointId: row.endpointId,
    eventId: row.eventId,
    eventType: row.eventType,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt.toISOString(),
    lastAttemptAt: iso(row.lastAttemptAt),
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    attemptLog: row.attemptLog.map((attempt) => ({
      ...attempt,
      createdAt: new Date(attempt.createdAt).toISOString(),
    })),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}
