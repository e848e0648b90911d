import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { seedPerformanceMetrics, seedTeamPerformance } from '../../scripts/seed/data'
import { performanceMetrics, teamPerformance, tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, LONG_AGO, type TestTenant } from '../support/tenants'
import { at, ticket } from './fixture'

/*
 * CSAT = round(100 × satisfied ÷ rated, 2) over the satisfaction ratings given in the period (satisfaction_rated_at),
 * satisfied = a rating of 4 or 5; null when none was given. Team rows: the ratings of the tickets assigned to the
 * representative. QUARTER and YEAR rows are summed from the MONTH rows' rated_count / satisfied_count. R1 = the
 * tenant's ONLINE representative; every ticket RESOLVED.
 *   C1 R1 rated 5 at 11-17 09:00          (satisfied)
 *   C2 R1 rated 3 at 11-17 12:00
 *   C3 —  rated 4 at 11-17 23:59:59       (satisfied)
 *   C4 R1 rated 1 at 11-16 10:00
 *   C5 R1 rated 4 at 10-03 10:00          (satisfied)
 *   C6 —  rated 2 at 08-15 10:00
 *   C7 R1 not rated, resolved 11-17       (counts in no CSAT)
 * Computed by two recomputes: 2026-08-01..09-30, then 2026-10-01..11-17. Worked by hand:
 *   DAY 11-17   org 2 of 3 (C1 C2 C3) = 66.67    R1 1 of 2 (C1 C2) = 50.00
 *   DAY 11-16   org 0 of 1 (C4)       = 0.00     R1 0 of 1         = 0.00   (a score of 0, not null)
 *   DAY 11-15   org none = null                  R1 none = null
 *   WEEK 11-16  org 2 of 4 (C1–C4)    = 50.00    R1 1 of 3 (C1 C2 C4) = 33.33
 *   MONTH 11    org 2 of 4            = 50.00    R1 1 of 3            = 33.33
 *   MONTH 10    org 1 of 1 (C5)       = 100.00   R1 1 of 1            = 100.00
 *   QUARTER Q4  org 3 of 5            = 60.00    R1 2 of 4            = 50.00  (not the months' mean, 75 / 66.67)
 *   QUARTER Q3  org 0 of 1 (C6)       = 0.00     R1 none = null
 *   YEAR 2026   org 3 of 6            = 50.00    R1 2 of 4            = 50.00
 */
async function fixture() {
  const tenant = await createTenant({ createdAt: LONG_AGO })
  const r1 = tenant.representativeId
  const rated = (rating: number, when: string, assignee: string | null) =>
    ticket(tenant, {
      assignedRepresentativeId: assignee,
      status: 'RESOLVED',
      createdAt: at('2026-07-01T10:00:00Z'),
      resolvedAt: at('2026-07-02T10:00:00Z'),
      satisfactionRating: rating,
      satisfactionComment: rating < 3 ? 'Not great.' : null,
      satisfactionRatedAt: at(when),
    })
  await ownerDb.insert(tickets).values([
    rated(5, '2026-11-17T09:00:00Z', r1),
    rated(3, '2026-11-17T12:00:00Z', r1),
    rated(4, '2026-11-17T23:59:59Z', null),
    rated(1, '2026-11-16T10:00:00Z', r1),
    rated(4, '2026-10-03T10:00:00Z', r1),
    rated(2, '2026-08-15T10:00:00Z', null),
    ticket(tenant, {
      assignedRepresentativeId: r1,
      status: 'RESOLVED',
      createdAt: at('2026-11-17T08:00:00Z'),
      resolvedAt: at('2026-11-17T09:00:00Z'),
    }),
  ])
  return tenant
}

const recompute = async (tenant: TestTenant, from: string, to: string) => {
  const response = await api('/v1/metrics/recompute', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: { from, to },
  })
  expect(response.status, await response.clone().text()).toBe(200)
}

type Period = 'DAY' | 'WEEK' | 'MONTH' | 'QUARTER' | 'YEAR'

