import { env } from 'cloudflare:test'
import { and, eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import type { Principal } from '../../src/auth/principal'
import { createDatabase } from '../../src/db/client'
import { decisionRules, idempotencyKeys, refunds } from '../../src/db/schema'
import { type IdempotencyClaim, type Statement, TenantDb } from '../../src/db/tenant'
import { createRefund, SETTLE_ATTEMPTS } from '../../src/resources/refunds/refunds.data'
import { budgetState, createBudget, createRule, type RefundBody } from '../refunds/support'
import { api } from '../support/api'
import { neonLocalStats, ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * The facts of a refund decision that depend on the customer's other refunds (customer.refundCount30d,
 * customer.refundTotal30d) are the ones true when the refund is written, so N simultaneous requests for one
 * customer never approve more than the rules allow, and each trace shows the facts its write saw. Proven where
 * concurrency is real: on PostgreSQL (`npm run test:pg`); PGlite runs the same requests one at a time.
 */
const REQUESTS = 100

const countRule = {
  name: 'At most 3 small refunds a month',
  priority: 10,
  action: 'AUTO_APPROVE',
  conditions: {
    all: [
      { fact: 'customer.refundCount30d', operator: 'lessThan', value: 3 },
      { fact: 'refund.amount', operator: 'lessThanInclusive', value: '50.00' },
    ],
  },
}

/** refundTotal30d + amount ≤ 100.00 for refunds of 20.00: approvals at totals 0, 20, 40, 60, 80 → 5. */
const totalRule = {
  name: 'At most 100.00 a month',
  priority: 10,
  action: 'AUTO_APPROVE',
  conditions: {
    all: [
      { fact: 'refund.amount', operator: 'lessThanInclusive', value: '20.00' },
      { fact: 'customer.refundTotal30d', operator: 'lessThanInclusive', value: '80.00' },
    ],
  },
}

async function requestAll(tenant: TestTenant, amount: string, tokens: string[]) {
  const requestIds = Array.from({ length: REQUESTS }, () => `facts-${crypto.randomUUID()}`)
  const responses = await Promise.all(
    requestIds.map((requestId, index) =>
      api('/v1/refunds', {
        method: 'POST',
        token: tokens[index % tokens.length] as string,
        headers: { 'X-Request-Id': requestId },
        body: { customerId: tenant.customerId, amount, currency: 'USD', reason: 'LATE_DELIVERY' },
      }),
    ),
  )
  const texts = await Promise.all(responses.map((response) => response.text()))
  expect(
    responses.map((response, index) => `${response.status} ${response.status === 201 ? '' : texts[index]}`),
  ).toEqual(Array(REQUESTS).fill('201 '))
  const answered = texts.map((text) => JSON.parse(text) as { id: string; status: string })
  // The stored refunds, traces included (what each role may see of them is another test's concern).
  const rows = await ownerDb
    .select()
    .from(refunds)
    .where(and(eq(refunds.organizationId, tenant.organizationId), eq(refunds.customerId, tenant.customerId)))
  expect(rows.map((row) => row.id).sort()).toEqual(answered.map((refund) => refund.id).sort())
  for (const refund of answered)
    expect(rows.find((row) => row.id === refund.id)?.status, 'answered as stored').toBe(refund.status)
  // Round trips: the facts, then the write; a write that found the facts changed so that they may decide
  // otherwise costs one more, and these monotone rules settle on the second write at the latest.
  const trips = await Promise.all(requestIds.map((requestId) => neonLocalStats(requestId)))
  const histogram = Object.fromEntries(
    [...new Set(trips)].sort().map((n) => [n, trips.filter((t) => t === n).length]),
  )
  console.info(
    `[refund facts] round trips per request under ${REQUESTS} concurrent requests: ${JSON.stringify(histogram)}`,
  )
  expect(Math.min(...trips)).toBe(2)
  expect(Math.max(...trips)).toBeLessThanOrEqual(3)
  expect(rows.filter((row) => (row.decision as { outcome?: string }).outcome === 'FACTS_UNSETTLED')).toEqual(
    [],
  )
  return rows as unknown as RefundBody[]
}

/** The value a refund's trace saw for `fact` (the deciding evaluation; every leaf over it shows the same). */
function factSeen(refund: RefundBody, fact: string): unknown {
  const values = new Set(
    (refund.decision?.rules ?? []).flatMap((rule) =>
      rule.leaves.filter((leaf) => leaf.fact === fact).map((leaf) => leaf.actual),
    ),
  )
  expect(values.size, `${refund.id}: one value of ${fact} in the trace`).toBe(1)
  return [...values][0]
}

describe(`per-customer rule facts under ${REQUESTS} concurrent requests (${inject('databaseBackend')})`, () => {
  for (const [who, tokensOf] of [
    ['staff tokens', (t: TestTenant) => [t.tokens.ADMIN, t.tokens.REPRESENTATIVE]],
    ['the customer’s own token', (t: TestTenant) => [t.tokens.CUSTOMER]],
  ] as const) {
    it(`refundCount30d < 3 (${who}): exactly 3 APPROVED, each trace shows the count its write saw`, async () => {
      const t = await createTenant()
      const budget = await createBudget(t, '10000.00')
      await createRule(t, countRule)
      const created = await requestAll(t, '50.00', tokensOf(t))
      const approved = created.filter((refund) => refund.status === 'APPROVED')
      expect(approved).toHaveLength(3)
      expect(created.filter((refund) => refund.status === 'PENDING')).toHaveLength(REQUESTS - 3)
      // Every write saw the refunds committed before it: the counts seen are 0, 1, …, 99, each once
      // (requests that could not settle wait for a person and show no leaves: none is expected here).
      const settled = created.filter((refund) => refund.decision?.outcome !== 'FACTS_UNSETTLED')
      const counts = settled.map((refund) => factSeen(refund, 'customer.refundCount30d') as number)
      expect(new Set(counts).size).toBe(settled.length)
      expect(counts.every((count) => count >= 0 && count < REQUESTS)).toBe(true)
      expect(approved.map((refund) => factSeen(refund, 'customer.refundCount30d')).sort()).toEqual([0, 1, 2])
      for (const refund of created.filter((r) => r.status === 'PENDING'))
        expect(refund.decision?.finalAction).toBe('REQUIRE_APPROVAL')
      const { budget: after, usage } = await budgetState(budget.id)
      expect(after?.spent).toBe('150.00')
      expect(usage.map((row) => row.refundId).sort()).toEqual(approved.map((refund) => refund.id).sort())
    })
  }

  it('refundTotal30d ≤ 80.00 for refunds of 20.00: exactly 5 APPROVED (100.00), traces show the totals seen', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '10000.00')
    await createRule(t, totalRule)
    const created = await requestAll(t, '20.00', [t.tokens.ADMIN, t.tokens.REPRESENTATIVE, t.tokens.AGENT])
    const approved = created.filter((refund) => refund.status === 'APPROVED')
    expect(approved).toHaveLength(5)
    expect(approved.map((refund) => factSeen(refund, 'customer.refundTotal30d')).sort()).toEqual([
      '0.00',
      '20.00',
      '40.00',
      '60.00',
      '80.00',
    ])
    const pending = created.filter((refund) => refund.status === 'PENDING')
    expect(pending).toHaveLength(REQUESTS - 5)
    for (const refund of pending) {
      expect(refund.decision?.finalAction).toBe('REQUIRE_APPROVAL')
      if (refund.decision?.outcome !== 'FACTS_UNSETTLED')
        expect(factSeen(refund, 'customer.refundTotal30d')).toBe('100.00')
    }
    const { budget: after } = await budgetState(budget.id)
    expect(after?.spent).toBe('100.00')
  })
})

