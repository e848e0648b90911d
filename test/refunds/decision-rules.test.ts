import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { decisionRules } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { approveSmall, createBudget, createRule, refundRow, requestRefund } from './support'

describe('decision rules', () => {
  it('a rule invalid in any way the spec names → 422 with the JSON path, nothing saved', async () => {
    const t = await createTenant()
    const leaf = (overrides: Record<string, unknown>) => ({
      fact: 'refund.amount',
      operator: 'lessThan',
      value: '50.00',
      ...overrides,
    })
    const deep = (depth: number): unknown => (depth === 1 ? leaf({}) : { not: deep(depth - 1) })
    const cases: Array<[unknown, string]> = [
      [{ all: [leaf({}), leaf({ value: 50 })] }, 'conditions.all[1].value'],
      [{ all: [leaf({ value: '50.001' })] }, 'conditions.all[0].value'],
      [{ any: [{ not: leaf({ operator: 'between' }) }] }, 'conditions.any[0].not.operator'],
      [
        { all: [leaf({ fact: 'refund.reason', operator: 'lessThan', value: 'OTHER' })] },
        'conditions.all[0].operator',
      ],
      [
        { all: [leaf({ fact: 'refund.reason', operator: 'equal', value: 'BROKEN' })] },
        'conditions.all[0].value',
      ],
      [{ all: [leaf({ fact: 'refund.colour' })] }, 'conditions.all[0].fact'],
      [
        { all: [leaf({ fact: 'customer.accountTier', operator: 'in', value: 'VIP' })] },
        'conditions.all[0].value',
      ],
      [{ all: [], any: [] }, 'conditions'],
      [deep(9), 'conditions.not.not.not.not.not.not.not.not'],
      [{ any: Array.from({ length: 65 }, () => leaf({})) }, 'conditions'],
      ['everything', 'conditions'],
    ]
    for (const [conditions, path] of cases) {
      const response = await api('/v1/decision-rules', {
        method: 'POST',
        token: t.tokens.ADMIN,
        body: { name: 'Bad', action: 'AUTO_APPROVE', conditions },
      })
      expect(response.status, JSON.stringify(conditions).slice(0, 80)).toBe(422)
      const problem = await json<{ code: string; errors: Array<{ path: string }> }>(response)
      expect(
        problem.errors.map((error) => error.path),
        JSON.stringify(conditions).slice(0, 80),
      ).toContain(path)
    }
    const saved = await ownerDb
      .select()
      .from(decisionRules)
      .where(eq(decisionRules.organizationId, t.organizationId))
    expect(saved).toEqual([])
  })

  it('CRUD with If-Match, evaluation order, delete keeps the refunds it decided', async () => {
    const t = await createTenant()
    const first = await createRule(t, { ...approveSmall, priority: 20 })
    const second = await createRule(t, { ...approveSmall, name: 'Earlier', priority: 5 })
    const page = await json<{ data: Array<{ id: string }> }>(
      await api('/v1/decision-rules', { token: t.tokens.AGENT }),
    )
    expect(page.data.map((rule) => rule.id)).toEqual([second.id, first.id])
    const read = await api(`/v1/decision-rules/${first.id}`, { token: t.tokens.REPRESENTATIVE })
    const etag = read.headers.get('ETag') as string
    const patched = await api(`/v1/decision-rules/${first.id}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      headers: { 'If-Match': etag },
      body: { priority: 1, isActive: false },
    })
    expect(await json(patched)).toMatchObject({ priority: 1, isActive: false, version: 2 })
    const stale = await api(`/v1/decision-rules/${first.id}`, {
      method: 'DELETE',
      token: t.tokens.ADMIN,
      headers: { 'If-Match': etag },
    })
    expect(stale.status).toBe(412)
    const deleted = await api(`/v1/decision-rules/${first.id}`, { method: 'DELETE', token: t.tokens.ADMIN })
    expect(deleted.status).toBe(204)
    expect((await api(`/v1/decision-rules/${first.id}`, { token: t.tokens.ADMIN })).status).toBe(404)
    const forbidden = await api(`/v1/decision-rules/${second.id}`, {
      method: 'DELETE',
      token: t.tokens.REPRESENTATIVE,
    })
    expect(forbidden.status).toBe(403)
  })

  it('dry run: decides like a real request, over stored or unsaved rules, and writes nothing', async () => {
    const t = await createTenant()
    await createBudget(t, '30.00')
    await createRule(t, approveSmall)
    const evaluate = async (body: Record<string, unknown>, token = t.tokens.REPRESENTATIVE) => {
      const response = await api('/v1/decision-rules/evaluate', {
        method: 'POST',
        token,
        body: { customerId: t.customerId, amount: '25.00', currency: 'USD', reason: 'OTHER', ...body },
      })
      expect(response.status, await response.clone().text()).toBe(200)
      return json<Record<string, unknown> & { decision: { rules: unknown[] } }>(response)
    }
    const stored = await evaluate({})
    expect(stored).toMatchObject({
      action: 'AUTO_APPROVE',
      escalationReason: null,
      budget: { remaining: '30.00', wouldCharge: true },
      decision: { outcome: 'RULE_MATCHED', finalAction: 'AUTO_APPROVE' },
    })
    // Auto-approved by the rule, but the budget has no room for it now: the real request would stay PENDING.
    expect(await evaluate({ amount: '40.00' })).toMatchObject({
      action: 'AUTO_APPROVE',
      budget: { wouldCharge: false },
    })
    expect((await evaluate({ amount: '60.00' })).action).toBe('REQUIRE_APPROVAL')
    const unsaved = await evaluate({
      rules: [
        {
          name: 'Premium customers escalate',
          action: 'ESCALATE',
          conditions: { all: [{ fact: 'customer.accountTier', operator: 'equal', value: 'PREMIUM' }] },
        },
      ],
    })
    expect(unsaved).toMatchObject({
      action: 'ESCALATE',
      decisionRuleId: null,
      escalationReason: 'POLICY_EXCEPTION',
    })
    const bad = await api('/v1/decision-rules/evaluate', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: {
        customerId: t.customerId,
        amount: '1',
        currency: 'USD',
        reason: 'OTHER',
        rules: [
          {
            name: 'x',
            action: 'ESCALATE',
            conditions: { all: [{ fact: 'nope', operator: 'equal', value: 1 }] },
          },
        ],
      },
    })
    expect(bad.status).toBe(422)
    expect((await json<{ errors: Array<{ path: string }> }>(bad)).errors[0]?.path).toBe(
      'rules.0.conditions.all[0].fact',
    )
    const unknownCustomer = await api('/v1/decision-rules/evaluate', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: { customerId: t.adminId, amount: '1', currency: 'USD', reason: 'OTHER' },
    })
    expect(unknownCustomer.status).toBe(422)
    const refunds = await json<{ data: unknown[] }>(await api('/v1/refunds', { token: t.tokens.ADMIN }))
    expect(refunds.data).toEqual([])
  })
})

describe('requester facts', () => {
  const selfServiceNeedsAPerson = {
    name: 'A customer’s own request needs a person',
    priority: 1,
    action: 'REQUIRE_APPROVAL',
    conditions: { all: [{ fact: 'requester.role', operator: 'equal', value: 'CUSTOMER' }] },
  }

  it('a rule on requester.role sends a customer’s own request to a person, and lets staff and agents through', async () => {
    const t = await createTenant()
    await createBudget(t, '100.00')
    const guard = await createRule(t, selfServiceNeedsAPerson)
    await createRule(t, approveSmall)
    const own = await requestRefund(t, { amount: '10.00' }, t.tokens.CUSTOMER)
    expect(own.status).toBe('PENDING')
    const stored = await refundRow(own.id)
    expect(stored).toMatchObject({ decisionRuleId: guard.id, requestedByRole: 'CUSTOMER' })
    expect(stored?.decision).toMatchObject({
      outcome: 'RULE_MATCHED',
      finalAction: 'REQUIRE_APPROVAL',
      rules: [{ ruleId: guard.id, leaves: [{ fact: 'requester.role', actual: 'CUSTOMER', held: true }] }],
    })
    for (const token of [t.tokens.AGENT, t.tokens.REPRESENTATIVE]) {
      const refund = await requestRefund(t, { amount: '10.00' }, token)
      expect(refund.status).toBe('APPROVED')
    }
    // requester.agentId names the asking agent; a person has none (the leaf is missing, never true).
    // Rules that decided refunds are deactivated, not deleted (DECISION_RULE_IN_USE).
    await ownerDb
      .update(decisionRules)
      .set({ isActive: false })
      .where(eq(decisionRules.organizationId, t.organizationId))
    await createRule(t, {
      name: 'The triage bot escalates',
      action: 'ESCALATE',
      conditions: { all: [{ fact: 'requester.agentId', operator: 'equal', value: t.agentId.toUpperCase() }] },
    })
    const byAgent = await refundRow((await requestRefund(t, { amount: '10.00' })).id)
    expect(byAgent?.decision).toMatchObject({
      finalAction: 'ESCALATE',
      rules: [{ leaves: [{ fact: 'requester.agentId', actual: t.agentId, held: true }] }],
    })
    const byPerson = await refundRow((await requestRefund(t, { amount: '10.00' }, t.tokens.ADMIN)).id)
    expect(byPerson?.decision).toMatchObject({
      outcome: 'NO_RULE_MATCHED',
      rules: [{ leaves: [{ fact: 'requester.agentId', actual: null, missing: true }] }],
    })
  })

  it('dry run: requesterRole is the hypothetical requester (default: the caller, AGENT with an agent)', async () => {
    const t = await createTenant()
    await createRule(t, selfServiceNeedsAPerson)
    await createRule(t, approveSmall)
    const evaluate = (body: Record<string, unknown>, token = t.tokens.ADMIN) =>
      api('/v1/decision-rules/evaluate', {
        method: 'POST',
        token,
        body: { customerId: t.customerId, amount: '10.00', currency: 'USD', reason: 'OTHER', ...body },
      })
    const leafOf = (body: { decision: { rules: Array<{ leaves: unknown[] }> } }) =>
      body.decision.rules[0]?.leaves[0]
    const asCustomer = await json<{ action: string; decision: { rules: Array<{ leaves: unknown[] }> } }>(
      await evaluate({ requesterRole: 'CUSTOMER' }),
    )
    expect(asCustomer.action).toBe('REQUIRE_APPROVAL')
    expect(leafOf(asCustomer)).toMatchObject({ fact: 'requester.role', actual: 'CUSTOMER', held: true })
    const asCaller = await json<{ action: string; decision: { rules: Array<{ leaves: unknown[] }> } }>(
      await evaluate({}),
    )
    expect(asCaller.action).toBe('AUTO_APPROVE')
    expect(leafOf(asCaller)).toMatchObject({ actual: 'ADMIN', held: false })
    const asAgent = await json<{ decision: { rules: Array<{ leaves: unknown[] }> } }>(
      await evaluate({ agentConfigurationId: t.agentId }),
    )
    expect(leafOf(asAgent)).toMatchObject({ actual: 'AGENT' })
    // Contradictions and an agent pretending to be someone else are refused with the field.
    for (const [body, token, path] of [
      [{ agentConfigurationId: t.agentId, requesterRole: 'CUSTOMER' }, t.tokens.ADMIN, 'requesterRole'],
      [{ requesterRole: 'AGENT' }, t.tokens.ADMIN, 'agentConfigurationId'],
      [{ requesterRole: 'CUSTOMER' }, t.tokens.AGENT, 'requesterRole'],
      [{ requesterRole: 'OWNER' }, t.tokens.ADMIN, 'requesterRole'],
    ] as const) {
      const refused = await evaluate(body, token)
      expect(refused.status, JSON.stringify(body)).toBe(422)
      expect((await json<{ errors: Array<{ path: string }> }>(refused)).errors[0]?.path).toBe(path)
    }
  })
})
