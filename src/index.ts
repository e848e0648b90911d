import { createApp } from './app'
import { metricsScheduledHandler } from './cron/metrics'
import type { Bindings } from './env'

const app = createApp()
const computeMetrics = metricsScheduledHandler()

/** The app's type, for `hono/client`. */
export type AppType = typeof app

/** HTTP requests go to the app; the cron trigger (wrangler.toml [triggers]) computes the metrics. */
export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    await computeMetrics(controller, env, ctx)
  },
} satisfies ExportedHandler<Bindings>
