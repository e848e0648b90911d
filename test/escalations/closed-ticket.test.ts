import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import migration from '../../drizzle/0032_cancel_escalations_of_closed_tickets.sql?raw'
import { escalations, events, representatives, tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb, ownerSql } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { act, type EscalationBody, newEscalation, newTicket } from './support'

/*
 * A CLOSED ticket is final and takes no message (SPEC.md §4, SPEC-surfaces "Messages"): an escalation of it can no
 * longer be worked — the human it goes to cannot even answer the customer. Closing the ticket therefore ends its
 * open escalations (CANCELLED, in the same transaction): they leave the queue, `auto` no longer hands them to a
 * representative, and the capacity they held is free again.
 */

const escalationRow = async (id: string) =>
  (await ownerDb.select().from(escalations).where(eq(escalations.id, id)))[0]
const ticketRow = async (id: string) => (await ownerDb.select().from(tickets).where(eq(tickets.id, id)))[0]

async function move(tenant: TestTenant, ticketId: string, status: string) {
  return api(`/v1/tickets/${ticketId}`, {
    method: 'PATCH',
    token: tenant.tokens.REPRESENTATIVE,
    body: { status },
  })
}

describe('closing a ticket with open escalations', () => {
  it('cancels them (PENDING, ASSIGNED, IN_PROGRESS) in the same request, freeing their representative', async () => {
    const tenant = await createTenant()
    await ownerDb
      .update(representatives)
      .set({ maxConcurrentTickets: 2 })
      .where(eq(representatives.id, tenant.representativeId))
    const ticket = await newTicket(tenant)
    const [pending, assigned, started, resolved] = [
      await newEscalation(tenant, { ticketId: ticket.id }),
      await newEscalation(tenant, { ticketId: ticket.id }),
      await newEscalation(tenant, { ticketId: ticket.id }),
      await newEscalation(tenant, { ticketId: ticket.id }),
    ]
    const to = { body: { representativeId: tenant.representativeId } }
    for (const e of [assigned, started]) expect((await act(tenant, e.id, 'assign', to)).status).toBe(200)
    expect((await act(tenant, started.id, 'start')).status).toBe(200)
    // Resolved before the ticket closes: its outcome stays.
    await ownerDb.update(escalations).set({ status: 'RESOLVED' }).where(eq(escalations.id, resolved.id))
    const resolvedBefore = await escalationRow(resolved.id)

    for (const status of ['IN_PROGRESS', 'RESOLVED'])
      expect((await move(tenant, ticket.id, status)).status).toBe(200)
    // Still open while the ticket is only RESOLVED (a customer may reopen it).
    expect(await escalationRow(pending.id)).toMatchObject({ status: 'PENDING' })
    const closed = await move(tenant, ticket.id, 'CLOSED')
    expect(closed.status, await closed.clone().text()).toBe(200)
    expect(await json(closed)).toMatchObject({ status: 'CLOSED' })

    for (const e of [pending, assigned, started]) {
      const row = await escalationRow(e.id)
      expect(row, e.id).toMatchObject({ status: 'CANCELLED' })
      // A new version: a client holding the old ETag learns it changed.
      expect(row?.version, e.id).toBeGreaterThan(e.version)
      const read = await api(`/v1/escalations/${e.id}`, { token: tenant.tokens.REPRESENTATIVE })
      expect(await json<EscalationBody>(read)).toMatchObject({ status: 'CANCELLED', allowedActions: [] })
    }
    expect(await escalationRow(resolved.id)).toEqual(resolvedBefore)

    // The representative's two slots are free: two escalations of another ticket take them.
    const other = await newTicket(tenant)
    for (let i = 0; i < 2; i++) {
      const e = await newEscalation(tenant, { ticketId: other.id })
      const response = await act(tenant, e.id, 'assign', to)
      expect(response.status, await response.clone().text()).toBe(200)
    }
  })

  it('a refused close (not RESOLVED yet, or a stale If-Match) cancels nothing', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant)
    const escalation = await newEscalation(tenant, { ticketId: ticket.id })
    const early = await move(tenant, ticket.id, 'CLOSED')
    expect(early.status, await early.clone().text()).toBe(409)
    expect(await escalationRow(escalation.id)).toMatchObject({ status: 'PENDING', version: 1 })

    for (const status of ['IN_PROGRESS', 'RESOLVED'])
      expect((await move(tenant, ticket.id, status)).status).toBe(200)
    const version = (await ticketRow(ticket.id))?.version ?? 0
    const stale = await api(`/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      token: tenant.tokens.REPRESENTATIVE,
      headers: { 'If-Match': `"${version + 5}"` },
      body: { status: 'CLOSED' },
    })
    expect(stale.status, await stale.clone().text()).toBe(412)
    expect(await escalationRow(escalation.id)).toMatchObject({ status: 'PENDING', version: 1 })
    expect(await ticketRow(ticket.id)).toMatchObject({ status: 'RESOLVED', version })
  })

  it('an AGENT, which may not cancel escalations, may not close a ticket that has open ones: 409 TICKET_ESCALATED, nothing written', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant)
    const escalation = await newEscalation(tenant, { ticketId: ticket.id }, 'REPRESENTATIVE')
    for (const status of ['IN_PROGRESS', 'RESOLVED'])
      expect((await move(tenant, ticket.id, status)).status).toBe(200)
    const before = await ticketRow(ticket.id)
    const byAgent = (body: unknown) =>
      api(`/v1/tickets/${ticket.id}`, { method: 'PATCH', token: tenant.tokens.AGENT, body })
    const refused = await byAgent({ status: 'CLOSED', tags: ['not applied'] })
    expect(refused.status, await refused.clone().text()).toBe(409)
    expect(refused.headers.get('Content-Type')).toContain('application/problem+json')
    expect(await json(refused)).toMatchObject({ status: 409, code: 'TICKET_ESCALATED' })
    expect(await ticketRow(ticket.id)).toEqual(before)
    expect(await escalationRow(escalation.id)).toMatchObject({ status: 'PENDING' })

    // A person cancels it (or closes the ticket); then the AGENT may close.
    expect((await act(tenant, escalation.id, 'cancel', { role: 'ADMIN' })).status).toBe(200)
    const closed = await byAgent({ status: 'CLOSED' })
    expect(closed.status, await closed.clone().text()).toBe(200)
    expect(await json(closed)).toMatchObject({ status: 'CLOSED' })
  })

  it('other tickets’ escalations and other changes of a ticket leave escalations alone', async () => {
    const tenant = await createTenant()
    const [ticket, neighbour] = [await newTicket(tenant), await newTicket(tenant)]
    const mine = await newEscalation(tenant, { ticketId: ticket.id })
    const theirs = await newEscalation(tenant, { ticketId: neighbour.id })
    const edited = await api(`/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      token: tenant.tokens.REPRESENTATIVE,
      body: { subject: 'Renamed' },
    })
    expect(edited.status).toBe(200)
    expect(await escalationRow(mine.id)).toMatchObject({ status: 'PENDING', version: 1 })
    for (const status of ['IN_PROGRESS', 'RESOLVED', 'CLOSED']) {
      expect((await move(tenant, ticket.id, status)).status).toBe(200)
    }
    expect(await escalationRow(mine.id)).toMatchObject({ status: 'CANCELLED' })
    expect(await escalationRow(theirs.id)).toMatchObject({ status: 'PENDING', version: 1 })
  })

  it('migration 0032 cancels the open escalations of tickets closed before the change, once, as SYSTEM', async () => {
    const tenant = await createTenant()
    const [closed, open] = [await newTicket(tenant), await newTicket(tenant)]
    const stale = await newEscalation(tenant, { ticketId: closed.id })
    const live = await newEscalation(tenant, { ticketId: open.id })
    // A ticket closed before closing cancelled anything: its escalation was left PENDING.
    await ownerDb.update(tickets).set({ status: 'CLOSED' }).where(eq(tickets.id, closed.id))
    const before = await escalationRow(stale.id)
    // Twice: the second run changes nothing (idempotent).
    for (let run = 0; run < 2; run++) await ownerSql.query(migration)
    expect(await escalationRow(stale.id)).toMatchObject({
      status: 'CANCELLED',
      version: (before?.version ?? 0) + 1,
    })
    expect(await escalationRow(live.id)).toMatchObject({ status: 'PENDING', version: live.version })
    const cancelled = await ownerDb
      .select()
      .from(events)
      .where(and(eq(events.objectId, stale.id), eq(events.type, 'escalation.cancelled')))
    expect(cancelled.map((event) => [event.actorType, event.organizationId])).toEqual([
      ['SYSTEM', tenant.organizationId],
    ])
  })
})
