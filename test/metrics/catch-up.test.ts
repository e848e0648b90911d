import { env } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { metricsRequestId, runMetricsCron } from '../../src/cron/metrics'
import { neonLocalStats } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import {
  CRON_TIME,
  eventCount,
  rowsOf,
  tenantE,
  tenantEDays,
  tenantERest,
  tenantETeamDays,
  tenantEWeeks,
} from './fixture'

/*
 * A missed run (an outage, the database down, a deploy at the wrong moment) or an organization's failed batch must
 * not leave a hole in its DAY rows: every run computes the last LOOKBACK_DAYS days (src/cron/metrics.ts cronRange).
 * Tenant E's last successful run was 11-15 00:05; the runs of 11-16 and 11-17 never happened.
 */

const LAST_RUN = Date.UTC(2026, 10, 15, 0, 5)

const runFor = (tenant: TestTenant, scheduledTime: number) =>
  runMetricsCron(env, scheduledTime, { listOrganizations: async () => [tenant.organizationId] })

/** Tenant E's DAY rows keyed by their day, and its team DAY rows as [R1's, R2's] per day. */
async function daysOf(tenant: TestTenant) {
  const { metrics, team } = await rowsOf(tenant.organizationId)
  const days = Object.fromEntries(metrics.filter((r) => r.period === 'DAY').map((r) => [r.periodStart, r]))
  const weeks = Object.fromEntries(metrics.filter((r) => r.period === 'WEEK').map((r) => [r.periodStart, r]))
  const teamDays = (day: string) =>
    [tenant.representativeId, tenant.offlineRepresentativeId].map((id) =>
      team.find((r) => r.period === 'DAY' && r.periodStart === day && r.representativeId === id),
    )
  return { metrics, team, days, weeks, teamDays }
}

describe('the metrics cron catches up missed days', () => {
  it('one run computes every missing DAY row of the lookback window and closes the week that ended meanwhile; a rerun changes nothing', async () => {
    const { tenant } = await tenantE()
    expect(await runFor(tenant, LAST_RUN)).toMatchObject({ succeeded: [tenant.organizationId], failed: [] })
    const before = await daysOf(tenant)
    expect(before.days['2026-11-14']).toMatchObject(tenantEDays['2026-11-14'])
    for (const day of ['2026-11-15', '2026-11-16', '2026-11-17']) expect(before.days[day]).toBeUndefined()
    // The week 11-09..15 as the run of 11-15 saw it: Te1 only.
    expect(before.weeks['2026-11-09']).toMatchObject({ ticketsCreated: 1, ticketsResolved: 1, version: 1 })

    await tenantERest(tenant)
    const events = await eventCount(tenant.organizationId)
    const summary = await runFor(tenant, CRON_TIME)
    expect(summary).toMatchObject({ succeeded: [tenant.organizationId], failed: [] })
    // Still one round trip for the organization's batch.
    expect(await neonLocalStats(metricsRequestId(CRON_TIME, tenant.organizationId))).toBe(1)

    const after = await daysOf(tenant)
    for (const [day, expected] of Object.entries(tenantEDays)) {
      expect(after.days[day], day).toMatchObject({ periodEnd: day, ...expected })
    }
    for (const [day, [r1, r2]] of Object.entries(tenantETeamDays)) {
      expect(after.teamDays(day), day).toEqual([expect.objectContaining(r1), expect.objectContaining(r2)])
    }
    // No hole: every day of both runs' windows (11-08..14, 11-11..17) has its rows, the quiet ones as zeros, the
    // organization's and each representative's.
    const days = ['08', '09', '10', '11', '12', '13', '14', '15', '16', '17'].map((d) => `2026-11-${d}`)
    expect(Object.keys(after.days).sort()).toEqual(days)
    for (const day of days) expect(after.teamDays(day).every(Boolean), day).toBe(true)
    expect(after.days['2026-11-12']).toMatchObject({
      ticketsCreated: 0,
      ticketsResolved: 0,
      escalationRate: null,
    })
    expect(summary.range).toEqual({ from: '2026-11-11', to: '2026-11-17', through: '2026-11-18' })
    // 11-14 was already right: recomputed, not rewritten (same version and updatedAt).
    expect(after.days['2026-11-14']).toEqual(before.days['2026-11-14'])
    // The week 11-09..15 is closed with the days it had not seen, and the current one opened.
    expect(after.weeks['2026-11-09']).toMatchObject({ ...tenantEWeeks['2026-11-09'], version: 2 })
    expect(after.weeks['2026-11-16']).toMatchObject({ ...tenantEWeeks['2026-11-16'], version: 1 })
    expect(after.metrics.find((r) => r.period === 'MONTH')).toMatchObject({
      periodStart: '2026-11-01',
      ticketsCreated: 5,
      ticketsResolved: 5,
    })
    // Computing metrics writes no events.
    expect(await eventCount(tenant.organizationId)).toBe(events)

    // A rerun (a retried cron, the next day's overlapping window) leaves every row as it was: values, versions,
    // updatedAt; it reports no row inserted or changed.
    const lines: Array<Record<string, unknown>> = []
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      lines.push(JSON.parse(String(line)))
    })
    const rerun = await runFor(tenant, CRON_TIME).finally(() => spy.mockRestore())
    expect(rerun.succeeded).toEqual([tenant.organizationId])
    expect(lines.find((line) => line.message === 'metrics computed')).toMatchObject({
      organizationRowsChanged: 0,
      teamRowsChanged: 0,
    })
    expect(await rowsOf(tenant.organizationId)).toEqual({ metrics: after.metrics, team: after.team })
    expect(await eventCount(tenant.organizationId)).toBe(events)
  })

  it('the window is bounded: the 7 days before the run, not the days before them', async () => {
    const { tenant } = await tenantE()
    await runFor(tenant, Date.UTC(2026, 10, 21, 0, 5))
    const days = Object.keys((await daysOf(tenant)).days).sort()
    expect(days).toEqual(['14', '15', '16', '17', '18', '19', '20'].map((d) => `2026-11-${d}`))
  })
})

