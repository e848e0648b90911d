import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { agentConfigurations, refunds } from '../../src/db/schema'
import { graphql } from '../reads/graphql-support'
import { approveSmall, createBudget, createRule } from '../refunds/support'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, type TestTenant, tokenFor } from '../support/tenants'

/*
 * Issue 16, least privilege in what each role sees: one representation per role (src/lib/representation.ts),
 * declared on the response schemas, described by the OpenAPI document, the same on every operation that returns
 * the resource. Exact key sets, so a field added later must be decided for every role.
 */

type Body = Record<string, unknown>
type ObjectSchema = { required?: string[]; properties: Record<string, Record<string, unknown>> }
const keysOf = (body: unknown) => Object.keys(body as Body).sort()

const REFUND_FOR_EVERYONE = [
  'allowedActions',
  'amount',
  'createdAt',
  'currency',
  'customerId',
  'customerReason',
  'decidedAt',
  'id',
  'outcome',
  'processedAt',
  'reason',
  'requestedByRole',
  'status',
  'ticketId',
  'updatedAt',
  'version',
]
/** What staff see besides: how it was decided, by whom, and the notes. */
const REFUND_STAFF_ONLY = ['decidedByUserId', 'decision', 'decisionRuleId', 'notes', 'requestedById']
/** Only for those who may read budgets (GET /v1/budgets/{budgetId}). */
const REFUND_BUDGET_READERS_ONLY = ['budgetId']

const refundKeys = {
  CUSTOMER: [...REFUND_FOR_EVERYONE].sort(),
  AGENT: [...REFUND_FOR_EVERYONE, ...REFUND_STAFF_ONLY].sort(),
  REPRESENTATIVE: [...REFUND_FOR_EVERYONE, ...REFUND_STAFF_ONLY, ...REFUND_BUDGET_READERS_ONLY].sort(),
  ADMIN: [...REFUND_FOR_EVERYONE, ...REFUND_STAFF_ONLY, ...REFUND_BUDGET_READERS_ONLY].sort(),
}

type Role = keyof typeof refundKeys
const roles: Role[] = ['CUSTOMER', 'AGENT', 'REPRESENTATIVE', 'ADMIN']

async function ok<T = Body>(response: Response, status = 200): Promise<T> {
  expect(response.status, await response.clone().text()).toBe(status)
  return json<T>(response)
}

const post = (tenant: TestTenant, path: string, role: Role, body?: unknown) =>
  api(path, { method: 'POST', token: tenant.tokens[role], body })

/** A refund the tenant's customer asked for itself (amount ≤ 50 is auto-approved by approveSmall). */
const customerRefund = (tenant: TestTenant, amount: string, notes?: string) =>
  post(tenant, '/v1/refunds', 'CUSTOMER', {
    amount,
    currency: 'USD',
    reason: 'DEFECTIVE_PRODUCT',
    ...(notes ? { notes } : {}),
  })

