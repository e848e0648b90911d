import { connect } from 'cloudflare:sockets'
import { env } from 'cloudflare:test'
import { ownerSql } from '../support/db'

/**
 * Helpers of the neon-local conformance tests. Each test file works in a schema of its own, with a unique name,
 * so the files are independent of the app schema and of each other; the schema is dropped afterwards.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`
}

/** Creates a schema for one test file (usable by app_api) and returns it with a cleanup. */
export async function createTestSchema(prefix: string): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = uniqueName(prefix)
  await ownerSql.query(`create schema ${schema}`)
  await ownerSql.query(`grant usage on schema ${schema} to app_api`)
  return { schema, drop: async () => void (await ownerSql.query(`drop schema ${schema} cascade`)) }
}

/** The local endpoint's SQL URL, for requests the driver would never send. */
export function sqlEndpoint(): string {
  return new URL('/sql', env.TEST_NEON_LOCAL_URL).toString()
}

/** The port of the local endpoint: a Host header must name it (or none). */
export function endpointPort(): number {
  return Number(new URL(env.TEST_NEON_LOCAL_URL).port)
}

/** The backend's own user (PGlite: postgres; a Postgres server: its URL's user), which the owner URL names. */
export function ownerUser(): string {
  return decodeURIComponent(new URL(env.TEST_OWNER_DATABASE_URL).username)
}

/** The password the endpoint generated for a connection string's user (the URLs the tests are given carry it). */
export function passwordOf(connectionString: string): string {
  return decodeURIComponent(new URL(connectionString).password)
}

/**
 * A connection string like the owner's (or `base`) but for another user and/or password, and/or tagged with an
 * application_name. Another user keeps the base's password (so it fails authentication unless that is its own).
 */
export function connectionStringFor(options: {
  base?: string
  user?: string
  password?: string
  applicationName?: string
}): string {
  const url = new URL(options.base ?? env.TEST_OWNER_DATABASE_URL)
  if (options.user) url.username = encodeURIComponent(options.user)
  if (options.password !== undefined) url.password = encodeURIComponent(options.password)
  if (options.applicationName) url.searchParams.set('application_name', options.applicationName)
  return url.toString()
}

export interface RawResponse {
  status: number
  /** Header names in lower case. */
  headers: Map<string, string>
  body: string
}

/**
 * One HTTP/1.1 request over a raw TCP socket to the endpoint. workerd's fetch always sends the URL's own Host,
 * so a request with a foreign Host (as a DNS-rebinding page's would be) must be written by hand.
 */
export async function rawHttp(request: {
  method: string
  path: string
  host: string
  headers?: Record<string, string>
  body?: string
}): Promise<RawResponse> {
  const body = new TextEncoder().encode(request.body ?? '')
  const lines = [`${request.method} ${request.path} HTTP/1.1`, `Host: ${request.host}`]
  for (const [name, value] of Object.entries(request.headers ?? {})) lines.push(`${name}: ${value}`)
  lines.push(`Content-Length: ${body.length}`, 'Connection: close', '', '')
  const socket = connect({ hostname: '127.0.0.1', port: endpointPort() })
  const writer = socket.writable.getWriter()
  await writer.write(new TextEncoder().encode(lines.join('\r\n')))
  await writer.write(body)
  const chunks: Uint8Array[] = []
  const reader = socket.readable.getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    chunks.push(value)
  }
  await socket.close()
  const text = new TextDecoder().decode(await new Blob(chunks).arrayBuffer())
  const end = text.indexOf('\r\n\r\n')
  const [statusLine = '', ...headerLines] = text.slice(0, end).split('\r\n')
  const headers = new Map<string, string>()
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) }
}

/** The request the driver sends for one query, as raw HTTP fields (for rawHttp). */
export function driverRequest(query: string, connectionString = env.TEST_OWNER_DATABASE_URL) {
  return {
    method: 'POST',
    path: '/sql',
    headers: {
      'Content-Type': 'application/json',
      'Neon-Connection-String': connectionString,
      'Neon-Raw-Text-Output': 'true',
      'Neon-Array-Mode': 'true',
    },
    body: JSON.stringify({ query, params: [] }),
  }
}

/** POSTs a body to the endpoint with the driver's headers (overridable), as the driver would. */
export async function postSql(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(sqlEndpoint(), {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: {
      'Neon-Connection-String': env.TEST_OWNER_DATABASE_URL,
      'Neon-Raw-Text-Output': 'true',
      'Neon-Array-Mode': 'true',
      ...headers,
    },
  })
}

/** Runs `fn` and returns what it threw (failing the test if it did not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await fn()
  } catch (error) {
    return error as Record<string, unknown>
  }
  throw new Error('expected an error, none was thrown')
}
