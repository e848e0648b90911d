import { describe, expect, it } from 'vitest'
import migration from '../../drizzle/0056_metrics_before_organization_removed.sql?raw'
import { performanceMetrics, teamPerformance } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb, ownerSql } from '../support/db'
import { createTenant, LONG_AGO, type TestTenant } from '../support/tenants'
import { rowsOf } from './fixture'

/*
 * Migration 0056 deletes the metrics rows an earlier release wrote for periods that ended before their organization
 * was created (the zero-filled rows of a new organization's 7-day catch-up): exactly those the computation no longer
 * writes (rangeStartCte). The organization below was created Wednesday 2026-11-18 at 23:30 UTC (its creation day is
 * that UTC day): of each period kind, the last period before that day goes, the one containing it stays.
 */

/** What an earlier release left: [period, period_start, period_end], each one's last before 2026-11-18. */
const stale = [
  ['DAY', '2026-11-11', '2026-11-11'],
  ['DAY', '2026-11-17', '2026-11-17'],
  ['WEEK', '2026-11-09', '2026-11-15'],
  ['MONTH', '2026-10-01', '2026-10-31'],
  ['QUARTER', '2026-07-01', '2026-09-30'],
  ['YEAR', '2025-01-01', '2025-12-31'],
] as const

async function insertStale(tenant: TestTenant) {
  const rows = stale.map(([period, periodStart, periodEnd]) => ({
    organizationId: tenant.organizationId,
    period,
    periodStart,
    periodEnd,
  }))
  await ownerDb.batch([
    ownerDb.insert(performanceMetrics).values(rows),
    ownerDb
      .insert(teamPerformance)
      .values(
        [tenant.representativeId, tenant.offlineRepresentativeId].flatMap((representativeId) =>
          rows.map((row) => ({ ...row, representativeId })),
        ),
      ),
  ])
}

const periods = (rows: Array<{ period: string; periodStart: string }>) =>
  [...new Set(rows.map((r) => `${r.period} ${r.periodStart}`))].sort()

const statements = migration.split('--> statement-breakpoint')

describe('migration 0056: no metrics rows for periods before the organization existed', () => {
  it('deletes the rows of periods that ended before the creation day, keeps those containing it and any later', async () => {
    const tenant = await createTenant({ createdAt: new Date('2026-11-18T23:30:00Z') })
    // What the computation writes for it: from its creation day on, and the longer periods containing that day.
    const response = await api('/v1/metrics/recompute', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { from: '2026-11-11', to: '2026-11-19' },
    })
    expect(response.status, await response.clone().text()).toBe(200)
    expect(await json(response)).toMatchObject({ organizationRowsChanged: 6, teamRowsChanged: 12 })
    const computed = await rowsOf(tenant.organizationId)
    const expected = [
      'DAY 2026-11-18',
      'DAY 2026-11-19',
      'MONTH 2026-11-01',
      'QUARTER 2026-10-01',
      'WEEK 2026-11-16',
      'YEAR 2026-01-01',
    ]
    expect(periods(computed.metrics)).toEqual(expected)
    expect(periods(computed.team)).toEqual(expected)

    await insertStale(tenant)
    // An organization that existed then keeps the same rows.
    const older = await createTenant({ createdAt: LONG_AGO })
    await insertStale(older)
    const olderRows = await rowsOf(older.organizationId)
    expect(olderRows.metrics).toHaveLength(stale.length)
    expect(olderRows.team).toHaveLength(2 * stale.length)

    // A migration role under RLS (no tenant bound) would delete nothing: the migration refuses to run instead. The
    // role only lives in the transaction, which the refusal rolls back.
    const role = `migration_under_rls_${crypto.randomUUID().slice(0, 8)}`
    await expect(
      ownerSql.transaction([
        ownerSql.query(`create role ${role} nologin nosuperuser nobypassrls`),
        ownerSql.query(`grant usage on language plpgsql to ${role}`),
        ownerSql.query(
          `grant select, delete on organizations, performance_metrics, team_performance to ${role}`,
        ),
        ownerSql.query(`set local role ${role}`),
        ...statements.map((text) => ownerSql.query(text)),
      ]),
    ).rejects.toThrow(/must run as a role that bypasses row-level security/)
    expect((await rowsOf(tenant.organizationId)).metrics).toHaveLength(expected.length + stale.length)

    // As the owner. Twice: the second run finds nothing (idempotent).
    for (let run = 0; run < 2; run++)
      await ownerSql.transaction(statements.map((text) => ownerSql.query(text)))

    // Exactly the computed rows remain, unchanged (versions, updatedAt and all).
    expect(await rowsOf(tenant.organizationId)).toEqual(computed)
    expect(await rowsOf(older.organizationId)).toEqual(olderRows)
  })
})
