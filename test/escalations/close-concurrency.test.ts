import { eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { escalations, tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { act, newEscalation, newTicket } from './support'

/*
 * Closing a ticket writes the ticket, then its open escalations; raising an escalation's priority (PATCH) and
 * deactivating its representative write the escalation, then the ticket. Both orders at once would deadlock
 * (Postgres aborts one: 409 CONCURRENT_UPDATE after a second's wait) unless every writer takes the locks in one
 * order: escalations first. On PostgreSQL the requests really run at the same time.
 */
const ROUNDS = 15

describe(`closing a ticket while its escalation is raised (${inject('databaseBackend')})`, () => {
  it(`${ROUNDS} rounds of both at once: no deadlock, the ticket ends CLOSED with the escalation CANCELLED`, {
    timeout: 120_000,
  }, async () => {
    const tenant = await createTenant()
    for (let round = 0; round < ROUNDS; round++) {
      const ticket = await newTicket(tenant, { priority: 'LOW' })
      const escalation = await newEscalation(tenant, { ticketId: ticket.id, priority: 'LOW' })
      await ownerDb.update(tickets).set({ status: 'RESOLVED' }).where(eq(tickets.id, ticket.id))
      const [raised, closed] = await Promise.all([
        act(tenant, escalation.id, 'update', { body: { priority: 'CRITICAL' } }),
        api(`/v1/tickets/${ticket.id}`, {
          method: 'PATCH',
          token: tenant.tokens.ADMIN,
          body: { status: 'CLOSED' },
        }),
      ])
      const label = `round ${round}: ${await raised.clone().text()} / ${await closed.clone().text()}`
      expect(closed.status, label).toBe(200)
      // The raise either came first (200) or found the escalation already cancelled (409, its status).
      expect([200, 409], label).toContain(raised.status)
      if (raised.status === 409) {
        expect((await json<{ code: string }>(raised)).code, label).toBe('INVALID_STATUS_TRANSITION')
      }
      const [row] = await ownerDb.select().from(escalations).where(eq(escalations.id, escalation.id))
      expect(row?.status, label).toBe('CANCELLED')
    }
  })
})
