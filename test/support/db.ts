import { env } from 'cloudflare:test'
import { neon, neonConfig } from '@neondatabase/serverless'
import { drizzle } from 'drizzle-orm/neon-http'
import { inject } from 'vitest'
import { useLocalEndpointFor } from '../../src/db/client'

useLocalEndpointFor(env.TEST_OWNER_DATABASE_URL)
// The app's HTTP client is src/db/neon-http.ts; these raw drivers are the package itself (assertions, and the
// neon-local conformance tests, which hold the endpoint to what the package expects): same local endpoint.
neonConfig.fetchEndpoint = (host, port) => `http://${host}:${port}/sql`

/** Raw driver as the database owner: sees every tenant (RLS does not apply). For assertions only. */
export const ownerSql = neon(env.TEST_OWNER_DATABASE_URL)
/** drizzle over the owner connection (without the schema, as the app's: src/db/client.ts). */
export const ownerDb = drizzle({ client: ownerSql })
/** Raw driver as the Worker's role `app_api`, to which RLS applies. */
export const appSql = neon(env.DATABASE_URL)

/** HTTP requests the local endpoint served: all, or those of one API request (tagged by its request id). */
export async function neonLocalStats(applicationName?: string): Promise<number> {
  const url = new URL('/__neon_local/stats', env.TEST_NEON_LOCAL_URL)
  if (applicationName) url.searchParams.set('application_name', applicationName)
  const response = await fetch(url)
  const body = (await response.json()) as { requests: number }
  return body.requests
}

/**
 * Resolves once another transaction holds the row lock that `probe` asks for with `for update nowait` (PostgreSQL
 * refuses it while the lock is held), so the request a test sends next waits on that lock whatever the machine's
 * load, instead of a fixed pause. PGlite runs one transaction at a time: nothing to wait for.
 */
export async function untilRowLocked(probe: () => Promise<unknown>, what: string): Promise<void> {
  if (inject('databaseBackend') !== 'postgres') return
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await probe()
    } catch {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`${what} never took the row lock`)
}

/**
 * Resolves once the oldest-first event feed shows everything committed before the call: that order ends before
 * the oldest transaction still open anywhere (migration 0033, app_settle_event_feed), so on PostgreSQL another
 * test's open transaction can hold it back a few seconds. Asks the function itself, as the owner. PGlite runs one
 * transaction at a time: always settled.
 */
export async function untilEventFeedSettled(): Promise<void> {
  if (inject('databaseBackend') !== 'postgres') return
  const [{ now }] = (await ownerSql`select now()::text as now`) as [{ now: string }]
  for (let attempt = 0; attempt < 300; attempt++) {
    const [, [row]] = (await ownerSql.transaction([
      ownerSql`select app_settle_event_feed()`,
      ownerSql`select current_setting('app.feed_horizon')::timestamptz >= ${now}::timestamptz as settled`,
    ])) as [unknown, [{ settled: boolean }]]
    if (row.settled) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('the event feed did not settle within 15 s')
}
