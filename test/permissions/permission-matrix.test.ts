import { asc, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import type { PrincipalRole } from '../../src/auth/principal'
import {
  agentConfigurations,
  budgets,
  budgetUsageRecords,
  customerProfiles,
  decisionRules,
  escalations,
  events,
  messageAttachments,
  messages,
  organizations,
  performanceMetrics,
  refunds,
  representatives,
  teamPerformance,
  tickets,
  users,
  webhookDeliveries,
  webhookEndpoints,
} from '../../src/db/schema'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb } from '../support/db'
import { createTenant, type TestTenant, tokenFor } from '../support/tenants'

/**
 * The permission matrix of the issue: every /v1 tenant route × every kind of caller, with the answer
 * each must get. A refused write must leave the database as it was; an allowed one must change it.
 */

const actors = ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER (own)', 'CUSTOMER (other’s)'] as const
type Actor = (typeof actors)[number]

interface Outcome {
  status: number
  code?: string
}
const ok: Outcome = { status: 200 }
const created: Outcome = { status: 201 }
const forbidden: Outcome = { status: 403, code: 'FORBIDDEN' }
const notFound: Outcome = { status: 404, code: 'NOT_FOUND' }
/** Past the permission and ownership checks: the fixture's ticket is OPEN, not yet rateable. */
const notResolved: Outcome = { status: 409, code: 'TICKET_NOT_RESOLVED' }

/** A fresh tenant and one ticket of its CUSTOMER, assigned to its ONLINE representative. */
interface Fixture {
  tenant: TestTenant
  ticketId: string
  /** Ids a route's `prepare` created for it (a refund, a budget, a rule). */
  ids: Record<string, string>
}

interface Call {
  method: string
  path: string
  token: string
  body?: unknown
  /** A body that is not JSON says its media type (a file upload). */
  contentType?: string
}

interface RouteCase {
  /** As in the OpenAPI document: `METHOD /path`. */
  operation: string
  call(fixture: Fixture, actor: Actor): Call
  /** Creates what the route acts on, before the call (as the fixture's ADMIN). */
  prepare?(fixture: Fixture): Promise<Record<string, string>>
  /** Writes: what the route may change, read as the owner (RLS does not apply). */
  state?(fixture: Fixture): Promise<unknown>
  /** Reads: what the caller must (not) see of the fixture. */
  check?(body: unknown, fixture: Fixture, actor: Actor): void
  expected: Record<Actor, Outcome>
}

/** The token of an actor: "CUSTOMER (other’s)" is the customer who does not own the fixture's ticket. */
function tokenOf({ tenant }: Fixture, actor: Actor): string {
  switch (actor) {
    case 'CUSTOMER (own)':
      return tenant.tokens.CUSTOMER
    case 'CUSTOMER (other’s)':
      return tenant.tokens.OTHER_CUSTOMER
    default:
      return tenant.tokens[actor]
  }
}

const organizationRow = ({ tenant }: Fixture) =>
  ownerDb.select().from(organizations).where(eq(organizations.id, tenant.organizationId))

const ticketRows = ({ tenant }: Fixture) =>
  ownerDb
    .select()
    .from(tickets)
    .where(eq(tickets.organizationId, tenant.organizationId))
    .orderBy(asc(tickets.id))

const ticketPath = ({ ticketId }: Fixture, suffix = '') => `/v1/tickets/${ticketId}${suffix}`

const routes: RouteCase[] = [
  {
    operation: 'GET /v1/organization',
    call: (f, actor) => ({ method: 'GET', path: '/v1/organization', token: tokenOf(f, actor) }),
    check: (body, f) => expect(body).toMatchObject({ id: f.tenant.organizationId }),
    expected: {
      ADMIN: ok,
      REPRESENTATIVE: ok,
      AGENT: ok,
      'CUSTOMER (own)': forbidden,
      'CUSTOMER (other’s)': forbidden,
    },
  },
  {
    operation: 'PATCH /v1/organization',
    call: (f, actor) => ({
      method: 'PATCH',
      path: '/v1/organization',
      token: tokenOf(f, actor),
      body: { name: `Renamed by ${actor}`, settings: { changedBy: actor } },
    }),
    state: organizationRow,
    expected: {
      ADMIN: ok,
      REPRESENTATIVE: forbidden,
      AGENT: forbidden,
      'CUSTOMER (own)': forbidden,
      'CUSTOMER (other’s)': forbidden,
    },
  },
  {
    operation: 'GET /v1/tickets',
    call: (f, actor) => ({ method: 'GET', path: '/v1/tickets', token: tokenOf(f, actor) }),
    check: (body, f, actor) => {
      const ids = (body as { data: Array<{ id: string }> }).data.map((ticket) => ticket.id)
      expect(ids).toEqual(actor === 'CUSTOMER (other’s)' ? [] : [f.ticketId])
    },
    expected: {
      ADMIN: ok,
      REPRESENTATIVE: ok,
      AGENT: ok,
      'CUSTOMER (own)': ok,
      'CUSTOMER (other’s)': ok,
    },
  },
  {
    operation: 'POST /v1/tickets',
    // A CUSTOMER creates for themself (no customerId); "other’s" tries to create one for the other customer.
    call: (f, actor) => ({
      method: 'POST',
      path: '/v1/tickets',
      token: actor.startsWith('CUSTOMER') ? f.tenant.tokens.CUSTOMER : tokenOf(f, actor),
      body: {
        subject: `Opened by ${actor}`,
        description: 'Something broke.',
        ...(actor === 'CUSTOMER (own)' ? {} : { customerId: f.tenant.otherCustomerId }),
      },
    }),
    state: ticketRows,
    expected: {
      ADMIN: created,
      REPRESENTATIVE: created,
      AGENT: created,
      'CUSTOMER (own)': created,
      'CUSTOMER (other’s)': forbidden,
    },
  },
  {
    operation: 'GET /v1/tickets/{ticketId}',
    call: (f, actor) => ({ method: 'GET', path: ticketPath(f), token: tokenOf(f, actor) }),
    check: (body, f) => expect(body).toMatchObject({ id: f.ticketId, customerId: f.tenant.customerId }),
    expected: {
      ADMIN: ok,
      REPRESENTATIVE: ok,
      AGENT: ok,
      'CUSTOMER (own)': ok,
      'CUSTOMER (other’s)': notFound,
    },
  },
  {
    operation: 'PATCH /v1/tickets/{ticketId}',
    call: (f, actor) => ({
      method: 'PATCH',
      path: ticketPath(f),
      token: tokenOf(f, actor),
      body: { description: `Edited by ${actor}` },
    }),
    state: ticketRows,
    expected: {
      ADMIN: ok,
      REPRESENTATIVE: ok,
      AGENT: ok,
      'CUSTOMER (own)': ok,
      'CUSTOMER (other’s)': notFound,
    },
  },
  {
    operation: 'PUT /v1/tickets/{ticketId}/assignee',
    call: (f, actor) => ({
      method: 'PUT',
      path: ticketPath(f, '/assignee'),
      token: tokenOf(f, actor),
      body: { representativeId: f.tenant.offlineRepresentativeId },
    }),
    state: ticketRows,
    expected: {
      ADMIN: ok,
      REPRESENTATIVE: ok,
      AGENT: ok,
      'CUSTOMER (own)': forbidden,
      'CUSTOMER (other’s)': forbidden,
    },
  },
  {
    operation: 'DELETE /v1/tickets/{ticketId}/assignee',
    call: (f, actor) => ({ method: 'DELETE', path: ticketPath(f, '/assignee'), token: tokenOf(f, actor) }),
    state: ticketRows,
    expected: {
      ADMIN: ok,
      REPRESENTATIVE: ok,
      AGENT: ok,
      'CUSTOMER (own)': forbidden,
      'CUSTOMER (other’s)': forbidden,
    },
  },
  {
    operation: 'PUT /v1/tickets/{ticketId}/satisfaction',
    call: (f, actor) => ({
      method: 'PUT',
      path: ticketPath(f, '/satisfaction'),
      token: tokenOf(f, actor),
      body: { rating: 5 },
    }),
    state: ticketRows,
    expected: {
      ADMIN: forbidden,
      REPRESENTATIVE: forbidden,
      AGENT: forbidden,
      'CUSTOMER (own)': notResolved,
      'CUSTOMER (other’s)': notFound,
    },
  },
]

