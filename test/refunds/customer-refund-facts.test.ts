import { describe, expect, it } from 'vitest'
import { refunds } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * docs/domain.md §2: customer.refundCount30d is "the customer's refunds requested in the last 30 days, excluding this
 * one and CANCELLED ones"; customer.refundTotal30d is "APPROVED + PROCESSED in the last 30 days" (in the refund's
 * currency: money compares only within one currency).
 */
describe('the customer’s 30-day refund facts', () => {
  it('count every status but CANCELLED, total only APPROVED and PROCESSED of the currency, both over 30 days', async () => {
    const t = await createTenant()
    const hourAgo = new Date(Date.now() - 3_600_000)
    const monthAgo = new Date(Date.now() - 31 * 86_400_000)
    const row = (status: (typeof refunds.$inferInsert)['status'], amount: string, extra = {}) => ({
      organizationId: t.organizationId,
      customerId: t.customerId,
      amount,
      currency: 'USD',
      reason: 'DEFECTIVE_PRODUCT' as const,
      status,
      createdAt: hourAgo,
      ...extra,
    })
    await ownerDb.insert(refunds).values([
      row('PENDING', '1.00'),
      row('APPROVED', '20.00'),
      row('PROCESSED', '5.00'),
      row('REJECTED', '7.00'),
      row('CANCELLED', '9.00'),
      row('APPROVED', '3.00', { currency: 'EUR' }),
      row('APPROVED', '11.00', { createdAt: monthAgo }),
      // Another customer's refund counts for nobody here.
      row('APPROVED', '13.00', { customerId: t.otherCustomerId }),
    ])
    const response = await api('/v1/decision-rules/evaluate', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: {
        customerId: t.customerId,
        amount: '1.00',
        currency: 'USD',
        reason: 'OTHER',
        rules: [
          {
            name: 'Read both facts',
            action: 'AUTO_REJECT',
            conditions: {
              all: [
                { fact: 'customer.refundCount30d', operator: 'greaterThanInclusive', value: 0 },
                { fact: 'customer.refundTotal30d', operator: 'greaterThanInclusive', value: '0' },
              ],
            },
          },
        ],
      },
    })
    expect(response.status, await response.clone().text()).toBe(200)
    const body = await json<{
      decision: { rules: Array<{ leaves: Array<{ fact: string; actual: unknown }> }> }
    }>(response)
    expect(body.decision.rules[0]?.leaves.map((leaf) => [leaf.fact, leaf.actual])).toEqual([
      ['customer.refundCount30d', 5],
      ['customer.refundTotal30d', '25.00'],
    ])
  })
})
