import { env } from 'cloudflare:test'
import { and, eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { metricsRequestId, runMetricsCron, STALE_MONTHS_PER_RUN } from '../../src/cron/metrics'
import { metricsStaleDays, refunds, tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb, ownerSql, untilRowLocked } from '../support/db'
import { createTenant, LONG_AGO, type TestTenant } from '../support/tenants'
import { rowsOf, ticket } from './fixture'

/*
 * A late change to an older day (README "Metrics", "Late changes"): the daily computation recomputes the days of its
 * window (the 7 before its run), and the triggers of migration 0069 mark the older days a change moves, which the
 * next run recomputes with their week, month, quarter and year. The triggers use the database's clock, so the dates
 * here are relative to now: 60 days ago is never in the window's months.
 */

const DAY = 86_400_000
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const monthStartOf = (day: string) => `${day.slice(0, 7)}-01`
const quarterStartOf = (day: string) =>
  `${day.slice(0, 4)}-${String(Math.floor((Number(day.slice(5, 7)) - 1) / 3) * 3 + 1).padStart(2, '0')}-01`

const runNow = (tenant: TestTenant, scheduledTime: number) =>
  runMetricsCron(env, scheduledTime, { listOrganizations: async () => [tenant.organizationId] })

const marksOf = async (tenant: TestTenant) =>
  (
    await ownerDb
      .select({ day: metricsStaleDays.day })
      .from(metricsStaleDays)
      .where(eq(metricsStaleDays.organizationId, tenant.organizationId))
      .orderBy(metricsStaleDays.day)
  ).map((row) => row.day)

const patchTicket = async (tenant: TestTenant, id: string, body: Record<string, unknown>) => {
  const response = await api(`/v1/tickets/${id}`, { method: 'PATCH', token: tenant.tokens.ADMIN, body })
  expect(response.status, await response.clone().text()).toBe(200)
  return json<{ status: string; resolvedAt: string | null }>(response)
}

describe('late changes to older days', () => {
  it('a reopened ticket resolved again today leaves its first resolution day stale until the next daily run recomputes that day, its month and quarter', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    const now = Date.now()
    const old = Date.parse(`${dayOf(now - 60 * DAY)}T10:00:00Z`)
    const oldDay = dayOf(old)
    const monthStart = monthStartOf(oldDay)
    const late = ticket(tenant, {
      status: 'RESOLVED',
      createdAt: new Date(old),
      resolvedAt: new Date(old + 3_600_000),
    })
    await ownerDb.insert(tickets).values(late)
    // Its month as computed back then: one ticket created and resolved.
    const recompute = await api('/v1/metrics/recompute', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { from: monthStart, to: oldDay },
    })
    expect(recompute.status, await recompute.clone().text()).toBe(200)
    const monthRow = async () =>
      (await rowsOf(tenant.organizationId)).metrics.find(
        (row) => row.period === 'MONTH' && row.periodStart === monthStart,
      )
    expect(await monthRow()).toMatchObject({ ticketsCreated: 1, ticketsResolved: 1 })
    expect(await marksOf(tenant)).toEqual([])

    // Reopened and resolved again today: its resolution moves out of the old day.
    expect(await patchTicket(tenant, late.id as string, { status: 'OPEN' })).toMatchObject({
      resolvedAt: null,
    })
    await patchTicket(tenant, late.id as string, { status: 'IN_PROGRESS' })
    await patchTicket(tenant, late.id as string, { status: 'RESOLVED' })
    expect(await marksOf(tenant)).toEqual([dayOf(old + 3_600_000)])
    // A change of a day inside the window marks nothing: a ticket created and resolved today.
    const fresh = await api('/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.AGENT,
      body: { customerId: tenant.customerId, subject: 'New', description: 'Today' },
    })
    expect(fresh.status).toBe(201)
    const freshId = (await json<{ id: string }>(fresh)).id
    await patchTicket(tenant, freshId, { status: 'IN_PROGRESS' })
    await patchTicket(tenant, freshId, { status: 'RESOLVED' })
    expect(await marksOf(tenant)).toHaveLength(1)
    // Until the next run, the month is as last computed.
    expect(await monthRow()).toMatchObject({ ticketsResolved: 1 })

    const scheduledTime = now
    const summary = await runNow(tenant, scheduledTime)
    expect(summary).toMatchObject({ succeeded: [tenant.organizationId], failed: [] })
    // The run's range, then one batch for the month of the stale day.
    expect(await neonLocalStats(metricsRequestId(scheduledTime, tenant.organizationId))).toBe(2)
    expect(await marksOf(tenant)).toEqual([])
    const { metrics } = await rowsOf(tenant.organizationId)
    expect(await monthRow()).toMatchObject({
      ticketsCreated: 1,
      ticketsResolved: 0,
      avgResolutionSeconds: null,
    })
    expect(metrics.find((row) => row.period === 'DAY' && row.periodStart === oldDay)).toMatchObject({
      ticketsCreated: 1,
      ticketsResolved: 0,
    })
    // The quarter is the sum of its months as they are now (the old one, and those the run computed).
    const quarterStart = quarterStartOf(oldDay)
    const quarter = metrics.find((row) => row.period === 'QUARTER' && row.periodStart === quarterStart)
    const months = metrics.filter(
      (row) => row.period === 'MONTH' && quarterStartOf(row.periodStart) === quarterStart,
    )
    expect(quarter).toMatchObject({
      ticketsResolved: months.reduce((sum, row) => sum + row.ticketsResolved, 0),
      ticketsCreated: months.reduce((sum, row) => sum + row.ticketsCreated, 0),
    })
    // A rerun has nothing stale left: one round trip again.
    await runNow(tenant, scheduledTime + 1)
    expect(await neonLocalStats(metricsRequestId(scheduledTime + 1, tenant.organizationId))).toBe(1)
  })

  it('a change marks the days of what it changed: reopening a ticket marks its resolution day, not its creation day', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    const now = Date.now()
    const [created, resolved] = [60, 50].map((ago) => Date.parse(`${dayOf(now - ago * DAY)}T10:00:00Z`))
    const row = ticket(tenant, {
      status: 'RESOLVED',
      createdAt: new Date(created as number),
      resolvedAt: new Date(resolved as number),
    })
    await ownerDb.insert(tickets).values(row)
    await patchTicket(tenant, row.id as string, { status: 'OPEN' })
    expect(await marksOf(tenant)).toEqual([dayOf(resolved as number)])
  })

  it('a late approval of an old refund and a reassignment mark their days; a run takes at most STALE_MONTHS_PER_RUN months, oldest first', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    const now = Date.now()
    const days = [150, 120, 90, 60].map((ago) => Date.parse(`${dayOf(now - ago * DAY)}T10:00:00Z`))
    const rows = days.map((at) => ticket(tenant, { status: 'OPEN', createdAt: new Date(at) }))
    await ownerDb.insert(tickets).values(rows)
    const [refund] = await ownerDb
      .insert(refunds)
      .values({
        organizationId: tenant.organizationId,
        ticketId: rows[3]?.id as string,
        customerId: tenant.customerId,
        amount: '12.50',
        currency: 'USD',
        reason: 'OTHER',
        status: 'PENDING',
        requestedByRole: 'CUSTOMER',
        requestedById: tenant.customerId,
        createdAt: new Date(days[3] as number),
        updatedAt: new Date(days[3] as number),
      })
      .returning()
    // Three tickets reassigned (team rows of their days), and the refund of the fourth day approved late.
    for (const row of rows.slice(0, 3)) {
      const response = await api(`/v1/tickets/${row.id}/assignee`, {
        method: 'PUT',
        token: tenant.tokens.ADMIN,
        body: { representativeId: tenant.representativeId },
      })
      expect(response.status, await response.clone().text()).toBe(200)
    }
    await ownerDb
      .update(refunds)
      .set({ status: 'REJECTED' })
      .where(and(eq(refunds.organizationId, tenant.organizationId), eq(refunds.id, refund?.id as string)))
    const marked = days.map(dayOf)
    expect(await marksOf(tenant)).toEqual(marked)

    const scheduledTime = now
    await runNow(tenant, scheduledTime)
    expect(STALE_MONTHS_PER_RUN).toBe(3)
    // The three oldest months' days were taken; the newest waits for the next run.
    expect(await marksOf(tenant)).toEqual(marked.slice(3))
    expect(await neonLocalStats(metricsRequestId(scheduledTime, tenant.organizationId))).toBe(4)
    const team = (await rowsOf(tenant.organizationId)).team
    for (const day of marked.slice(0, 3)) {
      expect(
        team.find(
          (row) =>
            row.period === 'DAY' &&
            row.periodStart === day &&
            row.representativeId === tenant.representativeId,
        ),
        day,
      ).toMatchObject({ ticketsHandled: 1 })
    }
    await runNow(tenant, scheduledTime + 1)
    expect(await marksOf(tenant)).toEqual([])
    const month = (await rowsOf(tenant.organizationId)).metrics.find(
      (row) => row.period === 'MONTH' && row.periodStart === monthStartOf(marked[3] as string),
    )
    expect(month).toMatchObject({ refundsCount: 1, refundsApprovedCount: 0 })
  })

  it.runIf(inject('databaseBackend') === 'postgres')(
    'a change still in progress while the run takes its day keeps its own mark for the next run (PostgreSQL)',
    async () => {
      const tenant = await createTenant({ createdAt: LONG_AGO })
      const now = Date.now()
      const old = Date.parse(`${dayOf(now - 60 * DAY)}T10:00:00Z`)
      const row = ticket(tenant, { status: 'RESOLVED', createdAt: new Date(old), resolvedAt: new Date(old) })
      await ownerDb.insert(tickets).values(row)
      await patchTicket(tenant, row.id as string, { status: 'OPEN' })
      expect(await marksOf(tenant)).toEqual([dayOf(old)])
      // Another change of that day, committed only after the run has taken the day's marks and computed it.
      const inProgress = ownerSql.transaction([
        ownerSql`update tickets set satisfaction_rated_at = ${new Date(old).toISOString()}::timestamptz,
          satisfaction_rating = 5 where id = ${row.id}`,
        ownerSql`select pg_sleep(1.5)`,
      ])
      await untilRowLocked(
        () => ownerSql`select 1 from tickets where id = ${row.id} for update nowait`,
        'the change in progress',
      )
      await runNow(tenant, now)
      await inProgress
      expect(await marksOf(tenant)).toEqual([dayOf(old)])
      await runNow(tenant, now + 1)
      expect(await marksOf(tenant)).toEqual([])
    },
  )
})