const all = (outcome: Outcome): Record<Actor, Outcome> => ({
  ADMIN: outcome,
  REPRESENTATIVE: outcome,
  AGENT: outcome,
  'CUSTOMER (own)': outcome,
  'CUSTOMER (other’s)': outcome,
})
const only = (allowed: Partial<Record<Actor, Outcome>>): Record<Actor, Outcome> => ({
  ...all(forbidden),
  ...allowed,
})
const staff = { ADMIN: ok, REPRESENTATIVE: ok }

const rowsOf =
  (table: typeof users | typeof representatives | typeof customerProfiles | typeof agentConfigurations) =>
  ({ tenant }: Fixture) =>
    ownerDb.select().from(table).where(eq(table.organizationId, tenant.organizationId)).orderBy(asc(table.id))

routes.push(
  {
    operation: 'GET /v1/me',
    call: (f, actor) => ({ method: 'GET', path: '/v1/me', token: tokenOf(f, actor) }),
    check: (body, f, actor) => {
      const me = body as { role: string; user: { id: string } | null; agent: { id: string } | null }
      if (actor === 'AGENT') expect(me.agent?.id).toBe(f.tenant.agentId)
      if (actor === 'CUSTOMER (own)') expect(me.user?.id).toBe(f.tenant.customerId)
      if (actor === 'CUSTOMER (other’s)') expect(me.user?.id).toBe(f.tenant.otherCustomerId)
    },
    expected: all(ok),
  },
  {
    operation: 'PUT /v1/me/status',
    call: (f, actor) => ({
      method: 'PUT',
      path: '/v1/me/status',
      token: tokenOf(f, actor),
      body: { status: 'BUSY' },
    }),
    state: rowsOf(representatives),
    // The fixture's ADMIN has no representative profile.
    expected: only({ ADMIN: notFound, REPRESENTATIVE: ok }),
  },
  {
    operation: 'GET /v1/users',
    call: (f, actor) => ({ method: 'GET', path: '/v1/users', token: tokenOf(f, actor) }),
    check: (body) => expect((body as { data: unknown[] }).data).toHaveLength(5),
    expected: only(staff),
  },
  {
    operation: 'POST /v1/users',
    call: (f, actor) => ({
      method: 'POST',
      path: '/v1/users',
      token: tokenOf(f, actor),
      body: { email: `new-${crypto.randomUUID()}@example.com`, name: 'New', role: 'REPRESENTATIVE' },
    }),
    state: rowsOf(users),
    expected: only({ ADMIN: created }),
  },
  {
    operation: 'GET /v1/users/{userId}',
    call: (f, actor) => ({
      method: 'GET',
      path: `/v1/users/${f.tenant.customerId}`,
      token: tokenOf(f, actor),
    }),
    check: (body, f) => expect(body).toMatchObject({ id: f.tenant.customerId, role: 'CUSTOMER' }),
    expected: only(staff),
  },
  {
    operation: 'PATCH /v1/users/{userId}',
    call: (f, actor) => ({
      method: 'PATCH',
      path: `/v1/users/${f.tenant.customerId}`,
      token: tokenOf(f, actor),
      body: { name: `Renamed by ${actor}` },
    }),
    state: rowsOf(users),
    expected: only({ ADMIN: ok }),
  },
  {
    operation: 'GET /v1/representatives',
    call: (f, actor) => ({ method: 'GET', path: '/v1/representatives', token: tokenOf(f, actor) }),
    check: (body) => expect((body as { data: unknown[] }).data).toHaveLength(2),
    expected: only({ ...staff, AGENT: ok }),
  },
  {
    operation: 'GET /v1/representatives/{representativeId}',
    call: (f, actor) => ({
      method: 'GET',
      path: `/v1/representatives/${f.tenant.representativeId}`,
      token: tokenOf(f, actor),
    }),
    check: (body, f) => expect(body).toMatchObject({ id: f.tenant.representativeId, name: 'Rita Rep' }),
    expected: only({ ...staff, AGENT: ok }),
  },
  {
    operation: 'PATCH /v1/representatives/{representativeId}',
    call: (f, actor) => ({
      method: 'PATCH',
      path: `/v1/representatives/${f.tenant.representativeId}`,
      token: tokenOf(f, actor),
      body: { maxConcurrentTickets: 9 },
    }),
    state: rowsOf(representatives),
    expected: only({ ADMIN: ok }),
  },
  {
    operation: 'GET /v1/customers',
    call: (f, actor) => ({ method: 'GET', path: '/v1/customers', token: tokenOf(f, actor) }),
    check: (body, f, actor) => {
      const ids = (body as { data: Array<{ id: string }> }).data.map((customer) => customer.id).sort()
      if (actor === 'CUSTOMER (own)') expect(ids).toEqual([f.tenant.customerId])
      else if (actor === 'CUSTOMER (other’s)') expect(ids).toEqual([f.tenant.otherCustomerId])
      else expect(ids).toEqual([f.tenant.customerId, f.tenant.otherCustomerId].sort())
    },
    expected: all(ok),
  },
  {
    operation: 'GET /v1/customers/{customerId}',
    call: (f, actor) => ({
      method: 'GET',
      path: `/v1/customers/${f.tenant.customerId}`,
      token: tokenOf(f, actor),
    }),
    check: (body, f) =>
      expect(body).toMatchObject({ id: f.tenant.customerId, profile: { accountTier: 'PREMIUM' } }),
    expected: { ...all(ok), 'CUSTOMER (other’s)': notFound },
  },
  {
    operation: 'PATCH /v1/customers/{customerId}',
    call: (f, actor) => ({
      method: 'PATCH',
      path: `/v1/customers/${f.tenant.customerId}`,
      token: tokenOf(f, actor),
      body: { preferences: { channel: 'email', by: actor } },
    }),
    state: rowsOf(customerProfiles),
    expected: { ...only({ ...staff, 'CUSTOMER (own)': ok }), 'CUSTOMER (other’s)': notFound },
  },
  {
    operation: 'GET /v1/agents',
    call: (f, actor) => ({ method: 'GET', path: '/v1/agents', token: tokenOf(f, actor) }),
    check: (body) => expect((body as { data: unknown[] }).data).toHaveLength(2),
    expected: only(staff),
  },
  {
    operation: 'POST /v1/agents',
    call: (f, actor) => ({
      method: 'POST',
      path: '/v1/agents',
      token: tokenOf(f, actor),
      body: { name: 'New bot', type: 'TRIAGE', model: 'm' },
    }),
    state: rowsOf(agentConfigurations),
    expected: only({ ADMIN: created }),
  },
  {
    operation: 'GET /v1/agents/{agentId}',
    call: (f, actor) => ({ method: 'GET', path: `/v1/agents/${f.tenant.agentId}`, token: tokenOf(f, actor) }),
    check: (body, f) => expect(body).toMatchObject({ id: f.tenant.agentId, status: 'ACTIVE' }),
    expected: only(staff),
  },
  {
    operation: 'PATCH /v1/agents/{agentId}',
    call: (f, actor) => ({
      method: 'PATCH',
      path: `/v1/agents/${f.tenant.pausedAgentId}`,
      token: tokenOf(f, actor),
      body: { model: `changed by ${actor}` },
    }),
    state: rowsOf(agentConfigurations),
    expected: only({ ADMIN: ok }),
  },
)

