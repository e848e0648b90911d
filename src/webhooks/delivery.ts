import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import type { Principal } from '../auth/principal'
import { databaseTimeoutMs, withDatabaseDeadline } from '../db/client'
import {
  type Event,
  events,
  type WebhookDelivery,
  type WebhookEndpoint,
  webhookDeliveries,
  webhookDeliveryAttempts,
  webhookEndpoints,
} from '../db/schema'
import { TenantDb } from '../db/tenant'
import type { Bindings } from '../env'
import { postgresErrorOf } from '../lib/errors'
import { log } from '../lib/log'
import { toEvent } from '../resources/events/events.index'
import { stillSigning, webhookHeaders } from './signature'
import { webhookUrlRefusal } from './url-safety'

/*
 * One delivery attempt, as the queue consumer makes it: read the delivery with its endpoint and event (one round
 * trip), check the URL again, POST the signed payload with a 10 s timeout, record the attempt and the outcome (one
 * round trip), and tell the queue to acknowledge the message or to retry it later. At least once: a message can be
 * delivered twice (a retry after a lost acknowledgement, a sweeper re-enqueueing a stalled delivery); `webhook-id`
 * (the event id) is the same every time, for the receiver to drop duplicates.
 */

/** A queue message: which delivery to attempt (the tenant, to bind the database to it). */
export interface WebhookMessage {
  deliveryId: string
  organizationId: string
}

export const WEBHOOK_TIMEOUT_MS = 10_000
/** Attempts before a delivery is given up (FAILED): with the backoff below, about a day. */
export const WEBHOOK_MAX_ATTEMPTS = 14
const BACKOFF_BASE_SECONDS = 30
const BACKOFF_CAP_SECONDS = 6 * 3600
/** The queue's longest delay. */
const MAX_DELAY_SECONDS = 12 * 3600
/** An endpoint failing for this long (every attempt since failingSince) is disabled. */
export const WEBHOOK_DISABLE_AFTER_MS = 3 * 86_400_000
/** A payload larger than this is sent thin (id, type, object; fetch the event for the rest). */
export const WEBHOOK_PAYLOAD_LIMIT_BYTES = 64 * 1024

/**
 * The least share of its step a wait may be. The spec's retry window is ~24 h: with WEBHOOK_MAX_ATTEMPTS the full
 * steps add up to 26.5 h, so waits of 0.8–1× of their step end the window between 21.2 and 26.5 h (23.9 h on
 * average); ½–1× ("equal jitter") could end it after 13 h (test/webhooks/retry-window.test.ts).
 */
const JITTER_FLOOR = 0.8

/**
 * Seconds before retry number `failures` (1 = after the first failure): exponential, capped, jittered to 0.8–1× of
 * the step (spreads the retries of many deliveries, and the window stays about a day).
 */
export function backoffSeconds(failures: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_BASE_SECONDS * 2 ** Math.max(failures - 1, 0), BACKOFF_CAP_SECONDS)
  return Math.ceil(base * (JITTER_FLOOR + random() * (1 - JITTER_FLOOR)))
}

/** `Retry-After` as seconds from now (delta-seconds or an HTTP date), if the answer carries one. */
export function retryAfterSeconds(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined
  if (/^\d+$/.test(header.trim())) return Number(header.trim())
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000))
}

/** What the consumer tells the queue about a message. */
export type QueueDecision = { ack: true } | { ack: false; delaySeconds: number }

export interface DeliveryOptions {
  fetch?: typeof fetch
  now?: () => number
  random?: () => number
}

/** The representation webhooks carry: an ADMIN's (webhook endpoints are an ADMIN's integration). */
const NO_SUBJECT = '00000000-0000-0000-0000-000000000000'

/** The body of an attempt: the event as GET /v1/events/{id} shows it to an ADMIN, thin when too large. */
export function webhookBody(event: Event): string {
  const reader: Principal = { role: 'ADMIN', subject: NO_SUBJECT, organizationId: event.organizationId }
  const full = JSON.stringify(toEvent(event, reader))
  if (new TextEncoder().encode(full).length <= WEBHOOK_PAYLOAD_LIMIT_BYTES) return full
  return JSON.stringify({
    id: event.id,
    type: event.type,
    createdAt: event.createdAt.toISOString(),
    organizationId: event.organizationId,
    objectType: event.objectType,
    objectId: event.objectId,
    thin: true,
  })
}

