import { describe, expect, it } from 'vitest'
import { createBudget, createRule, requestRefund } from '../refunds/support'
import { api, json } from '../support/api'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * The dry run (POST /v1/decision-rules/evaluate) over unsaved rules must decide as the same rules decide once
 * saved (docs/domain.md §2): one rule, one meaning.
 */

interface Evaluation {
  action: string
  decision: { ruleName: string | null; rules: Array<{ ruleName: string }> }
}

async function evaluate(t: TestTenant, body: Record<string, unknown>) {
  return api('/v1/decision-rules/evaluate', {
    method: 'POST',
    token: t.tokens.ADMIN,
    body: { customerId: t.customerId, amount: '10.00', currency: 'USD', reason: 'OTHER', ...body },
  })
}

describe('dry run over unsaved rules decides as the saved rules do', () => {
  it('an unsaved rule naming the agent in upper case applies to that agent, as it does once saved', async () => {
    const t = await createTenant()
    await createBudget(t, '100.00')
    const rule = {
      name: 'The triage bot’s small refunds',
      agentConfigurationId: t.agentId.toUpperCase(),
      action: 'AUTO_APPROVE',
      conditions: { all: [{ fact: 'refund.amount', operator: 'lessThanInclusive', value: '50.00' }] },
    }
    const response = await evaluate(t, { agentConfigurationId: t.agentId, rules: [rule] })
    expect(response.status, await response.clone().text()).toBe(200)
    const dryRun = await json<Evaluation>(response)

    await createRule(t, rule)
    const refund = await requestRefund(t, { amount: '10.00' })
    expect(refund.status).toBe('APPROVED')

    expect(dryRun.action).toBe('AUTO_APPROVE')
    expect(dryRun.decision.ruleName).toBe(rule.name)
  })

  it('an amount a refund refuses (zero) is refused by the dry run too, with the field', async () => {
    const t = await createTenant()
    await createRule(t, {
      name: 'Approve everything',
      action: 'AUTO_APPROVE',
      conditions: { all: [] },
    })
    const refund = await api('/v1/refunds', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: { customerId: t.customerId, amount: '0.00', currency: 'USD', reason: 'OTHER' },
    })
    expect(refund.status).toBe(422)
    for (const amount of ['0', '0.00', '0.0']) {
      const response = await evaluate(t, { amount })
      expect(response.status, amount).toBe(422)
      expect(response.headers.get('content-type')).toContain('application/problem+json')
      const problem = await json<{ errors: Array<{ path: string }> }>(response)
      expect(problem.errors.map((error) => error.path)).toEqual(['amount'])
    }
  })
})