/* The money path: decision rules, refunds, budgets. */
const created204: Outcome = { status: 204 }
const tenantRows =
  (table: typeof refunds | typeof budgets | typeof decisionRules | typeof budgetUsageRecords) =>
  ({ tenant }: Fixture) =>
    ownerDb.select().from(table).where(eq(table.organizationId, tenant.organizationId)).orderBy(asc(table.id))
const moneyState = async (f: Fixture) => ({
  refunds: await tenantRows(refunds)(f),
  budgets: await tenantRows(budgets)(f),
  usage: await tenantRows(budgetUsageRecords)(f),
})
const asAdmin = async (f: Fixture, path: string, body?: unknown) => {
  const response = await api(path, { method: 'POST', token: f.tenant.tokens.ADMIN, body })
  expect(response.status, `${path}: ${await response.clone().text()}`).toBeLessThan(300)
  return (await json<{ id: string }>(response)).id
}
const month = () => {
  const now = new Date()
  const day = (d: Date) => d.toISOString().slice(0, 10)
  return {
    periodStart: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))),
    periodEnd: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0))),
  }
}
const newBudget = (f: Fixture) =>
  asAdmin(f, '/v1/budgets', { name: 'Matrix budget', amount: '500.00', ...month() })
const newRule = (f: Fixture) =>
  asAdmin(f, '/v1/decision-rules', {
    name: 'Matrix rule',
    action: 'REQUIRE_APPROVAL',
    conditions: { all: [] },
  })
/** A PENDING refund of the fixture's own customer, requested by that customer. */
const customersRefund = async (f: Fixture) => {
  const response = await api('/v1/refunds', {
    method: 'POST',
    token: f.tenant.tokens.CUSTOMER,
    body: { amount: '10.00', currency: 'USD', reason: 'LATE_DELIVERY' },
  })
  return (await json<{ id: string }>(response)).id
}
const refundPath = (f: Fixture, suffix = '') => `/v1/refunds/${f.ids.refundId}${suffix}`
const deciders = { ADMIN: ok, REPRESENTATIVE: ok }

