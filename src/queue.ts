import { computeOrganizationMetrics, type MetricsMessage } from './cron/metrics-fan-out'
import type { Bindings } from './env'
import { postgresErrorOf } from './lib/errors'
import { log } from './lib/log'
import { type DeliveryOptions, processWebhookMessage, type WebhookMessage } from './webhooks/delivery'

/** What goes through the Worker's queue (wrangler.toml WEBHOOK_QUEUE): webhook deliveries and per-tenant metrics. */
export type WorkMessage = WebhookMessage | MetricsMessage

const isMetrics = (body: WorkMessage): body is MetricsMessage => (body as MetricsMessage).kind === 'metrics'

const UUID = /^[\da-f]{8}(-[\da-f]{4}){3}-[\da-f]{12}$/i

/**
 * A message nothing can ever handle (not an object; of an unknown kind; a metrics message without an organization
 * id or a time; a webhook one without its ids): no retry could succeed, so it is logged and acknowledged instead of
 * failing the batch or being retried 20 times.
 */
const unusable = (body: unknown) => {
  const message = body as (Partial<MetricsMessage> & Partial<WebhookMessage>) | null
  if (typeof body !== 'object' || !message || !UUID.test(`${message.organizationId}`)) return true
  return message.kind === 'metrics'
    ? !Number.isFinite(message.scheduledTime)
    : message.kind !== undefined || !UUID.test(`${message.deliveryId}`)
}

/** The Worker's `queue` handler: each message handled, acknowledged or retried on its own, by its kind. */
export function queueHandler(options: DeliveryOptions = {}) {
  return async (batch: MessageBatch<WorkMessage>, env: Bindings, _ctx?: ExecutionContext): Promise<void> => {
    await Promise.all(
      batch.messages.map(async (message) => {
        const body = message.body
        if (unusable(body)) {
          log('error', 'unusable queue message dropped', {
            messageId: message.id,
            attempts: message.attempts,
          })
          return message.ack()
        }
        if (!isMetrics(body)) return processWebhookMessage(message as Message<WebhookMessage>, env, options)
        try {
          await computeOrganizationMetrics(env, body)
          message.ack()
        } catch (error) {
          log('error', 'metrics computation failed for an organization; the queue retries it', {
            organizationId: body.organizationId,
            attempts: message.attempts,
            sqlState: postgresErrorOf(error)?.code,
            error: error instanceof Error ? error.name : 'unknown',
          })
          message.retry()
        }
      }),
    )
  }
}
