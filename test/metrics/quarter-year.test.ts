import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from 'cloudflare:test'
import { asc, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { listActiveOrganizations, metricsScheduledHandler } from '../../src/cron/metrics'
import { performanceMetrics, teamPerformance } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import type { TestTenant } from '../support/tenants'
import { tenantQ } from './fixture'

/*
 * QUARTER (calendar quarters from Jan/Apr/Jul/Oct 1) and YEAR (from Jan 1) rows, UTC, computed from the source rows
 * like WEEK and MONTH (docs/domain.md §5), with the trend against the previous quarter / year. Every number below
 * is computed by hand from tenantQ's rows (fixture.ts); the comments show the arithmetic.
 */

type Page<T> = { data: T[]; nextCursor: string | null }
type Row = Record<string, unknown> & { period: string; periodStart: string; representativeId?: string }

const recompute = async (tenant: TestTenant, from: string, to: string) => {
  const response = await api('/v1/metrics/recompute', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: { from, to },
  })
  expect(response.status, await response.clone().text()).toBe(200)
  return json(response)
}

const read = async <T = Row>(tenant: TestTenant, path: string) => {
  const response = await api(path, { token: tenant.tokens.REPRESENTATIVE })
  expect(response.status, await response.clone().text()).toBe(200)
  return (await json<Page<T>>(response)).data
}

const stored = async (organizationId: string) => ({
  metrics: await ownerDb
    .select()
    .from(performanceMetrics)
    .where(eq(performanceMetrics.organizationId, organizationId))
    .orderBy(asc(performanceMetrics.period), asc(performanceMetrics.periodStart)),
  team: await ownerDb
    .select()
    .from(teamPerformance)
    .where(eq(teamPerformance.organizationId, organizationId))
    .orderBy(
      asc(teamPerformance.period),
      asc(teamPerformance.periodStart),
      asc(teamPerformance.representativeId),
    ),
})

const Q1_2026 = { period: 'QUARTER', periodStart: '2026-01-01', periodEnd: '2026-03-31' }
const Q2_2026 = { period: 'QUARTER', periodStart: '2026-04-01', periodEnd: '2026-06-30' }
const Q4_2025 = { period: 'QUARTER', periodStart: '2025-10-01', periodEnd: '2025-12-31' }
const Y2026 = { period: 'YEAR', periodStart: '2026-01-01', periodEnd: '2026-12-31' }
const Y2025 = { period: 'YEAR', periodStart: '2025-01-01', periodEnd: '2025-12-31' }

