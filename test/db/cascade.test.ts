import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import {
  agentConfigurations,
  budgets,
  budgetUsageRecords,
  decisionRules,
  escalations,
  organizations,
  refunds,
  representatives,
  teamPerformance,
  tickets,
  users,
} from '../../src/db/schema'
import { ownerDb } from '../support/db'
import { createFullTenant, rowCounts, sqlStateOf } from './fixtures'

describe('deleting', () => {
  it('an organization removes every row of it in all 13 tables, and nothing of another tenant', async () => {
    // The fixture's rule is scoped to its agent: the rule's NO ACTION reference to the agent is checked at the end
    // of the statement, when the cascade has deleted both.
    const [doomed, bystander] = await Promise.all([createFullTenant(), createFullTenant()])
    const before = await rowCounts(doomed.organizationId)
    expect(Object.values(before).every((n) => n >= 1)).toBe(true)

    await ownerDb.delete(organizations).where(eq(organizations.id, doomed.organizationId))

    const after = await rowCounts(doomed.organizationId)
    expect(Object.values(after).every((n) => n === 0)).toBe(true)
    expect(await rowCounts(bystander.organizationId)).toEqual(before)
  })

  it('a representative keeps tickets and escalations, unassigned, in their organization (SET NULL of one column)', async () => {
    const t = await createFullTenant()
    await ownerDb.delete(representatives).where(eq(representatives.id, t.representativeId))

    const [ticket] = await ownerDb.select().from(tickets).where(eq(tickets.id, t.ticketId))
    expect(ticket).toMatchObject({ organizationId: t.organizationId, assignedRepresentativeId: null })
    const [escalation] = await ownerDb.select().from(escalations).where(eq(escalations.id, t.escalationId))
    expect(escalation).toMatchObject({ organizationId: t.organizationId, assignedRepresentativeId: null })
    // team_performance rows belong to the representative: they go with it.
    expect(
      await ownerDb.select().from(teamPerformance).where(eq(teamPerformance.id, t.teamPerformanceId)),
    ).toEqual([])
  })

  it('an agent configuration that rules are scoped to is refused (23503): nulling would widen the rule', async () => {
    const t = await createFullTenant()
    expect(
      await sqlStateOf(() =>
        ownerDb.delete(agentConfigurations).where(eq(agentConfigurations.id, t.agentId)),
      ),
    ).toBe('23503')
    const [rule] = await ownerDb.select().from(decisionRules).where(eq(decisionRules.id, t.ruleId))
    expect(rule).toMatchObject({ organizationId: t.organizationId, agentConfigurationId: t.agentId })
  })

  it('an agent configuration without rules keeps its escalations with the reference nulled', async () => {
    const t = await createFullTenant()
    await ownerDb
      .update(decisionRules)
      .set({ agentConfigurationId: null })
      .where(eq(decisionRules.id, t.ruleId))
    await ownerDb.delete(agentConfigurations).where(eq(agentConfigurations.id, t.agentId))

    const [escalation] = await ownerDb.select().from(escalations).where(eq(escalations.id, t.escalationId))
    expect(escalation).toMatchObject({ organizationId: t.organizationId, agentConfigurationId: null })
  })

  it('a ticket deletes its escalations and unlinks its refunds', async () => {
    const t = await createFullTenant()
    await ownerDb.delete(tickets).where(eq(tickets.id, t.ticketId))

    expect(await ownerDb.select().from(escalations).where(eq(escalations.id, t.escalationId))).toEqual([])
    const [refund] = await ownerDb.select().from(refunds).where(eq(refunds.id, t.refundId))
    expect(refund).toMatchObject({ organizationId: t.organizationId, ticketId: null })
  })

  it('a rule that decided a refund is refused (23503): it is part of the refund’s record', async () => {
    const t = await createFullTenant()
    expect(await sqlStateOf(() => ownerDb.delete(decisionRules).where(eq(decisionRules.id, t.ruleId)))).toBe(
      '23503',
    )
    const [refund] = await ownerDb.select().from(refunds).where(eq(refunds.id, t.refundId))
    expect(refund).toMatchObject({ decisionRuleId: t.ruleId, version: 1 })
  })

  it('a deciding user or a budget unlinks the refund; a budget deletes its usage records', async () => {
    const t = await createFullTenant()
    await ownerDb.delete(users).where(eq(users.id, t.adminId))
    await ownerDb.delete(budgets).where(eq(budgets.id, t.budgetId))

    const [refund] = await ownerDb.select().from(refunds).where(eq(refunds.id, t.refundId))
    expect(refund).toMatchObject({
      organizationId: t.organizationId,
      decisionRuleId: t.ruleId,
      decidedByUserId: null,
      budgetId: null,
    })
    expect(
      await ownerDb.select().from(budgetUsageRecords).where(eq(budgetUsageRecords.id, t.usageRecordId)),
    ).toEqual([])
  })

  it('a refund keeps its usage record (the charge happened) with refund_id nulled', async () => {
    const t = await createFullTenant()
    await ownerDb.delete(refunds).where(eq(refunds.id, t.refundId))

    const [record] = await ownerDb
      .select()
      .from(budgetUsageRecords)
      .where(eq(budgetUsageRecords.id, t.usageRecordId))
    expect(record).toMatchObject({ organizationId: t.organizationId, refundId: null, amount: '10.00' })
  })

  it('a customer with tickets or refunds is refused (23503): their history is not silently lost', async () => {
    const t = await createFullTenant()
    expect(await sqlStateOf(() => ownerDb.delete(users).where(eq(users.id, t.customerId)))).toBe('23503')
  })
})
