import { describe, expect, it } from 'vitest'
import { refunds } from '../../src/db/schema'
import { ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { createRule, refundRow, requestRefund } from './support'

/*
 * customer.refundTotal30d sums a customer's approved refunds of the last 30 days, each up to 9,999,999,999.99
 * (numeric(12,2)): two maximal ones already exceed numeric(12,2). The customer can still ask for a refund, and
 * rules see the whole sum.
 */

const MAX = '9999999999.99'

/** APPROVED and PROCESSED refunds of the tenant's customer, requested an hour ago, as the owner. */
async function largeRefunds(tenant: TestTenant) {
  const createdAt = new Date(Date.now() - 3_600_000)
  await ownerDb.insert(refunds).values(
    (['APPROVED', 'PROCESSED'] as const).map((status) => ({
      organizationId: tenant.organizationId,
      customerId: tenant.customerId,
      amount: MAX,
      currency: 'USD',
      reason: 'DEFECTIVE_PRODUCT' as const,
      status,
      createdAt,
    })),
  )
}

describe('customer.refundTotal30d beyond one refund’s maximum', () => {
  it('a refund request is decided with the whole sum (not refused)', async () => {
    const tenant = await createTenant()
    await largeRefunds(tenant)
    const rule = await createRule(tenant, {
      name: 'Reject customers refunded above ten billion',
      priority: 10,
      action: 'AUTO_REJECT',
      conditions: {
        all: [{ fact: 'customer.refundTotal30d', operator: 'greaterThan', value: '9999999999.99' }],
      },
    })
    const refund = await requestRefund(tenant, { amount: '10.00' }, tenant.tokens.ADMIN)
    expect(refund).toMatchObject({ status: 'REJECTED', decisionRuleId: rule.id })
    expect(refund.decision?.rules[0]?.leaves).toEqual([
      expect.objectContaining({ fact: 'customer.refundTotal30d', actual: '19999999999.98', held: true }),
    ])
    expect(await refundRow(refund.id)).toMatchObject({ status: 'REJECTED', amount: '10.00' })
  })
})
