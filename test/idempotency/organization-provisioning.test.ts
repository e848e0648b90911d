import { eq, sql } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { events, idempotencyKeys, organizations, users } from '../../src/db/schema'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb } from '../support/db'

/*
 * POST /v1/organizations (platform key) with an Idempotency-Key (SPEC §5, README "Idempotency-Key"): a platform
 * client retrying a provisioning whose answer it never got learns the organization and its admin instead of a 409
 * SLUG_TAKEN (or, with another slug, a second organization). The key is claimed in the provisioning's own batch,
 * as on every tenant route; the concurrent duplicates are proven on PostgreSQL 15 (`npm run test:pg`).
 */
const PLATFORM_KEY = 'test-platform-key-0123456789'

interface Provisioned {
  organization: { id: string; slug: string; name: string; version: number }
  admin: { id: string; email: string; name: string; role: string }
}

const uniqueSlug = () => `p-${crypto.randomUUID().slice(0, 8)}`
const provisioning = (slug: string, adminEmail = `admin@${slug}.example`) => ({
  name: 'Initech',
  slug,
  plan: 'STARTER',
  admin: { email: adminEmail, name: 'Bill Lumbergh' },
})
const provision = (body: unknown, headers: Record<string, string> = {}) =>
  api('/v1/organizations', { method: 'POST', headers: { 'X-Platform-Key': PLATFORM_KEY, ...headers }, body })

const organizationsWith = (slug: string) =>
  ownerDb.select().from(organizations).where(eq(organizations.slug, slug))
const usersOf = (organizationId: string) =>
  ownerDb.select().from(users).where(eq(users.organizationId, organizationId))
const keysOf = (organizationId: string) =>
  ownerDb.select().from(idempotencyKeys).where(eq(idempotencyKeys.organizationId, organizationId))

