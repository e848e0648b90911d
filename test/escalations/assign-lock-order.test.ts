import { eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { escalations, representatives, tickets } from '../../src/db/schema'
import { api } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { act, newEscalation, newTicket } from './support'

/*
 * An assignment holds its representative's row lock while it writes the escalation. Other writers reference that
 * representative through a foreign key (a ticket assigned to them takes FOR KEY SHARE on the representative) while
 * they hold a ticket that an escalation's writer waits for (raising an escalation's priority writes its ticket).
 * A FOR UPDATE lock on the representative conflicts with that key share and closes a cycle (assignment → escalation
 * → ticket → representative): Postgres aborts one request as a deadlock (409 CONCURRENT_UPDATE). On PostgreSQL the
 * requests really run at the same time.
 */
const ROUNDS = 15

describe(`assigning an escalation while its ticket is assigned and the escalation raised (${inject('databaseBackend')})`, () => {
  it(`${ROUNDS} rounds of the three at once (explicit and auto): no deadlock, all three succeed`, {
    timeout: 180_000,
  }, async () => {
    const tenant = await createTenant()
    await ownerDb
      .update(representatives)
      .set({ maxConcurrentTickets: 1000 })
      .where(eq(representatives.id, tenant.representativeId))
    for (let round = 0; round < ROUNDS; round++) {
      const ticket = await newTicket(tenant, { priority: 'LOW' })
      const escalation = await newEscalation(tenant, { ticketId: ticket.id, priority: 'LOW' })
      const target = round % 2 === 0 ? tenant.representativeId : 'auto'
      const responses = await Promise.all([
        act(tenant, escalation.id, 'assign', { body: { representativeId: target } }),
        act(tenant, escalation.id, 'update', { body: { priority: 'CRITICAL' } }),
        api(`/v1/tickets/${ticket.id}/assignee`, {
          method: 'PUT',
          token: tenant.tokens.ADMIN,
          body: { representativeId: tenant.representativeId },
        }),
      ])
      const label = `round ${round} (${target}): ${(
        await Promise.all(responses.map(async (r) => `${r.status} ${(await r.clone().text()).slice(0, 160)}`))
      ).join(' / ')}`
      expect(
        responses.map((r) => r.status),
        label,
      ).toEqual([200, 200, 200])
      const [row] = await ownerDb.select().from(escalations).where(eq(escalations.id, escalation.id))
      expect(row, label).toMatchObject({
        status: 'ASSIGNED',
        priority: 'CRITICAL',
        assignedRepresentativeId: tenant.representativeId,
      })
      const [ticketRow] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
      expect(ticketRow, label).toMatchObject({
        priority: 'URGENT',
        assignedRepresentativeId: tenant.representativeId,
      })
    }
  })
})
