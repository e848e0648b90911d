import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { type JWTPayload, SignJWT } from 'jose'
import { describe, expect, inject, it } from 'vitest'
import { users } from '../../src/db/schema'
import { act, newEscalation } from '../escalations/support'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb, ownerSql, untilRowLocked } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * lastLoginAt: the issue time (`iat`) of the newest access token the API accepted for the user, recorded by the
 * last statement of the request's first batch (app_record_login, migration 0061), in the request's one round trip.
 * It only moves forward, and it is no change of the user's: no new version / ETag / updatedAt, no event.
 */
const now = () => Math.floor(Date.now() / 1000)

/** A token with exactly these claims (`iat` only when given), as the identity provider would issue it. */
function token(org: string, sub: string, role: string, iat?: number) {
  const payload: JWTPayload = { sub, org, role, exp: now() + 600, ...(iat === undefined ? {} : { iat }) }
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(env.AUTH_JWT_SECRET as string))
}

async function userRow(id: string) {
  const [row] = await ownerDb.select().from(users).where(eq(users.id, id))
  return row
}

async function eventCount(organizationId: string) {
  const [row] =
    (await ownerSql`select count(*)::int as n from events where organization_id = ${organizationId}`) as [
      { n: number },
    ]
  return row.n
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString()

describe('lastLoginAt from the access token', () => {
  it('records the token’s iat: in the row and in GET /v1/users/{id}, with no new version, updatedAt or event', async () => {
    const t = await createTenant()
    const before = await userRow(t.adminId)
    const events = await eventCount(t.organizationId)
    expect(before?.lastLoginAt).toBeNull()
    const issued = now() - 3600
    const fresh = await token(t.organizationId, t.adminId, 'ADMIN', issued)
    const response = await api(`/v1/users/${t.adminId}`, { token: fresh })
    expect(response.status).toBe(200)
    expect(response.headers.get('ETag')).toBe('"1"')
    // The stamp is the batch's last statement: the request that records it reads the user as it was before.
    expect(await json(response)).toMatchObject({ id: t.adminId, lastLoginAt: null, version: 1 })
    const next = await api(`/v1/users/${t.adminId}`, { token: fresh })
    expect(next.headers.get('ETag')).toBe('"1"')
    expect(await json(next)).toMatchObject({ id: t.adminId, lastLoginAt: iso(issued), version: 1 })
    const after = await userRow(t.adminId)
    expect(after?.lastLoginAt?.toISOString()).toBe(iso(issued))
    expect({ version: after?.version, updatedAt: after?.updatedAt }).toEqual({
      version: before?.version,
      updatedAt: before?.updatedAt,
    })
    expect(await eventCount(t.organizationId)).toBe(events)
  })

  it('a customer’s request records theirs; the roles that read users (ADMIN, REPRESENTATIVE) see it', async () => {
    const t = await createTenant()
    const issued = now() - 60
    const own = await api('/v1/tickets', {
      token: await token(t.organizationId, t.customerId, 'CUSTOMER', issued),
    })
    expect(own.status).toBe(200)
    for (const reader of [t.tokens.ADMIN, t.tokens.REPRESENTATIVE]) {
      const read = await api(`/v1/users/${t.customerId}`, { token: reader })
      expect(read.headers.get('ETag')).toBe('"1"')
      expect(await json(read)).toMatchObject({ id: t.customerId, lastLoginAt: iso(issued) })
    }
  })

  it('only moves forward: an older token leaves it, a newer one moves it', async () => {
    const t = await createTenant()
    const issued = now() - 600
    const as = async (iat: number) =>
      api('/v1/tickets', {
        token: await token(t.organizationId, t.representativeUserId, 'REPRESENTATIVE', iat),
      })
    expect((await as(issued)).status).toBe(200)
    expect((await as(issued - 3000)).status).toBe(200)
    expect((await userRow(t.representativeUserId))?.lastLoginAt?.toISOString()).toBe(iso(issued))
    expect((await as(issued + 300)).status).toBe(200)
    const row = await userRow(t.representativeUserId)
    expect({ at: row?.lastLoginAt?.toISOString(), version: row?.version }).toEqual({
      at: iso(issued + 300),
      version: 1,
    })
  })

  it('a token without iat leaves it as it was', async () => {
    const t = await createTenant()
    const response = await api('/v1/tickets', {
      token: await token(t.organizationId, t.customerId, 'CUSTOMER'),
    })
    expect(response.status).toBe(200)
    expect((await userRow(t.customerId))?.lastLoginAt).toBeNull()
  })

  it('an iat ahead of the clock (within the accepted skew) is recorded as now, never in the future', async () => {
    const t = await createTenant()
    const response = await api('/v1/tickets', {
      token: await token(t.organizationId, t.customerId, 'CUSTOMER', now() + 20),
    })
    expect(response.status).toBe(200)
    const [{ at, clock }] =
      (await ownerSql`select last_login_at as at, now() as clock from users where id = ${t.customerId}`) as [
        { at: string; clock: string },
      ]
    expect(new Date(at).getTime()).toBeGreaterThan(Date.now() - 60_000)
    expect(new Date(at).getTime()).toBeLessThanOrEqual(new Date(clock).getTime())
  })

  it('a deactivated user, or a token naming another role: refused as before, nothing recorded', async () => {
    const t = await createTenant()
    await ownerDb.update(users).set({ isActive: false }).where(eq(users.id, t.customerId))
    const inactive = await api('/v1/tickets', {
      token: await token(t.organizationId, t.customerId, 'CUSTOMER', now() - 10),
    })
    expect(inactive.status).toBe(401)
    expect(await json(inactive)).toMatchObject({ code: 'PRINCIPAL_INACTIVE' })
    const otherRole = await api('/v1/tickets', {
      token: await token(t.organizationId, t.otherCustomerId, 'ADMIN', now() - 10),
    })
    expect(otherRole.status).toBe(401)
    expect(await json(otherRole)).toMatchObject({ code: 'PRINCIPAL_INACTIVE' })
    expect((await userRow(t.customerId))?.lastLoginAt).toBeNull()
    expect((await userRow(t.otherCustomerId))?.lastLoginAt).toBeNull()
  })

  it('costs no round trip: a first request with a new token, and the next, each one', async () => {
    const t = await createTenant()
    const issued = now() - 5
    const fresh = await token(t.organizationId, t.adminId, 'ADMIN', issued)
    for (const _ of [1, 2]) {
      const requestId = `ll-${crypto.randomUUID()}`
      const response = await api(`/v1/users/${t.adminId}`, {
        token: fresh,
        headers: { 'X-Request-Id': requestId },
      })
      expect(response.status).toBe(200)
      await response.arrayBuffer()
      expect(await neonLocalStats(requestId)).toBe(1)
    }
    expect((await userRow(t.adminId))?.lastLoginAt?.toISOString()).toBe(iso(issued))
  })

  it('two first requests with the same new token at once: both answered, recorded once', async () => {
    const t = await createTenant()
    const issued = now() - 30
    const fresh = await token(t.organizationId, t.customerId, 'CUSTOMER', issued)
    const responses = await Promise.all([1, 2].map(() => api('/v1/tickets', { token: fresh })))
    expect(responses.map((r) => r.status)).toEqual([200, 200])
    const row = await userRow(t.customerId)
    expect({ at: row?.lastLoginAt?.toISOString(), version: row?.version }).toEqual({
      at: iso(issued),
      version: 1,
    })
  })

  it('never waits for a login stamp: a user row another transaction holds is left for a later request', async () => {
    const t = await createTenant()
    // As an assignment holds an assignee's user (FOR SHARE), for two seconds.
    const holder = ownerSql.transaction([
      ownerSql`select 1 from users where id = ${t.representativeUserId} for share`,
      ownerSql`select pg_sleep(2)`,
    ])
    await untilRowLocked(
      () => ownerSql`select 1 from users where id = ${t.representativeUserId} for update nowait`,
      'the holder',
    )
    const issued = now() - 30
    const started = Date.now()
    const response = await api('/v1/tickets', {
      token: await token(t.organizationId, t.representativeUserId, 'REPRESENTATIVE', issued),
    })
    expect(response.status).toBe(200)
    const waited = Date.now() - started
    await holder
    if (inject('databaseBackend') === 'postgres') {
      expect(waited).toBeLessThan(1500)
      expect((await userRow(t.representativeUserId))?.lastLoginAt).toBeNull()
    }
  })

  // Stamped first (0060), the caller's row was held for the whole batch: a request of the same token that locks
  // another row and then the caller's (an assignment to oneself locks the representative, then its user) waited on
  // the stamper while the stamper waited on it, and PostgreSQL answered one of them 409 CONCURRENT_UPDATE.
  it('a new token’s simultaneous self-assignments: none is lost to a deadlock with the login stamp', async () => {
    const t = await createTenant()
    await ownerSql`update representatives set max_concurrent_tickets = 3 where id = ${t.representativeId}`
    const pending = []
    for (let i = 0; i < 20; i++) pending.push(await newEscalation(t))
    const fresh = await token(t.organizationId, t.representativeUserId, 'REPRESENTATIVE', now() - 30)
    const responses = await Promise.all(
      pending.map((escalation) =>
        act(t, escalation.id, 'assign', { token: fresh, body: { representativeId: t.representativeId } }),
      ),
    )
    const codes = await Promise.all(
      responses.map(async (response) =>
        response.status === 200 ? 'OK' : (await response.json<{ code: string }>()).code,
      ),
    )
    expect(codes.filter((code) => code === 'OK')).toHaveLength(3)
    expect(codes.filter((code) => code !== 'OK')).toEqual(Array(17).fill('REPRESENTATIVE_AT_CAPACITY'))
    expect((await userRow(t.representativeUserId))?.lastLoginAt).not.toBeNull()
  })

  it('a refused PATCH of one’s own user as the first request of a token: the login only, the key not completed', async () => {
    const t = await createTenant()
    const fresh = await token(t.organizationId, t.adminId, 'ADMIN', now() - 30)
    const patch = () =>
      api(`/v1/users/${t.adminId}`, {
        method: 'PATCH',
        token: fresh,
        headers: { 'If-Match': '"7"', 'Idempotency-Key': `ll-${t.organizationId}` },
        body: { name: 'Renamed' },
      })
    const first = await patch()
    expect(first.status).toBe(412)
    const row = await userRow(t.adminId)
    expect({ name: row?.name, version: row?.version, stamped: row?.lastLoginAt !== null }).toEqual({
      name: 'Ada Admin',
      version: 1,
      stamped: true,
    })
    // The stamp is not the work's write: the key stays open and a retry is judged again, not replayed as a 200.
    const retry = await patch()
    expect(retry.status).toBe(412)
    expect(retry.headers.get('Idempotent-Replayed')).toBeNull()
  })
})
