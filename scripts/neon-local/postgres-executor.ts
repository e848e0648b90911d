import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import type { Executor, TransactionSpec } from './executor'
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

/** A Postgres server through a node-postgres pool: each request's transaction on its own pooled client. */
class PostgresExecutor implements Executor {
  constructor(
    readonly pool: pg.Pool,
    readonly url: string,
    readonly sessionUser: string,
  ) {}

  async runTransaction(spec: TransactionSpec, statements: Statement[], check: (result: RawResult) => void) {
    const client = await this.pool.connect()
    try {
      await client.query(spec.begin)
      if (spec.role !== null) await client.query(`SET LOCAL ROLE ${quoteIdentifier(spec.role)}`)
      const results: RawResult[] = []
      for (const statement of statements) {
        const result = await runStatement(client, statement)
        check(result)
        results.push(result)
      }
      await client.query('COMMIT')
      client.release()
      return results
    } catch (error) {
      await this.#rollbackAndRelease(client)
      throw error
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

  close(): Promise<void> {
    return this.pool.end()
  }
}

export async function createPostgresExecutor(url: string): Promise<Executor> {
  const pool = new pg.Pool({ connectionString: url, max: 10, types: rawText, options: NEON_SESSION_OPTIONS })
  // An idle client that loses its server (e.g. the database was dropped) must not crash the process.
  pool.on('error', (error) => console.error('[neon-local] idle Postgres client error:', error.message))
  const { rows } = await pool.query<{ user: string }>('select session_user as "user"')
  return new PostgresExecutor(pool, url, rows[0]?.user ?? '')
}
