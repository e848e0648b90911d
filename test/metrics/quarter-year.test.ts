import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import migration from '../../drizzle/0051_metrics_period_sums.sql?raw'
import { performanceMetrics, teamPerformance, tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb, ownerSql } from '../support/db'
import type { TestTenant } from '../support/tenants'
import { at, tenantA, ticket } from './fixture'

/*
 * QUARTER and YEAR rows, summed from their MONTH rows. Tenant A (fixture.ts: T1–T7, all in 2026-Q4) plus, R1 = its
 * ONLINE representative:
 *   T8  —  created 10-05 10:00, first response by the AI +50 s, resolved +100 s       (AI-resolved, October)
 *   T9  R1 created 08-10 10:00, resolved 10-02 10:00 (+4,579,200 s), no first response (AI-resolved; Q3 → Q4)
 *   T10 R1 created 10-20 10:00, first response by R1 11-05 10:00 (+1,382,400 s), resolved 11-06 10:00 (+1,468,800 s)
 *   T11 R1 created 08-20 10:00, resolved +2,000,000 s (09-12)                         (AI-resolved, Q3)
 * Computed by two recomputes: 2026-08-01..09-30, then 2026-10-01..11-17. Every expected number is worked out by
 * hand from the rows (the comments show the arithmetic); the means are exact, not means of the months' means.
 */
async function fixture() {
  const { tenant, tickets: a } = await tenantA()
  const r1 = tenant.representativeId
  const t = {
    t8: ticket(tenant, {
      status: 'RESOLVED',
      createdAt: at('2026-10-05T10:00:00Z'),
      firstResponseAt: at('2026-10-05T10:00:50Z'),
      firstResponseByType: 'AGENT',
      firstResponseById: tenant.agentId,
      resolvedAt: at('2026-10-05T10:01:40Z'),
    }),
    t9: ticket(tenant, {
      assignedRepresentativeId: r1,
      status: 'RESOLVED',
      createdAt: at('2026-08-10T10:00:00Z'),
      resolvedAt: at('2026-10-02T10:00:00Z'),
    }),
    t10: ticket(tenant, {
      assignedRepresentativeId: r1,
      status: 'RESOLVED',
      createdAt: at('2026-10-20T10:00:00Z'),
      firstResponseAt: at('2026-11-05T10:00:00Z'),
      firstResponseByType: 'REPRESENTATIVE',
      firstResponseById: r1,
      resolvedAt: at('2026-11-06T10:00:00Z'),
    }),
    t11: ticket(tenant, {
      assignedRepresentativeId: r1,
      status: 'RESOLVED',
      createdAt: at('2026-08-20T10:00:00Z'),
      resolvedAt: new Date(Date.parse('2026-08-20T10:00:00Z') + 2_000_000_000),
    }),
  }
  await ownerDb.insert(tickets).values(Object.values(t))
  return { tenant, tickets: { ...a, ...t } }
}

const recompute = async (tenant: TestTenant, from: string, to: string) => {
  const response = await api('/v1/metrics/recompute', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: { from, to },
  })
  expect(response.status, await response.clone().text()).toBe(200)
  return json<{ organizationRowsChanged: number; teamRowsChanged: number }>(response)
}

type Page<T> = { data: T[]; nextCursor: string | null }
const read = async <T>(tenant: TestTenant, path: string) => {
  const response = await api(path, { token: tenant.tokens.REPRESENTATIVE })
  expect(response.status, await response.clone().text()).toBe(200)
  return (await json<Page<T>>(response)).data
}