routes.push(
  {
    operation: 'GET /v1/decision-rules',
    prepare: async (f) => ({ ruleId: await newRule(f) }),
    call: (f, actor) => ({ method: 'GET', path: '/v1/decision-rules', token: tokenOf(f, actor) }),
    check: (body, f) =>
      expect((body as { data: Array<{ id: string }> }).data.map((r) => r.id)).toEqual([f.ids.ruleId]),
    expected: only({ ...deciders, AGENT: ok }),
  },
  {
    operation: 'POST /v1/decision-rules',
    call: (f, actor) => ({
      method: 'POST',
      path: '/v1/decision-rules',
      token: tokenOf(f, actor),
      body: { name: `By ${actor}`, action: 'ESCALATE', conditions: { all: [] } },
    }),
    state: tenantRows(decisionRules),
    expected: only({ ADMIN: created }),
  },
  {
    operation: 'GET /v1/decision-rules/{ruleId}',
    prepare: async (f) => ({ ruleId: await newRule(f) }),
    call: (f, actor) => ({
      method: 'GET',
      path: `/v1/decision-rules/${f.ids.ruleId}`,
      token: tokenOf(f, actor),
    }),
    check: (body, f) => expect(body).toMatchObject({ id: f.ids.ruleId }),
    expected: only({ ...deciders, AGENT: ok }),
  },
  {
    operation: 'PATCH /v1/decision-rules/{ruleId}',
    prepare: async (f) => ({ ruleId: await newRule(f) }),
    call: (f, actor) => ({
      method: 'PATCH',
      path: `/v1/decision-rules/${f.ids.ruleId}`,
      token: tokenOf(f, actor),
      body: { priority: 7 },
    }),
    state: tenantRows(decisionRules),
    expected: only({ ADMIN: ok }),
  },
  {
    operation: 'DELETE /v1/decision-rules/{ruleId}',
    prepare: async (f) => ({ ruleId: await newRule(f) }),
    call: (f, actor) => ({
      method: 'DELETE',
      path: `/v1/decision-rules/${f.ids.ruleId}`,
      token: tokenOf(f, actor),
    }),
    state: tenantRows(decisionRules),
    expected: only({ ADMIN: created204 }),
  },
  {
    operation: 'POST /v1/decision-rules/evaluate',
    call: (f, actor) => ({
      method: 'POST',
      path: '/v1/decision-rules/evaluate',
      token: tokenOf(f, actor),
      body: { customerId: f.tenant.customerId, amount: '5.00', currency: 'USD', reason: 'OTHER' },
    }),
    check: (body) => expect(body).toMatchObject({ action: 'REQUIRE_APPROVAL' }),
    expected: only({ ...deciders, AGENT: ok }),
  },
  {
    operation: 'GET /v1/refunds',
    prepare: async (f) => ({ refundId: await customersRefund(f) }),
    call: (f, actor) => ({ method: 'GET', path: '/v1/refunds', token: tokenOf(f, actor) }),
    check: (body, f, actor) => {
      const ids = (body as { data: Array<{ id: string }> }).data.map((refund) => refund.id)
      expect(ids).toEqual(actor === 'CUSTOMER (other’s)' ? [] : [f.ids.refundId])
    },
    expected: all(ok),
  },
  {
    operation: 'POST /v1/refunds',
    call: (f, actor) => ({
      method: 'POST',
      path: '/v1/refunds',
      token: actor.startsWith('CUSTOMER') ? f.tenant.tokens.CUSTOMER : tokenOf(f, actor),
      body: {
        amount: '3.00',
        currency: 'USD',
        reason: 'OTHER',
        ...(actor === 'CUSTOMER (own)' ? {} : { customerId: f.tenant.otherCustomerId }),
      },
    }),
    state: moneyState,
    expected: { ...all(created), 'CUSTOMER (other’s)': forbidden },
  },
  {
    operation: 'GET /v1/refunds/{refundId}',
    prepare: async (f) => ({ refundId: await customersRefund(f) }),
    call: (f, actor) => ({ method: 'GET', path: refundPath(f), token: tokenOf(f, actor) }),
    check: (body, f) => expect(body).toMatchObject({ id: f.ids.refundId, status: 'PENDING' }),
    expected: { ...all(ok), 'CUSTOMER (other’s)': notFound },
  },
  {
    operation: 'POST /v1/refunds/{refundId}/approve',
    prepare: async (f) => ({ budgetId: await newBudget(f), refundId: await customersRefund(f) }),
    call: (f, actor) => ({ method: 'POST', path: refundPath(f, '/approve'), token: tokenOf(f, actor) }),
    state: moneyState,
    expected: only(deciders),
  },
  {
    operation: 'POST /v1/refunds/{refundId}/reject',
    prepare: async (f) => ({ refundId: await customersRefund(f) }),
    call: (f, actor) => ({
      method: 'POST',
      path: refundPath(f, '/reject'),
      token: tokenOf(f, actor),
      body: { notes: `Rejected by ${actor}` },
    }),
    state: moneyState,
    expected: only(deciders),
  },
  {
    operation: 'POST /v1/refunds/{refundId}/cancel',
    prepare: async (f) => ({ refundId: await customersRefund(f) }),
    call: (f, actor) => ({ method: 'POST', path: refundPath(f, '/cancel'), token: tokenOf(f, actor) }),
    state: moneyState,
    // The customer requested it: it and staff may cancel; the agent did not request it.
    expected: {
      ...deciders,
      AGENT: { status: 403, code: 'NOT_THE_REQUESTER' },
      'CUSTOMER (own)': ok,
      'CUSTOMER (other’s)': notFound,
    },
  },
  {
    operation: 'POST /v1/refunds/{refundId}/process',
    prepare: async (f) => {
      await newBudget(f)
      const refundId = await customersRefund(f)
      await asAdmin(f, `/v1/refunds/${refundId}/approve`)
      return { refundId }
    },
    call: (f, actor) => ({ method: 'POST', path: refundPath(f, '/process'), token: tokenOf(f, actor) }),
    state: moneyState,
    expected: only(deciders),
  },
  {
    operation: 'GET /v1/budgets',
    prepare: async (f) => ({ budgetId: await newBudget(f) }),
    call: (f, actor) => ({ method: 'GET', path: '/v1/budgets', token: tokenOf(f, actor) }),
    check: (body, f) =>
      expect((body as { data: Array<{ id: string }> }).data.map((b) => b.id)).toEqual([f.ids.budgetId]),
    expected: only(deciders),
  },
  {
    operation: 'POST /v1/budgets',
    call: (f, actor) => ({
      method: 'POST',
      path: '/v1/budgets',
      token: tokenOf(f, actor),
      body: { name: `By ${actor}`, amount: '10.00', ...month() },
    }),
    state: tenantRows(budgets),
    expected: only({ ADMIN: created }),
  },
  {
    operation: 'GET /v1/budgets/{budgetId}',
    prepare: async (f) => ({ budgetId: await newBudget(f) }),
    call: (f, actor) => ({ method: 'GET', path: `/v1/budgets/${f.ids.budgetId}`, token: tokenOf(f, actor) }),
    check: (body, f) =>
      expect(body).toMatchObject({ id: f.ids.budgetId, spent: '0.00', remaining: '500.00' }),
    expected: only(deciders),
  },
  {
    operation: 'PATCH /v1/budgets/{budgetId}',
    prepare: async (f) => ({ budgetId: await newBudget(f) }),
    call: (f, actor) => ({
      method: 'PATCH',
      path: `/v1/budgets/${f.ids.budgetId}`,
      token: tokenOf(f, actor),
      body: { amount: '600.00' },
    }),
    state: tenantRows(budgets),
    expected: only({ ADMIN: ok }),
  },
  {
    operation: 'GET /v1/budgets/{budgetId}/usage',
    prepare: async (f) => ({ budgetId: await newBudget(f) }),
    call: (f, actor) => ({
      method: 'GET',
      path: `/v1/budgets/${f.ids.budgetId}/usage`,
      token: tokenOf(f, actor),
    }),
    check: (body) => expect(body).toEqual({ data: [], nextCursor: null }),
    expected: only(deciders),
  },
  {
    operation: 'POST /v1/budgets/{budgetId}/next-period',
    prepare: async (f) => ({ budgetId: await newBudget(f) }),
    call: (f, actor) => ({
      method: 'POST',
      path: `/v1/budgets/${f.ids.budgetId}/next-period`,
      token: tokenOf(f, actor),
    }),
    state: tenantRows(budgets),
    expected: only({ ADMIN: created }),
  },
)

/* Escalations and metrics. */
const escalationRows = ({ tenant }: Fixture) =>
  ownerDb
    .select()
    .from(escalations)
    .where(eq(escalations.organizationId, tenant.organizationId))
    .orderBy(asc(escalations.id))