// Q1 2026: created K4 K5 (23:59:59.999) K7; resolved K3 (01-01 00:00) K4; first response K4 1200;
// resolution (3600 + 14399) / 2 = 8999.5 → 9000; escalation E1: 1/3; AI: none of 2; refund USD 10.00 APPROVED.
const q1Metrics = {
  ...Q1_2026,
  ticketsCreated: 3,
  ticketsResolved: 2,
  ticketsClosed: 0,
  escalationsCreated: 1,
  avgFirstResponseSeconds: 1200,
  avgResolutionSeconds: 9000,
  csatScore: null,
  escalationRate: 0.3333,
  aiResolutionRate: 0,
  refundsCount: 1,
  refundsApprovedCount: 1,
  refundsTotalAmount: '10.00',
  currency: 'USD',
  refundsByCurrency: [{ currency: 'USD', status: 'APPROVED', count: 1, amount: '10.00' }],
  version: 1,
}
// Q2 2026: created K6 (04-01 00:00); resolved K5 K6, (7200 + 1800) / 2; closed K5; first response K5 600;
// escalation E2: 1/1; AI: K6 of 2; refunds EUR 20.00 PROCESSED, EUR 5.00 PENDING.
const q2Metrics = {
  ...Q2_2026,
  ticketsCreated: 1,
  ticketsResolved: 2,
  ticketsClosed: 1,
  escalationsCreated: 1,
  avgFirstResponseSeconds: 600,
  avgResolutionSeconds: 4500,
  escalationRate: 1,
  aiResolutionRate: 0.5,
  refundsCount: 2,
  refundsApprovedCount: 1,
  refundsTotalAmount: '20.00',
  currency: 'EUR',
  refundsByCurrency: [
    { currency: 'EUR', status: 'PENDING', count: 1, amount: '5.00' },
    { currency: 'EUR', status: 'PROCESSED', count: 1, amount: '20.00' },
  ],
  version: 1,
}
// 2026: created K4 K5 K6 K7; resolved K3 K4 K5 K6, (3600 + 14399 + 7200 + 1800) / 4 = 6749.75; closed K5;
// first response (1200 + 600) / 2; escalations E1 E2: 2/4; AI: K6 of 4; refunds 3 (EUR 2 → EUR), approved 2.
const y2026Metrics = {
  ...Y2026,
  ticketsCreated: 4,
  ticketsResolved: 4,
  ticketsClosed: 1,
  escalationsCreated: 2,
  avgFirstResponseSeconds: 900,
  avgResolutionSeconds: 6750,
  escalationRate: 0.5,
  aiResolutionRate: 0.25,
  refundsCount: 3,
  refundsApprovedCount: 2,
  refundsTotalAmount: '20.00',
  currency: 'EUR',
  refundsByCurrency: [
    { currency: 'EUR', status: 'PENDING', count: 1, amount: '5.00' },
    { currency: 'EUR', status: 'PROCESSED', count: 1, amount: '20.00' },
    { currency: 'USD', status: 'APPROVED', count: 1, amount: '10.00' },
  ],
  version: 1,
}

