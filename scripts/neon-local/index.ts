/**
 * neon-local: a local endpoint that speaks Neon's SQL-over-HTTP protocol (as `@neondatabase/serverless`
 * and `drizzle-orm/neon-http` use it) in front of embedded PGlite or any Postgres server.
 * See README.md beside this file for the protocol details and the differences from Neon.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { assertBindableHost, Credentials, checkClient, confinementGuard } from './access'
import { type DataDirLock, lockDataDir } from './data-dir-lock'
import type { Executor } from './executor'
import { fairnessKeyOf } from './fair-gate'
import { createPgliteExecutor, PgliteExecutor } from './pglite-executor'
import { createPostgresExecutor } from './postgres-executor'
import {
  beginStatement,
  errorJson,
  isPgError,
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  ProxyError,
  parseConnectionString,
  parseSqlRequest,
  quoteIdentifier,
  type RawResult,
  type SqlRequest,
  toResultJson,
} from './protocol'
import { passwordChecker, startWireServer, type WireServer } from './wire'

export type Backend = { kind: 'pglite'; dataDir?: string } | { kind: 'postgres'; url: string }

export interface NeonLocal {
  readonly port: number
  readonly backend: Backend
  /** The backend's own user (PGlite: postgres; Postgres: the URL's user): requests as it run without SET ROLE */
  readonly ownerUser: string
  /** postgres://<user>:<password>@127.0.0.1:<port>/neondb with the password stored for `user` (app_api or the
   *  owner; anyone else throws) — what the driver/Worker is given */
  connectionString(user: string): string
  /** PGlite with `wirePort`: postgres://<owner>:<password>@127.0.0.1:<port>/<db>?sslmode=disable, the Postgres
   *  wire protocol on the same session (wire.ts); null otherwise */
  readonly wireUrl: string | null
  /** HTTP requests served: all, or only those whose connection string had ?application_name=<name> */
  requestCount(applicationName?: string): number
  /** Applies drizzle migrations from `folder` (default <repo>/drizzle) as the backend's owner/superuser,
   *  with drizzle-orm's own migrators (pglite/migrator, node-postgres/migrator), tracked in drizzle.__drizzle_migrations */
  migrate(folder?: string): Promise<void>
  close(): Promise<void>
}

export interface StartOptions {
  backend: Backend
  /** 0 or undefined: a random free port */
  port?: number
  /** default 127.0.0.1; loopback or a wildcard only (requests must name a loopback host anyway) */
  host?: string
  /** PGlite only: also serve the database over the Postgres wire protocol on this loopback port (0: a free
   *  one), as the owner, with the owner's password (wire.ts). */
  wirePort?: number
  /** The wire port's idle-in-transaction policy (wire.ts); default 2000 ms. */
  idleInTransactionTimeoutMs?: number
  /** Passwords to store for these users if the database has none yet (e.g. kept across `npm run db:reset`). */
  presetPasswords?: Record<string, string>
}

export const DEFAULT_MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url))

/** Counts served SQL requests, in total and per `application_name` of the connection string. */
class RequestCounter {
  #total = 0
  readonly #byName = new Map<string, number>()

  add(applicationName: string | null): void {
    this.#total++
    if (applicationName !== null)
      this.#byName.set(applicationName, (this.#byName.get(applicationName) ?? 0) + 1)
  }

  get(applicationName?: string): number {
    return applicationName === undefined ? this.#total : (this.#byName.get(applicationName) ?? 0)
  }
}

/** No CORS headers, ever: a browser page must not read (or, preflighted, send) anything here. */
function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(json)),
    ...headers,
  })
  res.end(json)
}

/** Reads the body up to the limit; past it, the rest is drained (so the client can read the 413) and dropped. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk)
    })
    req.on('end', () => {
      if (size > MAX_REQUEST_BYTES) {
        reject(new ProxyError(413, `request is too large (max is ${MAX_REQUEST_BYTES} bytes)`))
      } else {
        resolveBody(Buffer.concat(chunks))
      }
    })
    req.on('error', (error) =>
      reject(new ProxyError(400, `could not read the HTTP request body: ${error.message}`)),
    )
  })
}

/** Response headers Neon's proxy echoes for a batch's transaction modes. */
function batchHeaders(request: SqlRequest): Record<string, string> {
  const headers: Record<string, string> = {}
  if (!request.batch) return headers
  if (request.readOnly) headers['Neon-Batch-Read-Only'] = 'true'
  if (request.deferrable) headers['Neon-Batch-Deferrable'] = 'true'
  if (request.isolationLevel) headers['Neon-Batch-Isolation-Level'] = request.isolationLevel
  return headers
}

