import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { decisionRules } from '../../src/db/schema'
import { createBudget, createRule, refundRow, requestRefund } from '../refunds/support'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
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
  it('rules of one priority run in the order given (as saving them in that order would), even past ten', async () => {
    const t = await createTenant()
    // Eleven rules of one priority; only 'rule 2' and 'rule 10' match, and 'rule 2' comes first.
    const rules = Array.from({ length: 11 }, (_, index) => ({
      name: `rule ${index}`,
      priority: 5,
      action: index === 2 ? 'AUTO_REJECT' : 'ESCALATE',
      conditions:
        index === 2 || index === 10
          ? { all: [] }
          : { all: [{ fact: 'refund.reason', operator: 'equal', value: 'DUPLICATE_CHARGE' }] },
    }))
    const response = await evaluate(t, { rules })
    expect(response.status, await response.clone().text()).toBe(200)
    const dryRun = await json<Evaluation>(response)

    // The same rules saved in that order: the earlier created runs first among equal priorities (creation times
    // set a second apart, so that two saved in one millisecond cannot fall back to their random ids).
    for (const [index, rule] of rules.entries()) {
      const { id } = await createRule(t, rule)
      await ownerDb
        .update(decisionRules)
        .set({ createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index)) })
        .where(eq(decisionRules.id, id))
    }
    const refund = await requestRefund(t, { amount: '10.00', reason: 'OTHER' }, t.tokens.ADMIN)
    const stored = await refundRow(refund.id)
    expect(stored?.status).toBe('REJECTED')
    expect(stored?.decision).toMatchObject({ ruleName: 'rule 2', finalAction: 'AUTO_REJECT' })

    expect(dryRun.action).toBe('AUTO_REJECT')
    expect(dryRun.decision.ruleName).toBe('rule 2')
    expect(dryRun.decision.rules.map((rule) => rule.ruleName)).toEqual(['rule 0', 'rule 1', 'rule 2'])
  })

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
