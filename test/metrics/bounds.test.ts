import { env } from 'cloudflare:test'
import { eq, sql } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { STATEMENT_TIMEOUT_MARGIN_MS, withDatabaseDeadline } from '../../src/db/client'
import { performanceMetrics } from '../../src/db/schema'
import { TenantDb } from '../../src/db/tenant'
import { apiErrorFromPostgres } from '../../src/lib/errors'
import { toApiError } from '../../src/middleware/error-handler'
import { computeMetrics, computeMetricsStatements } from '../../src/resources/metrics/metrics.data'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb, ownerSql } from '../support/db'
import { createTenant, LONG_AGO, type TestTenant } from '../support/tenants'
import { tenantB } from './fixture'

/*
 * Heavy work has bounds (issue 17, "No tenant can starve another"): one metrics computation per organization at a
 * time (POST /v1/metrics/recompute is refused with 409 RECOMPUTE_IN_PROGRESS and Retry-After while one runs; the
 * cron waits), and every tenant batch carries a server-side statement_timeout slightly above the request's deadline,
 * so the database stops work the request gave up on. Concurrency and timeouts are real on PostgreSQL
 * (`npm run test:pg`); PGlite runs one transaction at a time (no lock is ever contended there) and has no timers.
 */
const onPostgres = inject('databaseBackend') === 'postgres'

/** Holds `organizationId`'s metrics lock (the key app_lock_metrics_recompute derives) for `seconds`, as the owner. */
function holdMetricsLock(organizationId: string, seconds: number) {
  return ownerSql.transaction([
    ownerSql`select pg_advisory_xact_lock(('x' || substr(md5('metrics-recompute:' || ${organizationId}), 1, 16))::bit(64)::bigint)`,
    ownerSql`select pg_sleep(${seconds})`,
  ])
}

const recompute = (tenant: TestTenant, from = '2026-11-16', to = '2026-11-17') =>
  api('/v1/metrics/recompute', { method: 'POST', token: tenant.tokens.ADMIN, body: { from, to } })

const metricRows = async (tenant: TestTenant) =>
  (
    await ownerDb
      .select()
      .from(performanceMetrics)
      .where(eq(performanceMetrics.organizationId, tenant.organizationId))
  ).length

describe('one metrics computation per organization at a time', () => {
  it('maps the lock refusal (OA040) to 409 RECOMPUTE_IN_PROGRESS with Retry-After', () => {
    const error = apiErrorFromPostgres({ code: 'OA040' })
    expect(error.status).toBe(409)
    expect(error.code).toBe('RECOMPUTE_IN_PROGRESS')
    expect(error.headers['Retry-After']).toBe('5')
  })

  it('declares the 409 and its Retry-After on the operation', async () => {
    const document = await json<{
      paths: Record<string, Record<string, { responses: Record<string, { headers?: object }> }>>
    }>(await api('/openapi.json'))
    const conflict = document.paths['/v1/metrics/recompute']?.post?.responses['409']
    expect(conflict?.headers).toHaveProperty('Retry-After')
  })

  it('a recompute this isolate is already running for the organization refuses the next at once, without database work', async () => {
    const { tenant } = await tenantB()
    const requestIds = Array.from({ length: 6 }, () => `recompute-${crypto.randomUUID()}`)
    const responses = await Promise.all(
      requestIds.map((requestId) =>
        api('/v1/metrics/recompute', {
          method: 'POST',
          token: tenant.tokens.ADMIN,
          headers: { 'X-Request-Id': requestId },
          body: { from: '2026-08-18', to: '2026-11-17' },
        }),
      ),
    )
    const statuses = responses.map((response) => response.status)
    expect(
      statuses.filter((status) => status !== 200 && status !== 409),
      statuses.join(),
    ).toEqual([])
    expect(statuses).toContain(200)
    expect(statuses, 'the six overlap: all but the first are refused').toContain(409)
    for (const [index, response] of responses.entries()) {
      if (response.status !== 409) continue
      expect(await json(response)).toMatchObject({ code: 'RECOMPUTE_IN_PROGRESS' })
      expect(response.headers.get('Retry-After')).toBe('5')
      // Refused by the isolate (PGlite never contends the database lock: one transaction at a time), or by the
      // database lock in its first batch (PostgreSQL): never more than that one round trip.
      const trips = await neonLocalStats(requestIds[index] as string)
      expect(trips).toBeLessThanOrEqual(onPostgres ? 1 : 0)
    }
  })

  it.runIf(onPostgres)(
    'refuses a recompute while another computation of the organization runs, and writes nothing',
    async () => {
      const { tenant } = await tenantB()
      const other = await tenantB()
      const holder = holdMetricsLock(tenant.organizationId, 1.5)
      await new Promise((resolve) => setTimeout(resolve, 300))
      const [refused, otherTenant] = [await recompute(tenant), await recompute(other.tenant)]
      expect(refused.status).toBe(409)
      expect(refused.headers.get('Retry-After')).toBe('5')
      expect(refused.headers.get('Content-Type')).toContain('application/problem+json')
      expect(await json(refused)).toMatchObject({ status: 409, code: 'RECOMPUTE_IN_PROGRESS' })
      expect(await metricRows(tenant)).toBe(0)
      // Another organization's computation is not held up by it.
      expect(otherTenant.status).toBe(200)
      await holder
      // Once the holder is done, the same request succeeds.
      const again = await recompute(tenant)
      expect(again.status).toBe(200)
      // DAY 11-16, DAY 11-17, WEEK, MONTH, QUARTER, YEAR.
      expect(await metricRows(tenant)).toBe(6)
    },
  )

  it.runIf(onPostgres)('the cron waits for the lock instead of failing', async () => {
    const { tenant } = await tenantB()
    const started = Date.now()
    const holder = holdMetricsLock(tenant.organizationId, 1)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const result = await computeMetrics(
      TenantDb.forPlatform(env.DATABASE_URL, tenant.organizationId),
      { from: '2026-11-17', to: '2026-11-17', through: '2026-11-18' },
      'wait',
    )
    await holder
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    expect(result.organizationRowsChanged).toBe(5)
  })

  it.runIf(onPostgres)(
    '12 parallel 92-day recomputes of one organization: one runs, the others are refused at once (no 503, nothing queued)',
    async () => {
      const { tenant } = await tenantB()
      const responses = await Promise.all(
        Array.from({ length: 12 }, () => recompute(tenant, '2026-08-18', '2026-11-17')),
      )
      const statuses = responses.map((response) => response.status)
      expect(
        statuses.filter((status) => status !== 200 && status !== 409),
        statuses.join(),
      ).toEqual([])
      expect(statuses).toContain(200)
      for (const response of responses.filter((r) => r.status === 409)) {
        expect(response.headers.get('Retry-After')).toBe('5')
      }
    },
  )
})

