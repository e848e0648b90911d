import { AsyncLocalStorage } from 'node:async_hooks'
import type { NeonQueryFunction } from '@neondatabase/serverless'
import { sql } from 'drizzle-orm'
import { drizzle, type NeonHttpDatabase } from 'drizzle-orm/neon-http'
import { log } from '../lib/log'
import { neon, neonConfig } from './neon-http'

/**
 * The one module that touches the database driver. Everything goes through neon-http:
 * in production to Neon's SQL-over-HTTP endpoint, locally to scripts/neon-local, which
 * speaks the same protocol in front of PGlite or a Postgres server. The HTTP client is ./neon-http (the
 * package's `neon()` without the rest of the package); drizzle-orm/neon-http builds the queries.
 */
export type Database = NeonHttpDatabase

/** How long one database round trip may take when DATABASE_TIMEOUT_MS is unset. */
export const DEFAULT_DATABASE_TIMEOUT_MS = 5_000

/** The deadline of the database round trips made on behalf of one request. */
export interface DatabaseDeadline {
  timeoutMs: number
  /** For the log line when the deadline passes. */
  requestId?: string | undefined
  /** Called once per round trip (the request log counts them). */
  onRoundTrip?: (() => void) | undefined
}

const deadlines = new AsyncLocalStorage<DatabaseDeadline>()

/**
 * Runs `fn` with every database round trip it makes (through neon-http, from any client) bounded by
 * `deadline.timeoutMs`. The app wraps every request in it (middleware/database-deadline.ts); work outside a
 * request (scripts, test assertions) has no deadline.
 */
export function withDatabaseDeadline<T>(deadline: DatabaseDeadline, fn: () => T): T {
  return deadlines.run(deadline, fn)
}

/** How much longer than the request's deadline the database may work on one statement (network, queueing). */
export const STATEMENT_TIMEOUT_MARGIN_MS = 500

/**
 * The server-side `statement_timeout` of the current request's batches (TenantDb sets it first in each batch):
 * slightly above its deadline, so the database stops the work soon after the request gave up on it, instead of
 * running on for nobody and holding a connection another tenant needs. Null outside a request (scripts, tests).
 */
export function statementTimeoutMs(): number | null {
  const deadline = deadlines.getStore()
  return deadline ? deadline.timeoutMs + STATEMENT_TIMEOUT_MARGIN_MS : null
}

/** DATABASE_TIMEOUT_MS in milliseconds: the default when unset; invalid values fall back to it (logged once). */
export function databaseTimeoutMs(value: string | undefined): number {
  const trimmed = value?.trim()
  if (!trimmed) return DEFAULT_DATABASE_TIMEOUT_MS
  const ms = /^[0-9]+$/.test(trimmed) ? Number(trimmed) : Number.NaN
  if (Number.isSafeInteger(ms) && ms > 0) return ms
  if (!reportedTimeouts.has(trimmed)) {
    reportedTimeouts.add(trimmed)
    log('error', 'DATABASE_TIMEOUT_MS is not a positive whole number of milliseconds; using the default', {
      defaultMs: DEFAULT_DATABASE_TIMEOUT_MS,
    })
  }
  return DEFAULT_DATABASE_TIMEOUT_MS
}
const reportedTimeouts = new Set<string>()

/** A database round trip outlived its deadline (neon wraps it in a NeonDbError without SQLSTATE: a 503). */
export class DatabaseDeadlineExceeded extends Error {
  override readonly name = 'DatabaseDeadlineExceeded'
  readonly timeoutMs: number

  constructor(timeoutMs: number) {
    super(`The database did not answer within ${timeoutMs} ms.`)
    this.timeoutMs = timeoutMs
  }
}

/** True when `error` is, or wraps (`cause`, or neon's `sourceError`), a DatabaseDeadlineExceeded. */
export function isDatabaseDeadlineExceeded(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    if (current instanceof DatabaseDeadlineExceeded) return true
    current =
      'sourceError' in current && current.sourceError instanceof Error ? current.sourceError : current.cause
  }
  return false
}

/**
 * The fetch neon-http uses for every round trip. Inside a request it gets a fresh `AbortSignal.timeout` per
 * call (never one per cached client), and reads the body under the same signal, so a server that accepts the
 * connection and never answers, or stalls mid-body, costs at most the deadline. neon turns the thrown error
 * into a NeonDbError without SQLSTATE, which the error handler answers as 503 with Retry-After.
 */
