import { createApp } from './app'
import { purgeExpiredEvents } from './cron/events'
import { metricsScheduledHandler } from './cron/metrics'
import type { Bindings } from './env'
import { type WebhookMessage, webhookQueueHandler } from './webhooks/delivery'
import { sweepWebhookDeliveries } from './webhooks/dispatch'

const app = createApp()
const computeMetrics = metricsScheduledHandler()
const deliverWebhooks = webhookQueueHandler()

/** The app's type, for `hono/client`. */
export type AppType = typeof app

/**
 * wrangler.toml [triggers] crons: the webhook sweeper every minute; the rest daily. Not exported: workerd takes
 * every export of the main module for a handler and refuses to start on anything else (a string).
 */
const WEBHOOK_SWEEP_CRON = '* * * * *'

/**
 * HTTP requests go to the app. Cron triggers: every minute the webhook sweeper; daily (any other cron) the metrics
 * and the event retention purge, independent of each other (one failing does not stop the other; the run still
 * fails). The queue consumer (WEBHOOK_QUEUE) delivers webhooks.
 */
export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    if (controller.cron === WEBHOOK_SWEEP_CRON) {
      await sweepWebhookDeliveries(env, `webhook-sweep-${controller.scheduledTime}`)
      return
    }
    const jobs = await Promise.allSettled([
      computeMetrics(controller, env, ctx),
      purgeExpiredEvents(env, `events-purge-${controller.scheduledTime}`),
    ])
    const failed = jobs.find((job) => job.status === 'rejected')
    if (failed) throw failed.reason
  },
  queue: (batch, env, ctx) => deliverWebhooks(batch as MessageBatch<WebhookMessage>, env, ctx),
} satisfies ExportedHandler<Bindings>
