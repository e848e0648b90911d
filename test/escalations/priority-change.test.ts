import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { escalations, tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { act, type EscalationBody, newEscalation, newTicket } from './support'

/*
 * SPEC-domain §4: an escalation raises its ticket to at least its own priority (CRITICAL → URGENT). Raising the
 * escalation later (PATCH) must keep that true: a MEDIUM escalation made CRITICAL leaves an URGENT ticket, not a
 * MEDIUM one the queue of tickets would sort below the emergency it is.
 */

const ticketRow = async (id: string) => (await ownerDb.select().from(tickets).where(eq(tickets.id, id)))[0]
const escalationRow = async (id: string) =>
  (await ownerDb.select().from(escalations).where(eq(escalations.id, id)))[0]

describe('PATCH of an escalation’s priority', () => {
  it('raises its ticket to at least the new priority, in the same request; the ticket gets a new ETag', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, { priority: 'LOW' })
    const escalation = await newEscalation(tenant, { ticketId: ticket.id, priority: 'MEDIUM' })
    expect(await ticketRow(ticket.id)).toMatchObject({ priority: 'MEDIUM', version: 2 })

    const patched = await act(tenant, escalation.id, 'update', {
      body: { priority: 'CRITICAL' },
      ifMatch: '"1"',
    })
    expect(patched.status, await patched.clone().text()).toBe(200)
    expect(await json<EscalationBody>(patched)).toMatchObject({ priority: 'CRITICAL', version: 2 })
    expect(await ticketRow(ticket.id)).toMatchObject({ priority: 'URGENT', version: 3 })
    const read = await api(`/v1/tickets/${ticket.id}`, { token: tenant.tokens.REPRESENTATIVE })
    expect(read.headers.get('ETag')).toBe('"3"')
    expect(await json(read)).toMatchObject({ priority: 'URGENT' })
  })

  it('never lowers the ticket, and leaves one already high enough unwritten', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, { priority: 'HIGH' })
    const escalation = await newEscalation(tenant, { ticketId: ticket.id, priority: 'HIGH' })
    const lowered = await act(tenant, escalation.id, 'update', { body: { priority: 'LOW' } })
    expect(lowered.status, await lowered.clone().text()).toBe(200)
    const raised = await act(tenant, escalation.id, 'update', { body: { priority: 'HIGH' } })
    expect(raised.status, await raised.clone().text()).toBe(200)
    expect(await ticketRow(ticket.id)).toMatchObject({ priority: 'HIGH', version: 1 })
    // A summary-only change does not touch the ticket either.
    expect((await act(tenant, escalation.id, 'update', { body: { summary: 'Still high.' } })).status).toBe(
      200,
    )
    expect(await ticketRow(ticket.id)).toMatchObject({ priority: 'HIGH', version: 1 })
  })

  it('a refused PATCH (stale If-Match, or a RESOLVED escalation) raises nothing', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, { priority: 'LOW' })
    const escalation = await newEscalation(tenant, { ticketId: ticket.id, priority: 'LOW' })
    const stale = await act(tenant, escalation.id, 'update', {
      body: { priority: 'CRITICAL' },
      ifMatch: '"9"',
    })
    expect(stale.status, await stale.clone().text()).toBe(412)
    expect(await ticketRow(ticket.id)).toMatchObject({ priority: 'LOW', version: 1 })
    expect(await escalationRow(escalation.id)).toMatchObject({ priority: 'LOW', version: 1 })

    await ownerDb.update(escalations).set({ status: 'RESOLVED' }).where(eq(escalations.id, escalation.id))
    const closed = await act(tenant, escalation.id, 'update', { body: { priority: 'CRITICAL' } })
    expect(closed.status, await closed.clone().text()).toBe(409)
    expect(closed.headers.get('Content-Type')).toContain('application/problem+json')
    expect(await ticketRow(ticket.id)).toMatchObject({ priority: 'LOW', version: 1 })
  })

  it('a CLOSED ticket is final: its priority stays', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, { priority: 'LOW' })
    const escalation = await newEscalation(tenant, { ticketId: ticket.id, priority: 'LOW' })
    await ownerDb.update(tickets).set({ status: 'CLOSED' }).where(eq(tickets.id, ticket.id))
    const before = await ticketRow(ticket.id)
    const patched = await act(tenant, escalation.id, 'update', { body: { priority: 'CRITICAL' } })
    expect(patched.status, await patched.clone().text()).toBe(200)
    expect(await ticketRow(ticket.id)).toEqual(before)
  })
})
