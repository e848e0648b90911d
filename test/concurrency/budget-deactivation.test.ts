import { describe, expect, inject, it } from 'vitest'
import { budgetState, createBudget, createRule, requestRefund } from '../refunds/support'
import { api, json } from '../support/api'
import { ownerSql, untilRowLocked } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * A budget is charged only while it is active (docs/domain.md §3, "Which budget"): an admin who deactivates it
 * (PATCH {"isActive": false}) stops every charge that commits after that change, including one that picked the
 * budget while the change was in flight and waited for its row lock. Proven on the PostgreSQL server
 * (`npm run test:pg`); PGlite runs one transaction at a time, so there the charge simply comes after.
 */
const backend = inject('databaseBackend')

/** Deactivates the budget as the owner and keeps its row locked for `seconds` before committing. */
function deactivateSlowly(budgetId: string, seconds: number) {
  return ownerSql.transaction([
    ownerSql`update budgets set is_active = false where id = ${budgetId}`,
    ownerSql`select pg_sleep(${seconds})`,
  ])
}

/** Resolves once the deactivation holds the row's lock (`untilRowLocked`). */
const untilLocked = (id: string) =>
  untilRowLocked(() => ownerSql`select 1 from budgets where id = ${id} for update nowait`, 'the deactivation')

describe(`a budget deactivated while a charge waits for it is not charged (${backend})`, () => {
  it('approve: 409 NO_BUDGET, the refund stays PENDING, the inactive budget untouched', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '100.00')
    const refund = await requestRefund(t, { amount: '10.00' }, t.tokens.ADMIN)
    const deactivation = deactivateSlowly(budget.id, 3)
    await untilLocked(budget.id)
    const approval = api(`/v1/refunds/${refund.id}/approve`, { method: 'POST', token: t.tokens.ADMIN })
    await deactivation
    const response = await approval
    expect(response.status, await response.clone().text()).toBe(409)
    expect(await json(response)).toMatchObject({ code: 'NO_BUDGET' })
    const { budget: row, usage } = await budgetState(budget.id)
    expect(row).toMatchObject({ isActive: false, spent: '0.00' })
    expect(usage).toHaveLength(0)
  })

  it('auto-approval: the refund stays PENDING with NO_BUDGET in its trace', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '100.00')
    await createRule(t, { name: 'Everything', priority: 1, action: 'AUTO_APPROVE', conditions: { all: [] } })
    const deactivation = deactivateSlowly(budget.id, 3)
    await untilLocked(budget.id)
    const request = requestRefund(t, { amount: '10.00' }, t.tokens.ADMIN)
    await deactivation
    const refund = await request
    expect(refund.status).toBe('PENDING')
    expect(refund.decision?.charge).toMatchObject({ outcome: 'NO_BUDGET' })
    const { budget: row } = await budgetState(budget.id)
    expect(row).toMatchObject({ isActive: false, spent: '0.00' })
  })
})
