import { createApp } from './app'
import { sweepOrphanedAttachments } from './cron/attachments-sweep'
import { purgeExpiredEvents } from './cron/events'
import { fanOutMetrics } from './cron/metrics-fan-out'
import type { Bindings } from './env'
import { queueHandler, type WorkMessage } from './queue'
import { sweepWebhookDeliveries } from './webhooks/dispatch'

const app = createApp()
const handleQueue = queueHandler()

/** The app's type, for `hono/client`. */
export type AppType = typeof app

/**
 * wrangler.toml [triggers] crons: the webhook sweeper every minute; the rest daily. Not exported: workerd takes
 * every export of the main module for a handler and refuses to start on anything else (a string).
 */
const WEBHOOK_SWEEP_CRON = '* * * * *'

/**
 * HTTP requests go to the app. Cron triggers: every minute the webhook sweeper; daily (any other cron) the metrics
 * (one queue message per organization: cron/metrics-fan-out.ts), the event retention purge and the sweep of orphaned
 * attachment objects (cron/attachments-sweep.ts), independent of each other (one failing does not stop the others;
 * the run still fails). The queue consumer (src/queue.ts) delivers
 * webhooks and computes each organization's metrics.
 */
export default {
  fetch: app.fetch,
  async scheduled(controller, env) {
    if (controller.cron === WEBHOOK_SWEEP_CRON) {
      await sweepWebhookDeliveries(env, `webhook-sweep-${controller.scheduledTime}`)
      return
    }
    const jobs = await Promise.allSettled([
      fanOutMetrics(env, controller.scheduledTime),
      purgeExpiredEvents(env, `events-purge-${controller.scheduledTime}`),
      sweepOrphanedAttachments(env, `attachments-sweep-${controller.scheduledTime}`),
    ])
    const failed = jobs.find((job) => job.status === 'rejected')
    if (failed) throw failed.reason
  },
  queue: (batch, env, ctx) => handleQueue(batch as MessageBatch<WorkMessage>, env, ctx),
} satisfies ExportedHandler<Bindings>
