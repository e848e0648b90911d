import { and, eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { decisionRules, events, refunds } from '../../src/db/schema'
import { createRule, requestRefund } from '../refunds/support'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * SPEC-domain §2: "The deciding rule is recorded (`decisionRuleId`) with the trace." A rule that decided refunds is
 * part of their record, as a user is of its tickets, so it is deactivated, not deleted: clearing the reference would
 * change every refund it decided without a new version, write one `refund.updated` per refund, and hold their locks
 * for as long as that takes (seconds for a busy rule).
 */
describe(`deleting a decision rule that decided refunds (${inject('databaseBackend')})`, () => {
  it('is 409 DECISION_RULE_IN_USE and changes nothing; deactivating it works; an unused rule deletes', async () => {
    const t = await createTenant()
    const rule = await createRule(t, {
      name: 'Needs a person',
      action: 'REQUIRE_APPROVAL',
      conditions: { all: [] },
    })
    const refund = await requestRefund(t, {
      customerId: t.customerId,
      amount: '5.00',
      currency: 'USD',
      reason: 'OTHER',
    })
    expect(refund.decisionRuleId).toBe(rule.id)
    const [before] = await ownerDb.select().from(refunds).where(eq(refunds.id, refund.id))

    const refused = await api(`/v1/decision-rules/${rule.id}`, { method: 'DELETE', token: t.tokens.ADMIN })
    expect(refused.status).toBe(409)
    expect(refused.headers.get('Content-Type')).toContain('application/problem+json')
    const problem = await json<{ code: string; detail: string }>(refused)
    expect(problem.code).toBe('DECISION_RULE_IN_USE')
    expect(problem.detail).toMatch(/isActive/)

    // Nothing changed: the rule, the refund (reference, version) and no event of either.
    const [stillThere] = await ownerDb.select().from(decisionRules).where(eq(decisionRules.id, rule.id))
    expect(stillThere?.version).toBe(1)
    const [after] = await ownerDb.select().from(refunds).where(eq(refunds.id, refund.id))
    expect(after).toEqual(before)
    const changes = await ownerDb
      .select({ type: events.type })
      .from(events)
      .where(and(eq(events.organizationId, t.organizationId), eq(events.type, 'refund.updated')))
    expect(changes).toEqual([])
    expect(
      await ownerDb
        .select({ type: events.type })
        .from(events)
        .where(and(eq(events.organizationId, t.organizationId), eq(events.type, 'decision_rule.deleted'))),
    ).toEqual([])

    const deactivated = await api(`/v1/decision-rules/${rule.id}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { isActive: false },
    })
    expect(await json(deactivated)).toMatchObject({ isActive: false, version: 2 })
    const read = await json<{ decisionRuleId: string }>(
      await api(`/v1/refunds/${refund.id}`, { token: t.tokens.ADMIN }),
    )
    expect(read.decisionRuleId).toBe(rule.id)

    const unused = await createRule(t, {
      name: 'Never fires',
      action: 'AUTO_REJECT',
      conditions: { all: [] },
      isActive: false,
    })
    const deleted = await api(`/v1/decision-rules/${unused.id}`, { method: 'DELETE', token: t.tokens.ADMIN })
    expect(deleted.status).toBe(204)
    expect(await ownerDb.select().from(decisionRules).where(eq(decisionRules.id, unused.id))).toEqual([])
  })
})