interface AttemptResult {
  statusCode: number | null
  error: string | null
  retryAfter?: number | undefined
  durationMs: number
}

async function attempt(
  endpoint: WebhookEndpoint,
  event: Event,
  env: Bindings,
  options: Required<DeliveryOptions>,
): Promise<AttemptResult> {
  const started = options.now()
  const refusal = webhookUrlRefusal(endpoint.url, env.APP_ENV)
  if (refusal) return { statusCode: null, error: `URL refused: ${refusal}`, durationMs: 0 }
  const body = webhookBody(event)
  const secrets = [
    endpoint.secret,
    ...stillSigning(endpoint.previousSecrets, started).map((entry) => entry.secret),
  ]
  const headers = await webhookHeaders(secrets, event.id, Math.floor(started / 1000), body)
  try {
    const response = await options.fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'organization-api-webhooks/1',
        ...headers,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    })
    await response.body?.cancel()
    return {
      statusCode: response.status,
      error: response.ok ? null : `HTTP ${response.status}`,
      retryAfter: retryAfterSeconds(response.headers.get('retry-after'), options.now()),
      durationMs: options.now() - started,
    }
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
    return {
      statusCode: null,
      error: timedOut
        ? `timeout after ${WEBHOOK_TIMEOUT_MS} ms`
        : `network error: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500),
      durationMs: options.now() - started,
    }
  }
}

/** Attempts one delivery and records it; the queue decision for its message. */
export async function deliverWebhook(
  env: Bindings,
  message: WebhookMessage,
  options: DeliveryOptions = {},
): Promise<QueueDecision> {
  const opts: Required<DeliveryOptions> = {
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
  }
  const requestId = `webhook-${message.deliveryId}-${crypto.randomUUID().slice(0, 8)}`
  return withDatabaseDeadline(
    { timeoutMs: databaseTimeoutMs(env.DATABASE_TIMEOUT_MS), requestId },
    async () => {
      const db = TenantDb.forSystem(env.DATABASE_URL, message.organizationId, requestId)
      const [rows] = await db.read(
        db
          .selectFields(
            webhookDeliveries,
            { delivery: webhookDeliveries, endpoint: webhookEndpoints, event: events },
            eq(webhookDeliveries.id, message.deliveryId),
          )
          .innerJoin(
            webhookEndpoints,
            and(
              eq(webhookEndpoints.organizationId, webhookDeliveries.organizationId),
              eq(webhookEndpoints.id, webhookDeliveries.endpointId),
            ),
          )
          .innerJoin(
            events,
            and(
              eq(events.organizationId, webhookDeliveries.organizationId),
              eq(events.id, webhookDeliveries.eventId),
            ),
          ),
      )
      const [row] = rows as unknown as Array<{
        delivery: WebhookDelivery
        endpoint: WebhookEndpoint
        event: Event
      }>
      // Gone (the endpoint deleted, the event past retention), settled, or not due: a later message (a redelivery, the
      // sweeper's) rescheduled it, and this duplicate ends here rather than run a second schedule (5 s: clock skew).
      if (row?.delivery.status !== 'PENDING' || row.delivery.nextAttemptAt.getTime() > opts.now() + 5000)
        return { ack: true }
      const { delivery, endpoint, event } = row
      if (!endpoint.enabled) {
        await db.run(
          db.update(
            webhookDeliveries,
            { status: 'FAILED', lastError: 'endpoint disabled' },
            eq(webhookDeliveries.id, delivery.id),
            eq(webhookDeliveries.status, 'PENDING'),
          ),
        )
        return { ack: true }
      }

      const result = await attempt(endpoint, event, env, opts)
      const now = opts.now()
      const number = delivery.attempts + 1
      const succeeded = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300
      const gone = result.statusCode === 410
      const failingSince = succeeded ? null : (endpoint.failingSince ?? new Date(now))
      const failingTooLong = !succeeded && now - (failingSince as Date).getTime() >= WEBHOOK_DISABLE_AFTER_MS
      const disable = gone ? 'GONE' : failingTooLong ? 'FAILING' : null
      // A URL refused at delivery stays refused until the endpoint is changed: no retry.
      const refused = result.error?.startsWith('URL refused') ?? false
      const giveUp = !succeeded && (disable !== null || refused || number >= WEBHOOK_MAX_ATTEMPTS)
      const delaySeconds = Math.min(
        Math.max(backoffSeconds(number, opts.random), result.retryAfter ?? 0),
        MAX_DELAY_SECONDS,
      )
      const retryAt = new Date(now + delaySeconds * 1000)
      const status = succeeded ? 'SUCCEEDED' : giveUp ? 'FAILED' : 'PENDING'
      // Re-opened by a redelivery while this attempt was in flight (its version moved): the attempt counts, but the
      // delivery stays pending and due as the redelivery left it, for the redelivery's message.
      const unlessReopened = (column: AnyPgColumn, value: unknown) =>
        sql`case when ${webhookDeliveries.version} = ${delivery.version} then ${value} else ${column} end`
      const until = (status === 'PENDING' ? retryAt : new Date(now)).toISOString()

      await db.run(
        db
          .insert(webhookDeliveryAttempts, {
            deliveryId: delivery.id,
            attempt: number,
            statusCode: result.statusCode,
            error: result.error,
            durationMs: Math.max(0, Math.round(result.durationMs)),
          })
          .onConflictDoNothing(),
        // Counted once even if a duplicate message attempted it concurrently (attempts as read).
        db.update(
          webhookDeliveries,
          {
            status: unlessReopened(webhookDeliveries.status, status),
            attempts: number,
            lastAttemptAt: new Date(now),
            lastStatusCode: result.statusCode,
            lastError: result.error,
            nextAttemptAt: unlessReopened(webhookDeliveries.nextAttemptAt, sql`${until}::timestamptz`),
            // On the queue until then: the sweeper leaves it alone.
            enqueuedAt: unlessReopened(webhookDeliveries.enqueuedAt, sql`${until}::timestamptz`),
          },
          eq(webhookDeliveries.id, delivery.id),
          eq(webhookDeliveries.attempts, delivery.attempts),
        ),
        // Written only when the endpoint changes (disabled, its failure streak starts or ends): every write raises its
        // version, and a delivery that changes nothing of it must not make an ADMIN's If-Match stale. Only while it
        // still has the URL attempted: an outcome of the old URL says nothing of a new one saved meanwhile.
        disable
          ? db.update(
              webhookEndpoints,
              { failingSince, enabled: false, disabledReason: disable },
              eq(webhookEndpoints.id, endpoint.id),
              eq(webhookEndpoints.url, endpoint.url),
            )
          : db.update(
              webhookEndpoints,
              { failingSince: succeeded ? null : failingSince },
              eq(webhookEndpoints.id, endpoint.id),
              eq(webhookEndpoints.url, endpoint.url),
              succeeded ? isNotNull(webhookEndpoints.failingSince) : isNull(webhookEndpoints.failingSince),
            ),
      )
      log(succeeded ? 'info' : 'warn', 'webhook attempt', {
        requestId,
        organizationId: message.organizationId,
        deliveryId: delivery.id,
        endpointId: endpoint.id,
        eventId: event.id,
        attempt: number,
        statusCode: result.statusCode,
        error: result.error,
        outcome: status,
        disabled: disable,
      })
      return status === 'PENDING' ? { ack: false, delaySeconds } : { ack: true }
    },
  )
}

/**
 * One webhook message, acknowledged or retried on its own. A message whose handling throws (the database
 * unreachable) is retried by the queue with its retry_delay and, after the consumer's max_retries, kept by the
 * dead-letter queue.
 */
export async function processWebhookMessage(
  message: Message<WebhookMessage>,
  env: Bindings,
  options: DeliveryOptions = {},
): Promise<void> {
  try {
    const decision = await deliverWebhook(env, message.body, options)
    if (decision.ack) message.ack()
    else message.retry({ delaySeconds: decision.delaySeconds })
  } catch (error) {
    log('error', 'webhook delivery could not be processed; the queue retries it', {
      deliveryId: message.body?.deliveryId,
      attempts: message.attempts,
      sqlState: postgresErrorOf(error)?.code,
      error: error instanceof Error ? error.name : 'unknown',
    })
    message.retry()
  }
}

/** A queue handler for webhook messages only (the Worker's `queue` handler routes by kind: src/queue.ts). */
export function webhookQueueHandler(options: DeliveryOptions = {}) {
  return async (
    batch: MessageBatch<WebhookMessage>,
    env: Bindings,
    _ctx?: ExecutionContext,
  ): Promise<void> => {
    await Promise.all(batch.messages.map((message) => processWebhookMessage(message, env, options)))
  }
}
