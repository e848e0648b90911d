import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { escalations, tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb } from '../support/db'
import { createTenant, type TestTenant, tokenFor } from '../support/tenants'
import { type EscalationBody, newEscalation, newTicket } from './support'

/*
 * Issue 16: an AGENT reads back the escalations it opened (and replays its own keyed POST), and only an open ticket
 * is escalated.
 */

const escalationsOfTicket = (ticketId: string) =>
  ownerDb.select().from(escalations).where(eq(escalations.ticketId, ticketId))
const ticketRow = async (id: string) => (await ownerDb.select().from(tickets).where(eq(tickets.id, id)))[0]

/** A second ACTIVE agent configuration of the tenant, with its token. */
async function secondAgent(tenant: TestTenant) {
  const response = await api('/v1/agents', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: { name: 'Other bot', type: 'TRIAGE', status: 'ACTIVE', model: 'm' },
  })
  expect(response.status, await response.clone().text()).toBe(201)
  const { id } = await json<{ id: string }>(response)
  return { id, token: await tokenFor(tenant.organizationId, id, 'AGENT') }
}

describe('an AGENT and the escalations it opened', () => {
  it('reads back the ones it opened (GET one and the list), and no other', async () => {
    const tenant = await createTenant()
    const other = await secondAgent(tenant)
    const mine = await newEscalation(tenant)
    const byPerson = await newEscalation(tenant, {}, 'REPRESENTATIVE')
    const byOtherAgent = await json<EscalationBody>(
      await api('/v1/escalations', {
        method: 'POST',
        token: other.token,
        body: {
          ticketId: (await newTicket(tenant)).id,
          priority: 'LOW',
          reason: 'LOW_CONFIDENCE',
          summary: 'Not mine.',
        },
      }),
    )

    const read = await api(`/v1/escalations/${mine.id}`, { token: tenant.tokens.AGENT })
    expect(read.status, await read.clone().text()).toBe(200)
    expect(read.headers.get('ETag')).toBe('"1"')
    const body = await json<EscalationBody>(read)
    expect(body).toEqual({ ...mine, allowedActions: [] })
    expect(body.agentConfigurationId).toBe(tenant.agentId)

    for (const foreign of [byPerson, byOtherAgent]) {
      const refused = await api(`/v1/escalations/${foreign.id}`, { token: tenant.tokens.AGENT })
      expect(refused.status).toBe(404)
      expect(await json(refused)).toMatchObject({ code: 'NOT_FOUND' })
    }

    const page = await json<{ data: EscalationBody[] }>(
      await api('/v1/escalations', { token: tenant.tokens.AGENT }),
    )
    expect(page.data.map((escalation) => escalation.id)).toEqual([mine.id])
    // Asking for another agent's escalations finds none; people still see them all.
    const filtered = await json<{ data: EscalationBody[] }>(
      await api(`/v1/escalations?agentConfigurationId=${other.id}`, { token: tenant.tokens.AGENT }),
    )
    expect(filtered.data).toEqual([])
    const all = await json<{ data: EscalationBody[] }>(
      await api('/v1/escalations', { token: tenant.tokens.REPRESENTATIVE }),
    )
    expect(all.data.map((escalation) => escalation.id).sort()).toEqual(
      [mine.id, byPerson.id, byOtherAgent.id].sort(),
    )
  })

  it('replays its own POST /v1/escalations with the same Idempotency-Key as the original answered (201)', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant)
    const key = `escalate-${crypto.randomUUID()}`
    const send = (requestId: string) =>
      api('/v1/escalations', {
        method: 'POST',
        token: tenant.tokens.AGENT,
        headers: { 'Idempotency-Key': key, 'X-Request-Id': requestId },
        body: { ticketId: ticket.id, priority: 'HIGH', reason: 'LOW_CONFIDENCE', summary: 'Once.' },
      })
    const first = await send(`first-${crypto.randomUUID()}`)
    expect(first.status, await first.clone().text()).toBe(201)
    const original = await json<EscalationBody>(first)
    const replayId = `replay-${crypto.randomUUID()}`
    const again = await send(replayId)
    expect(again.status, await again.clone().text()).toBe(201)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(again.headers.get('Location')).toBe(`/v1/escalations/${original.id}`)
    expect(again.headers.get('ETag')).toBe(first.headers.get('ETag'))
    expect(await json(again)).toEqual(original)
    // The refused claim, then the read of the resource through GET /v1/escalations/{id}.
    expect(await neonLocalStats(replayId)).toBe(2)
    expect(await escalationsOfTicket(ticket.id)).toHaveLength(1)
  })
})

describe('escalating a ticket that is not open', () => {
  it('RESOLVED or CLOSED: 409 TICKET_NOT_OPEN in one round trip, nothing written; reopened, it escalates', async () => {
    const tenant = await createTenant()
    for (const status of ['RESOLVED', 'CLOSED'] as const) {
      const ticket = await newTicket(tenant, { priority: 'LOW' })
      await ownerDb.update(tickets).set({ status }).where(eq(tickets.id, ticket.id))
      const before = await ticketRow(ticket.id)
      for (const role of ['AGENT', 'REPRESENTATIVE', 'ADMIN'] as const) {
        const requestId = `not-open-${crypto.randomUUID()}`
        const response = await api('/v1/escalations', {
          method: 'POST',
          token: tenant.tokens[role],
          headers: { 'X-Request-Id': requestId },
          body: {
            ticketId: ticket.id,
            priority: 'CRITICAL',
            reason: 'CUSTOMER_REQUEST',
            summary: 'Too late?',
          },
        })
        expect(response.status, await response.clone().text()).toBe(409)
        expect(response.headers.get('Content-Type')).toContain('application/problem+json')
        const problem = await json<{ code: string; detail: string }>(response)
        expect(problem.code).toBe('TICKET_NOT_OPEN')
        expect(problem.detail).toContain('reopen')
        expect(await neonLocalStats(requestId)).toBe(1)
      }
      expect(await escalationsOfTicket(ticket.id), status).toEqual([])
      expect(await ticketRow(ticket.id), `${status} ticket unchanged`).toEqual(before)
    }
    // Reopened (RESOLVED → OPEN through the API), the ticket escalates again.
    const resolved = await newTicket(tenant)
    await ownerDb.update(tickets).set({ status: 'RESOLVED' }).where(eq(tickets.id, resolved.id))
    const reopened = await api(`/v1/tickets/${resolved.id}`, {
      method: 'PATCH',
      token: tenant.tokens.CUSTOMER,
      body: { status: 'OPEN' },
    })
    expect(reopened.status, await reopened.clone().text()).toBe(200)
    expect((await newEscalation(tenant, { ticketId: resolved.id })).status).toBe('PENDING')
  })

  it('every open status escalates (OPEN, IN_PROGRESS, WAITING_ON_CUSTOMER)', async () => {
    const tenant = await createTenant()
    for (const status of ['OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER'] as const) {
      const ticket = await newTicket(tenant)
      await ownerDb.update(tickets).set({ status }).where(eq(tickets.id, ticket.id))
      expect((await newEscalation(tenant, { ticketId: ticket.id })).ticketId, status).toBe(ticket.id)
    }
  })
})