const metricRows = async ({ tenant }: Fixture) => ({
  metrics: await ownerDb
    .select()
    .from(performanceMetrics)
    .where(eq(performanceMetrics.organizationId, tenant.organizationId))
    .orderBy(asc(performanceMetrics.id)),
  team: await ownerDb
    .select()
    .from(teamPerformance)
    .where(eq(teamPerformance.organizationId, tenant.organizationId))
    .orderBy(asc(teamPerformance.id)),
})
/** An escalation of the fixture's ticket opened by its AGENT, moved along as far as `until` by its ADMIN. */
const preparedEscalation = async (f: Fixture, until: 'PENDING' | 'ASSIGNED' | 'IN_PROGRESS' = 'PENDING') => {
  const opened = await api('/v1/escalations', {
    method: 'POST',
    token: f.tenant.tokens.AGENT,
    body: { ticketId: f.ticketId, priority: 'HIGH', reason: 'LOW_CONFIDENCE', summary: 'Unsure.' },
  })
  expect(opened.status, await opened.clone().text()).toBe(201)
  const escalationId = (await json<{ id: string }>(opened)).id
  const step = async (action: string, body?: unknown) => {
    const response = await api(`/v1/escalations/${escalationId}/${action}`, {
      method: 'POST',
      token: f.tenant.tokens.ADMIN,
      body,
    })
    expect(response.status, await response.clone().text()).toBe(200)
  }
  // Assigned to the fixture's ONLINE representative: the REPRESENTATIVE caller is its assignee.
  if (until !== 'PENDING') await step('assign', { representativeId: f.tenant.representativeId })
  if (until === 'IN_PROGRESS') await step('start')
  return { escalationId }
}
const escalationPath = (f: Fixture, suffix = '') => `/v1/escalations/${f.ids.escalationId}${suffix}`
const escalationAction = (
  operation: string,
  suffix: string,
  until: 'PENDING' | 'ASSIGNED' | 'IN_PROGRESS',
  body?: (f: Fixture) => unknown,
): RouteCase => ({
  operation,
  prepare: (f) => preparedEscalation(f, until),
  call: (f, actor) => ({
    method: 'POST',
    path: escalationPath(f, suffix),
    token: tokenOf(f, actor),
    ...(body ? { body: body(f) } : {}),
  }),
  state: escalationRows,
  expected: only(staff),
})
// Today: the fixture's organization is created now, and no metrics row is written for a day before that.
const today = () => new Date().toISOString().slice(0, 10)

routes.push(
  {
    operation: 'GET /v1/escalations',
    prepare: (f) => preparedEscalation(f),
    call: (f, actor) => ({ method: 'GET', path: '/v1/escalations', token: tokenOf(f, actor) }),
    check: (body, f) =>
      expect((body as { data: Array<{ id: string }> }).data.map((e) => e.id)).toEqual([f.ids.escalationId]),
    // The AGENT opened the fixture's escalation: it reads the ones it opened.
    expected: only({ ...staff, AGENT: ok }),
  },
  {
    operation: 'POST /v1/escalations',
    call: (f, actor) => ({
      method: 'POST',
      path: '/v1/escalations',
      token: tokenOf(f, actor),
      body: {
        ticketId: f.ticketId,
        priority: 'CRITICAL',
        reason: 'CUSTOMER_REQUEST',
        summary: `By ${actor}`,
      },
    }),
    state: escalationRows,
    expected: only({ ADMIN: created, REPRESENTATIVE: created, AGENT: created }),
  },
  {
    operation: 'GET /v1/escalations/{escalationId}',
    prepare: (f) => preparedEscalation(f),
    call: (f, actor) => ({ method: 'GET', path: escalationPath(f), token: tokenOf(f, actor) }),
    check: (body, f) => expect(body).toMatchObject({ id: f.ids.escalationId, ticketId: f.ticketId }),
    expected: only({ ...staff, AGENT: ok }),
  },
  {
    operation: 'PATCH /v1/escalations/{escalationId}',
    prepare: (f) => preparedEscalation(f),
    call: (f, actor) => ({
      method: 'PATCH',
      path: escalationPath(f),
      token: tokenOf(f, actor),
      body: { summary: `Edited by ${actor}` },
    }),
    state: escalationRows,
    expected: only(staff),
  },
  escalationAction('POST /v1/escalations/{escalationId}/assign', '/assign', 'PENDING', (f) => ({
    representativeId: f.tenant.representativeId,
  })),
  escalationAction('POST /v1/escalations/{escalationId}/start', '/start', 'ASSIGNED'),
  escalationAction('POST /v1/escalations/{escalationId}/resolve', '/resolve', 'IN_PROGRESS', () => ({
    resolutionNotes: 'Handled.',
  })),
  escalationAction('POST /v1/escalations/{escalationId}/cancel', '/cancel', 'PENDING'),
  {
    operation: 'GET /v1/metrics',
    call: (f, actor) => ({ method: 'GET', path: '/v1/metrics', token: tokenOf(f, actor) }),
    check: (body) => expect((body as { data: unknown[] }).data).toEqual([]),
    expected: only(staff),
  },
  {
    operation: 'GET /v1/metrics/team',
    call: (f, actor) => ({ method: 'GET', path: '/v1/metrics/team', token: tokenOf(f, actor) }),
    check: (body) => expect((body as { data: unknown[] }).data).toEqual([]),
    expected: only(staff),
  },
  {
    operation: 'POST /v1/metrics/recompute',
    call: (f, actor) => ({
      method: 'POST',
      path: '/v1/metrics/recompute',
      token: tokenOf(f, actor),
      body: { from: today(), to: today() },
    }),
    state: metricRows,
    expected: only({ ADMIN: ok }),
  },
)

/* The conversation of the fixture's ticket (docs/conversations.md §1). */
const messageRows = ({ tenant }: Fixture) =>
  ownerDb
    .select()
    .from(messages)
    .where(eq(messages.organizationId, tenant.organizationId))
    .orderBy(asc(messages.id))
/** A PUBLIC reply and an INTERNAL note on the fixture's ticket, by its representative. */
const preparedConversation = async (f: Fixture) => {
  const post = async (body: Record<string, unknown>) => {
    const response = await api(ticketPath(f, '/messages'), {
      method: 'POST',
      token: f.tenant.tokens.REPRESENTATIVE,
      body,
    })
    expect(response.status, await response.clone().text()).toBe(201)
    return (await json<{ id: string }>(response)).id
  }
  return {
    replyId: await post({ body: 'Public reply' }),
    noteId: await post({ body: 'Note', visibility: 'INTERNAL' }),
  }
}
const exceptOtherCustomer = (outcome: Outcome): Record<Actor, Outcome> => ({
  ...all(outcome),
  'CUSTOMER (other’s)': notFound,
})

routes.push(
  {
    operation: 'GET /v1/tickets/{ticketId}/messages',
    prepare: preparedConversation,
    call: (f, actor) => ({ method: 'GET', path: ticketPath(f, '/messages'), token: tokenOf(f, actor) }),
    check: (body, f, actor) => {
      const ids = (body as { data: Array<{ id: string }> }).data.map((m) => m.id)
      expect(ids).toEqual(actor === 'CUSTOMER (own)' ? [f.ids.replyId] : [f.ids.replyId, f.ids.noteId])
    },
    expected: exceptOtherCustomer(ok),
  },
  {
    operation: 'POST /v1/tickets/{ticketId}/messages',
    call: (f, actor) => ({
      method: 'POST',
      path: ticketPath(f, '/messages'),
      token: tokenOf(f, actor),
      body: { body: `Posted by ${actor}` },
    }),
    state: messageRows,
    expected: exceptOtherCustomer(created),
  },
  {
    operation: 'GET /v1/tickets/{ticketId}/messages/{messageId}',
    prepare: preparedConversation,
    call: (f, actor) => ({
      method: 'GET',
      path: ticketPath(f, `/messages/${f.ids.replyId}`),
      token: tokenOf(f, actor),
    }),
    check: (body, f) => expect(body).toMatchObject({ id: f.ids.replyId, body: 'Public reply' }),
    expected: exceptOtherCustomer(ok),
  },
  {
    operation: 'POST /v1/tickets/{ticketId}/messages/{messageId}/redact',
    // The representative's own message: a REPRESENTATIVE redacts its own, an ADMIN any.
    prepare: preparedConversation,
    call: (f, actor) => ({
      method: 'POST',
      path: ticketPath(f, `/messages/${f.ids.replyId}/redact`),
      token: tokenOf(f, actor),
    }),
    state: messageRows,
    expected: only(staff),
  },
)

