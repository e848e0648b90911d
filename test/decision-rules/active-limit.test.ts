import { and, eq, sql } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { decisionRules } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb, ownerSql } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * A refund's decision reads at most 1,000 applicable active rules (refund-decision.ts), so an organization may have
 * at most 1,000 active rules: the database refuses the one past it (migration 0034), or a rule would silently
 * never run.
 */

const LIMIT = 1000
const never = { all: [{ fact: 'refund.reason', operator: 'equal', value: 'DUPLICATE_CHARGE' }] }

/** `count` active rules written directly (the owner: fast), as the API would have saved them. */
async function seedActiveRules(t: TestTenant, count: number) {
  await ownerSql`insert into decision_rules (organization_id, name, priority, conditions, action, is_active)
    select ${t.organizationId}, 'seeded ' || n, 500, ${JSON.stringify(never)}::jsonb, 'ESCALATE', true
    from generate_series(1, ${count}) n`
}

async function activeRules(t: TestTenant) {
  const [row] = await ownerDb
    .select({ n: sql<number>`count(*)::int` })
    .from(decisionRules)
    .where(and(eq(decisionRules.organizationId, t.organizationId), eq(decisionRules.isActive, true)))
  return row?.n
}

function postRule(t: TestTenant, body: Record<string, unknown> = {}) {
  return api('/v1/decision-rules', {
    method: 'POST',
    token: t.tokens.ADMIN,
    body: { name: 'new rule', priority: 1, action: 'AUTO_APPROVE', conditions: { all: [] }, ...body },
  })
}

describe('at most 1,000 active decision rules per organization', () => {
  it('refuses the active rule past the limit, on create and on reactivation, and changes nothing', async () => {
    const t = await createTenant()
    await seedActiveRules(t, LIMIT - 1)
    const last = await postRule(t, { name: 'the thousandth' })
    expect(last.status, await last.clone().text()).toBe(201)
    expect(await activeRules(t)).toBe(LIMIT)

    const over = await postRule(t, { name: 'one too many' })
    expect(over.status).toBe(422)
    expect(over.headers.get('content-type')).toContain('application/problem+json')
    expect(await json(over)).toMatchObject({ code: 'RULE_LIMIT_REACHED' })
    const named = await ownerDb.select().from(decisionRules).where(eq(decisionRules.name, 'one too many'))
    expect(named.filter((rule) => rule.organizationId === t.organizationId)).toEqual([])

    // An inactive rule is not limited; activating it is.
    const inactive = await postRule(t, { name: 'parked', isActive: false })
    expect(inactive.status, await inactive.clone().text()).toBe(201)
    const parked = await json<{ id: string; version: number }>(inactive)
    const activate = () =>
      api(`/v1/decision-rules/${parked.id}`, {
        method: 'PATCH',
        token: t.tokens.ADMIN,
        body: { isActive: true },
      })
    const refused = await activate()
    expect(refused.status).toBe(422)
    expect(await json(refused)).toMatchObject({ code: 'RULE_LIMIT_REACHED' })
    const [stillParked] = await ownerDb.select().from(decisionRules).where(eq(decisionRules.id, parked.id))
    expect(stillParked).toMatchObject({ isActive: false, version: parked.version })

    // Below the limit again, it may be activated; other edits of active rules are never refused.
    const thousandth = await json<{ id: string }>(last)
    const rename = await api(`/v1/decision-rules/${thousandth.id}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { name: 'renamed at the limit' },
    })
    expect(rename.status).toBe(200)
    const removed = await api(`/v1/decision-rules/${thousandth.id}`, {
      method: 'DELETE',
      token: t.tokens.ADMIN,
    })
    expect(removed.status).toBe(204)
    const activated = await activate()
    expect(activated.status, await activated.clone().text()).toBe(200)
    expect(await activeRules(t)).toBe(LIMIT)
  })

  it.skipIf(inject('databaseBackend') !== 'postgres')(
    'concurrent creations never take an organization past the limit',
    async () => {
      const t = await createTenant()
      await seedActiveRules(t, LIMIT - 3)
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, index) => postRule(t, { name: `racer ${index}` })),
      )
      const statuses = responses.map((response) => response.status).sort()
      expect(statuses).toEqual([...Array(3).fill(201), ...Array(9).fill(422)])
      expect(await activeRules(t)).toBe(LIMIT)
    },
  )
})