describe('refunds: a CUSTOMER gets the outcome and a customer-facing reason, never the trace', () => {
  it('create, GET and list: exact key sets per role; staff still get the trace, budget readers the budget', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '100.00')
    const rule = await createRule(t, approveSmall)
    await ownerDb
      .update(agentConfigurations)
      .set({ thresholds: { maxAutoRefundAmount: '500.00' } })
      .where(eq(agentConfigurations.id, t.agentId))

    const created = await ok(await customerRefund(t, '20.00', 'Arrived broken.'), 201)
    expect(keysOf(created)).toEqual(refundKeys.CUSTOMER)
    expect(created).toMatchObject({
      status: 'APPROVED',
      outcome: 'APPROVED',
      customerReason: 'Approved automatically.',
      allowedActions: [],
    })
    // Nothing of how it was decided anywhere in the body: no rule, threshold, budget or staff id.
    const text = JSON.stringify(created)
    for (const secret of [rule.id, budget.id, approveSmall.name, '50.00', 'Arrived broken.', t.agentId])
      expect(text).not.toContain(secret)

    for (const role of roles) {
      const one = await ok(await api(`/v1/refunds/${created.id}`, { token: t.tokens[role] }))
      expect(keysOf(one), `GET as ${role}`).toEqual(refundKeys[role])
      const page = await ok<{ data: Body[] }>(await api('/v1/refunds', { token: t.tokens[role] }))
      for (const item of page.data) expect(keysOf(item), `list as ${role}`).toEqual(refundKeys[role])
    }
    // Staff read the trace; the charge names the budget only for those who may read budgets.
    const asRepresentative = await ok(
      await api(`/v1/refunds/${created.id}`, { token: t.tokens.REPRESENTATIVE }),
    )
    expect(asRepresentative).toMatchObject({
      budgetId: budget.id,
      decisionRuleId: rule.id,
      notes: 'Arrived broken.',
      requestedById: t.customerId,
      decision: { ruleId: rule.id, charge: { outcome: 'CHARGED', budgetId: budget.id } },
    })
    const asAgent = await ok<{ decision: Body & { charge: Body } }>(
      await api(`/v1/refunds/${created.id}`, { token: t.tokens.AGENT }),
    )
    expect(asAgent.decision).toMatchObject({ ruleId: rule.id, charge: { outcome: 'CHARGED' } })
    expect(keysOf(asAgent.decision.charge)).toEqual(['outcome'])

    // Staff creating a refund get their role's representation back: an AGENT the trace without the guardrail (an
    // agent's limit is for the roles of GET /v1/agents/{id}; its own it reads at GET /v1/me).
    const byAgent = await ok<Body & { decision: Body }>(
      await post(t, '/v1/refunds', 'AGENT', {
        customerId: t.customerId,
        amount: '10.00',
        currency: 'USD',
        reason: 'OTHER',
      }),
      201,
    )
    expect(keysOf(byAgent)).toEqual(refundKeys.AGENT)
    expect(byAgent.decision).not.toHaveProperty('guardrail')
    const me = await ok<{ agent: { thresholds: Body } }>(await api('/v1/me', { token: t.tokens.AGENT }))
    expect(me.agent.thresholds).toMatchObject({ maxAutoRefundAmount: '500.00' })
    const byAdmin = await ok(
      await post(t, '/v1/refunds', 'ADMIN', {
        customerId: t.customerId,
        amount: '10.00',
        currency: 'USD',
        reason: 'OTHER',
      }),
      201,
    )
    expect(keysOf(byAdmin)).toEqual(refundKeys.ADMIN)
  })

  it('outcome and customerReason follow the refund through its life, in the customer’s words', async () => {
    const t = await createTenant()
    await createBudget(t, '1000.00')
    await createRule(t, approveSmall)
    await createRule(t, {
      name: 'No refunds for OTHER',
      priority: 1,
      action: 'AUTO_REJECT',
      conditions: { all: [{ fact: 'refund.reason', operator: 'equal', value: 'OTHER' }] },
    })
    const asCustomer = async (id: string) => ok(await api(`/v1/refunds/${id}`, { token: t.tokens.CUSTOMER }))
    const auto = await ok<Body & { id: string }>(await customerRefund(t, '10.00'), 201)
    expect(auto).toMatchObject({ outcome: 'APPROVED', customerReason: 'Approved automatically.' })
    await ok(await post(t, `/v1/refunds/${auto.id}/process`, 'ADMIN'))
    expect(await asCustomer(auto.id)).toMatchObject({
      outcome: 'REFUNDED',
      customerReason: 'Approved and paid out.',
    })

    const big = await ok<Body & { id: string }>(await customerRefund(t, '80.00'), 201)
    expect(big).toMatchObject({
      status: 'PENDING',
      outcome: 'IN_REVIEW',
      customerReason: 'Your request needs review by our team.',
      allowedActions: ['cancel'],
    })
    await ok(await post(t, `/v1/refunds/${big.id}/approve`, 'REPRESENTATIVE'))
    expect(await asCustomer(big.id)).toMatchObject({
      outcome: 'APPROVED',
      customerReason: 'Approved by our team.',
    })

    const declined = await ok<Body & { id: string }>(await customerRefund(t, '90.00'), 201)
    await ok(
      await post(t, `/v1/refunds/${declined.id}/reject`, 'ADMIN', { notes: 'Used for a year: internal.' }),
    )
    const declinedView = await asCustomer(declined.id)
    expect(declinedView).toMatchObject({
      outcome: 'NOT_ELIGIBLE',
      customerReason: 'Reviewed by our team: not eligible for a refund.',
    })
    expect(JSON.stringify(declinedView)).not.toContain('internal')

    const rejected = await ok(
      await post(t, '/v1/refunds', 'CUSTOMER', { amount: '5.00', currency: 'USD', reason: 'OTHER' }),
      201,
    )
    expect(rejected).toMatchObject({
      status: 'REJECTED',
      outcome: 'NOT_ELIGIBLE',
      customerReason: 'Not eligible for a refund under our refund policy.',
    })

    const cancelled = await ok<Body & { id: string }>(await customerRefund(t, '70.00'), 201)
    const cancel = await ok(await post(t, `/v1/refunds/${cancelled.id}/cancel`, 'CUSTOMER'))
    expect(keysOf(cancel)).toEqual(refundKeys.CUSTOMER)
    expect(cancel).toMatchObject({ outcome: 'CANCELLED', customerReason: 'The request was cancelled.' })
    // The stored row still holds everything staff need.
    const [row] = await ownerDb.select().from(refunds).where(eq(refunds.id, declined.id))
    expect(row).toMatchObject({ notes: 'Used for a year: internal.' })
  })
})

