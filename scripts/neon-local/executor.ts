import type { RawResult, Statement } from './protocol'

/** How one HTTP request's transaction is opened: the `BEGIN …` and the role to enter (null: stay). */
export interface TransactionSpec {
  begin: string
  role: string | null
  /** Whose transaction it is, for fair admission to a shared server (fair-gate.ts): the tenant, else the caller. */
  tenant?: string
  /** Aborted when the HTTP client went away: a waiting transaction gives up its turn, a running one is cancelled. */
  signal?: AbortSignal
}

/**
 * A database behind the endpoint. `runTransaction` runs BEGIN, the optional `SET LOCAL ROLE`, the statements
 * and COMMIT on one connection, with no other request's statements in between; on any error (including one
 * thrown by `check`, which sees each result before the commit) it rolls back and rethrows.
 */
export interface Executor {
  /** The backend connection's own user: requests as this user run without `SET ROLE`. */
  readonly sessionUser: string
  runTransaction(
    spec: TransactionSpec,
    statements: Statement[],
    check: (result: RawResult) => void,
  ): Promise<RawResult[]>
  /** Applies drizzle migrations from `folder` as the backend's owner. */
  migrate(folder: string): Promise<void>
  close(): Promise<void>
}
