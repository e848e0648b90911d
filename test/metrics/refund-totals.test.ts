import { env } from 'cloudflare:test'
import { and, asc, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { runMetricsCron } from '../../src/cron/metrics'
import { performanceMetrics, refunds } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, LONG_AGO, type TestTenant } from '../support/tenants'
import { CRON_TIME } from './fixture'

/*
 * refundsTotalAmount sums a period's approved refunds, each up to 9,999,999,999.99 (numeric(12,2)): the sum of two
 * already exceeds numeric(12,2). The metrics of such a tenant are still computed, by the recompute and the cron.
 */

const MAX = '9999999999.99'

/** Approved refunds of the tenant's customer, requested on 2026-11-17 (CRON_TIME's yesterday), as the owner. */
async function largeRefunds(tenant: TestTenant, amounts: string[]) {
  await ownerDb.insert(refunds).values(
    amounts.map((amount, index) => ({
      organizationId: tenant.organizationId,
      customerId: tenant.customerId,
      amount,
      currency: 'USD',
      reason: 'DEFECTIVE_PRODUCT' as const,
      status: index % 2 === 0 ? ('APPROVED' as const) : ('PROCESSED' as const),
      createdAt: new Date(`2026-11-17T1${index}:00:00Z`),
    })),
  )
}

const monthRow = async (tenant: TestTenant) =>
  (
    await ownerDb
      .select()
      .from(performanceMetrics)
      .where(
        and(
          eq(performanceMetrics.organizationId, tenant.organizationId),
          eq(performanceMetrics.period, 'MONTH'),
        ),
      )
      .orderBy(asc(performanceMetrics.periodStart))
  )[0]

describe('refundsTotalAmount beyond one refund’s maximum', () => {
  it('POST /v1/metrics/recompute sums three maximal refunds (DAY, WEEK, MONTH, QUARTER and YEAR rows)', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    await largeRefunds(tenant, [MAX, MAX, MAX])
    const response = await api('/v1/metrics/recompute', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { from: '2026-11-17', to: '2026-11-17' },
    })
    expect(response.status, await response.clone().text()).toBe(200)
    expect(await json(response)).toMatchObject({ organizationRowsChanged: 5 })
    const read = await api('/v1/metrics?period=DAY&from=2026-11-17&to=2026-11-17', {
      token: tenant.tokens.ADMIN,
    })
    expect(read.status).toBe(200)
    expect((await json<{ data: unknown[] }>(read)).data).toEqual([
      expect.objectContaining({
        period: 'DAY',
        refundsCount: 3,
        refundsApprovedCount: 3,
        refundsTotalAmount: '29999999999.97',
        currency: 'USD',
        refundsByCurrency: [
          { currency: 'USD', status: 'APPROVED', count: 2, amount: '19999999999.98' },
          { currency: 'USD', status: 'PROCESSED', count: 1, amount: '9999999999.99' },
        ],
      }),
    ])
    expect(await monthRow(tenant)).toMatchObject({ refundsTotalAmount: '29999999999.97', refundsCount: 3 })
    // The year, summed from the month's refunds_by_currency: the same totals, the same amounts.
    const year = await api('/v1/metrics?period=YEAR', { token: tenant.tokens.ADMIN })
    expect((await json<{ data: unknown[] }>(year)).data).toEqual([
      expect.objectContaining({
        refundsCount: 3,
        refundsApprovedCount: 3,
        refundsTotalAmount: '29999999999.97',
        refundsByCurrency: [
          { currency: 'USD', status: 'APPROVED', count: 2, amount: '19999999999.98' },
          { currency: 'USD', status: 'PROCESSED', count: 1, amount: '9999999999.99' },
        ],
      }),
    ])
  })

  it('the cron computes such a tenant (it does not fail it)', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    await largeRefunds(tenant, [MAX, MAX])
    const summary = await runMetricsCron(env, CRON_TIME, {
      listOrganizations: async () => [tenant.organizationId],
    })
    expect(summary).toMatchObject({ succeeded: [tenant.organizationId], failed: [] })
    expect(await monthRow(tenant)).toMatchObject({
      periodStart: '2026-11-01',
      refundsTotalAmount: '19999999999.98',
      refundsApprovedCount: 2,
    })
  })
})
