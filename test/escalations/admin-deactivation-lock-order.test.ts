import { eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { escalations } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { act, newEscalation, newTicket } from './support'

/*
 * Deactivating an ADMIN locks the other active admins' users (the organization keeps one active ADMIN), then hands
 * the leaving admin's escalations back; reassigning one of those escalations to another admin holds the escalation
 * and checks that admin's user (named, or picked by `auto`). Both at once must queue, never abort as a deadlock (409
 * CONCURRENT_UPDATE). The reassignment starts a little later each round, so the rounds sweep the window where the
 * deactivation holds the other admins and the reassignment its escalation.
 */
const ROUNDS = 40
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const newAdmin = async (tenant: Awaited<ReturnType<typeof createTenant>>, name: string) => {
  const created = await api('/v1/users', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: {
      email: `${crypto.randomUUID()}@example.com`,
      name,
      role: 'ADMIN',
      representative: { status: 'ONLINE', maxConcurrentTickets: 50 },
    },
  })
  expect(created.status, await created.clone().text()).toBe(201)
  return json<{ id: string; representativeId: string }>(created)
}

describe(`deactivating an admin while their escalation is reassigned to another admin (${inject('databaseBackend')})`, () => {
  it.each([
    ['named', 'the escalation ends with the other admin'],
    ['auto', 'the escalation ends queued or with someone active'],
  ] as const)(
    `${ROUNDS} rounds of both at once, %s: no deadlock; %s`,
    { timeout: 180_000 },
    async (target, _outcome) => {
      const tenant = await createTenant()
      const staying = await newAdmin(tenant, 'Ada Staying')
      const representativeId = target === 'auto' ? 'auto' : staying.representativeId
      for (let round = 0; round < ROUNDS; round++) {
        const leaving = await newAdmin(tenant, 'Abe Leaving')
        const ticket = await newTicket(tenant, { priority: 'LOW' })
        const escalation = await newEscalation(tenant, { ticketId: ticket.id, priority: 'LOW' })
        const assigned = await act(tenant, escalation.id, 'assign', {
          body: { representativeId: leaving.representativeId },
        })
        expect(assigned.status, await assigned.clone().text()).toBe(200)
        const [deactivated, reassigned] = await Promise.all([
          api(`/v1/users/${leaving.id}`, {
            method: 'PATCH',
            token: tenant.tokens.ADMIN,
            body: { isActive: false },
          }),
          sleep(round % 12).then(() => act(tenant, escalation.id, 'assign', { body: { representativeId } })),
        ])
        const label = `round ${round}: ${(
          await Promise.all(
            [deactivated, reassigned].map(
              async (r) => `${r.status} ${(await r.clone().text()).slice(0, 160)}`,
            ),
          )
        ).join(' / ')}`
        expect([deactivated.status, reassigned.status], label).toEqual([200, 200])
        const [row] = await ownerDb.select().from(escalations).where(eq(escalations.id, escalation.id))
        if (target === 'named') {
          expect(row, label).toMatchObject({
            status: 'ASSIGNED',
            assignedRepresentativeId: staying.representativeId,
          })
        } else if (row?.status === 'PENDING') {
          // `auto` may pick the leaving admin before the deactivation commits; the deactivation then queues it again.
          expect(row.assignedRepresentativeId, label).toBeNull()
        } else {
          expect(row?.status, label).toBe('ASSIGNED')
          expect(row?.assignedRepresentativeId, label).not.toBe(leaving.representativeId)
        }
      }
    },
  )
})
