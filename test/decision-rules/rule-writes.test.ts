import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { agentConfigurations, decisionRules, escalations, refunds } from '../../src/db/schema'
import { createBudget, createRule, type RefundBody, requestRefund } from '../refunds/support'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'

describe('a rule is validated on every write', () => {
  it('PATCH: conditions of the wrong type are 422 with the JSON path, the rule unchanged', async () => {
    const t = await createTenant()
    const conditions = { all: [{ fact: 'refund.amount', operator: 'lessThan', value: '50.00' }] }
    const rule = await createRule(t, { name: 'Small', action: 'AUTO_APPROVE', conditions })
    const response = await api(`/v1/decision-rules/${rule.id}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: {
        name: 'Renamed',
        conditions: {
          all: [conditions.all[0], { fact: 'customer.accountTier', operator: 'in', value: ['GOLD'] }],
        },
      },
    })
    expect(response.status).toBe(422)
    const problem = await json<{ errors: Array<{ path: string }> }>(response)
    expect(problem.errors.map((error) => error.path)).toEqual(['conditions.all[1].value[0]'])
    const [stored] = await ownerDb.select().from(decisionRules).where(eq(decisionRules.id, rule.id))
    expect(stored).toMatchObject({ name: 'Small', conditions, version: 1 })
  })

  it('an agentConfigurationId of another organization (or none) is 422 on create and PATCH, nothing written', async () => {
    const t = await createTenant()
    const other = await createTenant()
    const body = { name: 'Scoped', action: 'AUTO_APPROVE', conditions: { all: [] } }
    for (const agentConfigurationId of [other.agentId, crypto.randomUUID()]) {
      const created = await api('/v1/decision-rules', {
        method: 'POST',
        token: t.tokens.ADMIN,
        body: { ...body, agentConfigurationId },
      })
      expect(created.status).toBe(422)
      // The field is named, as every validation problem names its fields (the database's key says which).
      expect(await json(created)).toMatchObject({
        code: 'INVALID_REFERENCE',
        errors: [{ path: 'agentConfigurationId', message: 'Not a resource of this organization.' }],
      })
    }
    const rule = await createRule(t, body)
    const patched = await api(`/v1/decision-rules/${rule.id}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { agentConfigurationId: other.agentId },
    })
    expect(patched.status).toBe(422)
    expect(await json(patched)).toMatchObject({ errors: [{ path: 'agentConfigurationId' }] })
    const stored = await ownerDb
      .select()
      .from(decisionRules)
      .where(eq(decisionRules.organizationId, t.organizationId))
    expect(stored.map((row) => [row.id, row.agentConfigurationId, row.version])).toEqual([[rule.id, null, 1]])
  })
})

describe('the agent’s maxAutoRefundAmount', () => {
  it('a rule that escalates above the limit escalates REFUND_OVER_LIMIT; rejections and reviews are not touched', async () => {
    const t = await createTenant()
    await ownerDb
      .update(agentConfigurations)
      .set({ thresholds: { maxAutoRefundAmount: '20.00' } })
      .where(eq(agentConfigurations.id, t.agentId))
    await createRule(t, {
      name: 'Reject other',
      priority: 1,
      action: 'AUTO_REJECT',
      conditions: { all: [{ fact: 'refund.reason', operator: 'equal', value: 'OTHER' }] },
    })
    await createRule(t, {
      name: 'Review duplicates',
      priority: 2,
      action: 'REQUIRE_APPROVAL',
      conditions: { all: [{ fact: 'refund.reason', operator: 'equal', value: 'DUPLICATE_CHARGE' }] },
    })
    await createRule(t, {
      name: 'Escalate the rest',
      priority: 3,
      action: 'ESCALATE',
      conditions: { all: [] },
    })

    const over = await requestRefund(t, { amount: '30.00' })
    expect(over).toMatchObject({ status: 'PENDING' })
    expect(over.decision).toMatchObject({ action: 'ESCALATE', finalAction: 'ESCALATE' })
    const under = await requestRefund(t, { amount: '10.00' })
    const reasons = async (ticketId: string | null) =>
      (
        await ownerDb
          .select()
          .from(escalations)
          .where(eq(escalations.ticketId, ticketId as string))
      ).map((row) => row.reason)
    expect(await reasons(over.ticketId)).toEqual(['REFUND_OVER_LIMIT'])
    expect(await reasons(under.ticketId)).toEqual(['POLICY_EXCEPTION'])

    const rejected = await requestRefund(t, { amount: '30.00', reason: 'OTHER' })
    expect(rejected).toMatchObject({ status: 'REJECTED', ticketId: null })
    expect(rejected.decision).toMatchObject({ finalAction: 'AUTO_REJECT' })
    const review = await requestRefund(t, { amount: '30.00', reason: 'DUPLICATE_CHARGE' })
    expect(review).toMatchObject({ status: 'PENDING', ticketId: null })
    expect(review.decision).toMatchObject({ finalAction: 'REQUIRE_APPROVAL' })
    const stored = await ownerDb.select().from(refunds).where(eq(refunds.organizationId, t.organizationId))
    expect(stored).toHaveLength(4)
  })
})

