import { describe, expect, inject, it } from 'vitest'
import {
  approveSmall,
  budgetState,
  createBudget,
  createRule,
  type RefundBody,
  refundRow,
  requestRefund,
} from '../refunds/support'
import { api, json } from '../support/api'
import { createTenant } from '../support/tenants'

/*
 * A budget can never be overspent and a refund is charged at most once, with many simultaneous HTTP
 * requests. The claim is proven where concurrency is real: on the PostgreSQL server (`npm run test:pg`);
 * PGlite runs the same requests one at a time.
 */
const REQUESTS = 50

describe(`budget charging under ${REQUESTS} concurrent requests (${inject('databaseBackend')})`, () => {
  it('approvals: a budget of 100.00 and 50 PENDING refunds of 10.00 → exactly 10 approved, 40 BUDGET_EXHAUSTED', async () => {
    const t = await createTenant()
    const pending: RefundBody[] = []
    for (let i = 0; i < REQUESTS; i++)
      pending.push(await requestRefund(t, { amount: '10.00' }, t.tokens.ADMIN))
    const budget = await createBudget(t, '100.00')
    const responses = await Promise.all(
      pending.map((refund) =>
        api(`/v1/refunds/${refund.id}/approve`, { method: 'POST', token: t.tokens.ADMIN }),
      ),
    )
    const outcomes = await Promise.all(
      responses.map(async (response) =>
        response.status === 200 ? 'APPROVED' : (await json<{ code: string }>(response)).code,
      ),
    )
    expect(outcomes.filter((outcome) => outcome === 'APPROVED')).toHaveLength(10)
    expect(outcomes.filter((outcome) => outcome === 'BUDGET_EXHAUSTED')).toHaveLength(40)
    const { budget: after, usage } = await budgetState(budget.id)
    expect(after?.spent).toBe('100.00')
    expect(usage).toHaveLength(10)
    const statuses = await Promise.all(pending.map(async (refund) => (await refundRow(refund.id))?.status))
    expect(statuses.filter((status) => status === 'APPROVED')).toHaveLength(10)
    expect(statuses.filter((status) => status === 'PENDING')).toHaveLength(40)
  })

  it('the same refund approved twice at once → one 200, one 409, one usage record', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '100.00')
    for (let round = 0; round < 5; round++) {
      const refund = await requestRefund(t, { amount: '1.00' }, t.tokens.ADMIN)
      const responses = await Promise.all(
        [t.tokens.ADMIN, t.tokens.REPRESENTATIVE].map((token) =>
          api(`/v1/refunds/${refund.id}/approve`, { method: 'POST', token }),
        ),
      )
      expect(responses.map((response) => response.status).sort()).toEqual([200, 409])
      const conflict = responses.find((response) => response.status === 409) as Response
      expect(await json(conflict)).toMatchObject({ code: 'INVALID_REFUND_STATE' })
    }
    const { budget: after, usage } = await budgetState(budget.id)
    expect(usage).toHaveLength(5)
    expect(new Set(usage.map((row) => row.refundId)).size).toBe(5)
    expect(after?.spent).toBe('5.00')
  })

  it('auto-approval: 50 requests a rule auto-approves against room for 10 → 10 APPROVED, 40 PENDING with BUDGET_EXHAUSTED', async () => {
    const t = await createTenant()
    await createRule(t, approveSmall)
    const budget = await createBudget(t, '100.00')
    const responses = await Promise.all(
      Array.from({ length: REQUESTS }, () =>
        api('/v1/refunds', {
          method: 'POST',
          token: t.tokens.AGENT,
          body: { customerId: t.customerId, amount: '10.00', currency: 'USD', reason: 'LATE_DELIVERY' },
        }),
      ),
    )
    expect(responses.map((response) => response.status)).toEqual(Array(REQUESTS).fill(201))
    const refunds = await Promise.all(responses.map((response) => json<RefundBody>(response)))
    const approved = refunds.filter((refund) => refund.status === 'APPROVED')
    const pending = refunds.filter((refund) => refund.status === 'PENDING')
    expect(approved).toHaveLength(10)
    expect(pending).toHaveLength(40)
    // As the AGENT that requested them sees them: no budget id (it may not read budgets).
    for (const refund of approved) expect(refund.decision?.charge).toEqual({ outcome: 'CHARGED' })
    for (const refund of pending) expect(refund.decision?.charge).toEqual({ outcome: 'BUDGET_EXHAUSTED' })
    const { budget: after, usage } = await budgetState(budget.id)
    expect(after?.spent).toBe('100.00')
    expect(usage.map((row) => row.refundId).sort()).toEqual(approved.map((refund) => refund.id).sort())
  })
})