/** Neon's proxy fails a request whose rows exceed the response limit (507); checked before the commit. */
function responseSizeGuard(request: SqlRequest): (result: RawResult) => void {
  let bytes = 0
  let index = 0
  return (result) => {
    const arrayMode = request.statements[index++]?.arrayMode ?? request.arrayMode
    bytes += JSON.stringify(toResultJson(result, arrayMode).rows).length
    if (bytes > MAX_RESPONSE_BYTES) {
      throw new ProxyError(507, `response is too large (max is ${MAX_RESPONSE_BYTES} bytes)`)
    }
  }
}

async function runSql(executor: Executor, request: SqlRequest, signal?: AbortSignal): Promise<unknown> {
  const spec = {
    begin: beginStatement(request),
    role: request.user === executor.sessionUser ? null : request.user,
    tenant: fairnessKeyOf(request),
    ...(signal ? { signal } : {}),
  }
  const sizeGuard = responseSizeGuard(request)
  // A user entered by SET LOCAL ROLE (app_api) must not leave it: each statement's tag is checked first.
  const confined = spec.role === null ? null : confinementGuard(spec.role)
  const check = (result: RawResult) => {
    confined?.(result)
    sizeGuard(result)
  }
  const results = await executor.runTransaction(spec, request.statements, check)
  const json = results.map((result, i) =>
    toResultJson(result, request.statements[i]?.arrayMode ?? request.arrayMode),
  )
  return request.batch ? { results: json } : json[0]
}

function sendError(res: ServerResponse, error: unknown): void {
  if (isPgError(error)) {
    sendJson(res, 400, errorJson(error.message, error))
  } else if (error instanceof ProxyError) {
    sendJson(res, error.status, errorJson(error.message))
  } else {
    console.error('[neon-local] internal error:', error)
    sendJson(res, 500, errorJson(`neon-local internal error: ${(error as Error)?.message ?? String(error)}`))
  }
}

function applicationNameOf(req: IncomingMessage): string | null {
  try {
    return parseConnectionString(req.headers).applicationName
  } catch {
    return null
  }
}

interface Context {
  executor: Executor
  credentials: Credentials
  counter: RequestCounter
  /** The port the endpoint listens on (known once listening): a Host naming another port is refused. */
  port: number
}

async function handleSql(context: Context, req: IncomingMessage, res: ServerResponse) {
  // Counted on arrival, whatever the outcome (every answer is a round trip), so it shows before the answer does.
  context.counter.add(applicationNameOf(req))
  try {
    // The password is checked before the body is read, so nothing of a refused request runs.
    const { user, password } = parseConnectionString(req.headers)
    context.credentials.authenticate(user, password)
    const request = parseSqlRequest(req.headers, await readBody(req))
    // The client went away before its answer (its deadline passed): its work stops (executor.ts, `signal`).
    const abandoned = new AbortController()
    res.on('close', () => {
      if (!res.writableEnded) abandoned.abort(new ProxyError(499, 'the client closed the request'))
    })
    sendJson(res, 200, await runSql(context.executor, request, abandoned.signal), batchHeaders(request))
  } catch (error) {
    req.resume()
    sendError(res, error)
  }
}

function handleStats(counter: RequestCounter, url: URL, res: ServerResponse): void {
  const name = url.searchParams.get('application_name')
  sendJson(res, 200, { requests: counter.get(name ?? undefined) })
}

function createHandler(context: Context) {
  return (req: IncomingMessage, res: ServerResponse) => {
    let url: URL
    try {
      // Every route: only this machine's clients, by a loopback name, and no browser (nor its preflight).
      checkClient(req.headers, context.port)
      if (req.method === 'OPTIONS') throw new ProxyError(403, 'neon-local: refused a CORS preflight')
      // Origin-form targets only (`/sql`), never an absolute URL naming some other host.
      if (!req.url?.startsWith('/')) throw new ProxyError(400, 'neon-local: invalid request target')
      url = new URL(req.url, 'http://neon-local')
    } catch (error) {
      req.resume()
      sendError(res, error)
      return
    }
    if (req.method === 'POST' && url.pathname === '/sql') {
      handleSql(context, req, res).catch((error) => sendError(res, error))
    } else if (req.method === 'GET' && url.pathname === '/__neon_local/stats') {
      handleStats(context.counter, url, res)
    } else {
      req.resume()
      sendJson(res, 404, { message: `not found: ${req.method} ${url.pathname}` })
    }
  }
}

