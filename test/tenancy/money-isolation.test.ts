import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { budgets, budgetUsageRecords, decisionRules, refunds } from '../../src/db/schema'
import { createBudget, createRule, requestRefund } from '../refunds/support'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

async function snapshot(tenant: TestTenant) {
  const org = tenant.organizationId
  return {
    refunds: await ownerDb.select().from(refunds).where(eq(refunds.organizationId, org)).orderBy(refunds.id),
    budgets: await ownerDb.select().from(budgets).where(eq(budgets.organizationId, org)).orderBy(budgets.id),
    usage: await ownerDb.select().from(budgetUsageRecords).where(eq(budgetUsageRecords.organizationId, org)),
    rules: await ownerDb.select().from(decisionRules).where(eq(decisionRules.organizationId, org)),
  }
}

describe('the money path: another tenant’s refund, rule or budget id', () => {
  it('is 404 for every route and method and every caller of tenant B; tenant A is unchanged', async () => {
    const [a, b] = [await createTenant(), await createTenant()]
    const budget = await createBudget(a, '100.00')
    const rule = await createRule(a, { name: 'A only', action: 'REQUIRE_APPROVAL', conditions: { all: [] } })
    const refund = await requestRefund(a, { amount: '10.00' }, a.tokens.ADMIN)
    await createBudget(b, '100.00')
    const before = await snapshot(a)
    const attempts: Array<[string, string, unknown]> = [
      ['GET', `/v1/refunds/${refund.id}`, undefined],
      ['POST', `/v1/refunds/${refund.id}/approve`, undefined],
      ['POST', `/v1/refunds/${refund.id}/reject`, { notes: 'x' }],
      ['POST', `/v1/refunds/${refund.id}/cancel`, undefined],
      ['POST', `/v1/refunds/${refund.id}/process`, undefined],
      ['GET', `/v1/decision-rules/${rule.id}`, undefined],
      ['PATCH', `/v1/decision-rules/${rule.id}`, { isActive: false }],
      ['DELETE', `/v1/decision-rules/${rule.id}`, undefined],
      ['GET', `/v1/budgets/${budget.id}`, undefined],
      ['PATCH', `/v1/budgets/${budget.id}`, { amount: '1.00' }],
      ['GET', `/v1/budgets/${budget.id}/usage`, undefined],
      ['POST', `/v1/budgets/${budget.id}/next-period`, undefined],
    ]
    for (const role of ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'] as const) {
      for (const [method, path, body] of attempts) {
        const response = await api(path, { method, token: b.tokens[role], body })
        // 404 where the role may use the route at all, 403 where it may not.
        expect([403, 404], `${role} ${method} ${path}`).toContain(response.status)
        if (role === 'ADMIN') expect(response.status, `${method} ${path}`).toBe(404)
        const { instance: _echoed, ...problem } = await json(response)
        expect(JSON.stringify(problem)).not.toContain(a.organizationId)
      }
    }
    // A's customer, ticket or agent named in B's requests is unknown there (422), never used.
    const foreignCustomer = await api('/v1/refunds', {
      method: 'POST',
      token: b.tokens.ADMIN,
      body: { customerId: a.customerId, amount: '1.00', currency: 'USD', reason: 'OTHER' },
    })
    expect(foreignCustomer.status).toBe(422)
    const foreignAgentRule = await api('/v1/decision-rules', {
      method: 'POST',
      token: b.tokens.ADMIN,
      body: { name: 'x', action: 'ESCALATE', conditions: { all: [] }, agentConfigurationId: a.agentId },
    })
    expect(foreignAgentRule.status).toBe(422)
    for (const path of ['/v1/refunds?limit=100', '/v1/budgets', '/v1/decision-rules']) {
      const page = await json<{ data: Array<{ id: string }> }>(await api(path, { token: b.tokens.ADMIN }))
      const ids = page.data.map((row) => row.id)
      for (const id of [refund.id, rule.id, budget.id]) expect(ids, path).not.toContain(id)
    }
    // B's refunds never charge A's budget, whatever A's rules say.
    const bRefund = await requestRefund(b, { amount: '10.00' }, b.tokens.ADMIN)
    await api(`/v1/refunds/${bRefund.id}/approve`, { method: 'POST', token: b.tokens.ADMIN })
    expect(await snapshot(a)).toEqual(before)
  })
})
