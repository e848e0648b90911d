import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { act, newEscalation } from '../escalations/support'
import { typesOf } from '../events/support'
import { api, json } from '../support/api'
import { neonLocalStats, ownerSql } from '../support/db'
import { createTenant, type TestTenant, tokenFor } from '../support/tenants'

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

/** The user's row, the organization's representative profiles and its event count, as the owner reads them. */
async function snapshot(organizationId: string, userId: string) {
  const [user] = await ownerSql`select * from users where id = ${userId}`
  const profiles =
    await ownerSql`select * from representatives where organization_id = ${organizationId} order by id`
  const [{ count }] = (await ownerSql`select count(*)::int as count from events
    where organization_id = ${organizationId}`) as [{ count: number }]
  return { user, profiles, events: count }
}

const patchUser = (token: string, userId: string, body: object, headers?: Record<string, string>) =>
  api(`/v1/users/${userId}`, { method: 'PATCH', token, body, ...(headers ? { headers } : {}) })

/** An ADMIN created through the API, with or without a representative profile. */
async function newAdmin(t: TestTenant, representative?: object): Promise<User & { version: number }> {
  const response = await api('/v1/users', {
    method: 'POST',
    token: t.tokens.ADMIN,
    body: {
      email: `admin-${crypto.randomUUID().slice(0, 8)}@example.com`,
      name: 'Second Admin',
      role: 'ADMIN',
      ...(representative ? { representative } : {}),
    },
  })
  expect(response.status, await response.clone().text()).toBe(201)
  return json(response)
}

/** A PATCH that must be refused with `status` and `code`, changing nothing the database holds. */
async function expectRefused(
  t: TestTenant,
  userId: string,
  body: object,
  status: number,
  code: string,
): Promise<Record<string, unknown>> {
  const before = await snapshot(t.organizationId, userId)
  const refused = await patchUser(t.tokens.ADMIN, userId, body)
  expect(refused.status, await refused.clone().text()).toBe(status)
  const problem = await json<Record<string, unknown>>(refused)
  expect(problem).toMatchObject({ code })
  expect(await snapshot(t.organizationId, userId)).toEqual(before)
  return problem
}