describe('a role does not learn through one operation what another refuses it', () => {
  it('POST /v1/decision-rules/evaluate shows the budget only to roles that may read budgets', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '30.00')
    await createRule(t, approveSmall)
    const body = { customerId: t.customerId, amount: '25.00', currency: 'USD', reason: 'OTHER' }
    for (const role of ['ADMIN', 'REPRESENTATIVE'] as const) {
      expect(await ok(await post(t, '/v1/decision-rules/evaluate', role, body)), role).toMatchObject({
        action: 'AUTO_APPROVE',
        budget: { budgetId: budget.id, remaining: '30.00', wouldCharge: true },
      })
    }
    // The AGENT may not GET /v1/budgets: no budget id, no remaining, no "would it fit" for amounts it picks.
    expect((await api('/v1/budgets', { token: t.tokens.AGENT })).status).toBe(403)
    for (const amount of ['25.00', '40.00']) {
      const asAgent = await ok(await post(t, '/v1/decision-rules/evaluate', 'AGENT', { ...body, amount }))
      expect(keysOf(asAgent)).toEqual(['action', 'decision', 'decisionRuleId', 'escalationReason'])
      expect(JSON.stringify(asAgent)).not.toContain(budget.id)
      expect(JSON.stringify(asAgent)).not.toContain('remaining')
    }
  })

  it('a refund’s trace shows an agent’s maxAutoRefundAmount only to roles that may read agents: REST, events, GraphQL', async () => {
    const t = await createTenant()
    await createBudget(t, '1000.00')
    await createRule(t, approveSmall)
    await ownerDb
      .update(agentConfigurations)
      .set({ thresholds: { maxAutoRefundAmount: '20.00' } })
      .where(eq(agentConfigurations.id, t.agentId))
    // Another AI agent of the organization: it reads refunds, never agent configurations (their limits).
    const [otherAgent] = await ownerDb
      .insert(agentConfigurations)
      .values({
        organizationId: t.organizationId,
        name: 'Refund bot',
        type: 'REFUND_PROCESSOR',
        status: 'ACTIVE',
        model: 'test-model',
      })
      .returning({ id: agentConfigurations.id })
    const otherToken = await tokenFor(t.organizationId, otherAgent?.id as string, 'AGENT')
    expect((await api(`/v1/agents/${t.agentId}`, { token: otherToken })).status).toBe(403)

    const refund = await ok<Body & { id: string }>(
      await post(t, '/v1/refunds', 'AGENT', {
        customerId: t.customerId,
        amount: '30.00',
        currency: 'USD',
        reason: 'OTHER',
      }),
      201,
    )
    for (const role of ['ADMIN', 'REPRESENTATIVE'] as const) {
      const view = await ok(await api(`/v1/refunds/${refund.id}`, { token: t.tokens[role] }))
      expect(view, role).toMatchObject({
        decision: { finalAction: 'ESCALATE', guardrail: { maxAutoRefundAmount: '20.00', exceeded: true } },
      })
    }
    // An AGENT gets the trace (it may read decision rules) without the limit, on every surface.
    const asAgent = await ok<{ decision: Body }>(await api(`/v1/refunds/${refund.id}`, { token: otherToken }))
    expect(asAgent.decision).toMatchObject({ action: 'AUTO_APPROVE', finalAction: 'ESCALATE' })
    expect(asAgent.decision).not.toHaveProperty('guardrail')
    expect(keysOf(refund.decision)).toEqual(keysOf(asAgent.decision))
    const events = await ok<{ data: Array<{ data: { object: Body } }> }>(
      await api(`/v1/events?objectId=${refund.id}`, { token: otherToken }),
    )
    expect(events.data.length).toBeGreaterThan(0)
    for (const event of events.data) expect(JSON.stringify(event)).not.toContain('maxAutoRefundAmount')
    const query = await graphql(
      otherToken,
      `{ refund(id: "${refund.id}") { decision { guardrail { maxAutoRefundAmount } } } }`,
    )
    expect(query.status, JSON.stringify(query.body)).toBe(400)
    expect(JSON.stringify(query.body)).not.toContain('20.00')
  })

  it('the OpenAPI document derives who gets a field from the guarding operation’s declared roles', async () => {
    const document = await json<{
      paths: Record<string, Record<string, { 'x-permission': { roles: string[] } }>>
      components: {
        schemas: Record<string, ObjectSchema & { allOf?: ObjectSchema[] }>
      }
    }>(await api('/openapi.json'))
    const rolesOf = (path: string) => document.paths[path]?.get?.['x-permission'].roles
    const schemas = document.components.schemas
    const expectations: Array<[string, string, string[] | undefined]> = [
      ['Refund', 'decision', rolesOf('/v1/decision-rules/{ruleId}')],
      ['Refund', 'decisionRuleId', rolesOf('/v1/decision-rules/{ruleId}')],
      ['Refund', 'budgetId', rolesOf('/v1/budgets/{budgetId}')],
      ['RefundEvaluation', 'budget', rolesOf('/v1/budgets/{budgetId}')],
      ['RefundCharge', 'budgetId', rolesOf('/v1/budgets/{budgetId}')],
      ['RefundDecision', 'guardrail', rolesOf('/v1/agents/{agentId}')],
      ['Ticket', 'assignedRepresentativeId', rolesOf('/v1/representatives/{representativeId}')],
      ['Representative', 'email', rolesOf('/v1/users/{userId}')],
      ['Refund', 'notes', ['ADMIN', 'REPRESENTATIVE', 'AGENT']],
      ['Ticket', 'tags', ['ADMIN', 'REPRESENTATIVE', 'AGENT']],
      ['CustomerProfile', 'context', ['ADMIN', 'REPRESENTATIVE', 'AGENT']],
    ]
    expect(rolesOf('/v1/budgets/{budgetId}')?.sort()).toEqual(['ADMIN', 'REPRESENTATIVE'])
    for (const [schema, field, roles] of expectations) {
      // An extended schema (RefundDecision extends DecisionTrace) declares its own fields in its last allOf part.
      const own = schemas[schema]?.allOf?.at(-1) ?? schemas[schema]
      const property = own?.properties[field]
      const label = `${schema}.${field}`
      expect(property, label).toBeDefined()
      expect([...((property?.['x-visible-to'] as string[] | undefined) ?? [])].sort(), label).toEqual(
        [...(roles ?? [])].sort(),
      )
      expect(property?.description, label).toContain('Only in the representation for')
      expect(own?.required ?? [], `${label} is optional`).not.toContain(field)
    }
  })

  it('a CUSTOMER reading itself sees no standing, lifetime value or notes; an AGENT no representative email', async () => {
    const t = await createTenant()
    await api(`/v1/customers/${t.customerId}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { context: { notes: 'Chargeback risk' }, accountStanding: 'WARNING', lifetimeValue: '999.00' },
    })
    const profileKeys = ['accountTier', 'createdAt', 'currency', 'id', 'preferences', 'updatedAt', 'version']
    const own = await ok<{ profile: Body }>(
      await api(`/v1/customers/${t.customerId}`, { token: t.tokens.CUSTOMER }),
    )
    expect(keysOf(own.profile)).toEqual(profileKeys)
    expect(JSON.stringify(own)).not.toContain('Chargeback')
    const me = await ok<{ customerProfile: Body }>(await api('/v1/me', { token: t.tokens.CUSTOMER }))
    expect(keysOf(me.customerProfile)).toEqual(profileKeys)
    const changed = await ok<{ profile: Body }>(
      await api(`/v1/customers/${t.customerId}`, {
        method: 'PATCH',
        token: t.tokens.CUSTOMER,
        body: { preferences: { language: 'de' } },
      }),
    )
    expect(keysOf(changed.profile)).toEqual(profileKeys)
    for (const role of ['AGENT', 'REPRESENTATIVE', 'ADMIN'] as const) {
      const staffView = await ok<{ profile: Body }>(
        await api(`/v1/customers/${t.customerId}`, { token: t.tokens[role] }),
      )
      expect(staffView.profile, role).toMatchObject({
        accountStanding: 'WARNING',
        lifetimeValue: '999.00',
        context: { notes: 'Chargeback risk' },
      })
    }
    const representative = `/v1/representatives/${t.representativeId}`
    const asAgent = await ok(await api(representative, { token: t.tokens.AGENT }))
    expect(asAgent).not.toHaveProperty('email')
    expect(asAgent).toMatchObject({ name: 'Rita Rep' })
    expect(await ok(await api(representative, { token: t.tokens.REPRESENTATIVE }))).toHaveProperty('email')
  })
})
