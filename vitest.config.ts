import { execFileSync } from 'node:child_process'
import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

// The /docs UI's files in the Workers Static Assets directory that wrangler.toml [assets] names: the command of
// wrangler.toml [build] (wrangler runs it for dev and deploy; the test runtime does not). Run as a command, not
// imported, so the config stays loadable by Vite's native config loader. The runtime serves the files to
// `env.ASSETS` only: `SELF.fetch` enters the Worker, never the asset router (test/system/docs.test.ts).
execFileSync('npx', ['tsx', 'scripts/docs-assets.ts'], { stdio: 'inherit' })

// Rate limits of the test runtime (the shape of src/lib/rate-limits.ts's table): FREE and STARTER small enough to
// reach in test/system/rate-limits.test.ts; the other plans never limit the suite (test tenants are PROFESSIONAL,
// and ENTERPRISE's limits apply until an isolate knows a tenant's plan). The wrangler.toml bindings are declared
// again with these numbers, and the app gets the same table (TEST_RATE_LIMITS), so its headers state what the
// bindings enforce.
const unlimited = { limit: 1_000_000, period: 60 } as const
const testRateLimits = {
  FREE: { tenant: { limit: 5, period: 60 }, caller: { limit: 3, period: 60 } },
  STARTER: { tenant: { limit: 9, period: 60 }, caller: { limit: 6, period: 60 } },
  PROFESSIONAL: { tenant: unlimited, caller: unlimited },
  ENTERPRISE: { tenant: unlimited, caller: unlimited },
} as const
const testRateLimitBindings = Object.fromEntries(
  Object.entries(testRateLimits).flatMap(([plan, scopes], i) =>
    Object.entries(scopes).map(([scope, simple], j) => [
      `RATE_LIMIT_${plan}_${scope.toUpperCase()}`,
      { namespace_id: String(9001 + 2 * i + j), simple },
    ]),
  ),
)

// The suite runs inside the Workers runtime. test/global-setup.ts starts the local Neon endpoint
// (PGlite in memory, or a fresh database on TEST_DATABASE_URL) and hands its URLs to the Worker.
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: './wrangler.toml' },
      // The suite runs src/ itself (wrangler.toml's `main` is the build's copy of it, without the document's texts).
      main: './src/index.ts',
      miniflare: {
        bindings: {
          APP_ENV: 'test',
          DATABASE_URL: inject('databaseUrl'),
          TEST_OWNER_DATABASE_URL: inject('ownerDatabaseUrl'),
          TEST_NEON_LOCAL_URL: inject('neonLocalUrl'),
          TEST_BLACKHOLE_URL: inject('blackholeDatabaseUrl'),
          TEST_WEBHOOK_RECEIVER_URL: inject('webhookReceiverUrl'),
          AUTH_JWT_SECRET: 'test-secret-0123456789-0123456789-abcdef',
          PLATFORM_API_KEY: 'test-platform-key-0123456789',
          CORS_ORIGINS: 'https://console.example, https://portal.example',
          TEST_RATE_LIMITS: JSON.stringify(testRateLimits),
        },
        ratelimits: testRateLimitBindings,
      },
    })),
  ],
  test: {
    globalSetup: ['./test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The one-line-per-request access log (src/middleware/request-log.ts) would bury the test output; its own test
    // (test/system/request-log.test.ts) reads it through a console spy.
    onConsoleLog: (log) => !log.includes('"message":"request",'),
  },
})
