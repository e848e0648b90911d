import { describe, expect, it } from 'vitest'
import { api, json } from '../support/api'
import { neonLocalStats } from '../support/db'
import { createTenant } from '../support/tenants'
import { consoleScreen, getJson } from './support'

type Body = Record<string, unknown>
type Page = { data: Body[]; nextCursor: string | null; nextUrl?: string | null }

/** The representation without the given expansion keys. */
const without = (body: Body, ...keys: string[]) =>
  Object.fromEntries(Object.entries(body).filter(([key]) => !keys.includes(key)))

/** GET, counting the database round trips of the request. */
async function counted(path: string, token: string, status = 200) {
  const requestId = `expand-${crypto.randomUUID()}`
  const response = await api(path, { token, headers: { 'X-Request-Id': requestId } })
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(status)
  return { body: await json<Body>(response), roundTrips: await neonLocalStats(requestId), response }
}

describe('expand: related resources in the same database round trip', () => {
  it('a console screen in one request and one round trip; each embedded object is what its own GET returns', async () => {
    const screen = await consoleScreen()
    const { tenant, ticketId } = screen
    const token = tenant.tokens.ADMIN
    const expand =
      'customer,assignedRepresentative.user,messages,escalations.assignedRepresentative,escalations.agent,refunds'
    const { body, roundTrips, response } = await counted(`/v1/tickets/${ticketId}?expand=${expand}`, token)
    expect(roundTrips).toBe(1)
    const plain = await api(`/v1/tickets/${ticketId}`, { token })
    expect(response.headers.get('ETag')).toBe(plain.headers.get('ETag'))
    expect(without(body, 'customer', 'assignedRepresentative', 'messages', 'escalations', 'refunds')).toEqual(
      await plain.json(),
    )
    expect(body.customer).toEqual(await getJson(`/v1/customers/${tenant.customerId}`, token))
    const representative = body.assignedRepresentative as Body
    expect(without(representative, 'user')).toEqual(
      await getJson(`/v1/representatives/${tenant.representativeId}`, token),
    )
    expect(representative.user).toEqual(await getJson(`/v1/users/${tenant.representativeUserId}`, token))
    const messages = body.messages as Page
    const restMessages = await getJson<Page>(`/v1/tickets/${ticketId}/messages`, token)
    expect(messages).toEqual({ data: restMessages.data, nextCursor: null, nextUrl: null })
    expect(messages.data.map((message) => message.visibility)).toEqual(['PUBLIC', 'INTERNAL', 'PUBLIC'])
    const [escalation] = (body.escalations as Page).data as [Body]
    expect(without(escalation, 'assignedRepresentative', 'agent')).toEqual(
      await getJson(`/v1/escalations/${screen.escalationId}`, token),
    )
    expect(escalation.assignedRepresentative).toEqual(without(representative, 'user'))
    expect(escalation.agent).toEqual(await getJson(`/v1/agents/${tenant.agentId}`, token))
    expect((body.refunds as Page).data).toEqual([await getJson(`/v1/refunds/${screen.refundId}`, token)])
  })

  it('costs one round trip at every depth (1–3), for one resource and for lists, on tickets, escalations, refunds', async () => {
    const screen = await consoleScreen()
    const { tenant } = screen
    const token = tenant.tokens.ADMIN
    const paths = [
      `/v1/tickets/${screen.ticketId}?expand=customer`,
      `/v1/tickets/${screen.ticketId}?expand=escalations.assignedRepresentative`,
      `/v1/tickets/${screen.ticketId}?expand=escalations.assignedRepresentative.user,refunds.customer.refunds`,
      '/v1/tickets?expand=customer,messages,escalations.ticket.refunds&limit=5',
      `/v1/escalations/${screen.escalationId}?expand=ticket.customer.tickets,agent,assignedRepresentative.user`,
      '/v1/escalations?expand=ticket.messages&status=ASSIGNED',
      `/v1/refunds/${screen.refundId}?expand=ticket.escalations.agent,customer`,
      '/v1/refunds?expand=ticket,customer.refunds&sort=createdAt',
    ]
    for (const path of paths) expect((await counted(path, token)).roundTrips, path).toBe(1)
  })

  it('a CUSTOMER gets exactly its REST reads: own rows, PUBLIC messages, no staff fields; staff-only resources are 403', async () => {
    const screen = await consoleScreen()
    const { tenant, ticketId } = screen
    const token = tenant.tokens.CUSTOMER
    const { body } = await counted(`/v1/tickets/${ticketId}?expand=customer,messages,refunds.ticket`, token)
    expect(without(body, 'customer', 'messages', 'refunds')).toEqual(
      await getJson(`/v1/tickets/${ticketId}`, token),
    )
    expect(body).not.toHaveProperty('tags')
    expect(body.customer).toEqual(await getJson(`/v1/customers/${tenant.customerId}`, token))
    expect((body.customer as { profile: Body }).profile).not.toHaveProperty('accountStanding')
    const messages = body.messages as Page
    expect(messages.data).toEqual((await getJson<Page>(`/v1/tickets/${ticketId}/messages`, token)).data)
    expect(messages.data.map((message) => message.visibility)).toEqual(['PUBLIC', 'PUBLIC'])
    expect(messages.data[1]?.metadata).not.toHaveProperty('confidence')
    const [refund] = (body.refunds as Page).data as [Body]
    expect(without(refund, 'ticket')).toEqual(await getJson(`/v1/refunds/${screen.refundId}`, token))
    expect(refund).not.toHaveProperty('decision')
    expect(refund.ticket).toEqual(without(body, 'customer', 'messages', 'refunds'))

    for (const expand of ['assignedRepresentative', 'escalations', 'refunds.ticket.escalations']) {
      const refused = await counted(`/v1/tickets/${ticketId}?expand=${expand}`, token, 403)
      expect(refused.body.code).toBe('FORBIDDEN')
      expect(refused.body.detail).toContain(`\`${expand}\``)
      expect(refused.roundTrips).toBe(0)
    }
    // Another customer's ticket is not found, expanded or not; a list reaches only the caller's rows.
    await counted(`/v1/tickets/${screen.otherTicketId}?expand=refunds`, token, 404)
    await counted(`/v1/refunds/${screen.otherRefundId}?expand=ticket`, token, 404)
    const list = (await counted('/v1/tickets?expand=refunds,customer', token)).body as unknown as Page
    expect(list.data.map((ticket) => ticket.id)).toEqual([ticketId])
    expect(((list.data[0] as Body).refunds as Page).data.map((r) => r.id)).toEqual([screen.refundId])
    const refunds = (await counted('/v1/refunds?expand=ticket,customer', token)).body as unknown as Page
    expect(refunds.data.map((r) => r.id)).toEqual([screen.refundId])
  })

  it('an AGENT reads the escalations it opened and their tickets, never users nor agent configurations', async () => {
    const screen = await consoleScreen()
    const { tenant } = screen
    const agent = await counted(
      `/v1/escalations/${screen.escalationId}?expand=ticket.messages,assignedRepresentative`,
      tenant.tokens.AGENT,
    )
    expect(((agent.body.ticket as Body).messages as Page).data).toHaveLength(3)
    expect(agent.body.assignedRepresentative).not.toHaveProperty('email')
    await counted(
      `/v1/escalations/${screen.escalationId}?expand=assignedRepresentative.user`,
      tenant.tokens.AGENT,
      403,
    )
    await counted(`/v1/tickets/${screen.ticketId}?expand=customer.refunds`, tenant.tokens.AGENT, 200)
    const refused = await counted(
      `/v1/escalations/${screen.escalationId}?expand=agent`,
      tenant.tokens.AGENT,
      403,
    )
    expect(refused.body.detail).toContain('`agent`')
    await counted(`/v1/escalations/${screen.escalationId}?expand=agent`, tenant.tokens.REPRESENTATIVE, 200)
  })

  it('tenant B reaches nothing of tenant A through any path', async () => {
    const a = await consoleScreen()
    const b = await consoleScreen()
    const token = b.tenant.tokens.ADMIN
    await counted(`/v1/tickets/${a.ticketId}?expand=customer,refunds,escalations`, token, 404)
    await counted(`/v1/escalations/${a.escalationId}?expand=ticket`, token, 404)
    await counted(`/v1/refunds/${a.refundId}?expand=ticket.customer`, token, 404)
    const tickets = (await counted('/v1/tickets?expand=customer,refunds.customer,escalations.ticket', token))
      .body as unknown as Page
    const seen = JSON.stringify(tickets)
    for (const id of [
      a.ticketId,
      a.refundId,
      a.escalationId,
      a.tenant.customerId,
      a.tenant.representativeId,
    ]) {
      expect(seen).not.toContain(id)
    }
    expect(tickets.data.map((ticket) => ticket.id).sort()).toEqual([b.ticketId, b.otherTicketId].sort())
  })

  it('nested lists stop at 20 with the URL of the rest; following it gives exactly the rest', async () => {
    const screen = await consoleScreen()
    const { tenant, ticketId } = screen
    for (let index = 0; index < 20; index++) {
      const posted = await api(`/v1/tickets/${ticketId}/messages`, {
        method: 'POST',
        token: tenant.tokens.REPRESENTATIVE,
        body: { body: `Reply ${index}` },
      })
      expect(posted.status).toBe(201)
    }
    const token = tenant.tokens.ADMIN
    const { body } = await counted(`/v1/tickets/${ticketId}?expand=messages`, token)
    const first = body.messages as Page
    expect(first.data).toHaveLength(20)
    expect(first.nextUrl).toContain(`/v1/tickets/${ticketId}/messages?`)
    const rest = await getJson<Page>(first.nextUrl as string, token)
    const all = await getJson<Page>(`/v1/tickets/${ticketId}/messages?limit=100`, token)
    expect([...first.data, ...rest.data]).toEqual(all.data)
    expect(rest.data).toHaveLength(3)
  })

  it('refuses unknown, too deep, too many and malformed paths (400 naming `expand`) before any database work', async () => {
    const tenant = await createTenant()
    const ticket = await json<{ id: string }>(
      await api('/v1/tickets', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        body: { customerId: tenant.customerId, subject: 's', description: 'd' },
      }),
    )
    const many = ['customer', 'messages', 'refunds', 'escalations', 'assignedRepresentative']
    const cases = [
      'nope',
      'customer.nope',
      'escalations.ticket.escalations.ticket',
      [...many, ...many.map((path) => `${path}`), 'a', 'b', 'c', 'd', 'e', 'f'].join(','),
      'customer,,refunds',
      'customer.',
      '__proto__',
      'constructor',
      'escalations.ticket.customer.refunds',
    ]
    for (const expand of cases) {
      const { body, roundTrips } = await counted(
        `/v1/tickets/${ticket.id}?expand=${encodeURIComponent(expand)}`,
        tenant.tokens.ADMIN,
        400,
      )
      expect(body.code, expand).toBe('INVALID_PARAMETERS')
      expect((body.errors as Array<{ path: string }>)[0]?.path, expand).toBe('expand')
      expect(roundTrips, expand).toBe(0)
    }
  })

  it('a list with expand may read at most as many rows as a GraphQL query (lists of lists are refused, not read)', async () => {
    const screen = await consoleScreen()
    const { tenant } = screen
    for (const token of [tenant.tokens.ADMIN, tenant.tokens.CUSTOMER]) {
      // 100 tickets × their customer's 20 tickets × 20 messages each: 40,000 rows; GraphQL refuses the same read.
      const graphqlRefused = await api('/graphql', {
        method: 'POST',
        token,
        body: {
          query:
            '{ tickets(first: 100) { nodes { customer { tickets { nodes { messages { nodes { id } } } } } } } }',
        },
      })
      expect(((await json<Body>(graphqlRefused)).errors as Body[])[0]?.extensions).toEqual({
        code: 'QUERY_TOO_COMPLEX',
      })
      const { body, roundTrips } = await counted(
        '/v1/tickets?limit=100&expand=customer.tickets.messages',
        token,
        400,
      )
      expect(body.code).toBe('INVALID_PARAMETERS')
      expect((body.errors as Array<{ path: string; message: string }>)[0]?.path).toBe('expand')
      expect((body.errors as Array<{ path: string; message: string }>)[0]?.message).toContain('5000')
      expect(roundTrips).toBe(0)
    }
    // Within the limit: as before (25 tickets with three lists each, 1,525 rows; a ticket's customer's tickets' messages, 421).
    const token = tenant.tokens.ADMIN
    const page = await counted('/v1/tickets?limit=25&expand=messages,escalations,refunds', token)
    expect((page.body.data as Body[]).length).toBe(2)
    const deep = await counted(`/v1/tickets/${screen.ticketId}?expand=customer.tickets.messages`, token)
    const tickets = (deep.body.customer as Body).tickets as Page
    expect(tickets.data.length).toBe(1)
  })
})