describe('the agent’s maxAutoRefundAmount in its currency', () => {
  /*
   * Money is an amount and a currency (SPEC §5): 50.00 set with US dollars in mind must not let 49.00 Kuwaiti dinars
   * (≈ 160 USD) through. With maxAutoRefundCurrency the limit caps refunds of that currency, and a refund of another
   * currency cannot be compared with it (no exchange rates here): it escalates, as a refund over the limit does.
   */
  it('caps refunds of its currency; another currency escalates REFUND_OVER_LIMIT; the trace names both', async () => {
    const t = await createTenant()
    const set = await api(`/v1/agents/${t.agentId}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { thresholds: { maxAutoRefundAmount: '50.00', maxAutoRefundCurrency: 'USD' } },
    })
    expect(await json(set)).toMatchObject({
      thresholds: { maxAutoRefundAmount: '50.00', maxAutoRefundCurrency: 'USD' },
    })
    await createBudget(t, '1000.00')
    await createBudget(t, '1000.00', { currency: 'KWD' })
    await createRule(t, { name: 'Approve all', action: 'AUTO_APPROVE', conditions: { all: [] } })

    // The guardrail is read by the roles that may read agents (the ADMIN here).
    const asAdmin = async (id: string) =>
      json<RefundBody>(await api(`/v1/refunds/${id}`, { token: t.tokens.ADMIN }))
    const dollars = await asAdmin((await requestRefund(t, { amount: '49.00', currency: 'USD' })).id)
    expect(dollars).toMatchObject({ status: 'APPROVED' })
    expect(dollars.decision?.guardrail).toEqual({
      maxAutoRefundAmount: '50.00',
      maxAutoRefundCurrency: 'USD',
      exceeded: false,
    })
    const dinars = await asAdmin((await requestRefund(t, { amount: '49.00', currency: 'KWD' })).id)
    expect(dinars).toMatchObject({ status: 'PENDING' })
    expect(dinars.decision).toMatchObject({
      action: 'AUTO_APPROVE',
      finalAction: 'ESCALATE',
      guardrail: { maxAutoRefundAmount: '50.00', maxAutoRefundCurrency: 'USD', exceeded: true },
    })
    const [escalation] = await ownerDb.select().from(escalations).where(eq(escalations.refundId, dinars.id))
    expect(escalation?.reason).toBe('REFUND_OVER_LIMIT')

    // The dry run decides the same way.
    const evaluated = await api('/v1/decision-rules/evaluate', {
      method: 'POST',
      token: t.tokens.AGENT,
      body: { customerId: t.customerId, amount: '1.00', currency: 'KWD', reason: 'OTHER' },
    })
    expect(await json(evaluated)).toMatchObject({ action: 'ESCALATE', escalationReason: 'REFUND_OVER_LIMIT' })

    // An unknown code is refused; null removes the currency (the limit then compares in any currency).
    const unknown = await api(`/v1/agents/${t.agentId}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { thresholds: { maxAutoRefundCurrency: 'XYZ' } },
    })
    expect(unknown.status).toBe(422)
    const cleared = await api(`/v1/agents/${t.agentId}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { thresholds: { maxAutoRefundCurrency: null } },
    })
    expect((await json<{ thresholds: unknown }>(cleared)).thresholds).toEqual({
      maxAutoRefundAmount: '50.00',
    })
  })
})

describe('the agent’s maxAutoRefundAmount, stored unreadable', () => {
  // The API stores only valid money (moneyInput), but the guardrail must not open should a direct write break it.
  it('fails closed: an AUTO_APPROVE escalates REFUND_OVER_LIMIT, nothing is charged', async () => {
    const t = await createTenant()
    await ownerDb
      .update(agentConfigurations)
      .set({ thresholds: { maxAutoRefundAmount: 'fifty dollars' } })
      .where(eq(agentConfigurations.id, t.agentId))
    await createRule(t, { name: 'Approve everything', action: 'AUTO_APPROVE', conditions: { all: [] } })

    const refund = await requestRefund(t, { amount: '1.00' })
    expect(refund).toMatchObject({ status: 'PENDING' })
    expect(refund.decision).toMatchObject({ action: 'AUTO_APPROVE', finalAction: 'ESCALATE' })
    const reasons = (
      await ownerDb
        .select()
        .from(escalations)
        .where(eq(escalations.ticketId, refund.ticketId as string))
    ).map((row) => row.reason)
    expect(reasons).toEqual(['REFUND_OVER_LIMIT'])
  })
})
