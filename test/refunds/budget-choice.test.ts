import { describe, expect, it } from 'vitest'
import { storedEvents } from '../events/support'
import { api, json } from '../support/api'
import { createTenant } from '../support/tenants'
import {
  approveSmall,
  budgetState,
  createBudget,
  createRule,
  type RefundBody,
  refundRow,
  requestRefund,
} from './support'

/*
 * docs/domain.md §3, "Which budget": the organization's active budget of type REFUNDS in the refund's currency whose
 * period contains the moment of charging; several match → the one whose period ends first; none → NO_BUDGET.
 * Dates are inclusive UTC calendar dates (BudgetSchema).
 */
const day = (offset: number) => {
  const now = new Date()
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offset))
    .toISOString()
    .slice(0, 10)
}

describe('which budget a refund is charged to', () => {
  it('several chargeable budgets: the one whose period ends first, for auto-approval and approve alike', async () => {
    const t = await createTenant()
    // Created first and ending later: neither creation order nor id may pick it.
    const later = await createBudget(t, '500.00', {
      period: 'WEEKLY',
      periodStart: day(0),
      periodEnd: day(1),
    })
    const first = await createBudget(t, '500.00', { period: 'DAILY', periodStart: day(0), periodEnd: day(0) })
    await createRule(t, approveSmall)
    const auto = await requestRefund(t, { amount: '10.00' })
    expect(auto.status).toBe('APPROVED')
    expect((await refundRow(auto.id))?.budgetId).toBe(first.id)

    const manual = await requestRefund(t, { amount: '60.00' })
    expect(manual.status).toBe('PENDING')
    const approved = await api(`/v1/refunds/${manual.id}/approve`, { method: 'POST', token: t.tokens.ADMIN })
    expect(approved.status, await approved.clone().text()).toBe(200)
    expect(await json<RefundBody>(approved)).toMatchObject({ status: 'APPROVED', budgetId: first.id })

    expect((await budgetState(first.id)).budget?.spent).toBe('70.00')
    expect((await budgetState(later.id)).usage).toHaveLength(0)
  })

  it('a budget of another type, or whose period does not contain today, is no budget (NO_BUDGET)', async () => {
    const t = await createTenant()
    const others = [
      await createBudget(t, '500.00', { type: 'COMPENSATION' }),
      await createBudget(t, '500.00', { type: 'AI_OPERATIONS' }),
      await createBudget(t, '500.00', { period: 'DAILY', periodStart: day(-1), periodEnd: day(-1) }),
      await createBudget(t, '500.00', { period: 'DAILY', periodStart: day(1), periodEnd: day(1) }),
    ]
    await createRule(t, approveSmall)
    const auto = await requestRefund(t, { amount: '10.00' })
    expect(auto).toMatchObject({ status: 'PENDING' })
    expect(auto.decision?.charge).toEqual({ outcome: 'NO_BUDGET' })

    const approve = await api(`/v1/refunds/${auto.id}/approve`, { method: 'POST', token: t.tokens.ADMIN })
    expect(approve.status).toBe(409)
    expect(await json(approve)).toMatchObject({ code: 'NO_BUDGET' })
    expect((await refundRow(auto.id))?.status).toBe('PENDING')
    for (const budget of others) expect((await budgetState(budget.id)).usage).toHaveLength(0)
  })
})

describe('a failed charge is invisible to the customer', () => {
  it('an auto-approved refund left PENDING (no budget, or no room) looks to its CUSTOMER like one left for review: version 1', async () => {
    const t = await createTenant()
    await createRule(t, approveSmall)
    await createBudget(t, '15.00')
    const noRoom = await requestRefund(t, { amount: '20.00', reason: 'OTHER' }, t.tokens.CUSTOMER)
    const review = await requestRefund(t, { amount: '80.00' }, t.tokens.CUSTOMER)
    const other = await createTenant()
    await createRule(other, approveSmall)
    const noBudget = await requestRefund(other, { amount: '20.00' }, other.tokens.CUSTOMER)
    for (const [tenant, refund] of [
      [t, noRoom],
      [t, review],
      [other, noBudget],
    ] as const) {
      expect(refund).toMatchObject({ status: 'PENDING', version: 1 })
      const read = await api(`/v1/refunds/${refund.id}`, { token: tenant.tokens.CUSTOMER })
      expect(read.headers.get('ETag')).toBe('"1"')
      expect(await json(read)).not.toHaveProperty('decision')
    }
    // Staff still read why.
    expect((await refundRow(noRoom.id))?.decision).toMatchObject({ charge: { outcome: 'BUDGET_EXHAUSTED' } })
    expect((await refundRow(noBudget.id))?.decision).toMatchObject({ charge: { outcome: 'NO_BUDGET' } })
    // One event of the refund's first state, as committed (the note is no change of its own: no refund.updated).
    const [created, ...more] = await storedEvents(other.organizationId, noBudget.id)
    expect(more).toEqual([])
    expect(created).toMatchObject({ type: 'refund.created', previous: null })
    expect(created?.object).toMatchObject({
      version: 1,
      status: 'PENDING',
      decision: { charge: { outcome: 'NO_BUDGET' } },
    })
  })
})
