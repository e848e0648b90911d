import { chmod, mkdir } from 'node:fs/promises'
import { type messages, PGlite, protocol } from '@electric-sql/pglite'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'
import type { Executor, TransactionSpec } from './executor'
import { quoteIdentifier, type RawResult, type Statement } from './protocol'
import type { SessionLease, SharedSession } from './wire'

const { serialize } = protocol

/**
 * Runs jobs one after another: PGlite is a single session, so requests must never interleave. Counts the jobs
 * waiting for their turn, and tells listeners when one starts waiting (the wire server's idle-transaction policy).
 */
class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve()
  #waiting = 0
  readonly #listeners = new Set<() => void>()

  get waiting(): number {
    return this.#waiting
  }

  onWaiting(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  run<T>(job: () => Promise<T>): Promise<T> {
    this.#waiting++
    for (const listener of this.#listeners) listener()
    const result = this.#tail.then(() => {
      this.#waiting--
      return job()
    })
    this.#tail = result.catch(() => undefined)
    return result
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

function firstError(list: messages.BackendMessage[]): messages.DatabaseError | undefined {
  return list.find((message): message is messages.DatabaseError => message.name === 'error')
}

/** Collects fields, text rows and the command tag from one extended-protocol exchange. */
function toRawResult(list: messages.BackendMessage[]): RawResult {
  const result: RawResult = { fields: [], rows: [], commandTag: '' }
  for (const message of list) {
    if (message.name === 'rowDescription') {
      result.fields = (message as messages.RowDescriptionMessage).fields.map((field) => ({
        name: field.name,
        dataTypeID: field.dataTypeID,
        tableID: field.tableID,
        columnID: field.columnID,
        dataTypeSize: field.dataTypeSize,
        dataTypeModifier: field.dataTypeModifier,
      }))
    } else if (message.name === 'dataRow') {
      result.rows.push((message as messages.DataRowMessage).fields)
    } else if (message.name === 'commandComplete') {
      result.commandTag = (message as messages.CommandCompleteMessage).text
    }
  }
  return result
}

/**
 * Embedded PGlite, driven with raw protocol messages so that every value stays in Postgres' text format
 * (no PGlite parsers or serializers: params reach Postgres untouched, enums and arrays come back as text)
 * and RowDescription/CommandComplete are reported exactly as Postgres sends them.
 */
export class PgliteExecutor implements Executor, SharedSession {
  readonly #queue = new SerialQueue()

  constructor(
    readonly db: PGlite,
    readonly sessionUser: string,
  ) {}

  async #simple(sql: string, syncToFs = false): Promise<void> {
    const { messages: list } = await this.db.execProtocol(serialize.query(sql), {
      throwOnError: false,
      syncToFs,
    })
    const error = firstError(list)
    if (error) throw error
  }

  async #statement(statement: Statement): Promise<RawResult> {
    const message = concat([
      serialize.parse({ text: statement.query }),
      serialize.bind({ values: statement.params }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    ])
    const { messages: list } = await this.db.execProtocol(message, { throwOnError: false, syncToFs: false })
    const error = firstError(list)
    if (error) throw error
    return toRawResult(list)
  }

  async #rollback(): Promise<void> {
    await this.#simple('ROLLBACK', true)
  }

  runTransaction(spec: TransactionSpec, statements: Statement[], check: (result: RawResult) => void) {
    return this.#queue.run(() =>
      this.db.runExclusive(async () => {
        // A request that died halfway must not leave the next one inside its transaction.
        if (this.db.isInTransaction()) await this.#rollback()
        try {
          await this.#simple(spec.begin)
          if (spec.role !== null) await this.#simple(`SET LOCAL ROLE ${quoteIdentifier(spec.role)}`)
          const results: RawResult[] = []
          for (const statement of statements) {
            const result = await this.#statement(statement)
            check(result)
            results.push(result)
          }
          await this.#simple('COMMIT', true)
          return results
        } catch (error) {
          if (this.db.isInTransaction()) await this.#rollback()
          throw error
        }
      }),
    )
  }

  migrate(folder: string): Promise<void> {
    return this.#queue.run(() => migrate(drizzle({ client: this.db }), { migrationsFolder: folder }))
  }

  /**
   * The session to one wire client for its turn (scripts/neon-local/wire.ts): queued with the HTTP transactions,
   * holding PGlite's exclusive lock until `release()`, so no HTTP statement runs inside the client's transaction.
   */
  acquire(): Promise<SessionLease> {
    return new Promise((resolveLease, rejectLease) => {
      this.#queue
        .run(() =>
          this.db.runExclusive(
            () =>
              new Promise<void>((release) => {
                let released = false
                resolveLease({
                  db: this.db,
                  release: () => {
                    if (released) return
                    released = true
                    release()
                  },
                })
              }),
          ),
        )
        .catch(rejectLease)
    })
  }

  get waiting(): number {
    return this.#queue.waiting
  }

  onWaiting(listener: () => void): () => void {
    return this.#queue.onWaiting(listener)
  }

  close(): Promise<void> {
    return this.#queue.run(() => this.db.close())
  }
}

/** Opens PGlite: persisted in `dataDir` when given (created if missing, private to its owner: it holds the
 *  data and the endpoint's passwords), in memory otherwise. */
export async function createPgliteExecutor(dataDir?: string): Promise<PgliteExecutor> {
  if (dataDir) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
    await chmod(dataDir, 0o700)
  }
  const db = await PGlite.create(dataDir ? { dataDir } : {})
  const { rows } = await db.query<{ user: string }>('select session_user as "user"')
  return new PgliteExecutor(db, rows[0]?.user ?? 'postgres')
}
