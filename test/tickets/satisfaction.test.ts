import { and, desc, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { events, tickets } from '../../src/db/schema'
import { graphql } from '../reads/graphql-support'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * PUT /v1/tickets/{ticketId}/satisfaction: the ticket's customer rates it (1..5, optional comment) once it is
 * RESOLVED or CLOSED; a new rating replaces the old. Everyone else: the customer-ownership rules (403 staff, 404
 * another customer or tenant).
 */
interface Satisfaction {
  rating: number
  comment: string | null
  ratedAt: string
}
interface Ticket {
  id: string
  status: string
  version: number
  satisfaction: Satisfaction | null
  allowedActions: string[]
}

async function ticketIn(tenant: TestTenant, status: 'OPEN' | 'RESOLVED' | 'CLOSED' = 'RESOLVED') {
  const created = await api('/v1/tickets', {
    method: 'POST',
    token: tenant.tokens.REPRESENTATIVE,
    body: { customerId: tenant.customerId, subject: 'Printer on fire', description: 'It is on fire.' },
  })
  expect(created.status).toBe(201)
  const ticket = await json<Ticket>(created)
  const moves = {
    OPEN: [],
    RESOLVED: ['IN_PROGRESS', 'RESOLVED'],
    CLOSED: ['IN_PROGRESS', 'RESOLVED', 'CLOSED'],
  }
  for (const to of moves[status]) {
    const moved = await api(`/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      token: tenant.tokens.REPRESENTATIVE,
      body: { status: to },
    })
    expect(moved.status, await moved.clone().text()).toBe(200)
  }
  return ticket
}

function rate(ticketId: string, body: unknown, token: string, headers: Record<string, string> = {}) {
  return api(`/v1/tickets/${ticketId}/satisfaction`, { method: 'PUT', token, body, headers })
}

const rowOf = async (id: string) => (await ownerDb.select().from(tickets).where(eq(tickets.id, id)))[0]

describe('PUT /v1/tickets/{ticketId}/satisfaction', () => {
  it('records the customer’s rating: 200, ETag, the row, one round trip and a ticket.updated event', async () => {
    const tenant = await createTenant()
    const ticket = await ticketIn(tenant)
    const before = await rowOf(ticket.id)
    const requestId = `rate-${crypto.randomUUID()}`
    const response = await rate(
      ticket.id,
      { rating: 4, comment: '  Quick and kind.  ' },
      tenant.tokens.CUSTOMER,
      { 'X-Request-Id': requestId },
    )
    expect(response.status, await response.clone().text()).toBe(200)
    const body = await json<Ticket>(response)
    expect(body.satisfaction).toEqual({ rating: 4, comment: 'Quick and kind.', ratedAt: expect.any(String) })
    expect(body.version).toBe((before?.version ?? 0) + 1)
    expect(response.headers.get('ETag')).toBe(`"${body.version}"`)
    expect(await neonLocalStats(requestId)).toBe(1)

    const row = await rowOf(ticket.id)
    expect(row).toMatchObject({
      satisfactionRating: 4,
      satisfactionComment: 'Quick and kind.',
      status: 'RESOLVED',
    })
    expect(row?.satisfactionRatedAt?.toISOString()).toBe(body.satisfaction?.ratedAt)

    const [event] = await ownerDb
      .select()
      .from(events)
      .where(and(eq(events.objectId, ticket.id), eq(events.type, 'ticket.updated')))
      .orderBy(desc(events.ordinal))
      .limit(1)
    expect(event).toMatchObject({
      actorRole: 'CUSTOMER',
      actorId: tenant.customerId,
      requestId,
      object: expect.objectContaining({ satisfaction_rating: 4, satisfaction_comment: 'Quick and kind.' }),
      previous: { satisfaction_rating: null, satisfaction_comment: null, satisfaction_rated_at: null },
    })

    // Every reader's representation carries it; the staff's too.
    const read = await api(`/v1/tickets/${ticket.id}`, { token: tenant.tokens.REPRESENTATIVE })
    expect((await json<Ticket>(read)).satisfaction).toEqual(body.satisfaction)
  })

  it('a new rating replaces the old one (and its comment); a CLOSED ticket takes one too', async () => {
    const tenant = await createTenant()
    const ticket = await ticketIn(tenant, 'CLOSED')
    const first = await json<Ticket>(
      await rate(ticket.id, { rating: 2, comment: 'Slow.' }, tenant.tokens.CUSTOMER),
    )
    expect(first.satisfaction).toMatchObject({ rating: 2, comment: 'Slow.' })
    const second = await rate(ticket.id, { rating: 5 }, tenant.tokens.CUSTOMER)
    expect(second.status).toBe(200)
    const body = await json<Ticket>(second)
    expect(body.satisfaction).toMatchObject({ rating: 5, comment: null })
    expect(Date.parse(body.satisfaction?.ratedAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(first.satisfaction?.ratedAt ?? ''),
    )
    expect(body.version).toBe(first.version + 1)
    expect(await rowOf(ticket.id)).toMatchObject({ satisfactionRating: 5, satisfactionComment: null })
  })

  it('honours If-Match: 412 on a stale version, nothing written', async () => {
    const tenant = await createTenant()
    const ticket = await ticketIn(tenant)
    const current = await api(`/v1/tickets/${ticket.id}`, { token: tenant.tokens.CUSTOMER })
    const etag = current.headers.get('ETag') as string
    const stale = await rate(ticket.id, { rating: 3 }, tenant.tokens.CUSTOMER, { 'If-Match': '"1"' })
    expect(stale.status).toBe(412)
    expect(stale.headers.get('Content-Type')).toContain('application/problem+json')
    expect((await rowOf(ticket.id))?.satisfactionRating).toBeNull()
    const fresh = await rate(ticket.id, { rating: 3 }, tenant.tokens.CUSTOMER, { 'If-Match': etag })
    expect(fresh.status).toBe(200)
  })

  it('only the ticket’s customer: 403 for the team, 404 for another customer or tenant', async () => {
    const [tenant, other] = [await createTenant(), await createTenant()]
    const ticket = await ticketIn(tenant)
    for (const role of ['ADMIN', 'REPRESENTATIVE', 'AGENT'] as const) {
      const response = await rate(ticket.id, { rating: 5 }, tenant.tokens[role])
      expect(response.status, role).toBe(403)
    }
    expect((await rate(ticket.id, { rating: 5 }, tenant.tokens.OTHER_CUSTOMER)).status).toBe(404)
    expect((await rate(ticket.id, { rating: 5 }, other.tokens.CUSTOMER)).status).toBe(404)
    expect((await rowOf(ticket.id))?.satisfactionRating).toBeNull()
  })

  it('409 TICKET_NOT_RESOLVED before the ticket is resolved', async () => {
    const tenant = await createTenant()
    const ticket = await ticketIn(tenant, 'OPEN')
    expect(ticket.allowedActions).not.toContain('rate')
    const response = await rate(ticket.id, { rating: 5 }, tenant.tokens.CUSTOMER)
    expect(response.status).toBe(409)
    expect(response.headers.get('Content-Type')).toContain('application/problem+json')
    expect(await json(response)).toMatchObject({ code: 'TICKET_NOT_RESOLVED' })
    expect((await rowOf(ticket.id))?.satisfactionRating).toBeNull()
  })

  it('offers `rate` to the customer of a RESOLVED or CLOSED ticket, to nobody else', async () => {
    const tenant = await createTenant()
    const resolved = await ticketIn(tenant)
    const closed = await ticketIn(tenant, 'CLOSED')
    for (const ticket of [resolved, closed]) {
      const asCustomer = await json<Ticket>(
        await api(`/v1/tickets/${ticket.id}`, { token: tenant.tokens.CUSTOMER }),
      )
      expect(asCustomer.allowedActions).toContain('rate')
      const asStaff = await json<Ticket>(
        await api(`/v1/tickets/${ticket.id}`, { token: tenant.tokens.ADMIN }),
      )
      expect(asStaff.allowedActions).not.toContain('rate')
    }
  })

  it('422 for a rating that is not an integer 1..5, a comment too long, unknown keys; nothing written', async () => {
    const tenant = await createTenant()
    const ticket = await ticketIn(tenant)
    for (const body of [
      { rating: 0 },
      { rating: 6 },
      { rating: 2.5 },
      { rating: '5' },
      { rating: null },
      {},
      { rating: 5, comment: 'x'.repeat(1001) },
      { rating: 5, comment: 42 },
      { rating: 5, stars: 5 },
    ]) {
      const response = await rate(ticket.id, body, tenant.tokens.CUSTOMER)
      expect(response.status, JSON.stringify(body).slice(0, 60)).toBe(422)
      expect(response.headers.get('Content-Type')).toContain('application/problem+json')
    }
    expect((await rowOf(ticket.id))?.satisfactionRating).toBeNull()
    const longest = await rate(ticket.id, { rating: 1, comment: 'é'.repeat(1000) }, tenant.tokens.CUSTOMER)
    expect(longest.status).toBe(200)
    const blank = await rate(ticket.id, { rating: 1, comment: '   ' }, tenant.tokens.CUSTOMER)
    expect((await json<Ticket>(blank)).satisfaction).toMatchObject({ rating: 1, comment: null })
  })
})

describe('the OpenAPI document', () => {
  it('bounds the comment and the rating alike in the request and in the ticket it answers with', async () => {
    type Property = { minimum?: number; maximum?: number; maxLength?: number }
    const { components } = await json<{
      components: { schemas: Record<string, { properties: Record<string, Property> }> }
    }>(await api('/openapi.json'))
    for (const name of ['RateTicket', 'TicketSatisfaction']) {
      const { properties } = components.schemas[name] ?? { properties: {} }
      expect(properties.rating, name).toMatchObject({ minimum: 1, maximum: 5 })
      expect(properties.comment, name).toMatchObject({ maxLength: 1000 })
    }
  })
})

describe('GraphQL replaceTicketSatisfaction', () => {
  it('is the CUSTOMER’s mutation, run as the REST PUT; not in the team’s schemas', async () => {
    const tenant = await createTenant()
    const ticket = await ticketIn(tenant)
    const document = `mutation ($id: ID!) {
      replaceTicketSatisfaction(ticketId: $id, input: { rating: 5, comment: "Great" }) {
        id satisfaction { rating comment ratedAt }
      }
    }`
    const { body } = await graphql(tenant.tokens.CUSTOMER, document, { id: ticket.id })
    expect(body.errors, JSON.stringify(body)).toBeUndefined()
    expect(body.data).toMatchObject({
      replaceTicketSatisfaction: { id: ticket.id, satisfaction: { rating: 5, comment: 'Great' } },
    })
    expect(await rowOf(ticket.id)).toMatchObject({ satisfactionRating: 5, satisfactionComment: 'Great' })
    const refused = await graphql(tenant.tokens.ADMIN, document, { id: ticket.id })
    expect(refused.body.data ?? null).toBeNull()
    expect(JSON.stringify(refused.body.errors)).toMatch(/replaceTicketSatisfaction/)
  })
})
