import { eq, inArray } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { escalations, tickets } from '../../src/db/schema'
import { act, newEscalation, newTicket } from '../escalations/support'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * README "Escalations" (decided): the ticket stays at least as urgent as each of its open escalations (PENDING,
 * ASSIGNED, IN_PROGRESS; LOW→LOW, MEDIUM→MEDIUM, HIGH→HIGH, CRITICAL→URGENT, SPEC-domain §4). Opening and raising
 * an escalation raise the ticket; a ticket PATCH going below is 409 PRIORITY_BELOW_ESCALATION, nothing written.
 */

const ticketRow = async (id: string) => (await ownerDb.select().from(tickets).where(eq(tickets.id, id)))[0]

const patchTicket = (tenant: TestTenant, id: string, body: unknown) =>
  api(`/v1/tickets/${id}`, { method: 'PATCH', token: tenant.tokens.ADMIN, body })

interface Problem {
  code: string
  status: number
  detail: string
}

const levels: Record<string, number> = { LOW: 1, MEDIUM: 2, HIGH: 3, URGENT: 4, CRITICAL: 4 }

describe('PATCH /v1/tickets/{id} priority below an open escalation', () => {
  it('is 409 PRIORITY_BELOW_ESCALATION naming the lowest allowed priority; nothing written, other fields neither', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, { priority: 'LOW' })
    await newEscalation(tenant, { ticketId: ticket.id, priority: 'CRITICAL' })
    const before = await ticketRow(ticket.id)
    expect(before).toMatchObject({ priority: 'URGENT' })

    const refused = await patchTicket(tenant, ticket.id, { priority: 'LOW', subject: 'Not applied' })
    expect(refused.status, await refused.clone().text()).toBe(409)
    expect(refused.headers.get('Content-Type')).toContain('application/problem+json')
    const problem = await json<Problem>(refused)
    expect(problem).toMatchObject({ status: 409, code: 'PRIORITY_BELOW_ESCALATION' })
    expect(problem.detail).toContain('URGENT')
    expect(problem.detail).toMatch(/escalation/i)
    expect(await ticketRow(ticket.id)).toEqual(before)
  })

  it('allows lowering to a priority still at least the escalations’; the next step down is refused', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, { priority: 'URGENT' })
    await newEscalation(tenant, { ticketId: ticket.id, priority: 'MEDIUM' })
    await newEscalation(tenant, { ticketId: ticket.id, priority: 'HIGH' })

    const high = await patchTicket(tenant, ticket.id, { priority: 'HIGH' })
    expect(high.status, await high.clone().text()).toBe(200)
    expect(await json(high)).toMatchObject({ priority: 'HIGH', version: 2 })

    const medium = await patchTicket(tenant, ticket.id, { priority: 'MEDIUM' })
    expect(medium.status, await medium.clone().text()).toBe(409)
    const problem = await json<Problem>(medium)
    expect(problem.code).toBe('PRIORITY_BELOW_ESCALATION')
    expect(problem.detail).toContain('HIGH')
    expect(await ticketRow(ticket.id)).toMatchObject({ priority: 'HIGH', version: 2 })

    // A PATCH that does not name the priority is not affected.
    const subject = await patchTicket(tenant, ticket.id, { subject: 'Renamed' })
    expect(subject.status, await subject.clone().text()).toBe(200)
  })

  it('resolved and cancelled escalations do not count', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, { priority: 'LOW' })
    const cancelled = await newEscalation(tenant, { ticketId: ticket.id, priority: 'CRITICAL' })
    const resolved = await newEscalation(tenant, { ticketId: ticket.id, priority: 'HIGH' })
    expect((await act(tenant, cancelled.id, 'cancel', { role: 'ADMIN' })).status).toBe(200)
    await ownerDb.update(escalations).set({ status: 'RESOLVED' }).where(eq(escalations.id, resolved.id))

    const lowered = await patchTicket(tenant, ticket.id, { priority: 'LOW' })
    expect(lowered.status, await lowered.clone().text()).toBe(200)
    expect(await ticketRow(ticket.id)).toMatchObject({ priority: 'LOW' })
  })

  it('closing in the same PATCH: the close cancels the escalations, so the lower priority is taken (not a 409 that a retry repeats)', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, { priority: 'LOW' })
    const escalation = await newEscalation(tenant, { ticketId: ticket.id, priority: 'CRITICAL' })
    for (const status of ['IN_PROGRESS', 'RESOLVED'])
      expect((await patchTicket(tenant, ticket.id, { status })).status).toBe(200)

    const closed = await patchTicket(tenant, ticket.id, { status: 'CLOSED', priority: 'LOW' })
    expect(closed.status, await closed.clone().text()).toBe(200)
    expect(await json(closed)).toMatchObject({ status: 'CLOSED', priority: 'LOW' })
    expect(await ticketRow(ticket.id)).toMatchObject({ status: 'CLOSED', priority: 'LOW' })
    const [row] = await ownerDb.select().from(escalations).where(eq(escalations.id, escalation.id))
    expect(row?.status).toBe('CANCELLED')
  })

  it('a refused close with a lower priority names why (the state), never CONCURRENT_UPDATE', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, { priority: 'LOW' })
    await newEscalation(tenant, { ticketId: ticket.id, priority: 'CRITICAL' })
    const refused = await patchTicket(tenant, ticket.id, { status: 'CLOSED', priority: 'LOW' })
    expect(refused.status, await refused.clone().text()).toBe(409)
    expect(await json<Problem>(refused)).toMatchObject({ code: 'INVALID_STATUS_TRANSITION' })
    expect(await ticketRow(ticket.id)).toMatchObject({ status: 'OPEN', priority: 'URGENT' })
  })
})

