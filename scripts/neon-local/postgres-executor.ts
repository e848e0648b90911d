import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import type { Executor, TransactionSpec } from './executor'
import { FairGate } from './fair-gate'
import { quoteIdentifier, type RawResult, type Statement } from './protocol'

/** Every OID stays in Postgres' text format: the driver on the other side parses values itself. */
const rawText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig

/** Session settings as on a Neon compute (and PGlite), whatever the server's postgresql.conf says: text output
 *  of timestamptz, date and interval depends on them. */
const NEON_SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres'

/** pg's `command`/`rowCount`/`oid` put back into a command tag (pg keeps no raw tag). */
function commandTag(result: pg.QueryArrayResult): string {
  if (!result.command) return ''
  if (result.rowCount === null) return result.command
  if (result.command === 'INSERT') return `INSERT ${result.oid ?? 0} ${result.rowCount}`
  return `${result.command} ${result.rowCount}`
}

async function runStatement(client: pg.PoolClient, statement: Statement): Promise<RawResult> {
  // Extended protocol even without params, as Neon's proxy: one statement per query string.
  const config = {
    text: statement.query,
    values: statement.params,
    rowMode: 'array' as const,
    queryMode: 'extended',
  }
  const result = await client.query(config)
  return {
    fields: result.fields.map(({ name, dataTypeID, tableID, columnID, dataTypeSize, dataTypeModifier }) => ({
      name,
      dataTypeID,
      tableID,
      columnID,
      dataTypeSize,
      dataTypeModifier,
    })),
    rows: result.rows as (string | null)[][],
    commandTag: commandTag(result),
  }
}

/** Connections to the server, and how many of them one tenant may hold at once (the rest stay for the others). */
export const POOL_SIZE = 10
export const POOL_SHARE_PER_TENANT = 5

/**
 * A Postgres server through a node-postgres pool: each request's transaction on its own pooled client, admitted
 * fairly (fair-gate.ts: at most POOL_SHARE_PER_TENANT connections per tenant, tenants served in turn), and
 * cancelled on the server when its HTTP client goes away (as Neon's proxy does), so abandoned work frees its
 * connection instead of running on.
 */
class PostgresExecutor implements Executor {
  readonly gate = new FairGate(POOL_SIZE, POOL_SHARE_PER_TENANT)

  constructor(
    readonly pool: pg.Pool,
    /** A separate connection for pg_cancel_backend: the pool may be full when a cancel is needed. */
    readonly cancelPool: pg.Pool,
    readonly url: string,
    readonly sessionUser: string,
  ) {}

  async runTransaction(spec: TransactionSpec, statements: Statement[], check: (result: RawResult) => void) {
    const release = await this.gate.acquire(spec.tenant ?? '', spec.signal)
    try {
      return await this.#run(spec, statements, check)
    } finally {
      release()
    }
  }

  async #run(spec: TransactionSpec, statements: Statement[], check: (result: RawResult) => void) {
    const client = await this.pool.connect()
    let running = true
    let cancelling: Promise<void> | undefined
    const cancel = () => {
      if (running) cancelling = this.#cancel(client)
    }
    spec.signal?.addEventListener('abort', cancel, { once: true })
    const results: RawResult[] = []
    let failure: { error: unknown } | undefined
    try {
      spec.signal?.throwIfAborted()
      await client.query(spec.begin)
      if (spec.role !== null) await client.query(`SET LOCAL ROLE ${quoteIdentifier(spec.role)}`)
      for (const statement of statements) {
        const result = await runStatement(client, statement)
        check(result)
        results.push(result)
      }
      await client.query('COMMIT')
    } catch (error) {
      failure = { error }
    }
    running = false
    spec.signal?.removeEventListener('abort', cancel)
    // A cancel already sent lands before the connection serves another request (it must not cancel theirs).
    await cancelling
    if (!failure) {
      client.release()
      return results
    }
    await this.#rollbackAndRelease(client)
    throw failure.error
  }

  /** Cancels the statement the client's backend is running (if any); best effort. */
  async #cancel(client: pg.PoolClient): Promise<void> {
    const pid = (client as unknown as { processID?: number }).processID
    if (pid === undefined) return
    try {
      await this.cancelPool.query('select pg_cancel_backend($1)', [pid])
    } catch (error) {
      console.error('[neon-local] could not cancel an abandoned statement:', (error as Error).message)
    }
  }

  /** A client whose rollback fails is destroyed, never returned to the pool in an unknown state. */
  async #rollbackAndRelease(client: pg.PoolClient): Promise<void> {
    try {
      await client.query('ROLLBACK')
      client.release()
    } catch (rollbackError) {
      client.release(rollbackError as Error)
    }
  }

  /** Migrations use their own client with pg's default type parsing (drizzle's migrator reads ids back). */
  async migrate(folder: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.url })
    await client.connect()
    try {
      await migrate(drizzle({ client }), { migrationsFolder: folder })
    } finally {
      await client.end()
    }
  }

  async close(): Promise<void> {
    await this.pool.end()
    await this.cancelPool.end()
  }
}

export async function createPostgresExecutor(url: string): Promise<Executor> {
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    types: rawText,
    options: NEON_SESSION_OPTIONS,
  })
  const cancelPool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 1_000 })
  // An idle client that loses its server (e.g. the database was dropped) must not crash the process.
  for (const each of [pool, cancelPool]) {
    each.on('error', (error) => console.error('[neon-local] idle Postgres client error:', error.message))
  }
  const { rows } = await pool.query<{ user: string }>('select session_user as "user"')
  return new PostgresExecutor(pool, cancelPool, url, rows[0]?.user ?? '')
}