describe('PATCH /v1/users/{userId} with `representative`: an existing ADMIN takes tickets', () => {
  it('the first admin provisioned with the organization gets a profile, goes ONLINE and is assigned an escalation', async () => {
    const slug = `take-${crypto.randomUUID().slice(0, 8)}`
    const provisioned = await api('/v1/organizations', {
      method: 'POST',
      headers: { 'X-Platform-Key': env.PLATFORM_API_KEY as string },
      body: {
        name: 'Takers Inc',
        slug,
        status: 'ACTIVE',
        plan: 'PROFESSIONAL',
        admin: { email: `boss@${slug}.example`, name: 'Boss' },
      },
    })
    expect(provisioned.status, await provisioned.clone().text()).toBe(201)
    const org = await json<{ organization: { id: string }; admin: { id: string } }>(provisioned)
    const adminId = org.admin.id
    const token = await tokenFor(org.organization.id, adminId, 'ADMIN')
    // Without a profile it cannot take work.
    expect((await api('/v1/me/status', { method: 'PUT', token, body: { status: 'ONLINE' } })).status).toBe(
      404,
    )

    const before = await json<User & { version: number }>(await api(`/v1/users/${adminId}`, { token }))
    expect(before.representativeId).toBeNull()
    const requestId = `take-${crypto.randomUUID()}`
    const patched = await patchUser(
      token,
      adminId,
      {
        representative: {
          role: 'SUPERVISOR',
          languages: ['DE'],
          skills: ['billing'],
          maxConcurrentTickets: 3,
        },
      },
      { 'If-Match': `"${before.version}"`, 'X-Request-Id': requestId },
    )
    expect(patched.status, await patched.clone().text()).toBe(200)
    // One round trip, as every PATCH of a user.
    expect(await neonLocalStats(requestId)).toBe(1)
    const boss = await json<User & { version: number }>(patched)
    expect(boss).toMatchObject({
      id: adminId,
      role: 'ADMIN',
      version: before.version + 1,
      representativeId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    })
    expect(patched.headers.get('ETag')).toBe(`"${before.version + 1}"`)
    const [row] =
      await ownerSql`select organization_id, user_id, role, status, max_concurrent_tickets, skills, languages
      from representatives where id = ${boss.representativeId}`
    expect(row).toEqual({
      organization_id: org.organization.id,
      user_id: adminId,
      role: 'SUPERVISOR',
      status: 'OFFLINE',
      max_concurrent_tickets: 3,
      skills: ['billing'],
      languages: ['de'],
    })
    // The profile's creation is told as every profile's creation is: representative.created, in this request.
    const [created] = await ownerSql`select type, request_id, actor_id from events
      where object_id = ${boss.representativeId}`
    expect(created).toEqual({ type: 'representative.created', request_id: requestId, actor_id: adminId })
    // The users row changed nothing its representation shows but the version: no user event (as for any such change).
    expect(await typesOf(org.organization.id, adminId)).toEqual(['user.created'])

    const online = await api('/v1/me/status', { method: 'PUT', token, body: { status: 'ONLINE' } })
    expect(online.status, await online.clone().text()).toBe(200)
    expect(await json(online)).toMatchObject({ id: boss.representativeId, status: 'ONLINE' })

    // A customer, a ticket and its escalation, all by the admin; then the admin assigns it to itself.
    const customer = await json<User>(
      await api('/v1/users', {
        method: 'POST',
        token,
        body: { email: `c@${slug}.example`, name: 'Cust', role: 'CUSTOMER' },
      }),
    )
    const tenant = { tokens: { ADMIN: token }, customerId: customer.id } as unknown as TestTenant
    const escalation = await newEscalation(tenant, {}, 'ADMIN')
    const assigned = await act(tenant, escalation.id, 'assign', {
      token,
      body: { representativeId: boss.representativeId },
    })
    expect(assigned.status, await assigned.clone().text()).toBe(200)
    expect(await json(assigned)).toMatchObject({
      status: 'ASSIGNED',
      assignedRepresentativeId: boss.representativeId,
    })
    const [stored] = await ownerSql`select status, assigned_representative_id from escalations
      where id = ${escalation.id}`
    expect(stored).toEqual({ status: 'ASSIGNED', assigned_representative_id: boss.representativeId })
  })

  it('an empty object gives the default profile; the user’s other changes apply with it', async () => {
    const t = await createTenant()
    const admin = await newAdmin(t)
    const patched = await patchUser(t.tokens.ADMIN, admin.id, { name: 'Renamed', representative: {} })
    expect(patched.status, await patched.clone().text()).toBe(200)
    const user = await json<User & { name: string }>(patched)
    expect(user).toMatchObject({ name: 'Renamed', role: 'ADMIN', representativeId: expect.any(String) })
    const [row] = await ownerSql`select user_id, role, status, max_concurrent_tickets, skills, languages
      from representatives where id = ${user.representativeId}`
    expect(row).toEqual({
      user_id: admin.id,
      role: 'AGENT',
      status: 'OFFLINE',
      max_concurrent_tickets: 5,
      skills: [],
      languages: ['en'],
    })
  })

  it('becoming REPRESENTATIVE with `representative`: the profile has those fields, not the defaults', async () => {
    const t = await createTenant()
    const admin = await newAdmin(t)
    const patched = await patchUser(t.tokens.ADMIN, admin.id, {
      role: 'REPRESENTATIVE',
      representative: { role: 'SENIOR_AGENT', skills: ['refunds'], languages: ['fr', 'en'] },
    })
    expect(patched.status, await patched.clone().text()).toBe(200)
    const user = await json<User>(patched)
    expect(user).toMatchObject({ role: 'REPRESENTATIVE', representativeId: expect.any(String) })
    const [row] =
      await ownerSql`select role, skills, languages from representatives where user_id = ${admin.id}`
    expect(row).toEqual({ role: 'SENIOR_AGENT', skills: ['refunds'], languages: ['fr', 'en'] })
  })

  it('deactivating in the same PATCH: the new profile is OFFLINE (a status other than OFFLINE is 409 REPRESENTATIVE_INACTIVE)', async () => {
    const t = await createTenant()
    const admin = await newAdmin(t)
    await expectRefused(
      t,
      admin.id,
      { isActive: false, representative: { status: 'ONLINE' } },
      409,
      'REPRESENTATIVE_INACTIVE',
    )
    const patched = await patchUser(t.tokens.ADMIN, admin.id, { isActive: false, representative: {} })
    expect(patched.status, await patched.clone().text()).toBe(200)
    const [row] = await ownerSql`select status from representatives where user_id = ${admin.id}`
    expect(row).toEqual({ status: 'OFFLINE' })
  })

  it('a user who has a profile: 409 REPRESENTATIVE_PROFILE_EXISTS, pointing to PATCH /v1/representatives, nothing written', async () => {
    const t = await createTenant()
    const taker = await newAdmin(t, { role: 'MANAGER' })
    const bodies = [
      { representative: {} },
      { name: 'Not applied', representative: { role: 'SUPERVISOR' } },
      // ADMIN → REPRESENTATIVE with a profile already: the same refusal.
      { role: 'REPRESENTATIVE', representative: { skills: ['x'] } },
    ]
    for (const body of bodies) {
      const problem = await expectRefused(t, taker.id, body, 409, 'REPRESENTATIVE_PROFILE_EXISTS')
      expect(problem.detail).toContain('PATCH /v1/representatives/{representativeId}')
    }
    // A REPRESENTATIVE always has one: alone, renamed, or becoming ADMIN.
    for (const body of [
      { representative: {} },
      { name: 'Not applied', representative: {} },
      { role: 'ADMIN', representative: { role: 'MANAGER' } },
    ]) {
      await expectRefused(t, t.representativeUserId, body, 409, 'REPRESENTATIVE_PROFILE_EXISTS')
    }
  })

  it('two simultaneous PATCHes giving the same ADMIN a profile: one creates it, the other is 409', async () => {
    const t = await createTenant()
    const admin = await newAdmin(t)
    const answers = await Promise.all(
      ['SUPERVISOR', 'MANAGER'].map((role) =>
        patchUser(t.tokens.ADMIN, admin.id, { name: `By ${role}`, representative: { role } }),
      ),
    )
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409])
    const winner = answers.find((answer) => answer.status === 200) as Response
    const user = await json<User & { name: string; version: number }>(winner)
    const loser = answers.find((answer) => answer.status === 409) as Response
    expect(await json(loser)).toMatchObject({ code: 'REPRESENTATIVE_PROFILE_EXISTS' })
    // Only the winner's changes: its name, one version more, its profile.
    const [row] = await ownerSql`select name, version from users where id = ${admin.id}`
    expect(row).toEqual({ name: user.name, version: admin.version + 1 })
    const profiles = await ownerSql`select id, role from representatives where user_id = ${admin.id}`
    expect(profiles).toEqual([{ id: user.representativeId, role: user.name.slice(3) }])
  })

  it('a CUSTOMER: 422 on `representative`, nothing written', async () => {
    const t = await createTenant()
    for (const body of [
      { representative: {} },
      { name: 'Not applied', representative: { role: 'AGENT' } },
      { role: 'CUSTOMER', representative: {} },
    ]) {
      const problem = await expectRefused(t, t.customerId, body, 422, 'VALIDATION_FAILED')
      expect(problem.errors).toEqual([{ path: 'representative', message: expect.any(String) }])
    }
  })

  it('a PATCH refused for another reason (stale If-Match, last ADMIN) creates no profile', async () => {
    const t = await createTenant()
    const admin = await newAdmin(t)
    const stale = await patchUser(
      t.tokens.ADMIN,
      admin.id,
      { representative: {} },
      { 'If-Match': `"${admin.version + 7}"` },
    )
    expect(stale.status).toBe(412)
    expect((await ownerSql`select id from representatives where user_id = ${admin.id}`).length).toBe(0)
    // Deactivate the other admin: `admin` is the last one and cannot become a REPRESENTATIVE.
    expect((await patchUser(t.tokens.ADMIN, t.adminId, { isActive: false })).status).toBe(200)
    const adminToken = await tokenFor(t.organizationId, admin.id, 'ADMIN')
    const before = await snapshot(t.organizationId, admin.id)
    const last = await patchUser(adminToken, admin.id, { role: 'REPRESENTATIVE', representative: {} })
    expect(last.status).toBe(409)
    expect(await json(last)).toMatchObject({ code: 'LAST_ADMIN' })
    // Only the login of `adminToken`'s first request is recorded (migration 0060): no profile, no event, no version.
    expect(await snapshot(t.organizationId, admin.id)).toEqual({
      ...before,
      user: { ...before.user, last_login_at: expect.any(String) },
    })
  })
})