function createExecutor(backend: Backend): Promise<Executor> {
  if (backend.kind === 'postgres') return createPostgresExecutor(backend.url)
  return createPgliteExecutor(backend.dataDir ? resolve(backend.dataDir) : undefined)
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolvePort((server.address() as AddressInfo).port)
    })
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    server.close(() => resolveClose())
    // Keep-alive connections (undici, workerd) would otherwise hold close() open.
    server.closeAllConnections()
  })
}

/** The address clients use: a wildcard bind is reached through the loopback address. */
function clientHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

/** The Worker's role: on Neon it logs in as it; here requests naming it run under SET LOCAL ROLE app_api. */
const APP_ROLE = 'app_api'

/** The wire port listens on loopback even when the HTTP endpoint is bound to a wildcard: it has no Host check. */
function wireHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '::1'
  return host.replace(/^\[(.*)\]$/, '$1')
}

export async function startNeonLocal(options: StartOptions): Promise<NeonLocal> {
  const { backend } = options
  const host = options.host ?? '127.0.0.1'
  assertBindableHost(host)
  if (options.wirePort !== undefined && backend.kind !== 'pglite') {
    throw new Error('neon-local: the Postgres wire port serves PGlite only (a Postgres server has its own)')
  }
  // One process per PGlite data directory: taken before PGlite opens it.
  const lock: DataDirLock | null =
    backend.kind === 'pglite' && backend.dataDir ? lockDataDir(backend.dataDir) : null
  let executor: Executor
  try {
    executor = await createExecutor(backend)
  } catch (error) {
    lock?.release()
    throw error
  }
  let context: Context
  let server: Server | null = null
  let wire: WireServer | null = null
  try {
    const credentials = await Credentials.ensure(
      executor,
      [APP_ROLE, executor.sessionUser],
      options.presetPasswords,
    )
    context = { executor, credentials, counter: new RequestCounter(), port: 0 }
    server = createServer(createHandler(context))
    context.port = await listen(server, options.port ?? 0, host)
    if (options.wirePort !== undefined && executor instanceof PgliteExecutor) {
      const wireOptions = {
        session: executor,
        host: wireHost(host),
        port: options.wirePort,
        checkPassword: passwordChecker(credentials.passwordOf(executor.sessionUser)),
        ...(options.idleInTransactionTimeoutMs === undefined
          ? {}
          : { idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs }),
      }
      wire = await startWireServer(wireOptions)
    }
  } catch (error) {
    if (server?.listening) await closeServer(server)
    await executor.close()
    lock?.release()
    throw error
  }
  const { port, credentials, counter } = context
  const httpServer = server
  const wireUrl = wire
    ? `postgres://${encodeURIComponent(wire.user)}:${encodeURIComponent(credentials.passwordOf(wire.user))}@${clientHost(wireHost(host))}:${wire.port}/${encodeURIComponent(wire.database)}?sslmode=disable`
    : null
  lock?.update({ wireUrl })
  return {
    port,
    backend,
    ownerUser: executor.sessionUser,
    wireUrl,
    connectionString: (user) =>
      `postgres://${encodeURIComponent(user)}:${encodeURIComponent(credentials.passwordOf(user))}@${clientHost(host)}:${port}/neondb`,
    requestCount: (applicationName) => counter.get(applicationName),
    migrate: (folder = DEFAULT_MIGRATIONS_FOLDER) => executor.migrate(folder),
    close: async () => {
      await closeServer(httpServer)
      // Wire clients first: a client's open transaction is rolled back and the session handed back.
      await wire?.close()
      await executor.close()
      lock?.release()
    },
  }
}

/** Creates a fresh, uniquely named database on a Postgres server (e.g. for each test run) and returns its URL. */
export async function createScratchDatabase(
  adminUrl: string,
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const safePrefix = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 40)
  const name = `${safePrefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
  await withAdminClient(adminUrl, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}`))
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      await withAdminClient(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
      )
    },
  }
}

async function withAdminClient<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}
