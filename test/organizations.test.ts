import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { events, organizations, users } from '../src/db/schema'
import { api, json } from './support/api'
import { neonLocalStats, ownerDb } from './support/db'
import { createTenant } from './support/tenants'

const PLATFORM_KEY = 'test-platform-key-0123456789'

describe('GET /v1/organization', () => {
  it('returns the caller’s organization with an ETag, in one database round trip', async () => {
    const tenant = await createTenant()
    const requestId = `org-get-${crypto.randomUUID()}`
    const response = await api('/v1/organization', {
      token: tenant.tokens.ADMIN,
      headers: { 'X-Request-Id': requestId },
    })
    expect(response.status).toBe(200)
    const body = await json(response)
    expect(body).toMatchObject({
      id: tenant.organizationId,
      slug: tenant.slug,
      plan: 'PROFESSIONAL',
      status: 'ACTIVE',
    })
    expect(body).not.toHaveProperty('ticketSequence')
    expect(response.headers.get('ETag')).toBe(`"${body.version}"`)
    expect(await neonLocalStats(requestId)).toBe(1)
  })

  it('is refused for a suspended or cancelled organization, with 403', async () => {
    for (const status of ['SUSPENDED', 'CANCELLED'] as const) {
      const tenant = await createTenant({ status })
      const requestId = `org-suspended-${crypto.randomUUID()}`
      const response = await api('/v1/organization', {
        token: tenant.tokens.ADMIN,
        headers: { 'X-Request-Id': requestId },
      })
      expect(response.status).toBe(403)
      expect(await json(response)).toMatchObject({ code: 'ORGANIZATION_INACTIVE', status: 403 })
      expect(await neonLocalStats(requestId)).toBe(1)
      const tickets = await api('/v1/tickets', { token: tenant.tokens.REPRESENTATIVE })
      expect(tickets.status).toBe(403)
    }
  })

  it('refuses a token of an inactive user or a paused agent with 401', async () => {
    const tenant = await createTenant()
    await ownerDb.update(users).set({ isActive: false }).where(eq(users.id, tenant.adminId))
    const inactive = await api('/v1/organization', { token: tenant.tokens.ADMIN })
    expect(inactive.status).toBe(401)
    expect(await json(inactive)).toMatchObject({ code: 'PRINCIPAL_INACTIVE' })
  })
})

