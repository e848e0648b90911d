import { describe, expect, it } from 'vitest'
import { act, newEscalation } from '../escalations/support'
import { api, json } from '../support/api'
import { createTenant, tokenFor } from '../support/tenants'

/*
 * docs/domain.md §1: "Creating a user with role REPRESENTATIVE (or ADMIN who will take tickets) also creates its
 * representative profile … in the same transaction", and `PUT /me/status` is for "a REPRESENTATIVE or ADMIN with a
 * representative profile". An ADMIN created with `representative` takes tickets like any representative: it sets
 * its own status, is a candidate for `auto`, and starts and resolves what it is assigned.
 */

interface User {
  id: string
  role: string
  representativeId: string | null
}

describe('an ADMIN who takes tickets', () => {
  it('gets its representative profile at creation, sets its own status and takes escalations', async () => {
    const t = await createTenant()
    const created = await api('/v1/users', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: {
        email: `lead-${crypto.randomUUID().slice(0, 8)}@example.com`,
        name: 'Lea Lead',
        role: 'ADMIN',
        representative: { role: 'SUPERVISOR', languages: ['FR'], maxConcurrentTickets: 2 },
      },
    })
    expect(created.status, await created.clone().text()).toBe(201)
    const lead = await json<User>(created)
    expect(lead).toMatchObject({ role: 'ADMIN', representativeId: expect.stringMatching(/^[0-9a-f-]{36}$/) })
    const profile = await api(`/v1/representatives/${lead.representativeId}`, {
      token: t.tokens.REPRESENTATIVE,
    })
    expect(await json(profile)).toMatchObject({
      userId: lead.id,
      role: 'SUPERVISOR',
      status: 'OFFLINE',
      languages: ['fr'],
      maxConcurrentTickets: 2,
    })

    // Its own status, through /v1/me/status, and /v1/me shows the profile.
    const token = await tokenFor(t.organizationId, lead.id, 'ADMIN')
    const online = await api('/v1/me/status', { method: 'PUT', token, body: { status: 'ONLINE' } })
    expect(online.status, await online.clone().text()).toBe(200)
    expect(await json(online)).toMatchObject({ id: lead.representativeId, status: 'ONLINE' })
    const me = await json<{ role: string; representative: { id: string; status: string } | null }>(
      await api('/v1/me', { token }),
    )
    expect(me).toMatchObject({
      role: 'ADMIN',
      representative: { id: lead.representativeId, status: 'ONLINE' },
    })

    // A French-speaking customer's escalation goes to the lead by `auto`, who starts and resolves it.
    await api(`/v1/customers/${t.customerId}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { preferences: { language: 'fr' } },
    })
    const escalation = await newEscalation(t)
    const assigned = await act(t, escalation.id, 'assign', { body: { representativeId: 'auto' } })
    expect(await json(assigned)).toMatchObject({ assignedRepresentativeId: lead.representativeId })
    expect((await act(t, escalation.id, 'start', { token })).status).toBe(200)
    const resolved = await act(t, escalation.id, 'resolve', { token, body: { resolutionNotes: 'Sorted.' } })
    expect(await json(resolved)).toMatchObject({ status: 'RESOLVED' })
  })

  it('an ADMIN created without `representative` has no profile: /v1/me/status is 404, nothing written', async () => {
    const t = await createTenant()
    const plain = await json<User>(
      await api('/v1/users', {
        method: 'POST',
        token: t.tokens.ADMIN,
        body: { email: `plain-${crypto.randomUUID().slice(0, 8)}@example.com`, name: 'Pat', role: 'ADMIN' },
      }),
    )
    expect(plain.representativeId).toBeNull()
    const token = await tokenFor(t.organizationId, plain.id, 'ADMIN')
    const status = await api('/v1/me/status', { method: 'PUT', token, body: { status: 'ONLINE' } })
    expect(status.status).toBe(404)
    expect(await json(await api('/v1/me', { token }))).toMatchObject({ role: 'ADMIN', representative: null })
    const reps = await json<{ data: Array<{ userId: string }> }>(
      await api('/v1/representatives', { token: t.tokens.ADMIN }),
    )
    expect(reps.data.map((rep) => rep.userId)).not.toContain(plain.id)
  })
})