/*
 * On PostgreSQL the requests really run at the same time: a ticket PATCH lowering the priority against an
 * escalation PATCH raising the escalation (which raises the ticket) or a new escalation being opened. Whatever the
 * order, no ticket may end below one of its open escalations.
 */
const ROUNDS = 20

describe(`lowering a ticket while its escalations rise (${inject('databaseBackend')})`, () => {
  it(`${ROUNDS} rounds of each race: no ticket ends below an open escalation`, {
    timeout: 180_000,
  }, async () => {
    const tenant = await createTenant()
    const ticketIds: string[] = []
    const lowered = (response: Response, label: string) => {
      expect([200, 409], label).toContain(response.status)
    }
    for (let round = 0; round < ROUNDS; round++) {
      // An escalation's PATCH raising it to CRITICAL, against the ticket lowered to LOW.
      const raisedTicket = await newTicket(tenant, { priority: 'HIGH' })
      const escalation = await newEscalation(tenant, { ticketId: raisedTicket.id, priority: 'LOW' })
      // A new CRITICAL escalation, against the ticket lowered to LOW.
      const openedTicket = await newTicket(tenant, { priority: 'HIGH' })
      ticketIds.push(raisedTicket.id, openedTicket.id)
      const [raise, lower1, open, lower2] = await Promise.all([
        act(tenant, escalation.id, 'update', { body: { priority: 'CRITICAL' } }),
        patchTicket(tenant, raisedTicket.id, { priority: 'LOW' }),
        api('/v1/escalations', {
          method: 'POST',
          token: tenant.tokens.AGENT,
          body: {
            ticketId: openedTicket.id,
            priority: 'CRITICAL',
            reason: 'LOW_CONFIDENCE',
            summary: 'Now.',
          },
        }),
        patchTicket(tenant, openedTicket.id, { priority: 'LOW' }),
      ])
      const label = `round ${round}: ${[raise, lower1, open, lower2].map((r) => r.status).join(' ')} ${await lower1.clone().text()} ${await lower2.clone().text()}`
      expect(raise.status, label).toBe(200)
      expect(open.status, label).toBe(201)
      lowered(lower1, label)
      lowered(lower2, label)
      for (const response of [lower1, lower2]) {
        if (response.status === 409) {
          expect((await json<Problem>(response)).code, label).toBe('PRIORITY_BELOW_ESCALATION')
        }
      }
      expect(await ticketRow(raisedTicket.id), `escalation PATCH race, ${label}`).toMatchObject({
        priority: 'URGENT',
      })
      expect(await ticketRow(openedTicket.id), `escalation POST race, ${label}`).toMatchObject({
        priority: 'URGENT',
      })
    }
    // The invariant over every row the test wrote.
    const rows = await ownerDb
      .select({ ticket: tickets.priority, escalation: escalations.priority, status: escalations.status })
      .from(escalations)
      .innerJoin(tickets, eq(tickets.id, escalations.ticketId))
      .where(inArray(tickets.id, ticketIds))
    expect(rows.length).toBe(2 * ROUNDS)
    for (const row of rows) {
      expect(levels[row.ticket] ?? 0, JSON.stringify(row)).toBeGreaterThanOrEqual(levels[row.escalation] ?? 9)
    }
  })
})
