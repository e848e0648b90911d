import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { performanceMetrics, teamPerformance, tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { tenantB } from './fixture'

interface Metrics {
  id: string
  period: string
  periodStart: string
  periodEnd: string
  ticketsCreated: number
  avgResolutionSeconds: number | null
  escalationRate: number | null
  aiResolutionRate: number | null
  csatScore: number | null
  refundsByCurrency: unknown[]
  version: number
}
interface Team {
  representativeId: string
  period: string
  periodStart: string
  avgResolutionSeconds: number | null
  trend: string
}
type Page<T> = { data: T[]; nextCursor: string | null }

async function call(path: string, request: Parameters<typeof api>[1] = {}) {
  const requestId = `metrics-api-${crypto.randomUUID()}`
  const response = await api(path, {
    ...request,
    headers: { ...request?.headers, 'X-Request-Id': requestId },
  })
  return { response, roundTrips: () => neonLocalStats(requestId) }
}

describe('POST /v1/metrics/recompute and the metrics reads', () => {
  it('recomputes a range in one round trip (DAY rows of the range, WEEK/MONTH/QUARTER/YEAR rows meeting it); a rerun changes nothing', async () => {
    const { tenant, tickets: t } = await tenantB()
    const recompute = (from: string, to: string) =>
      call('/v1/metrics/recompute', { method: 'POST', token: tenant.tokens.ADMIN, body: { from, to } })

    const first = await recompute('2026-11-16', '2026-11-17')
    expect(first.response.status, await first.response.clone().text()).toBe(200)
    expect(await first.roundTrips()).toBe(1)
    // DAY 16, DAY 17, WEEK 16, MONTH 11, QUARTER 10, YEAR 2026; team: two representatives each.
    expect(await json(first.response)).toEqual({
      from: '2026-11-16',
      to: '2026-11-17',
      organizationRowsChanged: 6,
      teamRowsChanged: 12,
    })
    const again = await recompute('2026-11-16', '2026-11-17')
    expect(await json(again.response)).toMatchObject({ organizationRowsChanged: 0, teamRowsChanged: 0 })

    // The source changes: Tb2 (Rb1, created 11-17 10:00) now took 4000 s. Only rows it falls in change.
    await ownerDb
      .update(tickets)
      .set({ resolvedAt: new Date(Date.parse('2026-11-17T10:00:00Z') + 4_000_000) })
      .where(eq(tickets.id, t.tb2.id as string))
    const changed = await recompute('2026-11-16', '2026-11-17')
    // DAY 17, WEEK 16, MONTH 11, QUARTER, YEAR (not DAY 16); Rb1's DAY 17, WEEK, MONTH, QUARTER, YEAR rows.
    expect(await json(changed.response)).toMatchObject({ organizationRowsChanged: 5, teamRowsChanged: 5 })
    const [day] = await ownerDb
      .select()
      .from(performanceMetrics)
      .where(
        and(
          eq(performanceMetrics.organizationId, tenant.organizationId),
          eq(performanceMetrics.period, 'DAY'),
          eq(performanceMetrics.periodStart, '2026-11-17'),
        ),
      )
    expect(day).toMatchObject({ avgResolutionSeconds: 4000, version: 2 })

    // Reads: one round trip each, filtered by period and the range of period starts, numbers as numbers.
    const read = await call('/v1/metrics?period=DAY&from=2026-11-17&to=2026-11-17', {
      token: tenant.tokens.REPRESENTATIVE,
    })
    expect(read.response.status).toBe(200)
    expect(await read.roundTrips()).toBe(1)
    const page = await json<Page<Metrics>>(read.response)
    expect(page.data).toHaveLength(1)
    expect(page.data[0]).toMatchObject({
      period: 'DAY',
      periodStart: '2026-11-17',
      periodEnd: '2026-11-17',
      ticketsCreated: 1,
      avgResolutionSeconds: 4000,
      escalationRate: 0,
      aiResolutionRate: 1,
      csatScore: null,
      refundsByCurrency: [],
    })
    expect(page.data[0]).not.toHaveProperty('organizationId')
    const all = await json<Page<Metrics>>(
      (await call('/v1/metrics?limit=2', { token: tenant.tokens.ADMIN })).response,
    )
    expect(all.data.map((row) => `${row.period} ${row.periodStart}`)).toEqual([
      'YEAR 2026-01-01',
      'QUARTER 2026-10-01',
    ])
    expect(all.nextCursor).not.toBeNull()
    const next = await json<Page<Metrics>>(
      (
        await call(`/v1/metrics?limit=2&cursor=${encodeURIComponent(all.nextCursor as string)}`, {
          token: tenant.tokens.ADMIN,
        })
      ).response,
    )
    expect(next.data.map((row) => `${row.period} ${row.periodStart}`)).toEqual([
      'MONTH 2026-11-01',
      'DAY 2026-11-16',
    ])

    const teamRead = await call(`/v1/metrics/team?period=WEEK&representativeId=${tenant.representativeId}`, {
      token: tenant.tokens.REPRESENTATIVE,
    })
    expect(teamRead.response.status).toBe(200)
    expect(await teamRead.roundTrips()).toBe(1)
    const team = await json<Page<Team>>(teamRead.response)
    // Rb1's week: 4000 s against 1000 s the week before.
    expect(team.data).toEqual([
      expect.objectContaining({
        representativeId: tenant.representativeId,
        period: 'WEEK',
        periodStart: '2026-11-16',
        avgResolutionSeconds: 4000,
        trend: 'DECLINING',
      }),
    ])
    const teamRows = await ownerDb
      .select()
      .from(teamPerformance)
      .where(eq(teamPerformance.organizationId, tenant.organizationId))
    expect(teamRows).toHaveLength(12)
  })

  it('refuses a range longer than 92 days, reversed, or in the future (422); only an ADMIN recomputes', async () => {
    const { tenant } = await tenantB()
    const today = new Date().toISOString().slice(0, 10)
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
    for (const body of [
      { from: '2026-01-01', to: '2026-04-03' },
      { from: '2026-11-17', to: '2026-11-16' },
      { from: today, to: tomorrow },
      { from: '2026-02-30', to: '2026-03-01' },
      { from: '2026-11-17' },
    ]) {
      const { response } = await call('/v1/metrics/recompute', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        body,
      })
      expect(response.status, JSON.stringify(body)).toBe(422)
    }
    // Exactly 92 days, both included, is accepted.
    const ok = await call('/v1/metrics/recompute', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { from: '2026-08-01', to: '2026-10-31' },
    })
    expect(ok.response.status, await ok.response.clone().text()).toBe(200)
    expect(await ok.roundTrips()).toBe(1)
    const refused = await call('/v1/metrics/recompute', {
      method: 'POST',
      token: tenant.tokens.REPRESENTATIVE,
      body: { from: '2026-11-17', to: '2026-11-17' },
    })
    expect(refused.response.status).toBe(403)
    for (const query of ['period=HOUR', 'from=2026-13-01', 'to=yesterday', 'sort=period']) {
      const { response } = await call(`/v1/metrics?${query}`, { token: tenant.tokens.ADMIN })
      expect(response.status, query).toBe(400)
    }
  })

  it('writes no row for a period that ended before the organization was created: a range entirely before it is a 200 that writes nothing', async () => {
    const tenant = await createTenant({ createdAt: new Date('2026-11-16T15:00:00Z') })
    const recompute = (from: string, to: string) =>
      call('/v1/metrics/recompute', { method: 'POST', token: tenant.tokens.ADMIN, body: { from, to } })
    const before = await recompute('2026-08-20', '2026-11-15')
    expect(before.response.status, await before.response.clone().text()).toBe(200)
    expect(await before.roundTrips()).toBe(1)
    expect(await json(before.response)).toEqual({
      from: '2026-08-20',
      to: '2026-11-15',
      organizationRowsChanged: 0,
      teamRowsChanged: 0,
    })
    const stored = async () =>
      (
        await ownerDb
          .select()
          .from(performanceMetrics)
          .where(eq(performanceMetrics.organizationId, tenant.organizationId))
      )
        .map((row) => `${row.period} ${row.periodStart}`)
        .sort()
    expect(await stored()).toEqual([])
    expect(
      await ownerDb
        .select()
        .from(teamPerformance)
        .where(eq(teamPerformance.organizationId, tenant.organizationId)),
    ).toEqual([])

    // A range across the creation day: the DAY rows from that day on, and the periods containing it.
    const across = await recompute('2026-11-10', '2026-11-17')
    // DAY 16, DAY 17, WEEK 16, MONTH 11, QUARTER 10, YEAR 2026; two representatives each.
    expect(await json(across.response)).toMatchObject({ organizationRowsChanged: 6, teamRowsChanged: 12 })
    expect(await stored()).toEqual([
      'DAY 2026-11-16',
      'DAY 2026-11-17',
      'MONTH 2026-11-01',
      'QUARTER 2026-10-01',
      'WEEK 2026-11-16',
      'YEAR 2026-01-01',
    ])
  })

  it('an impossible date is reported alone, on its field, not also as a reversed or over-long range', async () => {
    const { tenant } = await tenantB()
    for (const [body, path] of [
      [{ from: '2026-02-30', to: '2026-03-01' }, 'from'],
      [{ from: '2026-11-01', to: '2026-11-31' }, 'to'],
      [{ from: '2025-02-29', to: '2026-11-17' }, 'from'],
    ] as const) {
      const { response } = await call('/v1/metrics/recompute', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        body,
      })
      expect(response.status).toBe(422)
      const problem = (await response.json()) as { errors: Array<{ path: string; message: string }> }
      expect(problem.errors, JSON.stringify(body)).toEqual([{ path, message: 'Invalid ISO date' }])
    }
  })

  it('filters on every period kind, QUARTER and YEAR included', async () => {
    const { tenant } = await tenantB()
    const recomputed = await call('/v1/metrics/recompute', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { from: '2026-11-17', to: '2026-11-17' },
    })
    expect(recomputed.response.status).toBe(200)
    for (const [path, expected] of [
      ['/v1/metrics?period=QUARTER', ['QUARTER 2026-10-01']],
      ['/v1/metrics?period=YEAR&from=2026-01-01&to=2026-01-01', ['YEAR 2026-01-01']],
      ['/v1/metrics?period=YEAR&from=2026-01-02', []],
      [`/v1/metrics/team?period=YEAR&representativeId=${tenant.representativeId}`, ['YEAR 2026-01-01']],
    ] as const) {
      const { response } = await call(path, { token: tenant.tokens.ADMIN })
      expect(response.status, path).toBe(200)
      const page = await json<Page<Metrics>>(response)
      expect(page.data.map((row) => `${row.period} ${row.periodStart}`)).toEqual(expected)
    }
  })
})
