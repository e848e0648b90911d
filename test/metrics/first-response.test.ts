import { and, eq, inArray } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { performanceMetrics, tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, LONG_AGO, type TestTenant } from '../support/tenants'

/*
 * Who gave a ticket's first response decides whether its resolution counts for the AI (aiResolutionRate: resolved
 * with no escalation and no human first response). A status change by the team is a first response; an AGENT's is
 * the AI's, recorded as such (tickets.first_response_by_type/_id), even when a representative is assigned. The
 * metrics read who answered; only tickets answered before that was recorded fall back to "a first response while
 * a representative is assigned".
 */

let number = 7000

async function assignedTicket(tenant: TestTenant): Promise<string> {
  const id = crypto.randomUUID()
  await ownerDb.insert(tickets).values({
    id,
    organizationId: tenant.organizationId,
    ticketNumber: `TICKET-${number++}`,
    customerId: tenant.customerId,
    assignedRepresentativeId: tenant.representativeId,
    subject: 'Where is my parcel?',
    description: 'It has been a week.',
  })
  return id
}

const move = (tenant: TestTenant, role: 'AGENT' | 'REPRESENTATIVE', ticketId: string, status: string) =>
  api(`/v1/tickets/${ticketId}`, { method: 'PATCH', token: tenant.tokens[role], body: { status } })

async function firstResponder(ticketId: string) {
  const [row] = await ownerDb
    .select({
      at: tickets.firstResponseAt,
      type: tickets.firstResponseByType,
      id: tickets.firstResponseById,
    })
    .from(tickets)
    .where(eq(tickets.id, ticketId))
  return row
}

describe('first response: by a person or by the AI', () => {
  it('a status change by an AGENT records the AI as first responder, a REPRESENTATIVE’s a person; later changes keep it', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    const [byAgent, byPerson] = [await assignedTicket(tenant), await assignedTicket(tenant)]

    const agentMove = await move(tenant, 'AGENT', byAgent, 'IN_PROGRESS')
    expect(agentMove.status).toBe(200)
    expect((await json(agentMove)).firstResponseAt).toEqual(expect.any(String))
    expect(await firstResponder(byAgent)).toMatchObject({ type: 'AGENT', id: tenant.agentId })

    expect((await move(tenant, 'REPRESENTATIVE', byPerson, 'IN_PROGRESS')).status).toBe(200)
    expect(await firstResponder(byPerson)).toMatchObject({
      type: 'REPRESENTATIVE',
      id: tenant.representativeUserId,
    })

    // A person acting after the AI answered does not take the first response over.
    const before = await firstResponder(byAgent)
    expect((await move(tenant, 'REPRESENTATIVE', byAgent, 'RESOLVED')).status).toBe(200)
    expect(await firstResponder(byAgent)).toEqual(before)
  })

  it('aiResolutionRate counts a ticket the AI answered and resolved, although a representative is assigned', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    const [byAgent, byPerson] = [await assignedTicket(tenant), await assignedTicket(tenant)]
    for (const status of ['IN_PROGRESS', 'RESOLVED']) {
      expect((await move(tenant, 'AGENT', byAgent, status)).status).toBe(200)
      expect((await move(tenant, 'REPRESENTATIVE', byPerson, status)).status).toBe(200)
    }
    const today = new Date().toISOString().slice(0, 10)
    const recompute = await api('/v1/metrics/recompute', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { from: today, to: today },
    })
    expect(recompute.status).toBe(200)
    const [day] = await ownerDb
      .select()
      .from(performanceMetrics)
      .where(
        and(
          eq(performanceMetrics.organizationId, tenant.organizationId),
          eq(performanceMetrics.period, 'DAY'),
          eq(performanceMetrics.periodStart, today),
        ),
      )
    // Two resolved today: the AI's (no escalation, AI first response) and the person's.
    expect(day).toMatchObject({ ticketsResolved: 2, aiResolutionRate: '0.5000' })
  })

  it('tickets answered before the responder was recorded fall back to "answered while assigned"', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    const now = new Date()
    const legacy = (assigned: boolean) => ({
      id: crypto.randomUUID(),
      organizationId: tenant.organizationId,
      ticketNumber: `TICKET-${number++}`,
      customerId: tenant.customerId,
      assignedRepresentativeId: assigned ? tenant.representativeId : null,
      subject: 'Legacy',
      description: 'Answered before first_response_by_type existed.',
      status: 'RESOLVED' as const,
      createdAt: now,
      firstResponseAt: now,
      resolvedAt: now,
    })
    const rows = [legacy(true), legacy(false)]
    await ownerDb.insert(tickets).values(rows)
    const stored = await ownerDb
      .select({ type: tickets.firstResponseByType })
      .from(tickets)
      .where(
        inArray(
          tickets.id,
          rows.map((row) => row.id),
        ),
      )
    expect(stored).toEqual([{ type: null }, { type: null }])
    const today = now.toISOString().slice(0, 10)
    await api('/v1/metrics/recompute', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { from: today, to: today },
    })
    const [day] = await ownerDb
      .select()
      .from(performanceMetrics)
      .where(
        and(
          eq(performanceMetrics.organizationId, tenant.organizationId),
          eq(performanceMetrics.period, 'DAY'),
          eq(performanceMetrics.periodStart, today),
        ),
      )
    // The assigned one counts as a person's answer, the unassigned one as the AI's.
    expect(day).toMatchObject({ ticketsResolved: 2, aiResolutionRate: '0.5000' })
  })
})