describe(`a decision rule deleted while refunds are requested (${inject('databaseBackend')})`, () => {
  it('never turns a valid request into a client error: 201; the rule is deleted only if no refund references it', async () => {
    const t = await createTenant()
    for (let round = 0; round < 5; round++) {
      const rule = await createRule(t, {
        name: `Needs a person ${round}`,
        action: 'REQUIRE_APPROVAL',
        conditions: { all: [] },
      })
      const requests = Array.from({ length: 20 }, () =>
        api('/v1/refunds', {
          method: 'POST',
          token: t.tokens.AGENT,
          body: { customerId: t.customerId, amount: '5.00', currency: 'USD', reason: 'OTHER' },
        }),
      )
      const deletion = new Promise<Response>((resolve) => setTimeout(resolve, 5 * round)).then(() =>
        api(`/v1/decision-rules/${rule.id}`, { method: 'DELETE', token: t.tokens.ADMIN }),
      )
      const [deleted, ...responses] = await Promise.all([deletion, ...requests])
      // Before any refund referenced it: deleted. After: 409 DECISION_RULE_IN_USE, the rule kept.
      expect([204, 409]).toContain(deleted?.status)
      const ruleKept = deleted?.status === 409
      const [storedRule] = await ownerDb.select().from(decisionRules).where(eq(decisionRules.id, rule.id))
      expect(storedRule !== undefined).toBe(ruleKept)
      const texts = await Promise.all(responses.map((response) => response.text()))
      expect(responses.map((response, index) => `${response.status} ${texts[index]?.slice(0, 200)}`)).toEqual(
        texts.map((text) => `201 ${text.slice(0, 200)}`),
      )
      for (const text of texts) {
        const refund = JSON.parse(text) as RefundBody
        const stored = await ownerDb.select().from(refunds).where(eq(refunds.id, refund.id))
        // Decided by the rule (it existed when the facts were read) or by none (it was gone already).
        if (refund.decision?.ruleId) {
          expect(refund.decision).toMatchObject({ ruleId: rule.id, outcome: 'RULE_MATCHED' })
        } else expect(refund.decision?.outcome).toBe('NO_RULE_MATCHED')
        // The reference is kept with the rule; a deleted rule is named in the trace only.
        expect(stored[0]?.decisionRuleId).toBe(ruleKept && refund.decision?.ruleId ? rule.id : null)
        expect(stored[0]?.status).toBe('PENDING')
      }
      // A kept rule is deactivated, so the next round's rule is the only one that decides.
      if (ruleKept) {
        const deactivated = await api(`/v1/decision-rules/${rule.id}`, {
          method: 'PATCH',
          token: t.tokens.ADMIN,
          body: { isActive: false },
        })
        expect(deactivated.status).toBe(200)
      }
    }
  })
})

