import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { agentConfigurations, decisionRules } from '../../src/db/schema'
import { sqlStateOf } from '../db/fixtures'
import { createBudget, createRule, refundRow, requestRefund } from '../refunds/support'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * A rule with an agentConfigurationId applies only to refunds that agent requests; a rule without one applies to
 * every requester (SPEC-domain.md §2). Deleting the agent (the API never does; an operator's SQL can) must not turn
 * the first into the second: the database refuses the deletion while rules are scoped to the agent.
 */

describe('a rule scoped to an agent stays scoped to it', () => {
  it('deleting the agent is refused (23503): the rule does not start deciding other requesters’ refunds', async () => {
    const t = await createTenant()
    await createBudget(t, '100.00')
    const rule = await createRule(t, {
      name: 'The triage bot’s refunds',
      agentConfigurationId: t.agentId,
      action: 'AUTO_APPROVE',
      conditions: { all: [] },
    })
    // Before: a person's refund is not the rule's.
    const before = await refundRow((await requestRefund(t, { amount: '10.00' }, t.tokens.ADMIN)).id)
    expect(before).toMatchObject({ status: 'PENDING', decisionRuleId: null })

    const deletion = await sqlStateOf(() =>
      ownerDb.delete(agentConfigurations).where(eq(agentConfigurations.id, t.agentId)),
    )

    // After: still not the rule's (with SET NULL the rule became a rule for everyone and approved it).
    const after = await refundRow((await requestRefund(t, { amount: '10.00' }, t.tokens.ADMIN)).id)
    expect(after).toMatchObject({ status: 'PENDING', decisionRuleId: null })
    expect(deletion).toBe('23503')
    const [stored] = await ownerDb.select().from(decisionRules).where(eq(decisionRules.id, rule.id))
    expect(stored?.agentConfigurationId).toBe(t.agentId)
    const agents = await ownerDb
      .select()
      .from(agentConfigurations)
      .where(eq(agentConfigurations.id, t.agentId))
    expect(agents).toHaveLength(1)
  })

  it('once its rules are deleted (or re-scoped), the agent can be deleted', async () => {
    const t = await createTenant()
    const kept = await createRule(t, {
      name: 'Moves to everyone, on purpose',
      agentConfigurationId: t.agentId,
      action: 'ESCALATE',
      conditions: { all: [] },
    })
    const dropped = await createRule(t, {
      name: 'Goes with the bot',
      agentConfigurationId: t.agentId,
      action: 'AUTO_REJECT',
      conditions: { all: [] },
    })
    await ownerDb
      .update(decisionRules)
      .set({ agentConfigurationId: null })
      .where(eq(decisionRules.id, kept.id))
    await ownerDb.delete(decisionRules).where(eq(decisionRules.id, dropped.id))

    await ownerDb.delete(agentConfigurations).where(eq(agentConfigurations.id, t.agentId))

    expect(
      await ownerDb.select().from(agentConfigurations).where(eq(agentConfigurations.id, t.agentId)),
    ).toEqual([])
    const [stored] = await ownerDb.select().from(decisionRules).where(eq(decisionRules.id, kept.id))
    expect(stored).toMatchObject({ organizationId: t.organizationId, agentConfigurationId: null })
  })
})
