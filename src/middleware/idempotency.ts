import type { Context, Hono } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { IdempotencyClaim } from '../db/tenant'
import type { AppEnv } from '../env'
import { ApiError, postgresErrorOf } from '../lib/errors'
import { subrequestEnv } from '../lib/subrequest'
import { mediaTypeOf } from './request-body'

/** How long a key is kept (published in the docs): 24 hours, as Stripe's. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60
const MAX_KEY_LENGTH = 255
// Visible ASCII: what a structured-field string may hold (RFC 8941 §3.3.3), and what clients send bare.
const KEY_TEXT = /^[\x20-\x7E]+$/

function invalidKey(detail: string): ApiError {
  return new ApiError(400, 'INVALID_IDEMPOTENCY_KEY', 'Bad Request', detail)
}

/** The key of an `Idempotency-Key` header: a structured-field string (`"…"`, IETF draft) or bare (Stripe). */
export function parseIdempotencyKey(header: string): string {
  const value = header.trim()
  const key =
    value.startsWith('"') && value.endsWith('"') && value.length >= 2
      ? value.slice(1, -1).replace(/\\(["\\])/g, '$1')
      : value
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !KEY_TEXT.test(key)) {
    throw invalidKey(`Idempotency-Key must be 1–${MAX_KEY_LENGTH} printable ASCII (space to ~) characters.`)
  }
  return key
}

/** SHA-256 of the request line (and a file's media type) and the body's bytes (bytes: a file is not UTF-8). */
async function fingerprintOf(requestLine: string, body: Uint8Array): Promise<string> {
  const line = new TextEncoder().encode(requestLine)
  const bytes = new Uint8Array(line.byteLength + body.byteLength)
  bytes.set(line)
  bytes.set(body, line.byteLength)
  const digest = await crypto.subtle.digest('SHA-256', bytes)
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('')
}

/**
 * `Idempotency-Key` on the writes that declare it (creating and action POSTs, PATCH, PUT, DELETE; docs/api.md §5,
 * draft-ietf-httpapi-idempotency-key-header): the key and the
 * request's fingerprint go to the request's TenantDb, which claims the key in the same batch as the work
 * (`TenantDb.run`). A route middleware (lib/routes.ts: tenant routes, and the platform's provisioning): it runs
 * after authentication and the permission check, once the body was read (middleware/request-body.ts); a route
 * without a body has none in its fingerprint. The same key with another request is 422 (OA011, src/lib/errors.ts).
 */
export const idempotencyClaim = (options: { body: boolean }) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('Idempotency-Key')
    if (header === undefined) return next()
    const key = parseIdempotencyKey(header)
    const url = new URL(c.req.url)
    const body = options.body ? new Uint8Array(await c.req.arrayBuffer()) : new Uint8Array(0)
    // A file is its bytes and its media type (the essence: case and parameters do not change what is stored). A
    // JSON body's type changes nothing, and leaving it out keeps the fingerprints that earlier releases stored.
    const type = options.body ? mediaTypeOf(c.req.header('Content-Type')) : undefined
    const typed = type && !type.endsWith('json') ? `${type}\n` : ''
    const fingerprint = await fingerprintOf(`${c.req.method} ${url.pathname}${url.search}\n${typed}`, body)
    c.set('idempotency', { key, fingerprint, ttlSeconds: IDEMPOTENCY_TTL_SECONDS } satisfies IdempotencyClaim)
    await next()
  })

/**
 * The replay of a claimed key (global, around every route): when the database answered that the key was already
 * completed (OA010: from the claim in the work's batch, `TenantDb.run`, or from the peek in a read batch before
 * the work, `TenantDb.read`, so a handler that reads first learns of a replay in its first round trip), the stored
 * status is replayed with the resource read through the app itself
 * (`GET <resource path>` with the caller's token) and `Idempotent-Replayed: true`. A platform operation has no
 * GET to read its answer through: its handler replays itself (`idempotentReplayOf`, organizations.data.ts).
 */
export const idempotency = (app: () => Hono<AppEnv>) =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next()
    if (!c.get('idempotency')) return
    const replay = idempotentReplayOf(c.error)
    if (replay) c.res = await replayed(app(), c, replay)
  })

/** The stored answer of a completed key, from the claim's (or the peek's) refusal OA010; else undefined. */
export function idempotentReplayOf(error: unknown): { status: number; path: string } | undefined {
  const pg = postgresErrorOf(error)
  if (pg?.code !== 'OA010' || !pg.detail) return undefined
  return JSON.parse(pg.detail) as { status: number; path: string }
}

async function replayed(
  app: Hono<AppEnv>,
  c: Context<AppEnv>,
  replay: { status: number; path: string },
): Promise<Response> {
  // A deletion's answer has no body, and what it deleted is no longer there to read. The route's own headers
  // (RateLimit-Policy) are on the refusal it answered before this replay.
  if (replay.status === 204) {
    const headers = new Headers({ 'Idempotent-Replayed': 'true' })
    const policy = c.res.headers.get('RateLimit-Policy')
    if (policy) headers.set('RateLimit-Policy', policy)
    return new Response(null, { status: 204, headers })
  }
  const read = await app.request(
    replay.path,
    { headers: { Authorization: c.req.header('Authorization') ?? '', 'X-Request-Id': c.get('requestId') } },
    subrequestEnv(c),
  )
  if (!read.ok) return read
  const headers = new Headers(read.headers)
  headers.set('Idempotent-Replayed', 'true')
  if (replay.status === 201) headers.set('Location', replay.path)
  return new Response(read.body, { status: replay.status, headers })
}
