import { describe, expect, it } from 'vitest'
import { readLimits } from '../../src/reads/relations'
import { api, json } from '../support/api'
import { createTenant } from '../support/tenants'
import { allFields, expectRefused, type GraphQLBody, graphql, withoutNulls } from './graphql-support'
import { consoleScreen, getJson } from './support'

type Body = Record<string, unknown>
type Connection = { nodes: Body[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }

/** A member of a response's `data`. */
const member = (body: GraphQLBody, name: string): unknown => body.data?.[name]
const connection = (body: GraphQLBody, name: string) => member(body, name) as Connection

describe('GraphQL: one database round trip per request, the REST representation per role', () => {
  it('the console screen in one query and one round trip, each object what its REST GET returns', async () => {
    const screen = await consoleScreen()
    const { tenant, ticketId } = screen
    const token = tenant.tokens.ADMIN
    const query = `query Screen($id: ID!) {
      ticket(id: $id) {
        ${allFields('ADMIN', 'Ticket')}
        customer { ${allFields('ADMIN', 'Customer')} }
        assignedRepresentative { ${allFields('ADMIN', 'Representative')} user { ${allFields('ADMIN', 'User')} } }
        messages { nodes { ${allFields('ADMIN', 'Message')} } pageInfo { hasNextPage endCursor nextUrl } }
        escalations { nodes { ${allFields('ADMIN', 'Escalation')} agent { ${allFields('ADMIN', 'Agent')} } } }
        refunds(first: 5) { nodes { ${allFields('ADMIN', 'Refund')} } }
      }
    }`
    const { status, body, roundTrips, response } = await graphql(token, query, { id: ticketId })
    expect(status, JSON.stringify(body)).toBe(200)
    expect(response.headers.get('Content-Type')).toContain('application/graphql-response+json')
    expect(body.errors).toBeUndefined()
    expect(roundTrips).toBe(1)
    const ticket = body.data?.ticket as Body
    const { customer, assignedRepresentative, messages, escalations, refunds, ...own } = ticket
    expect(withoutNulls(own)).toEqual(withoutNulls(await getJson(`/v1/tickets/${ticketId}`, token)))
    expect(withoutNulls(customer)).toEqual(
      withoutNulls(await getJson(`/v1/customers/${tenant.customerId}`, token)),
    )
    const { user, ...representative } = assignedRepresentative as Body
    expect(withoutNulls(representative)).toEqual(
      withoutNulls(await getJson(`/v1/representatives/${tenant.representativeId}`, token)),
    )
    expect(withoutNulls(user)).toEqual(
      withoutNulls(await getJson(`/v1/users/${tenant.representativeUserId}`, token)),
    )
    const conversation = messages as Connection & { pageInfo: { nextUrl: string | null } }
    expect(withoutNulls(conversation.nodes)).toEqual(
      withoutNulls((await getJson<{ data: Body[] }>(`/v1/tickets/${ticketId}/messages`, token)).data),
    )
    expect(conversation.pageInfo).toEqual({ hasNextPage: false, endCursor: null, nextUrl: null })
    const [escalation] = (escalations as Connection).nodes as [Body]
    const { agent, ...escalationOwn } = escalation
    expect(withoutNulls(escalationOwn)).toEqual(
      withoutNulls(await getJson(`/v1/escalations/${screen.escalationId}`, token)),
    )
    expect(withoutNulls(agent)).toEqual(withoutNulls(await getJson(`/v1/agents/${tenant.agentId}`, token)))
    expect(withoutNulls((refunds as Connection).nodes)).toEqual([
      withoutNulls(await getJson(`/v1/refunds/${screen.refundId}`, token)),
    ])
  })

  it('costs one round trip at depth 1 to 4, with several root fields, lists and fragments', async () => {
    const screen = await consoleScreen()
    const { tenant } = screen
    const id = screen.ticketId
    const documents = [
      `{ ticket(id: "${id}") { subject } }`,
      `{ ticket(id: "${id}") { customer { name } } }`,
      `{ ticket(id: "${id}") { escalations { nodes { assignedRepresentative { name } } } } }`,
      `{ ticket(id: "${id}") { escalations { nodes { assignedRepresentative { user { email } } } } } }`,
      `{ refund(id: "${screen.refundId}") { ticket { escalations { nodes { ticket { customer { name } } } } } } }`,
      `query Many { a: tickets(first: 5) { nodes { ...T refunds { nodes { id customer { name } } } } }
        b: escalations(status: [ASSIGNED]) { nodes { ticket { subject } } }
        c: refund(id: "${screen.refundId}") { customer { name tickets { nodes { id } } } }
        d: customer(id: "${tenant.customerId}") { refunds { nodes { amount } } } }
        fragment T on Ticket { id subject customer { name } }`,
    ]
    for (const document of documents) {
      const { status, body, roundTrips } = await graphql(tenant.tokens.ADMIN, document)
      expect(status, JSON.stringify(body)).toBe(200)
      expect(body.errors, document).toBeUndefined()
      expect(roundTrips, document).toBe(1)
    }
  })

  it('root lists take the REST list filters, sorts and cursors; a page continues with endCursor or REST', async () => {
    const screen = await consoleScreen()
    const token = screen.tenant.tokens.ADMIN
    const first = await graphql(
      token,
      '{ tickets(first: 1, sort: "createdAt", status: [OPEN, IN_PROGRESS]) { nodes { id } pageInfo { hasNextPage endCursor nextUrl } } }',
    )
    const page = first.body.data?.tickets as Connection & { pageInfo: { nextUrl: string } }
    const rest = await getJson<{ data: Body[]; nextCursor: string }>(
      '/v1/tickets?limit=1&sort=createdAt&status=OPEN,IN_PROGRESS',
      token,
    )
    expect(page.nodes.map((node) => node.id)).toEqual(rest.data.map((ticket) => ticket.id))
    expect(page.pageInfo.endCursor).toBe(rest.nextCursor)
    const second = await graphql(
      token,
      `{ tickets(first: 1, sort: "createdAt", status: [OPEN, IN_PROGRESS], after: "${page.pageInfo.endCursor}") { nodes { id } } }`,
    )
    const next = await getJson<{ data: Body[] }>(page.pageInfo.nextUrl, token)
    expect(connection(second.body, 'tickets').nodes.map((node) => node.id)).toEqual(
      next.data.map((ticket) => ticket.id),
    )
    const invalid = await graphql(token, '{ tickets(sort: "relevance") { nodes { id } } }')
    expect(invalid.status).toBe(200)
    expect(invalid.body.errors?.[0]?.extensions?.code).toBe('INVALID_PARAMETERS')
    const cursor = await graphql(token, '{ tickets(after: "garbage") { nodes { id } } }')
    expect(cursor.body.errors?.[0]?.extensions?.code).toBe('INVALID_CURSOR')
    // The bad cursor is its own field's error, not every root field's (as a bad sort is). Root lists are non-null,
    // so GraphQL nulls `data` for it.
    const mixed = await graphql(
      token,
      `{ one: ticket(id: "${page.nodes[0]?.id}") { id } bad: tickets(after: "garbage") { nodes { id } } good: tickets(first: 1) { nodes { id } } }`,
    )
    expect(mixed.body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
      [['bad'], 'INVALID_CURSOR'],
    ])
    expect(mixed.body.data).toBeNull()
  })

  it('a CUSTOMER reads exactly its REST reads; staff fields and relations are not in its schema', async () => {
    const screen = await consoleScreen()
    const { tenant, ticketId } = screen
    const token = tenant.tokens.CUSTOMER
    const { body, roundTrips } = await graphql(
      token,
      `{ ticket(id: "${ticketId}") { ${allFields('CUSTOMER', 'Ticket')}
          customer { ${allFields('CUSTOMER', 'Customer')} }
          messages { nodes { ${allFields('CUSTOMER', 'Message')} } }
          refunds { nodes { ${allFields('CUSTOMER', 'Refund')} ticket { id } } } }
        tickets { nodes { id refunds { nodes { id } } } }
        refunds { nodes { id } } }`,
    )
    expect(body.errors).toBeUndefined()
    expect(roundTrips).toBe(1)
    const { customer, messages, refunds, ...own } = member(body, 'ticket') as Body
    expect(withoutNulls(own)).toEqual(withoutNulls(await getJson(`/v1/tickets/${ticketId}`, token)))
    expect(own).not.toHaveProperty('tags')
    expect(withoutNulls(customer)).toEqual(
      withoutNulls(await getJson(`/v1/customers/${tenant.customerId}`, token)),
    )
    const restMessages = await getJson<{ data: Body[] }>(`/v1/tickets/${ticketId}/messages`, token)
    expect(withoutNulls((messages as Connection).nodes)).toEqual(withoutNulls(restMessages.data))
    expect((messages as Connection).nodes.map((message) => message.visibility)).toEqual(['PUBLIC', 'PUBLIC'])
    const [refund] = (refunds as Connection).nodes as [Body]
    const { ticket: _ticket, ...refundOwn } = refund
    expect(withoutNulls(refundOwn)).toEqual(
      withoutNulls(await getJson(`/v1/refunds/${screen.refundId}`, token)),
    )
    expect(connection(body, 'tickets').nodes.map((ticket) => ticket.id)).toEqual([ticketId])
    expect(connection(body, 'refunds').nodes.map((r) => r.id)).toEqual([screen.refundId])

    for (const selection of [
      'tags',
      'assignedRepresentativeId',
      'assignedRepresentative { name }',
      'escalations { nodes { id } }',
      'refunds { nodes { decision } }',
      'customer { profile { accountStanding } }',
      'messages { nodes { metadata { confidence } } }',
    ]) {
      expectRefused(
        await graphql(token, `{ ticket(id: "${ticketId}") { ${selection} } }`),
        400,
        'INVALID_PARAMETERS',
      )
    }
    for (const root of [
      'escalations { nodes { id } }',
      `representative(id: "${tenant.representativeId}") { id }`,
    ]) {
      expectRefused(await graphql(token, `{ ${root} }`), 400, 'INVALID_PARAMETERS')
    }
    const other = await graphql(
      token,
      `{ ticket(id: "${screen.otherTicketId}") { id } refund(id: "${screen.otherRefundId}") { id } mine: ticket(id: "${ticketId}") { id } }`,
    )
    expect(other.status).toBe(200)
    expect(other.body.data).toEqual({ ticket: null, refund: null, mine: { id: ticketId } })
    expect(other.body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
      [['ticket'], 'NOT_FOUND'],
      [['refund'], 'NOT_FOUND'],
    ])
  })

  it('the role matrix: each role reads through GraphQL what its REST reads return, and nothing it may not', async () => {
    const screen = await consoleScreen()
    const { tenant } = screen
    for (const role of ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'] as const) {
      const token = tenant.tokens[role]
      const rest = await api(`/v1/escalations/${screen.escalationId}`, { token })
      const result = await graphql(token, `{ escalation(id: "${screen.escalationId}") { id status } }`)
      if (rest.status === 200) {
        expect(result.body.data?.escalation, role).toEqual({ id: screen.escalationId, status: 'ASSIGNED' })
      } else {
        expect(rest.status, role).toBe(403)
        expectRefused(result, 400, 'INVALID_PARAMETERS')
      }
      const refund = await graphql(
        token,
        `{ refund(id: "${screen.refundId}") { ${allFields(role, 'Refund')} } }`,
      )
      expect(withoutNulls(refund.body.data?.refund), role).toEqual(
        withoutNulls(await getJson(`/v1/refunds/${screen.refundId}`, token)),
      )
    }
  })

  it('tenant B reaches nothing of tenant A, by id, filter or nested path', async () => {
    const a = await consoleScreen()
    const b = await consoleScreen()
    const token = b.tenant.tokens.ADMIN
    const { body } = await graphql(
      token,
      `{ ticket(id: "${a.ticketId}") { id } refund(id: "${a.refundId}") { id }
         escalation(id: "${a.escalationId}") { id } customer(id: "${a.tenant.customerId}") { id }
         representative(id: "${a.tenant.representativeId}") { id } agent(id: "${a.tenant.agentId}") { id }
         byCustomer: tickets(customerId: "${a.tenant.customerId}") { nodes { id } }
         byTicket: refunds(ticketId: "${a.ticketId}") { nodes { id } }
         all: tickets(first: 10) { nodes { id customer { id refunds { nodes { id ticket { id } } } } escalations { nodes { ticket { id } } } } } }`,
    )
    expect(body.data?.ticket).toBeNull()
    expect(body.data?.refund).toBeNull()
    expect(body.data?.escalation).toBeNull()
    expect(body.data?.customer).toBeNull()
    expect(body.data?.representative).toBeNull()
    expect(body.data?.agent).toBeNull()
    expect(connection(body, 'byCustomer').nodes).toEqual([])
    expect(connection(body, 'byTicket').nodes).toEqual([])
    const seen = JSON.stringify(body.data?.all)
    for (const id of [a.ticketId, a.refundId, a.escalationId, a.tenant.customerId])
      expect(seen).not.toContain(id)
    expect(seen).toContain(b.ticketId)
  })

  it('aliases: a relation under the name of a field, `nodes` twice, each read as without the alias', async () => {
    const screen = await consoleScreen()
    const { tenant, ticketId } = screen
    const token = tenant.tokens.ADMIN
    const rest = await getJson(`/v1/tickets/${ticketId}`, token)
    // A relation aliased as one of the resource's own fields: the field keeps its value.
    const named = await graphql(
      token,
      `{ ticket(id: "${ticketId}") { status: customer { name } state: status subject: refunds { nodes { id } } title: subject } }`,
    )
    expect(named.body.errors, JSON.stringify(named.body)).toBeUndefined()
    expect(named.body.data?.ticket).toEqual({
      status: { name: 'Carl Customer' },
      state: rest.status,
      subject: { nodes: [{ id: screen.refundId }] },
      title: rest.subject,
    })
    // `nodes` under an alias reads its relations as `nodes` does.
    const twice = await graphql(
      token,
      `{ ticket(id: "${ticketId}") { refunds { nodes { id } again: nodes { customer { name } } } } }`,
    )
    expect(twice.body.errors, JSON.stringify(twice.body)).toBeUndefined()
    expect(twice.body.data?.ticket).toEqual({
      refunds: { nodes: [{ id: screen.refundId }], again: [{ customer: { name: 'Carl Customer' } }] },
    })
    expect(twice.roundTrips).toBe(1)
    // Two `nodes` that ask one response key for different relations cannot both be answered: refused, not mixed.
    expectRefused(
      await graphql(
        token,
        `{ ticket(id: "${ticketId}") { escalations { nodes { who: agent { name } } n: nodes { who: assignedRepresentative { name } } } } }`,
      ),
      400,
      'INVALID_PARAMETERS',
    )
    expectRefused(
      await graphql(
        token,
        `{ tickets { nodes { m: messages(first: 1) { nodes { id } } } n: nodes { m: messages(first: 2) { nodes { id } } } } }`,
      ),
      400,
      'INVALID_PARAMETERS',
    )
  })

  it('tickets(q:) takes a ticket number; a text search is refused with where to run it', async () => {
    const screen = await consoleScreen()
    const token = screen.tenant.tokens.ADMIN
    const refused = await graphql(token, '{ tickets(q: "printer") { nodes { id } } }')
    expect(refused.body.data).toBeNull()
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('INVALID_PARAMETERS')
    expect(refused.body.errors?.[0]?.message).toContain('GET /v1/tickets?q=')
    const read = await api(`/v1/tickets/${screen.ticketId}`, { token })
    const { ticketNumber } = await json<{ ticketNumber: string }>(read)
    const byNumber = await graphql(token, `{ tickets(q: "${ticketNumber}") { nodes { id } } }`)
    expect(byNumber.body).toEqual({ data: { tickets: { nodes: [{ id: screen.ticketId }] } } })
  })

  it("a nested list's `first` outside 1–20 is refused (not one item, not silently 20)", async () => {
    const screen = await consoleScreen()
    const token = screen.tenant.tokens.ADMIN
    for (const first of [0, -3, 21, 100]) {
      expectRefused(
        await graphql(
          token,
          `{ ticket(id: "${screen.ticketId}") { messages(first: ${first}) { nodes { id } } } }`,
        ),
        400,
        'INVALID_PARAMETERS',
      )
    }
  })

  it('limits: depth, cost, size, one operation, queries only; errors carry the REST problem codes', async () => {
    const tenant = await createTenant()
    const token = tenant.tokens.ADMIN
    const id = crypto.randomUUID()
    const deep = `{ ticket(id: "${id}") { escalations { nodes { ticket { refunds { nodes { ticket { customer { tickets { nodes { id } } } } } } } } } } }`
    expectRefused(await graphql(token, deep), 400, 'QUERY_TOO_COMPLEX')
    const costly =
      '{ tickets(first: 100) { nodes { messages { nodes { id } } refunds { nodes { id } } escalations { nodes { id } } } } }'
    expectRefused(await graphql(token, costly), 400, 'QUERY_TOO_COMPLEX')
    const huge = `{ ticket(id: "${id}") { id ${' subject'.repeat(readLimits.graphqlDocumentBytes / 8)} } }`
    expectRefused(await graphql(token, huge), 413, 'PAYLOAD_TOO_LARGE')
    expectRefused(await graphql(token, '{ ticket(id: '), 400, 'INVALID_PARAMETERS')
    expectRefused(await graphql(token, '{ nope }'), 400, 'INVALID_PARAMETERS')
    expectRefused(await graphql(token, 'mutation { ticket(id: "x") { id } }'), 400, 'INVALID_PARAMETERS')
    expectRefused(
      await graphql(token, 'query A { tickets { nodes { id } } } query B { refunds { nodes { id } } }'),
      400,
      'INVALID_PARAMETERS',
    )
    expectRefused(
      await graphql(token, 'query Q($id: ID!) { ticket(id: $id) { id } }', { id: { a: 1 } }),
      400,
      'INVALID_PARAMETERS',
    )
    const notUuid = await graphql(token, '{ ticket(id: "nope") { id } }')
    expect(notUuid.status).toBe(200)
    expect(notUuid.body.errors?.[0]?.extensions?.code).toBe('INVALID_PARAMETERS')
    // application/json only: the legacy media type, always 200.
    const legacy = await graphql(token, '{ nope }', undefined, { Accept: 'application/json' })
    expect(legacy.status).toBe(200)
    expect(legacy.response.headers.get('Content-Type')).toContain('application/json')
    expect(legacy.body.errors?.[0]?.extensions?.code).toBe('INVALID_PARAMETERS')
    // Introspection is served (its own depth is bounded by the document size).
    const introspection = await graphql(token, '{ __schema { queryType { name } types { name } } }')
    expect(introspection.body.errors).toBeUndefined()
    // No tenant data read; one round trip checks the caller (an inactive one is refused).
    expect(introspection.roundTrips).toBe(1)
    // GET for queries, same answers.
    const get = await api(`/graphql?query=${encodeURIComponent(`{ tickets { nodes { id } } }`)}`, { token })
    expect(get.status).toBe(200)
    expect(await json(get)).toEqual({ data: { tickets: { nodes: [] } } })
    // Unauthenticated: the API's problem+json, before GraphQL runs.
    const anonymous = await api('/graphql', {
      method: 'POST',
      body: { query: '{ tickets { nodes { id } } }' },
    })
    expect(anonymous.status).toBe(401)
  })

  it('a POST body that is not one GraphQL request is answered as GET answers it: a GraphQL error, not a problem', async () => {
    const tenant = await createTenant()
    const token = tenant.tokens.ADMIN
    const post = async (body: unknown) => {
      const response = await api('/graphql', { method: 'POST', token, body })
      return { status: response.status, body: await json<GraphQLBody>(response), response }
    }
    for (const body of [
      { query: 1 },
      { variables: {} },
      { query: '{ tickets { nodes { id } } }', variables: [1] },
      { query: '{ tickets { nodes { id } } }', variables: 'x' },
      { query: '{ tickets { nodes { id } } }', operationName: 5 },
      [{ query: '{ tickets { nodes { id } } }' }],
      JSON.stringify('{ tickets { nodes { id } } }'),
    ]) {
      const refused = await post(body)
      expectRefused(refused, 400, 'INVALID_PARAMETERS')
      expect(refused.response.headers.get('Content-Type')).toContain('application/graphql-response+json')
    }
    // GET's variables that are not an object: the same kind of answer.
    const get = await api(
      `/graphql?query=${encodeURIComponent('{ tickets { nodes { id } } }')}&variables=[1]`,
      {
        token,
      },
    )
    expectRefused({ status: get.status, body: await json<GraphQLBody>(get) }, 400, 'INVALID_PARAMETERS')
    // A body that is not JSON at all is the API's problem, before GraphQL runs (as every JSON route's).
    const notJson = await api('/graphql', {
      method: 'POST',
      token,
      body: '{"query":',
    })
    expect(notJson.headers.get('Content-Type')).toContain('application/problem+json')
  })
})
