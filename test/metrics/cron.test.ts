import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from 'cloudflare:test'
import { eq, inArray } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  listActiveOrganizations,
  type MetricsRunSummary,
  metricsRequestId,
  metricsScheduledHandler,
} from '../../src/cron/metrics'
import { performanceMetrics } from '../../src/db/schema'
import worker from '../../src/index'
import { api, json } from '../support/api'
import { appSql, neonLocalStats, ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { CRON_TIME, rowsOf, tenantA, tenantB, tenantC, tenantD } from './fixture'

const DAY = { period: 'DAY', periodStart: '2026-11-17', periodEnd: '2026-11-17' }
const WEEK = { period: 'WEEK', periodStart: '2026-11-16', periodEnd: '2026-11-22' }
const MONTH = { period: 'MONTH', periodStart: '2026-11-01', periodEnd: '2026-11-30' }
// Summed from their MONTH rows: here November's alone, the only month computed.
const QUARTER = { period: 'QUARTER', periodStart: '2026-10-01', periodEnd: '2026-12-31' }
const YEAR = { period: 'YEAR', periodStart: '2026-01-01', periodEnd: '2026-12-31' }
/** The rows of yesterday's DAY and of the current WEEK, MONTH, QUARTER and YEAR (the run also writes the other days of its window). */
const startOf: Record<string, string> = {
  DAY: DAY.periodStart,
  WEEK: WEEK.periodStart,
  MONTH: MONTH.periodStart,
  QUARTER: QUARTER.periodStart,
  YEAR: YEAR.periodStart,
}
const current = <T extends { period: string; periodStart: string }>(rows: T[]) =>
  rows.filter((row) => row.periodStart === startOf[row.period])
const noRefunds = {
  refundsCount: 0,
  refundsApprovedCount: 0,
  refundsTotalAmount: '0.00',
  currency: 'USD',
  refundsByCurrency: [],
}

/**
 * Runs the Worker's scheduled handler through the Workers test harness on the given tenants only: the real
 * listing (the database function) narrowed to them, since the test database holds the tenants of every other
 * test file, whose rows this test must not write.
 */
async function runCron(tenants: TestTenant[], scheduledTime = CRON_TIME): Promise<MetricsRunSummary> {
  const mine = new Set(tenants.map((tenant) => tenant.organizationId))
  const handler = metricsScheduledHandler({
    listOrganizations: async (bindings, requestId) =>
      (await listActiveOrganizations(bindings.DATABASE_URL, requestId)).filter((id) => mine.has(id)),
  })
  const controller = createScheduledController({ scheduledTime, cron: '5 0 * * *' })
  const ctx = createExecutionContext()
  const summary = await handler(controller, env, ctx)
  await waitOnExecutionContext(ctx)
  return summary
}

describe('metrics cron (scheduled handler)', () => {
  let a: Awaited<ReturnType<typeof tenantA>>
  let b: Awaited<ReturnType<typeof tenantB>>
  let c: Awaited<ReturnType<typeof tenantC>>
  let d: Awaited<ReturnType<typeof tenantD>>
  let suspended: TestTenant
  let firstRun: Record<string, Awaited<ReturnType<typeof rowsOf>>>

  beforeAll(async () => {
    ;[a, b, c, d] = [await tenantA(), await tenantB(), await tenantC(), await tenantD()]
    suspended = await createTenant({ status: 'SUSPENDED' })
  })

  it('is the Worker’s scheduled handler, on a cron trigger of every environment', async () => {
    expect(typeof worker.scheduled).toBe('function')
  })

  it('lists ACTIVE and TRIAL organizations through the platform function, and app_api still sees no organization row', async () => {
    const listed = await listActiveOrganizations(env.DATABASE_URL)
    for (const tenant of [a.tenant, b.tenant, c.tenant, d.tenant])
      expect(listed).toContain(tenant.organizationId)
    expect(listed).not.toContain(suspended.organizationId)
    expect(await appSql.query('select id from organizations')).toEqual([])
    expect(await appSql.query('select id from performance_metrics')).toEqual([])
  })

  it('computes the DAY rows of the 7 days to yesterday and the WEEK/MONTH/QUARTER/YEAR rows meeting them, equal to the hand-computed numbers; D fails alone', async () => {
    const summary = await runCron([a.tenant, b.tenant, c.tenant, d.tenant, suspended])
    expect(summary.failed).toEqual([d.tenant.organizationId])

    // One round trip per organization (its batch), the failing one included; one for the listing.
    for (const tenant of [a.tenant, b.tenant, c.tenant, d.tenant]) {
      expect(await neonLocalStats(metricsRequestId(CRON_TIME, tenant.organizationId))).toBe(1)
    }
    expect(await neonLocalStats(`metrics-${CRON_TIME}`)).toBe(1)
    expect(await neonLocalStats(metricsRequestId(CRON_TIME, suspended.organizationId))).toBe(0)

    const A = await rowsOf(a.tenant.organizationId)
    // The window: DAY 11-11..17, the weeks of 11-09 and 11-16, the month of November, its quarter and year.
    expect(A.metrics.map((row) => `${row.period} ${row.periodStart}`)).toEqual([
      ...['11', '12', '13', '14', '15', '16', '17'].map((day) => `DAY 2026-11-${day}`),
      'WEEK 2026-11-09',
      'WEEK 2026-11-16',
      'MONTH 2026-11-01',
      'QUARTER 2026-10-01',
      'YEAR 2026-01-01',
    ])
    const [aDay, aWeek, aMonth, aQuarter, aYear] = current(A.metrics)
    // DAY 11-16 (caught up with the rest of the window): created T4; E2; refund USD 7.25 PROCESSED.
    expect(A.metrics.find((row) => row.period === 'DAY' && row.periodStart === '2026-11-16')).toMatchObject({
      ticketsCreated: 1,
      ticketsResolved: 0,
      escalationsCreated: 1,
      escalationRate: '1.0000',
      aiResolutionRate: null,
      refundsCount: 1,
      refundsApprovedCount: 1,
      refundsTotalAmount: '7.25',
      currency: 'USD',
    })
    // Only November is computed: the quarter and the year are its numbers (the sums, not only the means).
    const values = (row?: object) =>
      Object.entries(row ?? {}).filter(([key]) => !/^(id|period.*|createdAt|updatedAt)$/.test(key))
    expect(aQuarter).toMatchObject(QUARTER)
    expect(aYear).toMatchObject(YEAR)
    expect(values(aQuarter)).toEqual(values(aMonth))
    expect(values(aYear)).toEqual(values(aMonth))
    // DAY 11-17: created T1 T2 T3; resolved T1 T2 T4; closed T5; escalations E1 E3;
    // first response (600 + 1200) / 2; resolution (7200 + 1800 + 7200) / 3; 2/3; AI: T2 only of 3;
    // refunds requested: 4 (USD 2, EUR 2: tie → EUR), approved EUR 20.00.
    expect(aDay).toMatchObject({
      ...DAY,
      ticketsCreated: 3,
      ticketsResolved: 3,
      ticketsClosed: 1,
      escalationsCreated: 2,
      avgFirstResponseSeconds: 900,
      avgResolutionSeconds: 5400,
      csatScore: null,
      escalationRate: '0.6667',
      aiResolutionRate: '0.3333',
      refundsCount: 4,
      refundsApprovedCount: 2,
      refundsTotalAmount: '20.00',
      currency: 'EUR',
      refundsByCurrency: [
        { currency: 'EUR', status: 'REJECTED', count: 1, amount: '3.00' },
        { currency: 'EUR', status: 'PROCESSED', count: 1, amount: '20.00' },
        { currency: 'USD', status: 'PENDING', count: 1, amount: '5.50' },
        { currency: 'USD', status: 'APPROVED', count: 1, amount: '10.00' },
      ],
    })
    // WEEK 11-16..22: created T1 T2 T3 T4 T7; resolved T1 T2 T4; escalations E1 E2 E3; 3/5;
    // refunds 5 (USD 3 → USD), approved USD 10.00 + 7.25.
    expect(aWeek).toMatchObject({
      ...WEEK,
      ticketsCreated: 5,
      ticketsResolved: 3,
      ticketsClosed: 1,
      escalationsCreated: 3,
      avgFirstResponseSeconds: 900,
      avgResolutionSeconds: 5400,
      escalationRate: '0.6000',
      aiResolutionRate: '0.3333',
      refundsCount: 5,
      refundsApprovedCount: 3,
      refundsTotalAmount: '17.25',
      currency: 'USD',
      refundsByCurrency: [
        { currency: 'EUR', status: 'REJECTED', count: 1, amount: '3.00' },
        { currency: 'EUR', status: 'PROCESSED', count: 1, amount: '20.00' },
        { currency: 'USD', status: 'PENDING', count: 1, amount: '5.50' },
        { currency: 'USD', status: 'APPROVED', count: 1, amount: '10.00' },
        { currency: 'USD', status: 'PROCESSED', count: 1, amount: '7.25' },
      ],
    })
    // MONTH 11: created T1 T2 T3 T4 T5 T7; resolved T1 T2 T4 T5 T6; first response (600 + 1200 + 300) / 3;
    // resolution (7200 + 1800 + 7200 + 172800 + 259200) / 5 = 89640; 3/6; AI: T2 T6 of 5.
    expect(aMonth).toMatchObject({
      ...MONTH,
      ticketsCreated: 6,
      ticketsResolved: 5,
      ticketsClosed: 1,
      escalationsCreated: 3,
      avgFirstResponseSeconds: 700,
      avgResolutionSeconds: 89640,
      escalationRate: '0.5000',
      aiResolutionRate: '0.4000',
      refundsCount: 5,
      refundsApprovedCount: 3,
      refundsTotalAmount: '17.25',
      currency: 'USD',
    })
    // Team: R1 has T1 (and T5), R2 has T3.
    const r1 = a.tenant.representativeId
    const r2 = a.tenant.offlineRepresentativeId
    const team = (rows: typeof A.team, period: string, representativeId: string) =>
      current(rows).find((row) => row.period === period && row.representativeId === representativeId)
    // Each of the 12 periods (7 days, 2 weeks, the month, its quarter and year), for each of the two representatives.
    expect(A.team).toHaveLength(24)
    expect(team(A.team, 'QUARTER', r1)).toMatchObject({
      ...QUARTER,
      ticketsHandled: 2,
      avgResolutionSeconds: 90000,
    })
    expect(team(A.team, 'DAY', r1)).toMatchObject({
      ...DAY,
      ticketsHandled: 1,
      ticketsResolved: 1,
      avgResponseSeconds: 600,
      avgResolutionSeconds: 7200,
      csatScore: null,
      trend: 'STABLE',
    })
    expect(team(A.team, 'DAY', r2)).toMatchObject({
      ticketsHandled: 1,
      ticketsResolved: 0,
      avgResponseSeconds: 1200,
      avgResolutionSeconds: null,
      trend: 'STABLE',
    })
    // R1's week: 7200 s against the previous week's 172800 s (T5): more than 5% better.
    expect(team(A.team, 'WEEK', r1)).toMatchObject({
      ...WEEK,
      ticketsHandled: 1,
      ticketsResolved: 1,
      avgResponseSeconds: 600,
      avgResolutionSeconds: 7200,
      trend: 'IMPROVING',
    })
    expect(team(A.team, 'MONTH', r1)).toMatchObject({
      ...MONTH,
      ticketsHandled: 2,
      ticketsResolved: 2,
      avgResponseSeconds: 450,
      avgResolutionSeconds: 90000,
      trend: 'STABLE',
    })
    expect(team(A.team, 'MONTH', r2)).toMatchObject({
      ticketsHandled: 1,
      ticketsResolved: 0,
      avgResponseSeconds: 1200,
    })

    // B: no first responses, no escalations, no refunds; the month's mean 5050 / 4 = 1262.5 rounds to 1263.
    const B = await rowsOf(b.tenant.organizationId)
    expect(current(B.metrics)).toEqual([
      expect.objectContaining({
        ...DAY,
        ticketsCreated: 1,
        ticketsResolved: 1,
        escalationsCreated: 0,
        avgFirstResponseSeconds: null,
        avgResolutionSeconds: 2000,
        escalationRate: '0.0000',
        aiResolutionRate: '1.0000',
        ...noRefunds,
      }),
      expect.objectContaining({ ...WEEK, ticketsCreated: 2, ticketsResolved: 2, avgResolutionSeconds: 1525 }),
      expect.objectContaining({
        ...MONTH,
        ticketsCreated: 4,
        ticketsResolved: 4,
        avgResolutionSeconds: 1263,
      }),
      expect.objectContaining({
        ...QUARTER,
        ticketsCreated: 4,
        ticketsResolved: 4,
        avgResolutionSeconds: 1263,
      }),
      expect.objectContaining({ ...YEAR, ticketsCreated: 4, ticketsResolved: 4, avgResolutionSeconds: 1263 }),
    ])
    const rb1 = b.tenant.representativeId
    const rb2 = b.tenant.offlineRepresentativeId
    expect(team(B.team, 'WEEK', rb1)).toMatchObject({ avgResolutionSeconds: 2000, trend: 'DECLINING' })
    expect(team(B.team, 'WEEK', rb2)).toMatchObject({ avgResolutionSeconds: 1050, trend: 'STABLE' })
    expect(team(B.team, 'DAY', rb2)).toMatchObject({
      ticketsHandled: 0,
      ticketsResolved: 0,
      avgResponseSeconds: null,
      avgResolutionSeconds: null,
      trend: 'STABLE',
    })
    expect(team(B.team, 'MONTH', rb2)).toMatchObject({ ticketsHandled: 2, avgResolutionSeconds: 1025 })

    // C: an escalation in a period without new tickets: a zero denominator is null, not 0.
    const C = await rowsOf(c.tenant.organizationId)
    expect(current(C.metrics)).toEqual([
      expect.objectContaining({
        ...DAY,
        ticketsCreated: 0,
        ticketsResolved: 0,
        escalationsCreated: 1,
        avgFirstResponseSeconds: null,
        avgResolutionSeconds: null,
        escalationRate: null,
        aiResolutionRate: null,
        ...noRefunds,
      }),
      expect.objectContaining({
        ...WEEK,
        escalationsCreated: 1,
        escalationRate: null,
        aiResolutionRate: null,
      }),
      expect.objectContaining({
        ...MONTH,
        ticketsCreated: 1,
        escalationsCreated: 1,
        escalationRate: '1.0000',
      }),
      expect.objectContaining({
        ...QUARTER,
        ticketsCreated: 1,
        escalationsCreated: 1,
        escalationRate: '1.0000',
      }),
      expect.objectContaining({
        ...YEAR,
        ticketsCreated: 1,
        escalationsCreated: 1,
        escalationRate: '1.0000',
      }),
    ])

    // D failed as a whole (nothing of it written); the suspended organization was never listed.
    expect(await rowsOf(d.tenant.organizationId)).toEqual({ metrics: [], team: [] })
    expect(await rowsOf(suspended.organizationId)).toEqual({ metrics: [], team: [] })
    firstRun = {
      a: A,
      b: B,
      c: C,
    }
  })

  it('a second run leaves identical rows (values, versions, updatedAt), and reports who failed', async () => {
    expect(firstRun).toBeDefined()
    const summary = await runCron([a.tenant, b.tenant, c.tenant, d.tenant, suspended])
    expect(summary.range).toEqual({ from: '2026-11-11', to: '2026-11-17', through: '2026-11-18' })
    expect(summary.organizations).toBe(4)
    expect(summary.succeeded.sort()).toEqual(
      [a.tenant, b.tenant, c.tenant].map((t) => t.organizationId).sort(),
    )
    expect(summary.failed).toEqual([d.tenant.organizationId])
    expect(await rowsOf(a.tenant.organizationId)).toEqual(firstRun.a)
    expect(await rowsOf(b.tenant.organizationId)).toEqual(firstRun.b)
    expect(await rowsOf(c.tenant.organizationId)).toEqual(firstRun.c)
  })

  it('on a Monday, closes last week (it contains yesterday) and opens this one; on the 1st, last month too', async () => {
    const monday = Date.UTC(2026, 10, 23, 0, 5)
    await runCron([b.tenant], monday)
    const periods = (await rowsOf(b.tenant.organizationId)).metrics.map(
      (row) => `${row.period} ${row.periodStart}`,
    )
    expect(periods).toEqual(
      expect.arrayContaining(['DAY 2026-11-22', 'WEEK 2026-11-16', 'WEEK 2026-11-23', 'MONTH 2026-11-01']),
    )
    await runCron([c.tenant], Date.UTC(2026, 11, 1, 0, 5))
    const december = (await rowsOf(c.tenant.organizationId)).metrics.map(
      (row) => `${row.period} ${row.periodStart}`,
    )
    expect(december).toEqual(
      expect.arrayContaining(['DAY 2026-11-30', 'WEEK 2026-11-30', 'MONTH 2026-11-01', 'MONTH 2026-12-01']),
    )
  })

  it('metrics of another tenant are never read: the API shows each tenant its own rows only, in one round trip', async () => {
    for (const [tenant, other] of [
      [a.tenant, b.tenant],
      [b.tenant, a.tenant],
    ] as const) {
      const requestId = `metrics-read-${crypto.randomUUID()}`
      const response = await api('/v1/metrics?limit=100', {
        token: tenant.tokens.REPRESENTATIVE,
        headers: { 'X-Request-Id': requestId },
      })
      expect(response.status).toBe(200)
      expect(await neonLocalStats(requestId)).toBe(1)
      const ids = (await json<{ data: Array<{ id: string }> }>(response)).data.map((row) => row.id)
      const own = await ownerDb
        .select({ id: performanceMetrics.id })
        .from(performanceMetrics)
        .where(eq(performanceMetrics.organizationId, tenant.organizationId))
      expect(ids.sort()).toEqual(own.map((row) => row.id).sort())
      const foreign = await ownerDb
        .select({ id: performanceMetrics.id })
        .from(performanceMetrics)
        .where(inArray(performanceMetrics.organizationId, [other.organizationId]))
      for (const row of foreign) expect(ids).not.toContain(row.id)
      const team = await api(`/v1/metrics/team?representativeId=${other.representativeId}`, {
        token: tenant.tokens.ADMIN,
      })
      expect((await json<{ data: unknown[] }>(team)).data).toEqual([])
    }
  })
})
