import { computeOrganizationMetrics, type MetricsMessage } from './cron/metrics-fan-out'
import type { Bindings } from './env'
import { postgresErrorOf } from './lib/errors'
import { log } from './lib/log'
import { type DeliveryOptions, processWebhookMessage, type WebhookMessage } from './webhooks/delivery'

/** What goes through the Worker's queue (wrangler.toml WEBHOOK_QUEUE): webhook deliveries and per-tenant metrics. */
export type WorkMessage = WebhookMessage | MetricsMessage

const isMetrics = (body: WorkMessage): body is MetricsMessage => 'kind' in body && body.kind === 'metrics'

/** The Worker's `queue` handler: each message handled, acknowledged or retried on its own, by its kind. */
export function queueHandler(options: DeliveryOptions = {}) {
  return async (batch: MessageBatch<WorkMessage>, env: Bindings, _ctx?: ExecutionContext): Promise<void> => {
    await Promise.all(
      batch.messages.map(async (message) => {
        const body = message.body
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
