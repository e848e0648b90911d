import { sql } from 'drizzle-orm'
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core'
import { WEBHOOK_MAX_PREVIOUS_SECRETS } from '../../webhooks/signature'
import { events } from './events'
import { tenantIsolationPolicy, tenantKeys, versionAndTimestamps } from './helpers'
import { organizationForeignKey, tenantForeignKey } from './tenancy'

/*
 * Webhooks (Standard Webhooks): endpoints an ADMIN registers, and one delivery per (event, endpoint) that the
 * database creates with the event (the `events_fan_out` trigger, custom migration), so the webhook outbox is written
 * in the transaction of the change too. The scheduled sweeper and the producer enqueue pending deliveries on the
 * WEBHOOK_QUEUE; the queue consumer delivers, records each attempt and retries with backoff (src/webhooks/).
 */

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 })

export const webhookDeliveryStatusValues = ['PENDING', 'SUCCEEDED', 'FAILED'] as const
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatusValues)[number]

/** Why an endpoint stopped receiving: its owner, a 410 Gone, or failures for too long. */
export const webhookDisabledReasonValues = ['MANUAL', 'GONE', 'FAILING'] as const
export type WebhookDisabledReason = (typeof webhookDisabledReasonValues)[number]

/** A rotated-out secret and when it stops signing. */
export interface PreviousWebhookSecret {
  secret: string
  expiresAt: string
}

export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    ...tenantKeys(),
    url: text('url').notNull(),
    description: text('description'),
    /** Event types (`ticket.created`), whole resources (`ticket.*`) or everything (`*`). */
    enabledEvents: jsonb('enabled_events').$type<string[]>().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    disabledReason: text('disabled_reason'),
    /** `whsec_` + base64 of 32 random bytes: the HMAC key of the signatures. Shown once, at creation or rotation. */
    secret: text('secret').notNull(),
    /**
     * Secrets rotated out, newest first, each still signing (another signature) until its own expiresAt (ISO 8601):
     * a rotation ends no other's overlap. At most WEBHOOK_MAX_PREVIOUS_SECRETS; expired ones are dropped by the next
     * rotation.
     */
    previousSecrets: jsonb('previous_secrets').$type<PreviousWebhookSecret[]>().notNull().default([]),
    /** Since when every attempt has failed (null after a success): ~3 days of it disable the endpoint. */
    failingSince: at('failing_since'),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('webhook_endpoints', t.organizationId),
    unique('webhook_endpoints_organization_id_id_key').on(t.organizationId, t.id),
    index('webhook_endpoints_organization_id_created_at_id_idx').on(t.organizationId, t.createdAt, t.id),
    // A scheme is case-insensitive (RFC 3986): HTTPS:// is refused by no other rule either.
    check('webhook_endpoints_url_scheme', sql`url ~* '^https?://'`),
    check('webhook_endpoints_enabled_events_is_array', sql`jsonb_typeof(enabled_events) = 'array'`),
    check(
      'webhook_endpoints_disabled_reason_known',
      sql`disabled_reason is null or disabled_reason in ('MANUAL', 'GONE', 'FAILING')`,
    ),
    check('webhook_endpoints_secret_format', sql`secret ~ '^whsec_[A-Za-z0-9+/=]{40,}$'`),
    check(
      'webhook_endpoints_previous_secrets_bound',
      // The limit as a literal (sql.raw): the generated DDL is a constant, unchanged since migration 0049.
      sql`jsonb_typeof(previous_secrets) = 'array' and jsonb_array_length(previous_secrets) <= ${sql.raw(String(WEBHOOK_MAX_PREVIOUS_SECRETS))}`,
    ),
    tenantIsolationPolicy(),
  ],
)

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    ...tenantKeys(),
    endpointId: uuid('endpoint_id').notNull(),
    eventId: uuid('event_id').notNull(),
    status: text('status').$type<WebhookDeliveryStatus>().notNull().default('PENDING'),
    /** Attempts made so far (each is a webhook_delivery_attempts row). */
    attempts: integer('attempts').notNull().default(0),
    /** When the next attempt is due (the sweeper enqueues due deliveries the producer did not). */
    nextAttemptAt: at('next_attempt_at').notNull().defaultNow(),
    /** When it was last put on the queue: the sweeper leaves it alone for a while after. */
    enqueuedAt: at('enqueued_at'),
    lastAttemptAt: at('last_attempt_at'),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('webhook_deliveries', t.organizationId),
    tenantForeignKey(
      'webhook_deliveries_endpoint_fk',
      t.organizationId,
      t.endpointId,
      webhookEndpoints,
    ).onDelete('cascade'),
    tenantForeignKey('webhook_deliveries_event_fk', t.organizationId, t.eventId, events).onDelete('cascade'),
    unique('webhook_deliveries_organization_id_id_key').on(t.organizationId, t.id),
    unique('webhook_deliveries_endpoint_id_event_id_key').on(t.organizationId, t.endpointId, t.eventId),
    // An endpoint's deliveries, newest first; the event foreign key's index.
    index('webhook_deliveries_endpoint_created_at_id_idx').on(
      t.organizationId,
      t.endpointId,
      t.createdAt,
      t.id,
    ),
    // An endpoint's deliveries that are not (yet) delivered, in creation order: `status=FAILED`, `PENDING` and
    // `PENDING,FAILED` each imply the predicate, so they read only those rows instead of filtering the endpoint's
    // whole history (3,298 rows read for a page of FAILED at 10⁵: npm run bench -- --scale --lists webhook-endpoints).
    index('webhook_deliveries_endpoint_undelivered_created_at_id_idx')
      .on(t.organizationId, t.endpointId, t.createdAt, t.id)
      .where(sql`status in ('PENDING', 'FAILED')`),
    index('webhook_deliveries_organization_id_event_id_idx').on(t.organizationId, t.eventId),
    // The sweeper: due pending deliveries of every tenant, oldest due first.
    index('webhook_deliveries_pending_due_idx').on(t.nextAttemptAt).where(sql`status = 'PENDING'`),
    check('webhook_deliveries_status_known', sql`status in ('PENDING', 'SUCCEEDED', 'FAILED')`),
    check('webhook_deliveries_attempts_non_negative', sql`attempts >= 0`),
    tenantIsolationPolicy(),
  ],
)

/** One row per HTTP attempt of a delivery: when, how long, what the endpoint answered. Goes with its event (30 days). */
export const webhookDeliveryAttempts = pgTable(
  'webhook_delivery_attempts',
  {
    ...tenantKeys(),
    deliveryId: uuid('delivery_id').notNull(),
    attempt: integer('attempt').notNull(),
    /** The endpoint's HTTP status; null when no answer came (timeout, network error, refused URL). */
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('webhook_delivery_attempts', t.organizationId),
    tenantForeignKey(
      'webhook_delivery_attempts_delivery_fk',
      t.organizationId,
      t.deliveryId,
      webhookDeliveries,
    ).onDelete('cascade'),
    unique('webhook_delivery_attempts_delivery_id_attempt_key').on(t.organizationId, t.deliveryId, t.attempt),
    check('webhook_delivery_attempts_attempt_positive', sql`attempt > 0`),
    tenantIsolationPolicy(),
  ],
)

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect
export type WebhookDeliveryAttempt = typeof webhookDeliveryAttempts.$inferSelect