/* Attachments: as the message they belong to (the author uploads; whoever reads the message reads them). */
const attachmentRows = ({ tenant }: Fixture) =>
  ownerDb
    .select()
    .from(messageAttachments)
    .where(eq(messageAttachments.organizationId, tenant.organizationId))
    .orderBy(asc(messageAttachments.id))
const fileOf = (text: string) => ({ body: text, contentType: 'text/plain' })
/** A reply by each kind of author on the fixture's ticket (an upload goes to the caller's own message). */
const repliesByEveryone = async (f: Fixture) => {
  const replyBy = async (token: string) => {
    const response = await api(ticketPath(f, '/messages'), { method: 'POST', token, body: { body: 'Reply' } })
    expect(response.status, await response.clone().text()).toBe(201)
    return (await json<{ id: string }>(response)).id
  }
  return {
    ADMIN: await replyBy(f.tenant.tokens.ADMIN),
    REPRESENTATIVE: await replyBy(f.tenant.tokens.REPRESENTATIVE),
    AGENT: await replyBy(f.tenant.tokens.AGENT),
    CUSTOMER: await replyBy(f.tenant.tokens.CUSTOMER),
  }
}
/** A PUBLIC reply of the representative with one attachment. */
const preparedAttachment = async (f: Fixture) => {
  const { replyId } = await preparedConversation(f)
  const response = await api(ticketPath(f, `/messages/${replyId}/attachments?fileName=log.txt`), {
    method: 'POST',
    token: f.tenant.tokens.REPRESENTATIVE,
    headers: { 'Content-Type': 'text/plain' },
    body: 'log line',
  })
  expect(response.status, await response.clone().text()).toBe(201)
  return { replyId, attachmentId: (await json<{ id: string }>(response)).id }
}
const attachmentPath = (f: Fixture, suffix = '') =>
  ticketPath(f, `/messages/${f.ids.replyId}/attachments/${f.ids.attachmentId}${suffix}`)

routes.push(
  {
    operation: 'POST /v1/tickets/{ticketId}/messages/{messageId}/attachments',
    prepare: repliesByEveryone,
    call: (f, actor) => {
      const author = actor.startsWith('CUSTOMER') ? 'CUSTOMER' : actor
      return {
        method: 'POST',
        path: ticketPath(f, `/messages/${f.ids[author]}/attachments?fileName=note.txt`),
        token: tokenOf(f, actor),
        ...fileOf(`Uploaded by ${actor}`),
      }
    },
    state: attachmentRows,
    expected: exceptOtherCustomer(created),
  },
  {
    operation: 'GET /v1/tickets/{ticketId}/messages/{messageId}/attachments/{attachmentId}',
    prepare: preparedAttachment,
    call: (f, actor) => ({ method: 'GET', path: attachmentPath(f), token: tokenOf(f, actor) }),
    check: (body, f) => expect(body).toMatchObject({ id: f.ids.attachmentId, fileName: 'log.txt' }),
    expected: exceptOtherCustomer(ok),
  },
  {
    operation: 'GET /v1/tickets/{ticketId}/messages/{messageId}/attachments/{attachmentId}/content',
    prepare: preparedAttachment,
    call: (f, actor) => ({ method: 'GET', path: attachmentPath(f, '/content'), token: tokenOf(f, actor) }),
    expected: exceptOtherCustomer(ok),
  },
)

async function createFixture(): Promise<Fixture> {
  const tenant = await createTenant()
  const response = await api('/v1/tickets', {
    method: 'POST',
    token: tenant.tokens.REPRESENTATIVE,
    body: {
      customerId: tenant.customerId,
      assignedRepresentativeId: tenant.representativeId,
      subject: 'Printer on fire',
      description: 'It is on fire.',
    },
  })
  expect(response.status, await response.clone().text()).toBe(201)
  return { tenant, ticketId: (await json<{ id: string }>(response)).id, ids: {} }
}

function send(call: Call, requestId: string): Promise<Response> {
  return api(call.path, {
    method: call.method,
    token: call.token,
    body: call.body,
    headers: { 'X-Request-Id': requestId, ...(call.contentType ? { 'Content-Type': call.contentType } : {}) },
  })
}

async function expectProblem(response: Response, status: number, code: string): Promise<void> {
  expect(response.headers.get('Content-Type')).toContain('application/problem+json')
  expect(await json(response)).toMatchObject({ status, code })
}

/* Events (docs: README "Events") and webhook endpoints, an ADMIN's. */
const readers = { ADMIN: ok, REPRESENTATIVE: ok, AGENT: ok }
const webhookRows = ({ tenant }: Fixture) =>
  ownerDb
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.organizationId, tenant.organizationId))
    .orderBy(asc(webhookEndpoints.id))
const deliveryRows = ({ tenant }: Fixture) =>
  ownerDb
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.organizationId, tenant.organizationId))
    .orderBy(asc(webhookDeliveries.id))
/** An endpoint for every event (created through the API as the ADMIN), and a delivery to it of a ticket change. */
const preparedEndpoint = async (f: Fixture) => {
  const response = await api('/v1/webhook-endpoints', {
    method: 'POST',
    token: f.tenant.tokens.ADMIN,
    body: { url: 'https://hooks.example.com/matrix', enabledEvents: ['*'] },
  })
  expect(response.status, await response.clone().text()).toBe(201)
  const endpointId = (await json<{ id: string }>(response)).id
  await ownerDb
    .update(tickets)
    .set({ tags: ['matrix'] })
    .where(eq(tickets.id, f.ticketId))
  const [delivery] = await ownerDb
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.endpointId, endpointId))
  return { endpointId, deliveryId: delivery?.id as string }
}
const endpointPath = (f: Fixture, suffix = '') => `/v1/webhook-endpoints/${f.ids.endpointId}${suffix}`
/** preparedEndpoint, and the event of its delivery. */
const preparedEvent = async (f: Fixture) => {
  const ids = await preparedEndpoint(f)
  const [delivery] = await ownerDb
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.id, ids.deliveryId))
  return { ...ids, eventId: delivery?.eventId as string }
}