/** A TenantDb whose first `failures` write batches fail as if the customer's refund facts had become `fresh`. */
class FactsChangingDb extends TenantDb {
  writes = 0
  readonly #failures: number
  readonly #fresh: { refundCount30d: number; refundTotal30d: string }

  constructor(
    principal: Principal,
    failures: number,
    fresh: { refundCount30d: number; refundTotal30d: string },
    idempotency?: IdempotencyClaim,
  ) {
    super(createDatabase(env.DATABASE_URL as string), {
      organizationId: principal.organizationId,
      role: principal.role,
      principalId: principal.subject,
      idempotency,
    })
    this.#failures = failures
    this.#fresh = fresh
  }

  override async run<T extends readonly [Statement, ...Statement[]]>(...statements: T) {
    this.writes += 1
    if (this.writes <= this.#failures)
      throw Object.assign(new Error('the customer’s refund facts changed'), {
        code: 'OA020',
        detail: JSON.stringify(this.#fresh),
      })
    return super.run(...statements)
  }
}

describe(`deciding again when the settled facts changed (${inject('databaseBackend')})`, () => {
  const input = (t: TestTenant) => ({
    customerId: t.customerId,
    amount: '50.00',
    currency: 'USD',
    reason: 'LATE_DELIVERY' as const,
  })
  const admin = (t: TestTenant): Principal => ({
    subject: t.adminId,
    organizationId: t.organizationId,
    role: 'ADMIN',
  })

  it('decides again with the facts the write returned, until they hold at the write', async () => {
    const t = await createTenant()
    await createBudget(t, '1000.00')
    await createRule(t, countRule)
    // The first write "finds" 7 refunds: decided again with 7 (no rule matches); the real write then finds 0,
    // outside the range that decision assumed, so it is decided a third time with 0 and approved.
    // With an Idempotency-Key: the claim of a batch that failed rolled back with it, so a later batch claims again.
    const key = `settle-${crypto.randomUUID()}`
    const db = new FactsChangingDb(
      admin(t),
      1,
      { refundCount30d: 7, refundTotal30d: '0.00' },
      { key, fingerprint: 'f', ttlSeconds: 60 },
    )
    const { refund } = await createRefund(db, admin(t), input(t), db.expectCreated(refunds, '/v1/refunds'))
    expect(db.writes).toBe(3)
    expect(refund.status).toBe('APPROVED')
    const [claimed] = await ownerDb.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key))
    expect(claimed).toMatchObject({ statusCode: 201, resourcePath: `/v1/refunds/${refund.id}` })
    expect(claimed?.completedAt).not.toBeNull()
    const [stored] = await ownerDb.select().from(refunds).where(eq(refunds.id, refund.id))
    expect(stored?.decision).toMatchObject({ outcome: 'RULE_MATCHED', finalAction: 'AUTO_APPROVE' })
    expect(factSeen(stored as unknown as RefundBody, 'customer.refundCount30d')).toBe(0)
  })

  it(`fails safe after ${SETTLE_ATTEMPTS} unsettled writes: PENDING for a person, FACTS_UNSETTLED, nothing charged`, async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '1000.00')
    await createRule(t, countRule)
    const db = new FactsChangingDb(admin(t), SETTLE_ATTEMPTS, { refundCount30d: 1, refundTotal30d: '0.00' })
    const { refund } = await createRefund(db, admin(t), input(t))
    expect(db.writes).toBe(SETTLE_ATTEMPTS + 1)
    expect(refund).toMatchObject({ status: 'PENDING', decisionRuleId: null, budgetId: null, decidedAt: null })
    expect(refund.decision).toEqual({
      outcome: 'FACTS_UNSETTLED',
      action: 'REQUIRE_APPROVAL',
      ruleId: null,
      ruleName: null,
      rules: [],
      finalAction: 'REQUIRE_APPROVAL',
      guardrail: null,
    })
    expect((await budgetState(budget.id)).usage).toHaveLength(0)
  })
})
