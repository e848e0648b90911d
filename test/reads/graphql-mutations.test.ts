import { asc, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { principalRoles } from '../../src/auth/principal'
import { escalations, refunds, representatives, tickets, users } from '../../src/db/schema'
import { schemaFor } from '../../src/reads/graphql/schema'
import { readLimits } from '../../src/reads/relations'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import {
  allFields,
  expectRefused,
  type GraphQLBody,
  graphql,
  operations,
  withoutNulls as stripNulls,
} from './graphql-support'

/*
 * GraphQL mutations (src/reads/graphql/mutations.ts): one per REST write operation, each run as its REST request
 * through the app (lib/operations.ts, shared with MCP): the same answer, database state, permissions, idempotency,
 * If-Match and errors (`extensions.code` and `status` of the REST problem).
 */

type Body = Record<string, unknown>

const ticketRowsOf = (tenant: TestTenant) =>
  ownerDb
    .select()
    .from(tickets)
    .where(eq(tickets.organizationId, tenant.organizationId))
    .orderBy(asc(tickets.id))

const newTicket = (tenant: TestTenant) => ({
  customerId: tenant.customerId,
  subject: 'Printer on fire',
  description: 'It is on fire.',
  priority: 'HIGH',
})

/** The fields of a created resource that differ between two creations (identity and time). */
function withoutIdentity(body: Body, more: string[] = []) {
  const differing = ['id', 'ticketNumber', 'createdAt', 'updatedAt', ...more]
  return Object.fromEntries(Object.entries(body).filter(([key]) => !differing.includes(key)))
}

/** Without its null members (GraphQL answers null for a field REST may leave out). */
const withoutNulls = (body: Body) => stripNulls(body) as Body

const createTicket = (selection: string) => `
  mutation Create($input: CreateTicketInput!, $key: String) {
    createTicket(input: $input, idempotencyKey: $key) { ${selection} }
  }`

async function mutate(token: string, document: string, variables?: Record<string, unknown>) {
  const result = await graphql(token, document, variables)
  return { ...result, data: (result.body.data ?? {}) as Record<string, Body | null> }
}

function fieldError(body: GraphQLBody, index = 0) {
  return body.errors?.[index] as
    | {
        message: string
        path?: unknown[]
        extensions?: { code?: string; status?: number; currentEtag?: string }
      }
    | undefined
}

describe('GraphQL mutations run the REST operations', () => {
  it('createTicket: the REST answer, row and state; a REST POST creates the same ticket', async () => {
    const tenant = await createTenant()
    const token = tenant.tokens.AGENT
    const { status, body, data } = await mutate(token, createTicket(allFields('AGENT', 'Ticket')), {
      input: newTicket(tenant),
    })
    expect(status, JSON.stringify(body)).toBe(200)
    expect(body.errors).toBeUndefined()
    const created = data.createTicket as Body
    expect(created).toMatchObject({
      subject: 'Printer on fire',
      priority: 'HIGH',
      status: 'OPEN',
      version: 1,
    })
    const read = await json(await api(`/v1/tickets/${created.id}`, { token }))
    expect(withoutNulls(created)).toEqual(withoutNulls(read))

    const viaRest = await json(await api('/v1/tickets', { method: 'POST', token, body: newTicket(tenant) }))
    expect(withoutIdentity(withoutNulls(created))).toEqual(withoutIdentity(withoutNulls(viaRest)))
    const rows = await ticketRowsOf(tenant)
    expect(rows).toHaveLength(2)
    const [mine, theirs] = [created.id, viaRest.id].map((id) => rows.find((row) => row.id === id))
    expect(withoutIdentity(mine as Body)).toEqual(withoutIdentity(theirs as Body))
  })

  it('createRefund (a customer requests a refund): decided as over REST', async () => {
    const tenant = await createTenant()
    const token = tenant.tokens.CUSTOMER
    const input = { amount: '12.5', currency: 'USD', reason: 'DEFECTIVE_PRODUCT' }
    const { body, data } = await mutate(
      token,
      `mutation ($input: CreateRefundInput!) { createRefund(input: $input) { ${allFields('CUSTOMER', 'Refund')} } }`,
      { input },
    )
    expect(body.errors, JSON.stringify(body)).toBeUndefined()
    const refund = data.createRefund as Body
    expect(refund).toMatchObject({ status: 'PENDING', amount: '12.50', customerId: tenant.customerId })
    expect(withoutNulls(refund)).toEqual(
      withoutNulls(await json(await api(`/v1/refunds/${refund.id}`, { token }))),
    )
    const [row] = await ownerDb
      .select()
      .from(refunds)
      .where(eq(refunds.id, refund.id as string))
    expect(row).toMatchObject({
      organizationId: tenant.organizationId,
      customerId: tenant.customerId,
      amount: '12.50',
      status: 'PENDING',
      requestedByRole: 'CUSTOMER',
    })
    const viaRest = await json(await api('/v1/refunds', { method: 'POST', token, body: input }))
    expect(withoutIdentity(withoutNulls(refund), ['decision'])).toEqual(
      withoutIdentity(withoutNulls(viaRest), ['decision']),
    )
  })

  it('createEscalation (an agent escalates), its result read with its relations after the write', async () => {
    const tenant = await createTenant()
    const token = tenant.tokens.AGENT
    const { data: created } = await mutate(token, createTicket('id'), { input: newTicket(tenant) })
    const ticketId = (created.createTicket as Body).id as string
    const { body, data, roundTrips } = await mutate(
      token,
      `mutation Escalate($ticketId: String!) {
        escalate: createEscalation(
          input: { ticketId: $ticketId, priority: HIGH, reason: LOW_CONFIDENCE, summary: "Needs a human." }
        ) { id status ticketId ticket { id subject customer { id } } }
      }`,
      { ticketId },
    )
    expect(body.errors, JSON.stringify(body)).toBeUndefined()
    const escalation = data.escalate as Body
    expect(escalation).toMatchObject({
      ticketId,
      status: 'PENDING',
      ticket: { id: ticketId, subject: 'Printer on fire', customer: { id: tenant.customerId } },
    })
    // The write's own round trips, and one more for the relations its selection reads.
    expect(roundTrips).toBeGreaterThanOrEqual(2)
    const rows = await ownerDb.select().from(escalations).where(eq(escalations.ticketId, ticketId))
    expect(rows.map((row) => [row.id, row.agentConfigurationId, row.summary])).toEqual([
      [escalation.id, tenant.agentId, 'Needs a human.'],
    ])
  })

  it('updateTicket with ifMatch: applies at the version read; a stale one is PRECONDITION_FAILED (412)', async () => {
    const tenant = await createTenant()
    const token = tenant.tokens.REPRESENTATIVE
    const { data: created } = await mutate(token, createTicket('id version'), { input: newTicket(tenant) })
    const ticket = created.createTicket as { id: string; version: number }
    const update = `mutation Update($id: ID!, $version: Int, $priority: TicketPriority) {
      updateTicket(ticketId: $id, ifMatch: $version, input: { priority: $priority }) { id priority version }
    }`
    const first = await mutate(token, update, { id: ticket.id, version: ticket.version, priority: 'LOW' })
    expect(first.body.errors, JSON.stringify(first.body)).toBeUndefined()
    expect(first.data.updateTicket).toEqual({ id: ticket.id, priority: 'LOW', version: ticket.version + 1 })

    const stale = await mutate(token, update, { id: ticket.id, version: ticket.version, priority: 'URGENT' })
    expect(stale.status).toBe(200)
    expect(stale.data.updateTicket).toBeNull()
    expect(fieldError(stale.body)).toMatchObject({
      path: ['updateTicket'],
      extensions: { code: 'PRECONDITION_FAILED', status: 412, currentEtag: `"${ticket.version + 1}"` },
    })
    const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
    expect(row).toMatchObject({ priority: 'LOW', version: ticket.version + 1 })
  })

  it('idempotencyKey: a retry answers the first result, one row; other arguments are an error; REST replays it', async () => {
    const tenant = await createTenant()
    const token = tenant.tokens.AGENT
    const key = `gql-${crypto.randomUUID()}`
    const document = createTicket(allFields('AGENT', 'Ticket'))
    const first = await mutate(token, document, { input: newTicket(tenant), key })
    const retry = await mutate(token, document, { input: newTicket(tenant), key })
    expect(first.body.errors, JSON.stringify(first.body)).toBeUndefined()
    expect(retry.body).toEqual(first.body)
    const id = (first.data.createTicket as Body).id
    expect((await ticketRowsOf(tenant)).map((row) => row.id)).toEqual([id])

    const other = await mutate(token, document, { input: { ...newTicket(tenant), subject: 'Other' }, key })
    expect(other.data.createTicket).toBeNull()
    expect(fieldError(other.body)?.extensions).toMatchObject({ status: 422 })
    expect((await ticketRowsOf(tenant)).map((row) => row.id)).toEqual([id])

    const replay = await api('/v1/tickets', {
      method: 'POST',
      token,
      body: newTicket(tenant),
      headers: { 'Idempotency-Key': `"${key}"` },
    })
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true')
    expect((await json(replay)).id).toBe(id)
  })

  it('a role has only the mutations it may call: another is a validation error, before anything runs', async () => {
    const tenant = await createTenant()
    const token = tenant.tokens.CUSTOMER
    const { body } = await mutate(token, '{ __type(name: "Mutation") { fields { name } } }')
    const type = body.data?.__type as { fields: Array<{ name: string }> }
    const names = type.fields.map((field) => field.name)
    expect(names).toContain('createTicket')
    expect(names).toContain('createRefund')
    expect(names).not.toContain('createEscalation')
    expect(names).not.toContain('approveRefund')

    const { data: created } = await mutate(token, createTicket('id'), {
      input: { subject: 'Help', description: 'Please.' },
    })
    const ticketId = (created.createTicket as Body).id
    const refused = await graphql(
      token,
      `mutation { createEscalation(input: { ticketId: "${ticketId}", priority: HIGH, reason: LOW_CONFIDENCE, summary: "x" }) { id } }`,
    )
    expectRefused(refused, 400, 'INVALID_PARAMETERS')
    expect(refused.body.errors?.[0]?.message).toContain('createEscalation')
    expect(
      await ownerDb
        .select()
        .from(escalations)
        .where(eq(escalations.ticketId, ticketId as string)),
    ).toEqual([])
  })

  it('updateUser with `representative` (typed as on createUser): the profile as over REST; a second is 409, unwritten', async () => {
    const tenant = await createTenant()
    const token = tenant.tokens.ADMIN
    const update = `mutation Take($id: ID!, $name: String, $profile: RepresentativeProfileInput) {
      updateUser(userId: $id, input: { name: $name, representative: $profile }) { id role representativeId version }
    }`
    const first = await mutate(token, update, {
      id: tenant.adminId,
      profile: { role: 'SUPERVISOR', languages: ['fr'] },
    })
    expect(first.body.errors, JSON.stringify(first.body)).toBeUndefined()
    const taker = first.data.updateUser as { representativeId: string; version: number }
    expect(taker).toMatchObject({ id: tenant.adminId, role: 'ADMIN', representativeId: expect.any(String) })
    const profile = await json(await api(`/v1/representatives/${taker.representativeId}`, { token }))
    expect(profile).toMatchObject({ userId: tenant.adminId, role: 'SUPERVISOR', languages: ['fr'] })

    const again = await mutate(token, update, { id: tenant.adminId, name: 'Not applied', profile: {} })
    expect(again.data.updateUser).toBeNull()
    expect(fieldError(again.body)).toMatchObject({
      path: ['updateUser'],
      extensions: { code: 'REPRESENTATIVE_PROFILE_EXISTS', status: 409 },
    })
    const [row] = await ownerDb.select().from(users).where(eq(users.id, tenant.adminId))
    expect(row).toMatchObject({ name: 'Ada Admin', version: taker.version })
    const profiles = await ownerDb
      .select()
      .from(representatives)
      .where(eq(representatives.userId, tenant.adminId))
    expect(profiles.map((p) => p.id)).toEqual([taker.representativeId])
  })

  it('another tenant’s ids are NOT_FOUND, as over REST, and change nothing', async () => {
    const [tenant, other] = await Promise.all([createTenant(), createTenant()])
    const { data: created } = await mutate(other.tokens.ADMIN, createTicket('id version'), {
      input: newTicket(other),
    })
    const theirs = created.createTicket as { id: string; version: number }
    const token = tenant.tokens.ADMIN
    const { body, data } = await mutate(
      token,
      `mutation ($id: ID!, $ticketId: String!) {
        updateTicket(ticketId: $id, input: { priority: LOW }) { id }
        createEscalation(input: { ticketId: $ticketId, priority: HIGH, reason: LOW_CONFIDENCE, summary: "x" }) { id }
        createRefund(input: { customerId: "${other.customerId}", amount: "1", currency: "USD", reason: OTHER }) { id }
      }`,
      { id: theirs.id, ticketId: theirs.id },
    )
    expect(data, JSON.stringify(body)).toEqual({
      updateTicket: null,
      createEscalation: null,
      createRefund: null,
    })
    const rest = await Promise.all([
      api(`/v1/tickets/${theirs.id}`, { method: 'PATCH', token, body: { priority: 'LOW' } }),
      api('/v1/escalations', {
        method: 'POST',
        token,
        body: { ticketId: theirs.id, priority: 'HIGH', reason: 'LOW_CONFIDENCE', summary: 'x' },
      }),
      api('/v1/refunds', {
        method: 'POST',
        token,
        body: { customerId: other.customerId, amount: '1', currency: 'USD', reason: 'OTHER' },
      }),
    ])
    const problems = await Promise.all(
      rest.map((response) => json<{ code: string; status: number }>(response)),
    )
    expect(body.errors?.map((error) => [error.path?.[0], error.extensions?.code])).toEqual([
      ['updateTicket', problems[0]?.code],
      ['createEscalation', problems[1]?.code],
      ['createRefund', problems[2]?.code],
    ])
    expect(problems[0]).toMatchObject({ code: 'NOT_FOUND', status: 404 })
    expect(fieldError(body)?.extensions?.status).toBe(404)
    const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, theirs.id))
    expect(row).toMatchObject({ priority: 'HIGH', version: theirs.version })
    expect(await ownerDb.select().from(escalations).where(eq(escalations.ticketId, theirs.id))).toEqual([])
  })
})