describe('no rows for periods before the organization existed', () => {
  it('an organization created the day before the run gets its DAY rows from its creation day on, and the longer periods containing that day', async () => {
    // Signed up 11-16 15:00 UTC; the run of 11-18 00:05 computes 11-11..11-17.
    const tenant = await createTenant({ createdAt: new Date('2026-11-16T15:00:00Z') })
    expect(await runFor(tenant, CRON_TIME)).toMatchObject({ succeeded: [tenant.organizationId], failed: [] })
    expect(await neonLocalStats(metricsRequestId(CRON_TIME, tenant.organizationId))).toBe(1)
    const { metrics, team } = await rowsOf(tenant.organizationId)
    const periods = (rows: Array<{ period: string; periodStart: string }>) =>
      [...new Set(rows.map((r) => `${r.period} ${r.periodStart}`))].sort()
    // Not the DAY rows of 11-11..15, nor the week 11-09..15 that ended before it existed; the creation day is a
    // whole DAY row, its week, month, quarter and year are partial periods.
    const expected = [
      'DAY 2026-11-16',
      'DAY 2026-11-17',
      'MONTH 2026-11-01',
      'QUARTER 2026-10-01',
      'WEEK 2026-11-16',
      'YEAR 2026-01-01',
    ]
    expect(periods(metrics)).toEqual(expected)
    expect(periods(team)).toEqual(expected)
  })

  it('an organization created today gets nothing from the run computing the days before (its range starts after them)', async () => {
    const tenant = await createTenant({ createdAt: new Date('2026-11-18T00:01:00Z') })
    expect(await runFor(tenant, CRON_TIME)).toMatchObject({ succeeded: [tenant.organizationId], failed: [] })
    // Tomorrow's run writes today's DAY row and the periods containing it.
    expect(await rowsOf(tenant.organizationId)).toEqual({ metrics: [], team: [] })
  })
})
