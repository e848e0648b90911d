import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { createBudget, requestRefund } from './support'

interface UsagePage {
  data: Array<{ id: string; amount: string; recordedAt: string }>
  nextCursor: string | null
}

/** Every page of a budget's usage, walked through `nextCursor` (at most `guard` pages). */
async function walk(budgetId: string, token: string, sort: string, guard = 10) {
  const seen: string[] = []
  let cursor: string | null = null
  for (let page = 0; page < guard; page++) {
    const query = `sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ''}`
    const response = await api(`/v1/budgets/${budgetId}/usage?${query}`, { token })
    expect(response.status, await response.clone().text()).toBe(200)
    const body = await json<UsagePage>(response)
    seen.push(...body.data.map((row) => row.id))
    cursor = body.nextCursor
    if (!cursor) return seen
  }
  return seen
}

describe('budget usage pages', () => {
  it('walking the usage list page by page gives every charge once, in both orders', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '100.00')
    for (const amount of ['1.00', '2.00', '3.00']) {
      const refund = await requestRefund(t, { amount }, t.tokens.ADMIN)
      const approved = await api(`/v1/refunds/${refund.id}/approve`, {
        method: 'POST',
        token: t.tokens.ADMIN,
      })
      expect(approved.status).toBe(200)
    }
    // PostgreSQL's clock has microseconds (PGlite's, milliseconds): the charges' recorded_at as Postgres writes them.
    await ownerDb.execute(
      sql`update budget_usage_records set recorded_at = recorded_at + interval '123 microseconds'
        where budget_id = ${budget.id}`,
    )
    const all = await json<UsagePage>(
      await api(`/v1/budgets/${budget.id}/usage?sort=recordedAt`, { token: t.tokens.ADMIN }),
    )
    const ids = all.data.map((row) => row.id)
    expect(ids).toHaveLength(3)
    expect(await walk(budget.id, t.tokens.ADMIN, 'recordedAt')).toEqual(ids)
    expect(await walk(budget.id, t.tokens.REPRESENTATIVE, '-recordedAt')).toEqual([...ids].reverse())
  })
})
