import { createApp } from './app'
import { purgeExpiredEvents } from './cron/events'
import { metricsScheduledHandler } from './cron/metrics'
import type { Bindings } from './env'

const app = createApp()
const computeMetrics = metricsScheduledHandler()

/** The app's type, for `hono/client`. */
export type AppType = typeof app

/**
 * HTTP requests go to the app; the daily cron trigger (wrangler.toml [triggers]) computes the metrics and purges
 * expired events. The two jobs are independent: one failing does not stop the other, and the run still fails.
 */
export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    const jobs = await Promise.allSettled([
      computeMetrics(controller, env, ctx),
      purgeExpiredEvents(env, `events-purge-${controller.scheduledTime}`),
    ])
    const failed = jobs.find((job) => job.status === 'rejected')
    if (failed) throw failed.reason
  },
} satisfies ExportedHandler<Bindings>