routes.push(
  {
    operation: 'GET /v1/events',
    call: (f, actor) => ({ method: 'GET', path: '/v1/events', token: tokenOf(f, actor) }),
    check: (body, f) =>
      expect((body as { data: Array<{ objectId: string }> }).data.map((e) => e.objectId)).toContain(
        f.ticketId,
      ),
    expected: only(readers),
  },
  {
    operation: 'GET /v1/events/{eventId}',
    prepare: async (f) => {
      const [event] = await ownerDb.select().from(events).where(eq(events.objectId, f.ticketId))
      return { eventId: event?.id as string }
    },
    call: (f, actor) => ({ method: 'GET', path: `/v1/events/${f.ids.eventId}`, token: tokenOf(f, actor) }),
    check: (body, f) => expect(body).toMatchObject({ id: f.ids.eventId, objectId: f.ticketId }),
    expected: only(readers),
  },
  {
    operation: 'GET /v1/webhook-endpoints',
    prepare: preparedEndpoint,
    call: (f, actor) => ({ method: 'GET', path: '/v1/webhook-endpoints', token: tokenOf(f, actor) }),
    check: (body, f) => expect(body).toMatchObject({ data: [{ id: f.ids.endpointId }] }),
    expected: only({ ADMIN: ok }),
  },
  {
    operation: 'POST /v1/webhook-endpoints',
    call: (f, actor) => ({
      method: 'POST',
      path: '/v1/webhook-endpoints',
      token: tokenOf(f, actor),
      body: { url: 'https://hooks.example.com/new', enabledEvents: ['ticket.*'] },
    }),
    state: webhookRows,
    expected: only({ ADMIN: created }),
  },
  {
    operation: 'GET /v1/webhook-endpoints/{endpointId}',
    prepare: preparedEndpoint,
    call: (f, actor) => ({ method: 'GET', path: endpointPath(f), token: tokenOf(f, actor) }),
    check: (body, f) => expect(body).toMatchObject({ id: f.ids.endpointId }),
    expected: only({ ADMIN: ok }),
  },
  {
    operation: 'PATCH /v1/webhook-endpoints/{endpointId}',
    prepare: preparedEndpoint,
    call: (f, actor) => ({
      method: 'PATCH',
      path: endpointPath(f),
      token: tokenOf(f, actor),
      body: { description: `Edited by ${actor}` },
    }),
    state: webhookRows,
    expected: only({ ADMIN: ok }),
  },
  {
    operation: 'DELETE /v1/webhook-endpoints/{endpointId}',
    prepare: preparedEndpoint,
    call: (f, actor) => ({ method: 'DELETE', path: endpointPath(f), token: tokenOf(f, actor) }),
    state: webhookRows,
    expected: only({ ADMIN: { status: 204 } }),
  },
  {
    operation: 'POST /v1/webhook-endpoints/{endpointId}/rotate-secret',
    prepare: preparedEndpoint,
    call: (f, actor) => ({
      method: 'POST',
      path: endpointPath(f, '/rotate-secret'),
      token: tokenOf(f, actor),
    }),
    state: webhookRows,
    expected: only({ ADMIN: ok }),
  },
  {
    operation: 'GET /v1/webhook-endpoints/{endpointId}/deliveries',
    prepare: preparedEndpoint,
    call: (f, actor) => ({ method: 'GET', path: endpointPath(f, '/deliveries'), token: tokenOf(f, actor) }),
    check: (body, f) => expect(body).toMatchObject({ data: [{ id: f.ids.deliveryId }] }),
    expected: only({ ADMIN: ok }),
  },
  {
    operation: 'GET /v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}',
    prepare: preparedEndpoint,
    call: (f, actor) => ({
      method: 'GET',
      path: endpointPath(f, `/deliveries/${f.ids.deliveryId}`),
      token: tokenOf(f, actor),
    }),
    check: (body, f) => expect(body).toMatchObject({ id: f.ids.deliveryId }),
    expected: only({ ADMIN: ok }),
  },
  {
    operation: 'POST /v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/redeliver',
    prepare: preparedEndpoint,
    call: (f, actor) => ({
      method: 'POST',
      path: endpointPath(f, `/deliveries/${f.ids.deliveryId}/redeliver`),
      token: tokenOf(f, actor),
    }),
    state: deliveryRows,
    expected: only({ ADMIN: { status: 202 } }),
  },
  {
    operation: 'GET /v1/events/{eventId}/deliveries',
    prepare: preparedEvent,
    call: (f, actor) => ({
      method: 'GET',
      path: `/v1/events/${f.ids.eventId}/deliveries`,
      token: tokenOf(f, actor),
    }),
    check: (body, f) => expect(body).toMatchObject({ data: [{ id: f.ids.deliveryId }] }),
    expected: only({ ADMIN: ok }),
  },
  {
    operation: 'POST /v1/events/{eventId}/redeliver',
    prepare: preparedEvent,
    call: (f, actor) => ({
      method: 'POST',
      path: `/v1/events/${f.ids.eventId}/redeliver`,
      token: tokenOf(f, actor),
    }),
    check: (body, f) => expect(body).toMatchObject({ data: [{ id: f.ids.deliveryId, status: 'PENDING' }] }),
    state: deliveryRows,
    expected: only({ ADMIN: { status: 202 } }),
  },
)

