import { eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { representatives, users } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb, ownerSql, untilRowLocked } from '../support/db'
import { createTenant, tokenFor } from '../support/tenants'

/*
 * A deactivated user's profile stays OFFLINE (docs/domain.md §1): a status set while the deactivation is in flight
 * (it waits for the profile's row lock, which the deactivation takes first, users.data.ts) must see the user
 * inactive once it gets the lock, and be refused (409 REPRESENTATIVE_INACTIVE). Proven on the PostgreSQL server
 * (`npm run test:pg`); PGlite runs one transaction at a time, so there the status simply comes after.
 */
const backend = inject('databaseBackend')

/**
 * Deactivates the user as the owner, in the order PATCH /v1/users takes its locks (the profile, then the user, then
 * the profile OFFLINE), and keeps them for `seconds` before committing.
 */
function deactivateSlowly(userId: string, seconds: number) {
  return ownerSql.transaction([
    ownerSql`select id from representatives where user_id = ${userId} for update`,
    ownerSql`update users set is_active = false, version = version + 1 where id = ${userId}`,
    ownerSql`update representatives set status = 'OFFLINE' where user_id = ${userId} and status <> 'OFFLINE'`,
    ownerSql`select pg_sleep(${seconds})`,
  ])
}

/** Resolves once the deactivation holds the row's lock (`untilRowLocked`). */
const untilLocked = (id: string) =>
  untilRowLocked(
    () => ownerSql`select 1 from representatives where id = ${id} for update nowait`,
    'the deactivation',
  )

async function profileOf(representativeId: string) {
  const [row] = await ownerDb.select().from(representatives).where(eq(representatives.id, representativeId))
  return row
}

describe(`a status set while the user is being deactivated (${backend})`, () => {
  it('PATCH /v1/representatives/{id} by an admin: 409 REPRESENTATIVE_INACTIVE, the profile stays OFFLINE', async () => {
    const t = await createTenant()
    const [user] = await ownerDb.select().from(users).where(eq(users.id, t.representativeUserId))
    expect(user?.isActive).toBe(true)
    for (const [representativeId, userId] of [
      [t.representativeId, t.representativeUserId],
      [t.offlineRepresentativeId, (await profileOf(t.offlineRepresentativeId))?.userId as string],
    ] as const) {
      const deactivation = deactivateSlowly(userId, 2)
      await untilLocked(representativeId)
      const change = api(`/v1/representatives/${representativeId}`, {
        method: 'PATCH',
        token: t.tokens.ADMIN,
        body: { status: 'ONLINE' },
      })
      await deactivation
      const response = await change
      expect(response.status, await response.clone().text()).toBe(409)
      expect(await json(response)).toMatchObject({ code: 'REPRESENTATIVE_INACTIVE' })
      expect(await profileOf(representativeId)).toMatchObject({ status: 'OFFLINE' })
    }
  })

  it('PUT /v1/me/status by the representative: refused, the profile stays OFFLINE', async () => {
    const t = await createTenant()
    const offline = await profileOf(t.offlineRepresentativeId)
    const token = await tokenFor(t.organizationId, offline?.userId as string, 'REPRESENTATIVE')
    const deactivation = deactivateSlowly(offline?.userId as string, 2)
    await untilLocked(t.offlineRepresentativeId)
    const change = api('/v1/me/status', { method: 'PUT', token, body: { status: 'ONLINE' } })
    await deactivation
    const response = await change
    // On PostgreSQL its check of the caller (app_begin_request) ran before the deactivation committed; on PGlite
    // the request comes after it, and the caller is refused.
    const [status, code] =
      backend === 'postgres' ? [409, 'REPRESENTATIVE_INACTIVE'] : [401, 'PRINCIPAL_INACTIVE']
    expect(response.status, await response.clone().text()).toBe(status)
    expect(await json(response)).toMatchObject({ code })
    expect(await profileOf(t.offlineRepresentativeId)).toMatchObject({ status: 'OFFLINE' })
  })
})