async function fetchWithDeadline(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const deadline = deadlines.getStore()
  if (!deadline) return fetch(input, init)
  deadline.onRoundTrip?.()
  const timeout = AbortSignal.timeout(deadline.timeoutMs)
  const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout
  try {
    const response = await fetch(input, { ...init, signal })
    const body = await response.arrayBuffer()
    const headers = new Headers(response.headers)
    headers.delete('Content-Encoding')
    headers.delete('Content-Length')
    return new Response(body, { status: response.status, statusText: response.statusText, headers })
  } catch (error) {
    if (!timeout.aborted) throw error
    log('error', 'database deadline exceeded', {
      requestId: deadline.requestId,
      timeoutMs: deadline.timeoutMs,
    })
    throw new DatabaseDeadlineExceeded(deadline.timeoutMs)
  }
}

// As in the package, the fetch function is global (per-client options carry fetchOptions, fixed at creation).
neonConfig.fetchFunction = fetchWithDeadline

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

export function isLocalDatabaseUrl(databaseUrl: string): boolean {
  return LOCAL_HOSTS.has(new URL(databaseUrl).hostname)
}

/**
 * Points the driver at the local endpoint (scripts/neon-local) when the URL names this machine:
 * plain HTTP on the URL's own host and port. Neon URLs leave the driver untouched.
 */
export function useLocalEndpointFor(databaseUrl: string): boolean {
  if (!isLocalDatabaseUrl(databaseUrl)) return false
  neonConfig.fetchEndpoint = (host, port) => `http://${host}:${port}/sql`
  return true
}

// The instance is stateless, so an isolate keeps one per URL; only tagged local URLs (unique per request) are
// built per request. Without the schema: the API builds every query itself and never uses drizzle's relational
// queries (`db.query`), whose configuration drizzle() would otherwise derive from every table and relation on each
// build: measured, a quarter of what a local request allocated (README, "One tenant's heavy work").
const databases = new Map<string, Database>()

/** ./neon-http's client, typed as drizzle-orm/neon-http expects the package's (the same calls, see that module). */
const httpClient = (url: string) => neon(url) as unknown as NeonQueryFunction<false, false>

/**
 * The drizzle instance for a request. `requestId` tags the connection in local mode (`application_name`),
 * so tests and benchmarks can count the HTTP round trips one API request cost.
 */
export function createDatabase(databaseUrl: string, requestId?: string): Database {
  if (useLocalEndpointFor(databaseUrl) && requestId) {
    const tagged = new URL(databaseUrl)
    tagged.searchParams.set('application_name', requestId)
    return drizzle({ client: httpClient(tagged.toString()) })
  }
  let database = databases.get(databaseUrl)
  if (!database) {
    database = drizzle({ client: httpClient(databaseUrl) })
    databases.set(databaseUrl, database)
  }
  return database
}

/**
 * `GET /ready`'s one round trip: the database answers, and tells whether the connected role could bypass
 * row-level security (a superuser or BYPASSRLS role, e.g. the owner's URL deployed by mistake). A role that
 * is not in pg_roles counts as unsafe. In the same statement, the oldest-first event feed's mode: exact when the
 * owner of `feedFunction` (app_settle_event_feed, whose rule this is: migration 0048) has the privileges of
 * pg_read_all_stats, else delayed (its horizon 60 s back).
 */
export async function checkDatabase(
  databaseUrl: string,
  requestId?: string,
  feedFunction = 'public.app_settle_event_feed()',
): Promise<{ roleCanBypassRls: boolean; eventFeed: 'exact' | 'delayed' }> {
  const result = await createDatabase(databaseUrl, requestId).execute<{ unsafe: boolean; exact: boolean }>(
    sql`select coalesce((select rolsuper or rolbypassrls from pg_catalog.pg_roles where rolname = current_user), true) as unsafe, coalesce(pg_catalog.pg_has_role((select proowner from pg_catalog.pg_proc where oid = to_regprocedure(${feedFunction})), 'pg_read_all_stats', 'USAGE'), false) as exact`,
  )
  const row = result.rows[0]
  return { roleCanBypassRls: row?.unsafe !== false, eventFeed: row?.exact === true ? 'exact' : 'delayed' }
}
