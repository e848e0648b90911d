import { eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { escalations, tickets } from '../../src/db/schema'
import { api } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { newTicket } from './support'

/*
 * Opening an escalation checks that its ticket is open (the ticket row locked FOR SHARE) and raises the ticket's
 * priority (UPDATE) in one transaction. Two escalations of one ticket at once must both open: a share lock upgraded
 * to a row lock by two transactions at once would deadlock (Postgres aborts one: 409 CONCURRENT_UPDATE).
 */
const ROUNDS = 8

describe(`two escalations of one ticket at once (${inject('databaseBackend')})`, () => {
  it(`${ROUNDS} rounds: both open, the ticket ends at the higher priority`, {
    timeout: 120_000,
  }, async () => {
    const tenant = await createTenant()
    for (let round = 0; round < ROUNDS; round++) {
      const ticket = await newTicket(tenant, { priority: 'LOW' })
      const open = (priority: string, role: 'AGENT' | 'REPRESENTATIVE') =>
        api('/v1/escalations', {
          method: 'POST',
          token: tenant.tokens[role],
          body: { ticketId: ticket.id, priority, reason: 'LOW_CONFIDENCE', summary: 'Twice at once.' },
        })
      const responses = await Promise.all([open('HIGH', 'AGENT'), open('CRITICAL', 'REPRESENTATIVE')])
      const label = `round ${round}: ${(await Promise.all(responses.map((r) => r.clone().text()))).join(' / ')}`
      expect(
        responses.map((r) => r.status),
        label,
      ).toEqual([201, 201])
      const rows = await ownerDb.select().from(escalations).where(eq(escalations.ticketId, ticket.id))
      expect(rows, label).toHaveLength(2)
      const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
      expect(row?.priority, label).toBe('URGENT')
    }
  })
})
