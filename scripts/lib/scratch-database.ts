/**
 * The benchmarks' database (npm run bench, bench:reads, bench:conversations, bench:fan-out, bench:refund-facts,
 * bench:scale, --fairness): a fresh scratch database on the PostgreSQL server of BENCH_DATABASE_URL (default the
 * local server's `postgres://postgres@127.0.0.1:5432/test`; a postgres:// URL on this machine only), migrated behind
 * the local Neon endpoint (scripts/neon-local), dropped at the end unless kept. The benchmarks that default to
 * in-memory PGlite (`fallback: 'pglite'`) use it when BENCH_DATABASE_URL is unset.
 */
import pg from 'pg'
import { type Backend, createScratchDatabase, type NeonLocal, startNeonLocal } from '../neon-local'
import { assertLoopback } from './bench-harness'

export const DEFAULT_BENCH_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test'

export interface BenchDatabaseOptions {
  /** The scratch database's name prefix (createScratchDatabase makes it unique), e.g. `orgapi_fanout`. */
  name: string
  /** Without BENCH_DATABASE_URL: the local server (default) or in-memory PGlite. */
  fallback?: 'postgres' | 'pglite'
  /** Keep the scratch database at the end (its URL is printed). */
  keep?: boolean
  /** A migrations folder other than drizzle/ (startNeonLocal's `migrate`). */
  migrations?: string
  /** The endpoint's listening host (startNeonLocal's default otherwise). */
  host?: string
}

export interface BenchDatabase {
  /** The local Neon endpoint over the scratch database, migrated. */
  local: NeonLocal
  backend: Backend
  /** The scratch database's URL as its owner, for direct pg clients; undefined on PGlite. */
  url: string | undefined
  /** A pg client on the scratch database as its owner, connected; ended by `close`. Not on PGlite. */
  client(): Promise<pg.Client>
  /** Ends the clients, stops the endpoint, drops the scratch database (unless kept). Runs once; safe to repeat. */
  close(): Promise<void>
}

/** BENCH_DATABASE_URL (or the default), checked: a postgres:// URL on this machine. */
function benchAdminUrl(fallback: 'postgres' | 'pglite'): string | undefined {
  const adminUrl =
    process.env.BENCH_DATABASE_URL ?? (fallback === 'pglite' ? undefined : DEFAULT_BENCH_ADMIN_URL)
  if (adminUrl === undefined) return undefined
  if (!/^postgres(ql)?:\/\//.test(adminUrl)) throw new Error('BENCH_DATABASE_URL must be a postgres:// URL.')
  assertLoopback(adminUrl, 'BENCH_DATABASE_URL')
  return adminUrl
}

/** A fresh, migrated scratch database behind the local Neon endpoint; `close()` it when done (also on failure). */
export async function openBenchDatabase(options: BenchDatabaseOptions): Promise<BenchDatabase> {
  const adminUrl = benchAdminUrl(options.fallback ?? 'postgres')
  const scratch = adminUrl ? await createScratchDatabase(adminUrl, options.name) : undefined
  const backend: Backend = scratch ? { kind: 'postgres', url: scratch.url } : { kind: 'pglite' }
  const clients: pg.Client[] = []
  let local: NeonLocal | undefined
  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= (async () => {
      for (const client of clients) await client.end().catch(() => {})
      try {
        await local?.close()
      } finally {
        if (scratch && options.keep)
          console.log(`kept the scratch database ${scratch.url}: DROP DATABASE it when done`)
        else await scratch?.drop()
      }
    })()
    return closing
  }
  try {
    local = await startNeonLocal({ backend, ...(options.host ? { host: options.host } : {}) })
    await local.migrate(options.migrations)
  } catch (error) {
    await close().catch(() => {})
    throw error
  }
  return {
    local,
    backend,
    url: scratch?.url,
    async client() {
      if (!scratch) throw new Error('a direct client needs a PostgreSQL server (BENCH_DATABASE_URL)')
      const client = new pg.Client({ connectionString: scratch.url })
      clients.push(client)
      await client.connect()
      return client
    },
    close,
  }
}

/**
 * A bulk load as the database's owner: `load` runs in one transaction with triggers off (session_replication_role =
 * replica: no events, no webhook fan-out, no search terms; benchmark data, not API traffic), then the tables it
 * filled are analyzed, so that the plans measured next see their real sizes. The client is ended.
 */
export async function bulkLoad(
  url: string,
  tables: string[],
  load: (client: pg.Client) => Promise<void>,
): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query('begin')
    await client.query('set local session_replication_role = replica')
    await load(client)
    await client.query('commit')
    for (const table of tables) await client.query(`analyze ${table}`)
  } catch (error) {
    await client.query('rollback').catch(() => {})
    throw error
  } finally {
    await client.end()
  }
}
