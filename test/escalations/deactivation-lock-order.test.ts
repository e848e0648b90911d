import { eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { escalations, tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { act, newEscalation, newTicket } from './support'

/*
 * Deactivating a user writes the user, then their escalations, then their tickets; raising an escalation's priority
 * writes the escalation, then its ticket; assigning a ticket writes the ticket, then checks the representative's user
 * (FOR SHARE, the trigger of 0017) and key. All three at once, with the ticket of the raised escalation being
 * assigned to the person who leaves, closed a cycle (user → escalation → ticket → user) unless the ticket's assignment
 * takes the user before the ticket: Postgres aborted one request as a deadlock (409 CONCURRENT_UPDATE).
 */
const ROUNDS = 12

describe(`deactivating a representative while a ticket is assigned to them and its escalation raised (${inject('databaseBackend')})`, () => {
  it(`${ROUNDS} rounds of the three at once: no deadlock; the person's work ends unassigned`, {
    timeout: 180_000,
  }, async () => {
    const tenant = await createTenant()
    for (let round = 0; round < ROUNDS; round++) {
      const created = await api('/v1/users', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        body: {
          email: `${crypto.randomUUID()}@example.com`,
          name: 'Sam Leaving',
          role: 'REPRESENTATIVE',
          representative: { status: 'ONLINE', maxConcurrentTickets: 10 },
        },
      })
      expect(created.status, await created.clone().text()).toBe(201)
      const sam = await json<{ id: string; representativeId: string }>(created)
      const ticket = await newTicket(tenant, { priority: 'LOW' })
      const escalation = await newEscalation(tenant, { ticketId: ticket.id, priority: 'LOW' })
      const assigned = await act(tenant, escalation.id, 'assign', {
        body: { representativeId: sam.representativeId },
      })
      expect(assigned.status, await assigned.clone().text()).toBe(200)
      const [deactivated, raised, ticketAssigned] = await Promise.all([
        api(`/v1/users/${sam.id}`, {
          method: 'PATCH',
          token: tenant.tokens.ADMIN,
          body: { isActive: false },
        }),
        act(tenant, escalation.id, 'update', { body: { priority: 'CRITICAL' } }),
        api(`/v1/tickets/${ticket.id}/assignee`, {
          method: 'PUT',
          token: tenant.tokens.ADMIN,
          body: { representativeId: sam.representativeId },
        }),
      ])
      const label = `round ${round}: ${(
        await Promise.all(
          [deactivated, raised, ticketAssigned].map(
            async (r) => `${r.status} ${(await r.clone().text()).slice(0, 160)}`,
          ),
        )
      ).join(' / ')}`
      expect(deactivated.status, label).toBe(200)
      expect(raised.status, label).toBe(200)
      // Before the deactivation (then unassigned by it), or after it (refused: inactive people are never assigned).
      if (ticketAssigned.status !== 200) {
        expect(ticketAssigned.status, label).toBe(409)
        expect((await json<{ code: string }>(ticketAssigned)).code, label).toBe('REPRESENTATIVE_INACTIVE')
      }
      const [escalationRow] = await ownerDb
        .select()
        .from(escalations)
        .where(eq(escalations.id, escalation.id))
      expect(escalationRow, label).toMatchObject({
        status: 'PENDING',
        assignedRepresentativeId: null,
        priority: 'CRITICAL',
      })
      const [ticketRow] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
      expect(ticketRow, label).toMatchObject({ assignedRepresentativeId: null, priority: 'URGENT' })
    }
  })
})