describe('PATCH /v1/organization', () => {
  it('lets an ADMIN change name and settings, honouring If-Match', async () => {
    const tenant = await createTenant()
    const read = await api('/v1/organization', { token: tenant.tokens.ADMIN })
    const etag = read.headers.get('ETag') as string
    const requestId = `org-patch-${crypto.randomUUID()}`
    const patched = await api('/v1/organization', {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      headers: { 'If-Match': etag, 'X-Request-Id': requestId },
      body: { name: 'Renamed Corp', settings: { timezone: 'Europe/Berlin' } },
    })
    expect(patched.status).toBe(200)
    expect(await json(patched)).toMatchObject({
      name: 'Renamed Corp',
      settings: { timezone: 'Europe/Berlin' },
    })
    expect(patched.headers.get('ETag')).not.toBe(etag)
    expect(await neonLocalStats(requestId)).toBe(1)

    const stale = await api('/v1/organization', {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      headers: { 'If-Match': etag },
      body: { name: 'Lost update' },
    })
    expect(stale.status).toBe(412)
    expect(await json(stale)).toMatchObject({ code: 'PRECONDITION_FAILED' })
    const [row] = await ownerDb
      .select()
      .from(organizations)
      .where(eq(organizations.id, tenant.organizationId))
    expect(row?.name).toBe('Renamed Corp')
  })

  it('merges settings as a JSON Merge Patch (RFC 7396): given keys set, null deletes, other keys kept', async () => {
    const tenant = await createTenant()
    const patch = (settings: unknown) =>
      api('/v1/organization', { method: 'PATCH', token: tenant.tokens.ADMIN, body: { settings } })
    const first = {
      timezone: 'Europe/Berlin',
      locale: 'de',
      branding: { logo: 'a.png', color: 'blue' },
      tags: ['a'],
    }
    expect((await patch(first)).status).toBe(200)
    const merged = await patch({
      locale: null,
      branding: { color: 'red', font: null },
      tags: ['b', 'c'],
      timezone: { name: 'UTC', offset: null },
      currency: 'EUR',
    })
    expect(merged.status, await merged.clone().text()).toBe(200)
    // Nested objects merge the same way; arrays and scalars are replaced whole; a null is never stored.
    const expected = {
      timezone: { name: 'UTC' },
      branding: { logo: 'a.png', color: 'red' },
      tags: ['b', 'c'],
      currency: 'EUR',
    }
    expect((await json<{ settings: unknown }>(merged)).settings).toEqual(expected)
    const [row] = await ownerDb
      .select({ settings: organizations.settings })
      .from(organizations)
      .where(eq(organizations.id, tenant.organizationId))
    expect(row?.settings).toEqual(expected)
    expect((await json<{ settings: unknown }>(await patch({ branding: null }))).settings).toEqual({
      timezone: { name: 'UTC' },
      tags: ['b', 'c'],
      currency: 'EUR',
    })
    const document = await json<{
      components: { schemas: Record<string, { properties: Record<string, { description?: string }> }> }
    }>(await api('/openapi.json'))
    expect(document.components.schemas.UpdateOrganization?.properties.settings?.description).toContain(
      'RFC 7396',
    )
  })

  it('refuses settings that merge past the stored limit (422 on settings), keeping the row', async () => {
    const tenant = await createTenant()
    const patch = (settings: unknown) =>
      api('/v1/organization', { method: 'PATCH', token: tenant.tokens.ADMIN, body: { settings } })
    // Each body is within the 16 KiB of one free-form object; together they are not.
    const chunk = 'x'.repeat(15_000)
    for (const key of ['a', 'b']) expect((await patch({ [key]: chunk })).status).toBe(200)
    const over = await patch({ c: chunk })
    expect(over.status).toBe(422)
    expect(await json(over)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'settings' }] })
    const [row] = await ownerDb
      .select({ settings: organizations.settings })
      .from(organizations)
      .where(eq(organizations.id, tenant.organizationId))
    expect(Object.keys(row?.settings ?? {}).sort()).toEqual(['a', 'b'])
    // Deleting keys in the same patch makes room.
    expect((await patch({ a: null, c: chunk })).status).toBe(200)
  })

  it('never writes server-owned fields and rejects unknown ones', async () => {
    const tenant = await createTenant()
    for (const body of [
      { plan: 'ENTERPRISE' },
      { status: 'ACTIVE' },
      { slug: 'taken' },
      { id: crypto.randomUUID() },
      {},
    ]) {
      const response = await api('/v1/organization', { method: 'PATCH', token: tenant.tokens.ADMIN, body })
      expect(response.status).toBe(422)
      const problem = await json<{ code: string; errors: unknown[] }>(response)
      expect(problem.code).toBe('VALIDATION_FAILED')
      expect(problem.errors.length).toBeGreaterThan(0)
    }
    const [row] = await ownerDb
      .select()
      .from(organizations)
      .where(eq(organizations.id, tenant.organizationId))
    expect(row).toMatchObject({ plan: 'PROFESSIONAL', status: 'ACTIVE', slug: tenant.slug })
  })

  it('answers malformed JSON with 400 problem+json', async () => {
    const tenant = await createTenant()
    const response = await api('/v1/organization', {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: '{"name":',
    })
    expect(response.status).toBe(400)
    expect(response.headers.get('Content-Type')).toContain('application/problem+json')
  })
})

describe('POST /v1/organizations (platform)', () => {
  const body = (slug: string) => ({
    name: 'Initech',
    slug,
    plan: 'STARTER',
    admin: { email: 'Bill.Lumbergh@Initech.example', name: 'Bill Lumbergh' },
  })

  it('requires the platform key; a tenant token is not enough', async () => {
    const tenant = await createTenant()
    const slug = `p-${crypto.randomUUID().slice(0, 8)}`
    const noKey = await api('/v1/organizations', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: body(slug),
    })
    expect(noKey.status).toBe(401)
    expect(noKey.headers.get('WWW-Authenticate')).toBe('PlatformKey')
    const wrongKey = await api('/v1/organizations', {
      method: 'POST',
      headers: { 'X-Platform-Key': 'wrong' },
      body: body(slug),
    })
    expect(wrongKey.status).toBe(401)
    expect(await ownerDb.select().from(organizations).where(eq(organizations.slug, slug))).toHaveLength(0)
  })

  it('provisions the organization and its first ADMIN in one transaction; a taken slug is 409', async () => {
    const slug = `p-${crypto.randomUUID().slice(0, 8)}`
    const requestId = `provision-${crypto.randomUUID()}`
    const created = await api('/v1/organizations', {
      method: 'POST',
      headers: { 'X-Platform-Key': PLATFORM_KEY, 'X-Request-Id': requestId },
      body: body(slug),
    })
    expect(created.status).toBe(201)
    const result = await json<{
      organization: { id: string; slug: string; status: string }
      admin: { id: string }
    }>(created)
    expect(result.organization).toMatchObject({ slug, plan: 'STARTER', status: 'TRIAL', name: 'Initech' })
    expect(result.admin).toMatchObject({ email: 'bill.lumbergh@initech.example', role: 'ADMIN' })
    expect(await neonLocalStats(requestId)).toBe(1)
    const admins = await ownerDb.select().from(users).where(eq(users.organizationId, result.organization.id))
    expect(admins).toMatchObject([{ id: result.admin.id, role: 'ADMIN', isActive: true }])

    const again = await api('/v1/organizations', {
      method: 'POST',
      headers: { 'X-Platform-Key': PLATFORM_KEY },
      body: { ...body(slug), admin: { email: 'other@initech.example', name: 'Other' } },
    })
    expect(again.status).toBe(409)
    expect(await json(again)).toMatchObject({ code: 'SLUG_TAKEN' })
    expect(await ownerDb.select().from(users).where(eq(users.email, 'other@initech.example'))).toHaveLength(0)
  })

  it('rolls back the organization when the admin cannot be created', async () => {
    const slug = `p-${crypto.randomUUID().slice(0, 8)}`
    const response = await api('/v1/organizations', {
      method: 'POST',
      headers: { 'X-Platform-Key': PLATFORM_KEY },
      body: { ...body(slug), admin: { email: 'not-an-email', name: 'X' } },
    })
    expect(response.status).toBe(422)
    expect(await ownerDb.select().from(organizations).where(eq(organizations.slug, slug))).toHaveLength(0)
  })
})