describe('QUARTER and YEAR metric rows', () => {
  it('equal the numbers computed from the source rows (exact means), on the reads with their filters', async () => {
    const { tenant } = await fixture()
    await recompute(tenant, '2026-08-01', '2026-09-30')
    await recompute(tenant, '2026-10-01', '2026-11-17')

    const quarters = await read<Record<string, unknown>>(tenant, '/v1/metrics?period=QUARTER')
    expect(quarters.map((row) => row.periodStart)).toEqual(['2026-07-01', '2026-10-01'])
    const november = (
      await read<Record<string, unknown>>(tenant, '/v1/metrics?period=MONTH&from=2026-11-01')
    )[0]
    // Q3: T9, T11 created; T11 resolved (2,000,000 s, AI-resolved); nothing else.
    expect(quarters[0]).toMatchObject({
      period: 'QUARTER',
      periodEnd: '2026-09-30',
      ticketsCreated: 2,
      ticketsResolved: 1,
      ticketsClosed: 0,
      escalationsCreated: 0,
      avgFirstResponseSeconds: null,
      avgResolutionSeconds: 2_000_000,
      escalationRate: 0,
      aiResolutionRate: 1,
      refundsCount: 0,
      refundsByCurrency: [],
      currency: 'USD',
      refundsTotalAmount: '0.00',
    })
    expect(quarters[1]).toMatchObject({
      period: 'QUARTER',
      periodStart: '2026-10-01',
      periodEnd: '2026-12-31',
      // T1–T8, T10 (T7 on 11-18: the November row counts its whole month).
      ticketsCreated: 9,
      // T1, T2, T4, T5, T6, T8, T9, T10.
      ticketsResolved: 8,
      ticketsClosed: 1,
      escalationsCreated: 3,
      // (600 + 1200 + 300 + 50 + 1,382,400) / 5 = 276,910 (October alone: 50; November alone: 346,125).
      avgFirstResponseSeconds: 276_910,
      // (7200 + 1800 + 7200 + 172,800 + 259,200 + 100 + 4,579,200 + 1,468,800) / 8 = 812,037.5 → 812,038.
      avgResolutionSeconds: 812_038,
      // 3 / 9; AI-resolved T2, T6, T8, T9: 4 / 8.
      escalationRate: 0.3333,
      aiResolutionRate: 0.5,
      csatScore: null,
      // All of A's refunds were requested in November.
      refundsCount: 5,
      refundsApprovedCount: 3,
      currency: 'USD',
      refundsTotalAmount: '17.25',
      refundsByCurrency: november?.refundsByCurrency,
    })
    expect(quarters[1]).not.toHaveProperty('resolutionSeconds')
    const years = await read<Record<string, unknown>>(tenant, '/v1/metrics?period=YEAR')
    expect(years).toEqual([
      expect.objectContaining({
        periodStart: '2026-01-01',
        periodEnd: '2026-12-31',
        ticketsCreated: 11,
        ticketsResolved: 9,
        escalationsCreated: 3,
        avgFirstResponseSeconds: 276_910,
        // (6,496,300 + 2,000,000) / 9 = 944,033.3 → 944,033.
        avgResolutionSeconds: 944_033,
        // 3 / 11 = 0.27272…; 5 / 9 = 0.5555…
        escalationRate: 0.2727,
        aiResolutionRate: 0.5556,
        refundsCount: 5,
        refundsTotalAmount: '17.25',
      }),
    ])
    expect(await read(tenant, '/v1/metrics?period=QUARTER&from=2026-08-01&to=2026-12-31')).toHaveLength(1)
    expect(await read(tenant, '/v1/metrics?period=YEAR&from=2027-01-01')).toEqual([])
  })

  it('team rows count a ticket once per quarter and year, with exact means and the trend against the previous one', async () => {
    const { tenant } = await fixture()
    await recompute(tenant, '2026-08-01', '2026-09-30')
    await recompute(tenant, '2026-10-01', '2026-11-17')
    const [r1, r2] = [tenant.representativeId, tenant.offlineRepresentativeId]
    type Team = Record<string, unknown>
    const rows = async (period: string, representativeId: string) =>
      read<Team>(tenant, `/v1/metrics/team?period=${period}&representativeId=${representativeId}`)

    // R1, Q3: T9 and T11 created (T11's resolution in September is not a second ticket): 2, though August counts
    // 2 and September 1. T11 resolved: 2,000,000 s.
    // R1, Q4: T1, T5, T10 created, T9 resolved (first event of it in Q4): 4; T10's November response and resolution
    // are not counted again. Resolved T1, T5, T9, T10: (7200 + 172,800 + 4,579,200 + 1,468,800) / 4 = 1,557,000,
    // more than 5% under 2,000,000: IMPROVING. Responses T1, T5, T10: (600 + 300 + 1,382,400) / 3 = 461,100.
    expect(await rows('QUARTER', r1)).toEqual([
      expect.objectContaining({
        periodStart: '2026-07-01',
        periodEnd: '2026-09-30',
        ticketsHandled: 2,
        ticketsResolved: 1,
        avgResponseSeconds: null,
        avgResolutionSeconds: 2_000_000,
        trend: 'STABLE',
      }),
      expect.objectContaining({
        periodStart: '2026-10-01',
        ticketsHandled: 4,
        ticketsResolved: 4,
        avgResponseSeconds: 461_100,
        avgResolutionSeconds: 1_557_000,
        trend: 'IMPROVING',
      }),
    ])
    const monthly = await rows('MONTH', r1)
    // August T9, T11; September T11's resolution; October T9's resolution, T10; November T1, T5, T10's response.
    expect(monthly.map((row) => row.ticketsHandled)).toEqual([2, 1, 2, 3])
    // R1, 2026: T9, T11, T1, T5, T10: 5. (8,228,000) / 5 = 1,645,600. 2025 had nothing: STABLE.
    expect(await rows('YEAR', r1)).toEqual([
      expect.objectContaining({
        periodStart: '2026-01-01',
        periodEnd: '2026-12-31',
        ticketsHandled: 5,
        ticketsResolved: 5,
        avgResponseSeconds: 461_100,
        avgResolutionSeconds: 1_645_600,
        trend: 'STABLE',
      }),
    ])
    // R2: T3 (created, answered +1200 s, open).
    expect(await rows('QUARTER', r2)).toEqual([
      expect.objectContaining({ periodStart: '2026-07-01', ticketsHandled: 0, avgResolutionSeconds: null }),
      expect.objectContaining({
        periodStart: '2026-10-01',
        ticketsHandled: 1,
        ticketsResolved: 0,
        avgResponseSeconds: 1200,
        avgResolutionSeconds: null,
        trend: 'STABLE',
      }),
    ])
  })

  it('a one-day recompute rewrites the quarter and year from the stored months; a rerun changes nothing', async () => {
    const { tenant, tickets: t } = await fixture()
    await recompute(tenant, '2026-08-01', '2026-09-30')
    await recompute(tenant, '2026-10-01', '2026-11-17')
    expect(await recompute(tenant, '2026-11-17', '2026-11-17')).toMatchObject({
      organizationRowsChanged: 0,
      teamRowsChanged: 0,
    })
    // T10 now resolved 1,000 s later: its day, week, month, quarter and year change; August and Q3 stay.
    await ownerDb
      .update(tickets)
      .set({ resolvedAt: at('2026-11-06T10:16:40Z') })
      .where(eq(tickets.id, t.t10.id as string))
    // DAY 11-06, WEEK 11-02, MONTH 11, Q4, 2026; R1's same five rows.
    expect(await recompute(tenant, '2026-11-06', '2026-11-06')).toMatchObject({
      organizationRowsChanged: 5,
      teamRowsChanged: 5,
    })
    const [q4] = await read<Record<string, unknown>>(tenant, '/v1/metrics?period=QUARTER&from=2026-10-01')
    // (6,496,300 + 1000) / 8 = 812,162.5 → 812,163.
    expect(q4).toMatchObject({ avgResolutionSeconds: 812_163, version: 2 })
  })

  it("migration 0051's backfill gives months computed before it the sums a computation writes", async () => {
    const { tenant } = await fixture()
    await recompute(tenant, '2026-08-01', '2026-09-30')
    await recompute(tenant, '2026-10-01', '2026-11-17')
    const org = tenant.organizationId
    const months = async () => ({
      organization: await ownerDb
        .select()
        .from(performanceMetrics)
        .where(and(eq(performanceMetrics.organizationId, org), eq(performanceMetrics.period, 'MONTH')))
        .orderBy(performanceMetrics.periodStart),
      team: await ownerDb
        .select()
        .from(teamPerformance)
        .where(and(eq(teamPerformance.organizationId, org), eq(teamPerformance.period, 'MONTH')))
        .orderBy(teamPerformance.periodStart, teamPerformance.representativeId),
    })
    const computed = await months()
    expect(computed.organization).toHaveLength(4)
    // As before the migration: no sums.
    const empty = {
      responseCount: null,
      responseSeconds: null,
      resolutionCount: null,
      resolutionSeconds: null,
    }
    await ownerDb
      .update(performanceMetrics)
      .set({ ...empty, aiResolvedCount: null })
      .where(eq(performanceMetrics.organizationId, org))
    await ownerDb
      .update(teamPerformance)
      .set({ ...empty, quarterHandled: null, yearHandled: null })
      .where(eq(teamPerformance.organizationId, org))
    const backfill = migration.split('--> statement-breakpoint').at(-1) as string
    await ownerSql.query(backfill)
    // The same sums, and the same versions and updatedAt (the API representation did not change).
    const backfilled = await months()
    expect(backfilled).toEqual(computed)
    // October: T8 and T9 resolved, both by the AI.
    expect(backfilled.organization[2]).toMatchObject({ resolutionCount: 2, aiResolvedCount: 2 })
    // A computation finds nothing to change in them (it fills the DAY and WEEK rows, which the backfill leaves).
    await recompute(tenant, '2026-10-01', '2026-11-17')
    expect(await months()).toEqual(computed)
  })
})