describe('the mutations of each role', () => {
  it('are exactly the write operations its REST permission admits (x-permission), one each', () => {
    const writes = operations.filter((entry) => entry.operation.method !== 'GET')
    expect(writes.length).toBeGreaterThan(30)
    for (const role of principalRoles) {
      const fields = schemaFor(role, operations).getMutationType()?.getFields() ?? {}
      const expected = writes.filter((entry) => entry.roles.has(role)).map((entry) => entry.tool.name)
      expect(Object.keys(fields).sort(), role).toEqual(expected.sort())
      for (const name of expected) {
        const entry = writes.find((candidate) => candidate.tool.name === name)
        const args = (fields[name]?.args ?? []).map((arg) => arg.name)
        expect(args, name).toEqual(
          expect.arrayContaining([
            ...(entry?.operation.pathParameters ?? []),
            ...(entry?.operation.idempotencyKey ? ['idempotencyKey'] : []),
            ...(entry?.operation.expectedVersion ? ['ifMatch'] : []),
          ]),
        )
      }
    }
  })
})

describe('GraphQL over HTTP for mutations', () => {
  it('GET with a mutation is 405 (Allow: POST) and runs nothing; GET queries still run', async () => {
    const tenant = await createTenant()
    const token = tenant.tokens.AGENT
    const query = `mutation { createTicket(input: { customerId: "${tenant.customerId}", subject: "s", description: "d" }) { id } }`
    const response = await api(`/graphql?query=${encodeURIComponent(query)}`, { token })
    expect(response.status).toBe(405)
    expect(response.headers.get('Allow')).toBe('POST')
    expect((await json<GraphQLBody>(response)).errors?.[0]?.extensions?.code).toBe('METHOD_NOT_ALLOWED')
    expect(await ticketRowsOf(tenant)).toEqual([])
    const read = await api(`/graphql?query=${encodeURIComponent('{ tickets { nodes { id } } }')}`, { token })
    expect(read.status).toBe(200)
  })

  it('mutations run in document order, each its own request; past the limit none runs', async () => {
    const tenant = await createTenant()
    const token = tenant.tokens.AGENT
    const field = (alias: string, subject: string) =>
      `${alias}: createTicket(input: { customerId: "${tenant.customerId}", subject: "${subject}", description: "d" }) { id ticketNumber }`
    const { body, data } = await mutate(token, `mutation { ${field('a', 'first')} ${field('b', 'second')} }`)
    expect(body.errors, JSON.stringify(body)).toBeUndefined()
    const number = (ticket: Body | null | undefined) =>
      Number(String(ticket?.ticketNumber).replace(/\D/g, ''))
    expect(number(data.b)).toBe(number(data.a) + 1)

    const many = Array.from({ length: readLimits.graphqlMutations + 1 }, (_, index) =>
      field(`m${index}`, 'x'),
    )
    const refused = await graphql(token, `mutation { ${many.join(' ')} }`)
    expectRefused(refused, 400, 'QUERY_TOO_COMPLEX')
    expect(await ticketRowsOf(tenant)).toHaveLength(2)
  })

  it('input errors are the REST validation problem; a 204 operation answers true', async () => {
    const tenant = await createTenant()
    const { body, data } = await mutate(
      tenant.tokens.AGENT,
      `mutation { createTicket(input: { customerId: "${tenant.customerId}", subject: "", description: "d" }) { id } }`,
    )
    expect(data.createTicket).toBeNull()
    expect(fieldError(body)?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', status: 422 })

    const token = tenant.tokens.ADMIN
    const rule = await json(
      await api('/v1/decision-rules', {
        method: 'POST',
        token,
        body: { name: 'r', action: 'REQUIRE_APPROVAL', conditions: { all: [] } },
      }),
    )
    const deleted = await mutate(token, `mutation { deleteDecisionRule(ruleId: "${rule.id}") }`)
    expect(deleted.body).toEqual({ data: { deleteDecisionRule: true } })
    expect((await api(`/v1/decision-rules/${rule.id}`, { token })).status).toBe(404)
  })
})