describe('QUARTER and YEAR metrics', () => {
  it('a recompute writes the quarters and the year meeting its range, from the source rows, with the trend against the previous quarter / year; reruns change nothing', async () => {
    const { tenant } = await tenantQ()
    const [r1, r2] = [tenant.representativeId, tenant.offlineRepresentativeId]

    // DAY 03-31, DAY 04-01, WEEK 03-30, MONTH 03, MONTH 04, QUARTER Q1, QUARTER Q2, YEAR 2026; two
    // representatives each.
    expect(await recompute(tenant, '2026-03-31', '2026-04-01')).toEqual({
      from: '2026-03-31',
      to: '2026-04-01',
      organizationRowsChanged: 8,
      teamRowsChanged: 16,
    })

    expect(await read(tenant, '/v1/metrics?period=QUARTER')).toEqual([
      expect.objectContaining(q1Metrics),
      expect.objectContaining(q2Metrics),
    ])
    expect(await read(tenant, '/v1/metrics?period=YEAR')).toEqual([expect.objectContaining(y2026Metrics)])
    expect(await read(tenant, '/v1/metrics?period=QUARTER&from=2026-04-01&to=2026-04-01')).toEqual([
      expect.objectContaining({ periodStart: '2026-04-01' }),
    ])

    const quarters = await read(tenant, '/v1/metrics/team?period=QUARTER')
    const team = (rows: Row[], periodStart: string, representativeId: string) =>
      rows.find((row) => row.periodStart === periodStart && row.representativeId === representativeId)
    expect(quarters).toHaveLength(4)
    // R1, Q1: K3's resolution (created and answered in Q4) and K5's creation; resolution 3600; Q4 2025 resolved
    // nothing of R1's: STABLE.
    expect(team(quarters, '2026-01-01', r1)).toMatchObject({
      ...Q1_2026,
      ticketsHandled: 2,
      ticketsResolved: 1,
      avgResponseSeconds: null,
      avgResolutionSeconds: 3600,
      csatScore: null,
      trend: 'STABLE',
    })
    // R1, Q2: K5 answered (created in Q1) and resolved: one ticket; 7200 against Q1's 3600: DECLINING.
    expect(team(quarters, '2026-04-01', r1)).toMatchObject({
      ...Q2_2026,
      ticketsHandled: 1,
      ticketsResolved: 1,
      avgResponseSeconds: 600,
      avgResolutionSeconds: 7200,
      trend: 'DECLINING',
    })
    // R2, Q1: K4, 14399 against Q4 2025's K8 (10000, created on its first instant): DECLINING.
    expect(team(quarters, '2026-01-01', r2)).toMatchObject({
      ...Q1_2026,
      ticketsHandled: 1,
      ticketsResolved: 1,
      avgResponseSeconds: 1200,
      avgResolutionSeconds: 14399,
      trend: 'DECLINING',
    })
    expect(team(quarters, '2026-04-01', r2)).toMatchObject({
      ...Q2_2026,
      ticketsHandled: 0,
      ticketsResolved: 0,
      avgResponseSeconds: null,
      avgResolutionSeconds: null,
      trend: 'STABLE',
    })
    const years = await read(tenant, `/v1/metrics/team?period=YEAR&representativeId=${r1}`)
    // R1, 2026: K3 (resolved) and K5; (3600 + 7200) / 2 = 5400 against 2025's K1 (10000, in June: the previous
    // year is read, not only the previous quarter): IMPROVING.
    expect(years).toEqual([
      expect.objectContaining({
        ...Y2026,
        representativeId: r1,
        ticketsHandled: 2,
        ticketsResolved: 2,
        avgResponseSeconds: 600,
        avgResolutionSeconds: 5400,
        trend: 'IMPROVING',
      }),
    ])
    expect(await read(tenant, `/v1/metrics/team?period=YEAR&representativeId=${r2}`)).toEqual([
      expect.objectContaining({
        ...Y2026,
        ticketsHandled: 1,
        ticketsResolved: 1,
        avgResponseSeconds: 1200,
        avgResolutionSeconds: 14399,
        trend: 'DECLINING',
      }),
    ])

    // A rerun leaves identical rows (values, versions, updatedAt).
    const first = await stored(tenant.organizationId)
    expect(first.metrics).toHaveLength(8)
    expect(first.team).toHaveLength(16)
    expect(await recompute(tenant, '2026-03-31', '2026-04-01')).toMatchObject({
      organizationRowsChanged: 0,
      teamRowsChanged: 0,
    })
    expect(await stored(tenant.organizationId)).toEqual(first)

    // Across the year boundary: DAY 12-31, DAY 01-01, WEEK 12-29, MONTH 12, MONTH 01, QUARTER Q4 2025, YEAR 2025
    // are new; QUARTER Q1 2026 and YEAR 2026 are computed again, unchanged.
    expect(await recompute(tenant, '2025-12-31', '2026-01-01')).toMatchObject({
      organizationRowsChanged: 7,
      teamRowsChanged: 14,
    })
    // Q4 2025: created K2 K3 K8; resolved K2 K8, (2000 + 10000) / 2; first response (600 + 600) / 2; escalation
    // E3 (23:59:59.999): 1/3; AI: K2 of 2; refund USD 7.25 PROCESSED.
    expect(await read(tenant, '/v1/metrics?period=QUARTER')).toEqual([
      expect.objectContaining({
        ...Q4_2025,
        ticketsCreated: 3,
        ticketsResolved: 2,
        ticketsClosed: 0,
        escalationsCreated: 1,
        avgFirstResponseSeconds: 600,
        avgResolutionSeconds: 6000,
        escalationRate: 0.3333,
        aiResolutionRate: 0.5,
        refundsCount: 1,
        refundsApprovedCount: 1,
        refundsTotalAmount: '7.25',
        currency: 'USD',
      }),
      expect.objectContaining(q1Metrics),
      expect.objectContaining(q2Metrics),
    ])
    // 2025: created K1 K2 K3 K8; resolved K1 K2 K8, 22000 / 3 = 7333.3; first response (300 + 600 + 600) / 3;
    // escalation E3: 1/4; AI: K2 of 3.
    expect(await read(tenant, '/v1/metrics?period=YEAR')).toEqual([
      expect.objectContaining({
        ...Y2025,
        ticketsCreated: 4,
        ticketsResolved: 3,
        escalationsCreated: 1,
        avgFirstResponseSeconds: 500,
        avgResolutionSeconds: 7333,
        escalationRate: 0.25,
        aiResolutionRate: 0.3333,
        refundsCount: 1,
        refundsTotalAmount: '7.25',
      }),
      expect.objectContaining(y2026Metrics),
    ])
    const earlier = await read(tenant, '/v1/metrics/team?period=YEAR&to=2025-12-31')
    // R1, 2025: K1 and K3 handled, K1 resolved, (300 + 600) / 2; R2: K8. No 2024 rows: STABLE.
    expect(team(earlier, '2025-01-01', r1)).toMatchObject({
      ticketsHandled: 2,
      ticketsResolved: 1,
      avgResponseSeconds: 450,
      avgResolutionSeconds: 10000,
      trend: 'STABLE',
    })
    expect(team(earlier, '2025-01-01', r2)).toMatchObject({
      ticketsHandled: 1,
      ticketsResolved: 1,
      avgResponseSeconds: 600,
      avgResolutionSeconds: 10000,
      trend: 'STABLE',
    })
    const after = await stored(tenant.organizationId)
    for (const row of first.metrics.filter(({ period }) => period === 'QUARTER' || period === 'YEAR')) {
      expect(after.metrics).toContainEqual(row)
    }
  })

  it('the daily cron writes the quarter and the year containing yesterday or today, as the current week and month', async () => {
    const { tenant } = await tenantQ()
    const handler = metricsScheduledHandler({
      listOrganizations: async (bindings, requestId) =>
        (await listActiveOrganizations(bindings.DATABASE_URL, requestId)).filter(
          (id) => id === tenant.organizationId,
        ),
    })
    const run = async (scheduledTime: number) => {
      const ctx = createExecutionContext()
      const summary = await handler(createScheduledController({ scheduledTime, cron: '5 0 * * *' }), env, ctx)
      await waitOnExecutionContext(ctx)
      expect(summary.succeeded).toEqual([tenant.organizationId])
    }
    const periods = async () =>
      (await stored(tenant.organizationId)).metrics.map((row) => `${row.period} ${row.periodStart}`)

    // On April 1st it closes Q1 and opens Q2.
    await run(Date.UTC(2026, 3, 1, 0, 5))
    expect(await periods()).toEqual([
      'DAY 2026-03-31',
      'WEEK 2026-03-30',
      'MONTH 2026-03-01',
      'MONTH 2026-04-01',
      'QUARTER 2026-01-01',
      'QUARTER 2026-04-01',
      'YEAR 2026-01-01',
    ])
    expect(await read(tenant, '/v1/metrics?period=QUARTER')).toEqual([
      expect.objectContaining(q1Metrics),
      expect.objectContaining(q2Metrics),
    ])
    expect(await read(tenant, '/v1/metrics?period=YEAR')).toEqual([expect.objectContaining(y2026Metrics)])

    // On January 1st it closes the year (and Q4) and opens the next.
    await run(Date.UTC(2026, 0, 1, 0, 5))
    expect(await periods()).toEqual(
      expect.arrayContaining(['QUARTER 2025-10-01', 'YEAR 2025-01-01', 'YEAR 2026-01-01']),
    )
    const team = await read(
      tenant,
      `/v1/metrics/team?period=QUARTER&representativeId=${tenant.representativeId}`,
    )
    expect(team.map((row) => `${row.periodStart} ${row.trend}`)).toEqual([
      '2025-10-01 STABLE',
      '2026-01-01 STABLE',
      '2026-04-01 DECLINING',
    ])
  })
})