describe('PATCH /v1/organizations/{organizationId} (platform)', () => {
  const patch = (organizationId: string, body: unknown, headers: Record<string, string> = {}) =>
    api(`/v1/organizations/${organizationId}`, {
      method: 'PATCH',
      headers: { 'X-Platform-Key': PLATFORM_KEY, ...headers },
      body,
    })
  const rowOf = async (organizationId: string) =>
    (await ownerDb.select().from(organizations).where(eq(organizations.id, organizationId)))[0]

  it('requires the platform key; a tenant ADMIN cannot change its own plan or status', async () => {
    const tenant = await createTenant()
    const response = await api(`/v1/organizations/${tenant.organizationId}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { plan: 'ENTERPRISE' },
    })
    expect(response.status).toBe(401)
    expect(response.headers.get('WWW-Authenticate')).toBe('PlatformKey')
    expect(await rowOf(tenant.organizationId)).toMatchObject({ plan: 'PROFESSIONAL', status: 'ACTIVE' })
  })

  it('suspends a tenant (its tokens get 403) and reactivates it, in one round trip each, with the event', async () => {
    const tenant = await createTenant()
    const requestId = `org-suspend-${crypto.randomUUID()}`
    const suspended = await patch(
      tenant.organizationId,
      { status: 'SUSPENDED' },
      { 'X-Request-Id': requestId },
    )
    expect(suspended.status).toBe(200)
    const body = await json<{ id: string; status: string; plan: string; version: number }>(suspended)
    expect(body).toMatchObject({ id: tenant.organizationId, status: 'SUSPENDED', plan: 'PROFESSIONAL' })
    expect(suspended.headers.get('ETag')).toBe(`"${body.version}"`)
    expect(await neonLocalStats(requestId)).toBe(1)
    const refused = await api('/v1/tickets', { token: tenant.tokens.REPRESENTATIVE })
    expect(refused.status).toBe(403)
    expect(await json(refused)).toMatchObject({ code: 'ORGANIZATION_INACTIVE' })
    const [event] = await ownerDb
      .select()
      .from(events)
      .where(
        and(eq(events.organizationId, tenant.organizationId), eq(events.type, 'organization.status_changed')),
      )
    expect(event).toMatchObject({ actorType: 'PLATFORM', objectId: tenant.organizationId, requestId })

    const reactivated = await patch(tenant.organizationId, { status: 'ACTIVE', plan: 'ENTERPRISE' })
    expect(reactivated.status).toBe(200)
    expect(await json(reactivated)).toMatchObject({
      status: 'ACTIVE',
      plan: 'ENTERPRISE',
      version: body.version + 1,
    })
    expect((await api('/v1/tickets', { token: tenant.tokens.REPRESENTATIVE })).status).toBe(200)
  })

  it('honours If-Match, answers 404 for an unknown organization, and refuses other fields, changing nothing', async () => {
    const tenant = await createTenant()
    const before = await rowOf(tenant.organizationId)
    const stale = await patch(
      tenant.organizationId,
      { plan: 'FREE' },
      { 'If-Match': `"${(before?.version ?? 0) + 5}"` },
    )
    expect(stale.status).toBe(412)
    expect(await json(stale)).toMatchObject({ code: 'PRECONDITION_FAILED' })
    const missing = await patch(crypto.randomUUID(), { plan: 'FREE' })
    expect(missing.status).toBe(404)
    expect(await json(missing)).toMatchObject({ code: 'NOT_FOUND' })
    for (const refusedBody of [{}, { slug: 'x' }, { name: 'X' }, { plan: 'GOLD' }, { settings: {} }]) {
      const response = await patch(tenant.organizationId, refusedBody)
      expect(response.status, JSON.stringify(refusedBody)).toBe(422)
      expect(await json(response)).toMatchObject({ code: 'VALIDATION_FAILED' })
    }
    expect(await rowOf(tenant.organizationId)).toEqual(before)
  })
})
