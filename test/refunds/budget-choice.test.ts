import { describe, expect, it } from 'vitest'
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
