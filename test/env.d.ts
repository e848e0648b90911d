import type { Bindings } from '../src/env'

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      /** Connection string of the database owner (bypasses RLS): for asserting database state in tests. */
      TEST_OWNER_DATABASE_URL: string
      /** Base URL of the local Neon endpoint, for its request counter. */
      TEST_NEON_LOCAL_URL: string
      /** A database URL on 127.0.0.1 that accepts connections and never answers (deadline tests). */
      TEST_BLACKHOLE_URL: string
      /** The webhook receiver (test/webhooks/receiver.ts): POST /hooks/<name>, GET /received/<name>. */
      TEST_WEBHOOK_RECEIVER_URL: string
      /** The rate-limit table the test bindings declare (vitest.config.ts), as JSON; read when APP_ENV is test. */
      TEST_RATE_LIMITS: string
    }
  }
}