/** GraphQL (src/reads/graphql): every role is let in; what it reads is what its REST reads return. */
const ticketQuery = (f: Fixture) => `{ ticket(id: "${f.ticketId}") { id } }`
const checkTicketQuery = (body: unknown, f: Fixture, actor: Actor) => {
  const answer = body as {
    data: { ticket: { id: string } | null }
    errors?: Array<{ extensions: { code: string } }>
  }
  if (actor === 'CUSTOMER (other’s)') {
    expect(answer.data.ticket).toBeNull()
    expect(answer.errors?.[0]?.extensions.code).toBe('NOT_FOUND')
  } else {
    expect(answer).toEqual({ data: { ticket: { id: f.ticketId } } })
  }
}
const everyoneOk: Record<Actor, Outcome> = {
  ADMIN: ok,
  REPRESENTATIVE: ok,
  AGENT: ok,
  'CUSTOMER (own)': ok,
  'CUSTOMER (other’s)': ok,
}
routes.push(
  {
    operation: 'POST /graphql',
    call: (f, actor) => ({
      method: 'POST',
      path: '/graphql',
      token: tokenOf(f, actor),
      body: { query: ticketQuery(f) },
    }),
    check: checkTicketQuery,
    expected: everyoneOk,
  },
  {
    operation: 'GET /graphql',
    call: (f, actor) => ({
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent(ticketQuery(f))}`,
      token: tokenOf(f, actor),
    }),
    check: checkTicketQuery,
    expected: everyoneOk,
  },
)

describe('permission matrix: every /v1 tenant route × every caller', () => {
  for (const route of routes) {
    describe(route.operation, () => {
      for (const actor of actors) {
        const expected = route.expected[actor]
        it(`${actor} → ${expected.status}${expected.code ? ` ${expected.code}` : ''}`, async () => {
          const fixture = await createFixture()
          fixture.ids = (await route.prepare?.(fixture)) ?? {}
          const before = await route.state?.(fixture)
          const requestId = `matrix-${crypto.randomUUID()}`
          const response = await send(route.call(fixture, actor), requestId)
          const text = await response.clone().text()
          expect(response.status, text).toBe(expected.status)
          const after = await route.state?.(fixture)
          if (expected.code) {
            await expectProblem(response, expected.status, expected.code)
            if (route.state) expect(after, 'a refused write changed the database').toEqual(before)
          } else {
            route.check?.(await json(response), fixture, actor)
            if (route.state) expect(after, 'an allowed write changed nothing').not.toEqual(before)
          }
          // A role the route does not allow is refused before the handler gets a database.
          if (expected.code === 'FORBIDDEN') expect(await neonLocalStats(requestId)).toBe(0)
        })
      }
    })
  }

  it('covers exactly the Bearer operations of the OpenAPI document, with the roles it declares', async () => {
    const document = await json<{
      paths: Record<string, Record<string, { security?: unknown; 'x-permission'?: { roles?: string[] } }>>
    }>(await api('/openapi.json'))
    const documented = new Map<string, string[]>()
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (JSON.stringify(operation.security ?? []).includes('"Bearer"')) {
          documented.set(`${method.toUpperCase()} ${path}`, operation['x-permission']?.roles ?? [])
        }
      }
    }
    expect([...documented.keys()].sort()).toEqual(routes.map((route) => route.operation).sort())
    const roleOf: Record<Actor, PrincipalRole> = {
      ADMIN: 'ADMIN',
      REPRESENTATIVE: 'REPRESENTATIVE',
      AGENT: 'AGENT',
      'CUSTOMER (own)': 'CUSTOMER',
      'CUSTOMER (other’s)': 'CUSTOMER',
    }
    for (const route of routes) {
      const allowed = actors.filter((actor) => route.expected[actor].code !== 'FORBIDDEN')
      const roles = new Set(allowed.map((actor) => roleOf[actor]))
      expect([...roles].sort(), route.operation).toEqual([...(documented.get(route.operation) ?? [])].sort())
    }
  })
})

describe('callers the database refuses (one round trip, nothing written)', () => {
  async function expectRefusedWrite(
    fixture: Fixture,
    token: string,
    status: number,
    code: string,
  ): Promise<void> {
    const before = await ticketRows(fixture)
    const requestId = `refused-${crypto.randomUUID()}`
    const response = await send(
      // A change every role may ask for, so that only the database's check can refuse it.
      { method: 'PATCH', path: ticketPath(fixture), token, body: { description: 'Hijacked' } },
      requestId,
    )
    expect(response.status, await response.clone().text()).toBe(status)
    await expectProblem(response, status, code)
    if (status === 401) expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer\b/)
    expect(await neonLocalStats(requestId)).toBe(1)
    expect(await ticketRows(fixture)).toEqual(before)
  }

  it('a paused agent configuration: 401 PRINCIPAL_INACTIVE', async () => {
    const fixture = await createFixture()
    const token = await tokenFor(fixture.tenant.organizationId, fixture.tenant.pausedAgentId, 'AGENT')
    const read = await api('/v1/tickets', { token })
    expect(read.status).toBe(401)
    await expectProblem(read, 401, 'PRINCIPAL_INACTIVE')
    await expectRefusedWrite(fixture, token, 401, 'PRINCIPAL_INACTIVE')
  })

  it('a role claim that differs from the subject’s role: 401 PRINCIPAL_INACTIVE', async () => {
    const fixture = await createFixture()
    const { tenant } = fixture
    const mismatches: Array<[string, PrincipalRole]> = [
      [tenant.customerId, 'ADMIN'],
      [tenant.customerId, 'REPRESENTATIVE'],
      [tenant.representativeUserId, 'ADMIN'],
      [tenant.adminId, 'CUSTOMER'],
      [tenant.adminId, 'AGENT'],
      [tenant.agentId, 'ADMIN'],
      // The representative's profile id is not a user id.
      [tenant.representativeId, 'REPRESENTATIVE'],
    ]
    for (const [subject, role] of mismatches) {
      const token = await tokenFor(tenant.organizationId, subject, role)
      await expectRefusedWrite(fixture, token, 401, 'PRINCIPAL_INACTIVE')
    }
    const before = await organizationRow(fixture)
    const escalated = await api('/v1/organization', {
      method: 'PATCH',
      token: await tokenFor(tenant.organizationId, tenant.customerId, 'ADMIN'),
      body: { name: 'Taken over' },
    })
    expect(escalated.status).toBe(401)
    await expectProblem(escalated, 401, 'PRINCIPAL_INACTIVE')
    expect(await organizationRow(fixture)).toEqual(before)
  })

  it('a user of another organization in this organization’s token: 401 PRINCIPAL_INACTIVE', async () => {
    const [fixture, other] = [await createFixture(), await createTenant()]
    const token = await tokenFor(fixture.tenant.organizationId, other.adminId, 'ADMIN')
    await expectRefusedWrite(fixture, token, 401, 'PRINCIPAL_INACTIVE')
  })

  it('an organization that does not exist: 403 ORGANIZATION_NOT_FOUND', async () => {
    const fixture = await createFixture()
    const token = await tokenFor(crypto.randomUUID(), fixture.tenant.adminId, 'ADMIN')
    const read = await api('/v1/organization', { token })
    expect(read.status).toBe(403)
    await expectProblem(read, 403, 'ORGANIZATION_NOT_FOUND')
    await expectRefusedWrite(fixture, token, 403, 'ORGANIZATION_NOT_FOUND')
  })

  it('a deactivated user: 401 PRINCIPAL_INACTIVE, even as ADMIN', async () => {
    const fixture = await createFixture()
    await ownerDb.update(users).set({ isActive: false }).where(eq(users.id, fixture.tenant.adminId))
    await expectRefusedWrite(fixture, fixture.tenant.tokens.ADMIN, 401, 'PRINCIPAL_INACTIVE')
  })
})

describe('another organization’s ticket', () => {
  it('is 404 for every caller of another tenant, and stays unchanged', async () => {
    const [fixture, other] = [await createFixture(), await createTenant()]
    const before = await ticketRows(fixture)
    const calls: Array<[string, string, unknown]> = [
      ['GET', '', undefined],
      ['PATCH', '', { priority: 'LOW' }],
      ['PUT', '/assignee', { representativeId: other.representativeId }],
      ['DELETE', '/assignee', undefined],
    ]
    for (const role of ['ADMIN', 'REPRESENTATIVE', 'AGENT'] as const) {
      for (const [method, suffix, body] of calls) {
        const response = await api(ticketPath(fixture, suffix), { method, token: other.tokens[role], body })
        expect(response.status, `${role} ${method} ${suffix}`).toBe(404)
        await expectProblem(response, 404, 'NOT_FOUND')
      }
    }
    expect(await ticketRows(fixture)).toEqual(before)
  })
})
