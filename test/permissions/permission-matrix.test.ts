import { asc, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import type { PrincipalRole } from '../../src/auth/principal'
import {
  agentConfigurations,
  customerProfiles,
  organizations,
  representatives,
  tickets,
  users,
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

/** A fresh tenant and one ticket of its CUSTOMER, assigned to its ONLINE representative. */
interface Fixture {
  tenant: TestTenant
  ticketId: string
}

interface Call {
  method: string
  path: string
  token: string
  body?: unknown
}

interface RouteCase {
  /** As in the OpenAPI document: `METHOD /path`. */
  operation: string
  call(fixture: Fixture, actor: Actor): Call
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
  return { tenant, ticketId: (await json<{ id: string }>(response)).id }
}

function send(call: Call, requestId: string): Promise<Response> {
  return api(call.path, {
    method: call.method,
    token: call.token,
    body: call.body,
    headers: { 'X-Request-Id': requestId },
  })
}

async function expectProblem(response: Response, status: number, code: string): Promise<void> {
  expect(response.headers.get('Content-Type')).toContain('application/problem+json')
  expect(await json(response)).toMatchObject({ status, code })
}

describe('permission matrix: every /v1 tenant route × every caller', () => {
  for (const route of routes) {
    describe(route.operation, () => {
      for (const actor of actors) {
        const expected = route.expected[actor]
        it(`${actor} → ${expected.status}${expected.code ? ` ${expected.code}` : ''}`, async () => {
          const fixture = await createFixture()
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
