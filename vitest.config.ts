import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

// The suite runs inside the Workers runtime. test/global-setup.ts starts the local Neon endpoint
// (PGlite in memory, or a fresh database on TEST_DATABASE_URL) and hands its URLs to the Worker.
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          APP_ENV: 'test',
          DATABASE_URL: inject('databaseUrl'),
          TEST_OWNER_DATABASE_URL: inject('ownerDatabaseUrl'),
          TEST_NEON_LOCAL_URL: inject('neonLocalUrl'),
          TEST_BLACKHOLE_URL: inject('blackholeDatabaseUrl'),
          AUTH_JWT_SECRET: 'test-secret-0123456789-0123456789-abcdef',
          PLATFORM_API_KEY: 'test-platform-key-0123456789',
          CORS_ORIGINS: 'https://console.example, https://portal.example',
        },
      },
    })),
  ],
  test: {
    globalSetup: ['./test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
