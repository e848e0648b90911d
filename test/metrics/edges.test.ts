import { env } from 'cloudflare:test'
import { and, asc, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { escalations, performanceMetrics, teamPerformance, tickets } from '../../src/db/schema'
import { TenantDb } from '../../src/db/tenant'
import { computeMetrics, type MetricsRange } from '../../src/resources/metrics/metrics.data'
import { ownerDb } from '../support/db'
import { createTenant, LONG_AGO, type TestTenant } from '../support/tenants'

/*
 * Edges of the metrics definitions (docs/domain.md §5), every expected number computed by hand: UTC day
 * boundaries to the millisecond, ISO weeks across a year end, months of different lengths, the ±5% trend band
 * at its edges, zero denominators, team rows over the representative's tickets.
 */

let number = 61000
const at = (iso: string) => new Date(iso)

async function insertTickets(
  tenant: TestTenant,
  rows: Array<{ created: string; resolved?: string; responded?: string; representative?: string }>,
) {
  const values = rows.map((row) => ({
    id: crypto.randomUUID(),
    organizationId: tenant.organizationId,
    ticketNumber: `TICKET-${number++}`,
    customerId: tenant.customerId,
    subject: 'Edge',
    description: 'Metrics edge fixture',
    status: row.resolved ? ('RESOLVED' as const) : ('OPEN' as const),
    createdAt: at(row.created),
    updatedAt: at(row.created),
    firstResponseAt: row.responded ? at(row.responded) : null,
    resolvedAt: row.resolved ? at(row.resolved) : null,
    assignedRepresentativeId: row.representative ?? null,
  }))
  await ownerDb.insert(tickets).values(values)
  return values
}

const compute = (tenant: TestTenant, range: MetricsRange) =>
  computeMetrics(TenantDb.forPlatform(env.DATABASE_URL, tenant.organizationId), range, 'wait')

const metricsOf = (tenant: TestTenant) =>
  ownerDb
    .select()
    .from(performanceMetrics)
    .where(eq(performanceMetrics.organizationId, tenant.organizationId))
    .orderBy(asc(performanceMetrics.period), asc(performanceMetrics.periodStart))

const teamOf = (tenant: TestTenant, representativeId: string) =>
  ownerDb
    .select()
    .from(teamPerformance)
    .where(
      and(
        eq(teamPerformance.organizationId, tenant.organizationId),
        eq(teamPerformance.representativeId, representativeId),
      ),
    )
    .orderBy(asc(teamPerformance.period), asc(teamPerformance.periodStart))

const pick = <T extends { period: string; periodStart: string }>(rows: T[], period: string, start: string) =>
  rows.find((row) => row.period === period && row.periodStart === start)

describe('metrics at the edges of their periods', () => {
  it('an ISO week across a year end; 23:59:59.999 and 00:00 fall on their own UTC days', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    await insertTickets(tenant, [
      { created: '2026-12-27T23:59:59.999Z' }, // Sunday: the previous week, December
      { created: '2026-12-28T00:00:00.000Z' }, // Monday: week 2026-12-28 (ISO 2026-W53)
      { created: '2026-12-31T23:59:59.999Z' }, // DAY 12-31, December
      { created: '2027-01-01T00:00:00.000Z' }, // DAY 01-01, January, same week
      { created: '2027-01-03T23:59:59.999Z' }, // Sunday: last moment of the week
      { created: '2027-01-04T00:00:00.000Z' }, // next week, January
    ])
    await compute(tenant, { from: '2026-12-28', to: '2027-01-03', through: '2027-01-03' })
    const rows = await metricsOf(tenant)
    expect(
      rows.map((row) => `${row.period} ${row.periodStart}..${row.periodEnd} ${row.ticketsCreated}`),
    ).toEqual([
      'DAY 2026-12-28..2026-12-28 1',
      'DAY 2026-12-29..2026-12-29 0',
      'DAY 2026-12-30..2026-12-30 0',
      'DAY 2026-12-31..2026-12-31 1',
      'DAY 2027-01-01..2027-01-01 1',
      'DAY 2027-01-02..2027-01-02 0',
      'DAY 2027-01-03..2027-01-03 1',
      // 12-28, 12-31, 01-01, 01-03
      'WEEK 2026-12-28..2027-01-03 4',
      // 12-27, 12-28, 12-31
      'MONTH 2026-12-01..2026-12-31 3',
      // 01-01, 01-03, 01-04
      'MONTH 2027-01-01..2027-01-31 3',
      // Summed from the months computed: December alone, January alone.
      'QUARTER 2026-10-01..2026-12-31 3',
      'QUARTER 2027-01-01..2027-03-31 3',
      'YEAR 2026-01-01..2026-12-31 3',
      'YEAR 2027-01-01..2027-12-31 3',
    ])
  })

  it('months of 28, 29, 30 and 31 days end on their last day', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    await insertTickets(tenant, [
      { created: '2027-02-28T23:59:59.999Z' },
      { created: '2027-03-01T00:00:00.000Z' },
      { created: '2028-02-29T12:00:00.000Z' },
    ])
    await compute(tenant, { from: '2027-02-28', to: '2027-03-01', through: '2027-03-01' })
    await compute(tenant, { from: '2028-02-29', to: '2028-02-29', through: '2028-02-29' })
    await compute(tenant, { from: '2026-04-30', to: '2026-04-30', through: '2026-04-30' })
    const months = (await metricsOf(tenant)).filter((row) => row.period === 'MONTH')
    expect(months.map((row) => `${row.periodStart}..${row.periodEnd} ${row.ticketsCreated}`)).toEqual([
      '2026-04-01..2026-04-30 0',
      '2027-02-01..2027-02-28 1',
      '2027-03-01..2027-03-31 1',
      '2028-02-01..2028-02-29 1',
    ])
  })

  it('the ±5% trend band at its edges; no resolution in a period is STABLE and null means', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    const r = tenant.representativeId
    const resolved = (day: string, seconds: number) => ({
      created: `${day}T08:00:00.000Z`,
      resolved: new Date(Date.parse(`${day}T08:00:00.000Z`) + seconds * 1000).toISOString(),
      representative: r,
    })
    // Each day against the day before. 1000 → 950 (exactly −5%: STABLE) → 902 (−5.05%: IMPROVING; 950·0.95 =
    // 902.5) → 947 (+4.99%: STABLE; 902·1.05 = 947.1) → 995 (+5.07%: DECLINING; 947·1.05 = 994.35) → none (STABLE)
    // → 100 (previous unknown: STABLE).
    await insertTickets(tenant, [
      resolved('2026-10-01', 1000),
      resolved('2026-10-02', 950),
      resolved('2026-10-03', 902),
      resolved('2026-10-04', 947),
      resolved('2026-10-05', 995),
      resolved('2026-10-07', 100),
    ])
    await compute(tenant, { from: '2026-10-02', to: '2026-10-07', through: '2026-10-07' })
    const days = (await teamOf(tenant, r)).filter((row) => row.period === 'DAY')
    expect(days.map((row) => `${row.periodStart} ${row.avgResolutionSeconds} ${row.trend}`)).toEqual([
      '2026-10-02 950 STABLE',
      '2026-10-03 902 IMPROVING',
      '2026-10-04 947 STABLE',
      '2026-10-05 995 DECLINING',
      '2026-10-06 null STABLE',
      '2026-10-07 100 STABLE',
    ])
    // The band compares the exact means, not the whole seconds served: 10.4 s → 10.6 s (+1.9 %) is STABLE, though
    // served as 10 → 11 (+10 %).
    await insertTickets(tenant, [resolved('2026-10-10', 10.4), resolved('2026-10-11', 10.6)])
    await compute(tenant, { from: '2026-10-11', to: '2026-10-11', through: '2026-10-11' })
    expect(pick(await teamOf(tenant, r), 'DAY', '2026-10-11')).toMatchObject({
      avgResolutionSeconds: 11,
      trend: 'STABLE',
    })
    const idle = pick(await metricsOf(tenant), 'DAY', '2026-10-06')
    expect(idle).toMatchObject({
      ticketsCreated: 0,
      ticketsResolved: 0,
      avgFirstResponseSeconds: null,
      avgResolutionSeconds: null,
      escalationRate: null,
      aiResolutionRate: null,
    })
  })

  it('zero denominators give null rates, not 0; a non-zero one gives the ratio', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    const [old] = await insertTickets(tenant, [{ created: '2026-09-01T10:00:00Z' }])
    await ownerDb.insert(escalations).values([
      {
        organizationId: tenant.organizationId,
        ticketId: old?.id as string,
        reason: 'COMPLEX_ISSUE',
        createdAt: at('2026-10-10T10:00:00Z'),
      },
    ])
    await compute(tenant, { from: '2026-10-10', to: '2026-10-10', through: '2026-10-10' })
    const day = pick(await metricsOf(tenant), 'DAY', '2026-10-10')
    expect(day).toMatchObject({
      ticketsCreated: 0,
      escalationsCreated: 1,
      escalationRate: null,
      aiResolutionRate: null,
    })
  })

  it('team rows: a ticket of the representative counts once per period, created, answered and resolved in different ones', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    const r = tenant.representativeId
    // Created Sun 11-08 (week 11-02), answered Mon 11-09 (week 11-09), resolved Tue 11-10 (week 11-09).
    await insertTickets(tenant, [
      {
        created: '2026-11-08T23:00:00Z',
        responded: '2026-11-09T01:00:00Z',
        resolved: '2026-11-10T23:00:00Z',
        representative: r,
      },
      // Someone else's (unassigned): never in R's rows.
      { created: '2026-11-09T10:00:00Z', resolved: '2026-11-09T11:00:00Z' },
    ])
    await compute(tenant, { from: '2026-11-08', to: '2026-11-10', through: '2026-11-10' })
    const rows = await teamOf(tenant, r)
    expect(
      rows.map(
        (row) =>
          `${row.period} ${row.periodStart} ${row.ticketsHandled} ${row.ticketsResolved} ${row.avgResponseSeconds} ${row.avgResolutionSeconds}`,
      ),
    ).toEqual([
      'DAY 2026-11-08 1 0 null null',
      'DAY 2026-11-09 1 0 7200 null',
      'DAY 2026-11-10 1 1 null 172800',
      'WEEK 2026-11-02 1 0 null null',
      'WEEK 2026-11-09 1 1 7200 172800',
      'MONTH 2026-11-01 1 1 7200 172800',
      'QUARTER 2026-10-01 1 1 7200 172800',
      'YEAR 2026-01-01 1 1 7200 172800',
    ])
  })

  it('a rerun leaves identical rows (same version and updatedAt)', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    await insertTickets(tenant, [
      {
        created: '2026-10-01T10:00:00Z',
        resolved: '2026-10-01T11:00:00Z',
        representative: tenant.representativeId,
      },
    ])
    const range = { from: '2026-09-30', to: '2026-10-01', through: '2026-10-01' }
    const first = await compute(tenant, range)
    const before = [await metricsOf(tenant), await teamOf(tenant, tenant.representativeId)]
    const second = await compute(tenant, range)
    expect(second).toEqual({ organizationRowsChanged: 0, teamRowsChanged: 0 })
    expect(first.organizationRowsChanged).toBeGreaterThan(0)
    expect([await metricsOf(tenant), await teamOf(tenant, tenant.representativeId)]).toEqual(before)
  })
})