describe('server-side statement_timeout: the database stops what the request gave up on', () => {
  it.runIf(onPostgres)(
    'a statement past the timeout is stopped (57014) and answered 503 with Retry-After',
    async () => {
      const tenant = await createTenant({ createdAt: LONG_AGO })
      const db = TenantDb.forPlatform(env.DATABASE_URL, tenant.organizationId)
      const error = await db
        .run(db.raw(sql`select app_set_statement_timeout(100)`), db.raw(sql`select pg_sleep(2)`))
        .then(
          () => expect.unreachable('pg_sleep(2) outlives a 100 ms statement timeout'),
          (caught: unknown) => caught,
        )
      expect(error).toMatchObject({ code: '57014' })
      const apiError = toApiError(error)
      expect(apiError.status).toBe(503)
      expect(apiError.code).toBe('SERVICE_UNAVAILABLE')
      expect(apiError.headers['Retry-After']).toBeDefined()
    },
  )

  it.runIf(onPostgres)(
    'a request’s batches stop on the server at its deadline plus the margin, not when the work is done',
    async () => {
      const tenant = await createTenant({ createdAt: LONG_AGO })
      const requestId = `bounds-${crypto.randomUUID()}`
      const timeoutMs = 300
      const db = TenantDb.forPlatform(env.DATABASE_URL, tenant.organizationId, requestId)
      const started = Date.now()
      const failure = await withDatabaseDeadline({ timeoutMs, requestId }, () =>
        db.run(db.raw(sql`select pg_sleep(3)`)),
      ).then(
        () => expect.unreachable('the deadline passes first'),
        (caught: unknown) => caught,
      )
      expect(toApiError(failure).status).toBe(503)
      // The request gave up at its deadline; the server stops the statement at deadline + margin (800 ms here),
      // long before pg_sleep(3) would have ended.
      const stopBy = timeoutMs + STATEMENT_TIMEOUT_MARGIN_MS + 700
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, stopBy - (Date.now() - started))))
      const running = await ownerSql.query(
        "select count(*)::int as n from pg_stat_activity where application_name = $1 and state = 'active' and query like '%pg_sleep%'",
        [requestId],
      )
      expect(running).toEqual([{ n: 0 }])
    },
  )

  it('no timeout outside a request (scripts, the seed): null leaves the session setting', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    const db = TenantDb.forPlatform(env.DATABASE_URL, tenant.organizationId)
    const [setting] = await db.run(db.raw(sql`select current_setting('statement_timeout') as value`))
    expect((setting as unknown as { rows: Array<{ value: string }> }).rows[0]?.value).toBe(
      (await ownerSql`select current_setting('statement_timeout') as value`)[0]?.value,
    )
    const bounded = await withDatabaseDeadline({ timeoutMs: 4_000 }, () =>
      db.run(db.raw(sql`select current_setting('statement_timeout') as value`)),
    )
    expect((bounded[0] as unknown as { rows: Array<{ value: string }> }).rows[0]?.value).toBe('4500ms')
  })
})

describe('the computation compiles nothing', () => {
  // JIT compilation of the computation's statement (its cost estimate grows with the tenant's tickets) took 2.2 s of
  // its 2.9 s at 700,000 tickets (README, `npm run bench:metrics`); off for its transaction only.
  it('runs its batch with jit off, and leaves the setting of other batches alone', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    const db = TenantDb.forPlatform(env.DATABASE_URL, tenant.organizationId)
    const range = { from: '2026-11-16', to: '2026-11-17', through: '2026-11-17' }
    const jit = sql`select current_setting('jit') as value`
    const results = await db.run(...computeMetricsStatements(db, range, 'wait'), db.raw(jit))
    const value = (result: unknown) => (result as { rows: Array<{ value: string }> }).rows[0]?.value
    expect(value(results.at(-1))).toBe('off')
    const [after] = await db.run(db.raw(jit))
    expect(value(after)).toBe((await ownerSql`select current_setting('jit') as value`)[0]?.value)
  })
})