async function organizationRow(tenant: TestTenant, period: Period, periodStart: string) {
  const [row] = await ownerDb
    .select()
    .from(performanceMetrics)
    .where(
      and(
        eq(performanceMetrics.organizationId, tenant.organizationId),
        eq(performanceMetrics.period, period),
        eq(performanceMetrics.periodStart, periodStart),
      ),
    )
  return row
}

async function teamRow(tenant: TestTenant, period: Period, periodStart: string) {
  const [row] = await ownerDb
    .select()
    .from(teamPerformance)
    .where(
      and(
        eq(teamPerformance.representativeId, tenant.representativeId),
        eq(teamPerformance.period, period),
        eq(teamPerformance.periodStart, periodStart),
      ),
    )
  return row
}

describe('csatScore', () => {
  it('is the share of satisfied ratings given in the period; QUARTER and YEAR summed from the months', async () => {
    const tenant = await fixture()
    await recompute(tenant, '2026-08-01', '2026-09-30')
    await recompute(tenant, '2026-10-01', '2026-11-17')
    const expected: Array<[Period, string, string | null, number, number, string | null, number, number]> = [
      // period, start, organization score, rated, satisfied, R1 score, rated, satisfied
      ['DAY', '2026-11-17', '66.67', 3, 2, '50.00', 2, 1],
      ['DAY', '2026-11-16', '0.00', 1, 0, '0.00', 1, 0],
      ['DAY', '2026-11-15', null, 0, 0, null, 0, 0],
      ['WEEK', '2026-11-16', '50.00', 4, 2, '33.33', 3, 1],
      ['MONTH', '2026-11-01', '50.00', 4, 2, '33.33', 3, 1],
      ['MONTH', '2026-10-01', '100.00', 1, 1, '100.00', 1, 1],
      ['QUARTER', '2026-10-01', '60.00', 5, 3, '50.00', 4, 2],
      ['QUARTER', '2026-07-01', '0.00', 1, 0, null, 0, 0],
      ['YEAR', '2026-01-01', '50.00', 6, 3, '50.00', 4, 2],
    ]
    for (const [period, start, score, rated, satisfied, teamScore, teamRated, teamSatisfied] of expected) {
      const label = `${period} ${start}`
      expect(await organizationRow(tenant, period, start), label).toMatchObject({
        csatScore: score,
        ratedCount: rated,
        satisfiedCount: satisfied,
      })
      expect(await teamRow(tenant, period, start), label).toMatchObject({
        csatScore: teamScore,
        ratedCount: teamRated,
        satisfiedCount: teamSatisfied,
      })
    }

    // The API serves the score as a number, not the sums behind it.
    const response = await api('/v1/metrics?period=QUARTER&from=2026-10-01&to=2026-10-01', {
      token: tenant.tokens.ADMIN,
    })
    expect(response.status, await response.clone().text()).toBe(200)
    const [quarter] = (await json<{ data: Array<Record<string, unknown>> }>(response)).data
    expect(quarter).toMatchObject({ csatScore: 60 })
    expect(quarter).not.toHaveProperty('ratedCount')
    expect(quarter).not.toHaveProperty('satisfiedCount')
  })

  it('the seeded sample metrics rows have no CSAT (the seed rates no ticket)', () => {
    expect(seedPerformanceMetrics.length).toBeGreaterThan(0)
    expect(seedTeamPerformance.length).toBeGreaterThan(0)
    for (const row of [...seedPerformanceMetrics, ...seedTeamPerformance]) {
      expect(row.csatScore, row.id).toBeNull()
    }
  })

  it('the document describes it on both metrics resources', async () => {
    const document = await json<{
      components: { schemas: Record<string, { properties: Record<string, { description?: string }> }> }
    }>(await api('/openapi.json'))
    for (const name of ['PerformanceMetrics', 'TeamPerformance']) {
      const description = document.components.schemas[name]?.properties.csatScore?.description
      expect(description, name).toMatch(/rated 4 or 5/)
      expect(description, name).not.toMatch(/always null|Not recorded/)
    }
  })
})
