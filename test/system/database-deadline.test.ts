import { env } from 'cloudflare:test'
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createDatabase, isDatabaseDeadlineExceeded, withDatabaseDeadline } from '../../src/db/client'
import { isDatabaseUnreachable } from '../../src/lib/errors'
import { toApiError } from '../../src/middleware/error-handler'
import { json } from '../support/api'
import { tokenFor } from '../support/tenants'
import { callWith, errorLogsOf } from './support'

/**
 * A database that accepts connections and never answers (test/global-setup.ts's blackhole): every request
 * that needs it answers 503 problem+json with Retry-After once DATABASE_TIMEOUT_MS has passed, and logs it.
 */

const TIMEOUT_MS = 300
const HUNG = { DATABASE_URL: env.TEST_BLACKHOLE_URL, DATABASE_TIMEOUT_MS: String(TIMEOUT_MS) }
const ANSWER_WITHIN_MS = 2_000

async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; elapsedMs: number }> {
  const started = Date.now()
  const result = await fn()
  return { result, elapsedMs: Date.now() - started }
}

async function expectDeadline503(path: string, token?: string): Promise<Record<string, unknown>> {
  const requestId = `deadline-${crypto.randomUUID()}`
  const {
    result: { result: response, elapsedMs },
    logs,
  } = await errorLogsOf(() =>
    timed(() => callWith(HUNG, path, { token, headers: { 'X-Request-Id': requestId } })),
  )
  expect(response.status, path).toBe(503)
  expect(response.headers.get('Content-Type'), path).toContain('application/problem+json')
  expect(Number(response.headers.get('Retry-After')), path).toBeGreaterThan(0)
  expect(elapsedMs, path).toBeLessThan(ANSWER_WITHIN_MS)
  // It waited for the deadline: the connection was accepted, not refused.
  expect(elapsedMs, path).toBeGreaterThanOrEqual(TIMEOUT_MS - 50)
  expect(logs, path).toContainEqual(
    expect.objectContaining({
      level: 'error',
      message: 'database deadline exceeded',
      requestId,
      timeoutMs: TIMEOUT_MS,
    }),
  )
  const body = await json(response)
  expect(body, path).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', requestId })
  return body
}

describe('DATABASE_TIMEOUT_MS against a database that never answers', () => {
  it('GET /ready answers 503 within the deadline', async () => {
    const body = await expectDeadline503('/ready')
    expect(body.detail).toBe('The database did not answer in time.')
  })

  it('an authenticated tenant route (GET /v1/organization) answers 503 within the deadline', async () => {
    const token = await tokenFor(crypto.randomUUID(), crypto.randomUUID(), 'ADMIN')
    const body = await expectDeadline503('/v1/organization', token)
    expect(body.detail).toBe('The database is temporarily unavailable.')
  })
})

describe('withDatabaseDeadline()', () => {
  it('gives every call a fresh deadline, also on a cached client', async () => {
    const deadline = { timeoutMs: TIMEOUT_MS, requestId: 'unit' }
    // No request id: the per-URL cached instance, reused across calls.
    const hung = createDatabase(env.TEST_BLACKHOLE_URL)
    const healthy = createDatabase(env.DATABASE_URL)
    for (let attempt = 0; attempt < 2; attempt++) {
      const { result } = await errorLogsOf(() =>
        timed(() =>
          withDatabaseDeadline(deadline, async () => await hung.execute(sql`select 1`)).then(
            () => expect.unreachable('the blackhole never answers'),
            (error: unknown) => error,
          ),
        ),
      )
      const { result: error, elapsedMs } = result
      expect(isDatabaseDeadlineExceeded(error)).toBe(true)
      // The error handler's existing rule (a NeonDbError without SQLSTATE) makes it a 503 with Retry-After.
      expect(isDatabaseUnreachable(error)).toBe(true)
      expect(toApiError(error)).toMatchObject({ status: 503, headers: { 'Retry-After': '1' } })
      // Not aborted at once by a signal left over from an earlier call.
      expect(elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50)
      expect(elapsedMs).toBeLessThan(ANSWER_WITHIN_MS)
    }
    // Past the earlier deadlines, a cached client still answers under a new one.
    // (drizzle queries are lazy: they must be awaited inside the callback to run under its deadline.)
    const rows = await withDatabaseDeadline(
      { timeoutMs: 3_000 },
      async () => await healthy.execute(sql`select 1 as one`),
    )
    expect(rows.rows).toEqual([{ one: 1 }])
  })
})