describe(`POST /v1/organizations with an Idempotency-Key (${inject('databaseBackend')})`, () => {
  it('same key + same body → the first 201 body replayed with Idempotent-Replayed: true; one organization', async () => {
    const slug = uniqueSlug()
    const key = `provision-${crypto.randomUUID()}`
    const firstId = `prov-${crypto.randomUUID()}`
    const first = await provision(provisioning(slug), { 'Idempotency-Key': key, 'X-Request-Id': firstId })
    expect(first.status).toBe(201)
    expect(first.headers.get('Idempotent-Replayed')).toBeNull()
    const created = await json<Provisioned>(first)
    expect(created.organization).toMatchObject({ slug, name: 'Initech' })
    expect(created.admin).toMatchObject({ email: `admin@${slug}.example`, role: 'ADMIN' })
    // The claim is in the provisioning's own batch: a first attempt costs no extra round trip.
    expect(await neonLocalStats(firstId)).toBe(1)

    const againId = `prov-${crypto.randomUUID()}`
    const again = await provision(provisioning(slug), {
      'Idempotency-Key': `"${key}"`,
      'X-Request-Id': againId,
    })
    expect(again.status).toBe(201)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await json(again)).toEqual(created)
    // The refused claim, then the read of the organization and its admin.
    expect(await neonLocalStats(againId)).toBe(2)

    expect(await organizationsWith(slug)).toHaveLength(1)
    expect(await usersOf(created.organization.id)).toMatchObject([{ id: created.admin.id, role: 'ADMIN' }])
    // The key's row holds the status and where the admin is read, nothing of the answer (no email, no name).
    const [row, ...more] = await keysOf(created.organization.id)
    expect(more).toHaveLength(0)
    expect(row).toMatchObject({ key, statusCode: 201, resourcePath: `/v1/users/${created.admin.id}` })
    expect(JSON.stringify(row)).not.toContain('admin@')
    expect(JSON.stringify(row)).not.toContain('Initech')
    // The provisioning's events carry the key, as every keyed request's do.
    const recorded = await ownerDb
      .select({ type: events.type, idempotencyKey: events.idempotencyKey, actorType: events.actorType })
      .from(events)
      .where(eq(events.organizationId, created.organization.id))
    expect(recorded.length).toBeGreaterThan(0)
    for (const event of recorded) expect(event).toMatchObject({ idempotencyKey: key, actorType: 'PLATFORM' })
  })

  it('the document declares the header, as on every route that takes it', async () => {
    const document = await json<{
      paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>>
    }>(await api('/openapi.json'))
    const headers = (document.paths['/v1/organizations']?.post?.parameters ?? []).filter(
      (parameter) => parameter.in === 'header',
    )
    expect(headers.map((parameter) => parameter.name)).toContain('idempotency-key')
  })

  it('same key + different body → 422 IDEMPOTENCY_KEY_REUSED, nothing created', async () => {
    const slug = uniqueSlug()
    const key = crypto.randomUUID()
    const first = await json<Provisioned>(await provision(provisioning(slug), { 'Idempotency-Key': key }))
    const otherSlug = uniqueSlug()
    for (const body of [
      provisioning(otherSlug, 'other@initech.example'),
      { ...provisioning(slug), name: 'Other' },
    ]) {
      const other = await provision(body, { 'Idempotency-Key': key })
      expect(other.status).toBe(422)
      expect(other.headers.get('Content-Type')).toContain('application/problem+json')
      expect(await json(other)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' })
    }
    expect(await organizationsWith(otherSlug)).toHaveLength(0)
    expect(await ownerDb.select().from(users).where(eq(users.email, 'other@initech.example'))).toHaveLength(0)
    expect(await organizationsWith(slug)).toMatchObject([{ id: first.organization.id, name: 'Initech' }])
    expect(await usersOf(first.organization.id)).toHaveLength(1)
  })

  it('without a key it provisions as before, and remembers nothing', async () => {
    const [a, b] = [uniqueSlug(), uniqueSlug()]
    const responses = [await provision(provisioning(a)), await provision(provisioning(b))]
    const bodies = await Promise.all(responses.map((response) => json<Provisioned>(response)))
    expect(responses.map((response) => response.status)).toEqual([201, 201])
    expect(responses.map((response) => response.headers.get('Idempotent-Replayed'))).toEqual([null, null])
    expect(bodies[0]?.organization.id).not.toBe(bodies[1]?.organization.id)
    for (const body of bodies) expect(await keysOf(body.organization.id)).toHaveLength(0)
  })

  it('a malformed key is 400 INVALID_IDEMPOTENCY_KEY and provisions nothing', async () => {
    const slug = uniqueSlug()
    for (const key of ['', '""', 'x'.repeat(256), 'tab\there', 'é']) {
      const response = await provision(provisioning(slug), { 'Idempotency-Key': key })
      expect(response.status, JSON.stringify(key)).toBe(400)
      expect(response.headers.get('Content-Type')).toContain('application/problem+json')
      expect(await json(response)).toMatchObject({ code: 'INVALID_IDEMPOTENCY_KEY' })
    }
    expect(await organizationsWith(slug)).toHaveLength(0)
  })

  it('a refused provisioning (slug taken) is not remembered: its retry with the same key runs again', async () => {
    const slug = uniqueSlug()
    const taken = await json<Provisioned>(await provision(provisioning(slug)))
    const key = crypto.randomUUID()
    const refused = await provision(provisioning(slug, 'second@initech.example'), { 'Idempotency-Key': key })
    expect(refused.status).toBe(409)
    expect(await json(refused)).toMatchObject({ code: 'SLUG_TAKEN' })
    await ownerDb.delete(organizations).where(eq(organizations.id, taken.organization.id))
    const retried = await provision(provisioning(slug, 'second@initech.example'), { 'Idempotency-Key': key })
    expect(retried.status).toBe(201)
    expect(retried.headers.get('Idempotent-Replayed')).toBeNull()
    expect(await json(retried)).toMatchObject({ admin: { email: 'second@initech.example' } })
  })

  it('a key whose 24 hours passed is 409 IDEMPOTENCY_KEY_EXPIRED: never a second admin in its organization', async () => {
    const slug = uniqueSlug()
    const key = crypto.randomUUID()
    const first = await json<Provisioned>(await provision(provisioning(slug), { 'Idempotency-Key': key }))
    await ownerDb
      .update(idempotencyKeys)
      .set({ expiresAt: sql`now() - interval '1 minute'` })
      .where(eq(idempotencyKeys.organizationId, first.organization.id))
    for (const body of [provisioning(slug), provisioning(uniqueSlug(), 'late@initech.example')]) {
      const late = await provision(body, { 'Idempotency-Key': key })
      expect(late.status).toBe(409)
      expect(await json(late)).toMatchObject({ code: 'IDEMPOTENCY_KEY_EXPIRED' })
    }
    expect(await usersOf(first.organization.id)).toMatchObject([{ id: first.admin.id }])
    expect(await organizationsWith(slug)).toMatchObject([{ id: first.organization.id, version: 1 }])
  })
})

describe(`POST /v1/organizations with one Idempotency-Key, 20 at once (${inject('databaseBackend')})`, () => {
  const DUPLICATES = 20

  it('the same body → one organization with one admin, 20 identical answers (19 replays)', async () => {
    const slug = uniqueSlug()
    const key = crypto.randomUUID()
    const responses = await Promise.all(
      Array.from({ length: DUPLICATES }, () => provision(provisioning(slug), { 'Idempotency-Key': key })),
    )
    expect(responses.map((response) => response.status)).toEqual(Array(DUPLICATES).fill(201))
    const bodies = await Promise.all(responses.map((response) => response.text()))
    expect(new Set(bodies).size).toBe(1)
    expect(
      responses.filter((response) => response.headers.get('Idempotent-Replayed') === 'true'),
    ).toHaveLength(DUPLICATES - 1)
    const [organization, ...others] = await organizationsWith(slug)
    expect(others).toHaveLength(0)
    expect(await usersOf(organization?.id as string)).toHaveLength(1)
  })

  it('different bodies (each another slug) → one organization, the others 422', async () => {
    const key = crypto.randomUUID()
    const slugs = Array.from({ length: DUPLICATES }, uniqueSlug)
    const responses = await Promise.all(
      slugs.map((slug) => provision(provisioning(slug), { 'Idempotency-Key': key })),
    )
    const statuses = responses.map((response) => response.status).sort()
    expect(statuses).toEqual([201, ...Array(DUPLICATES - 1).fill(422)])
    const created = await ownerDb
      .select({ id: organizations.id })
      .from(organizations)
      .where(sql`${organizations.slug} in ${slugs}`)
    expect(created).toHaveLength(1)
  })
})
