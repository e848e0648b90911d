import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { representatives } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, tokenFor } from '../support/tenants'
import { act, type EscalationBody, newEscalation } from './support'

/*
 * docs/domain.md §4: "`assign` again reassigns while not RESOLVED/CANCELLED", and capacity counts the open
 * escalations (ASSIGNED or IN_PROGRESS) of each representative. A reassignment of work in progress hands it over:
 * the new representative holds it (back to ASSIGNED, to be started by them), the previous one's capacity is free
 * again, and the previous one may no longer start or resolve it.
 */
describe('reassigning an escalation in progress', () => {
  it('moves it to the new representative, frees the previous one’s capacity and their right to work it', async () => {
    const t = await createTenant()
    // A second ONLINE representative; the tenant's representative takes one escalation at most.
    const created = await api('/v1/users', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: {
        email: `second-${crypto.randomUUID().slice(0, 8)}@example.com`,
        name: 'Sam Second',
        role: 'REPRESENTATIVE',
        representative: { status: 'ONLINE' },
      },
    })
    const second = await json<{ id: string; representativeId: string }>(created)
    const secondToken = await tokenFor(t.organizationId, second.id, 'REPRESENTATIVE')
    await ownerDb
      .update(representatives)
      .set({ maxConcurrentTickets: 1 })
      .where(eq(representatives.id, t.representativeId))

    const escalation = await newEscalation(t)
    const first = await act(t, escalation.id, 'assign', { body: { representativeId: t.representativeId } })
    expect(first.status).toBe(200)
    const started = await json<EscalationBody>(await act(t, escalation.id, 'start'))
    expect(started).toMatchObject({ status: 'IN_PROGRESS', assignedRepresentativeId: t.representativeId })

    // The first representative is full: another escalation cannot go to them.
    const waiting = await newEscalation(t)
    const full = await act(t, waiting.id, 'assign', { body: { representativeId: t.representativeId } })
    expect(full.status).toBe(409)

    const handed = await act(t, escalation.id, 'assign', {
      role: 'ADMIN',
      body: { representativeId: second.representativeId },
    })
    expect(handed.status, await handed.clone().text()).toBe(200)
    const moved = await json<EscalationBody>(handed)
    expect(moved).toMatchObject({ status: 'ASSIGNED', assignedRepresentativeId: second.representativeId })
    expect(Date.parse(moved.assignedAt as string)).toBeGreaterThanOrEqual(
      Date.parse(started.assignedAt as string),
    )

    // The previous assignee: no longer offered start, and refused it (403 NOT_ASSIGNEE); the new one may.
    const asPrevious = await json<EscalationBody>(
      await api(`/v1/escalations/${escalation.id}`, { token: t.tokens.REPRESENTATIVE }),
    )
    expect(asPrevious.allowedActions).not.toContain('start')
    const refused = await act(t, escalation.id, 'start', { token: t.tokens.REPRESENTATIVE })
    expect(refused.status).toBe(403)
    expect(await json(refused)).toMatchObject({ code: 'NOT_ASSIGNEE' })
    expect((await act(t, escalation.id, 'start', { token: secondToken })).status).toBe(200)

    // The first representative's capacity is free again.
    const freed = await act(t, waiting.id, 'assign', { body: { representativeId: t.representativeId } })
    expect(freed.status, await freed.clone().text()).toBe(200)
  })
})
