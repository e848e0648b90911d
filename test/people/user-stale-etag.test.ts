import { eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { users } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb, ownerSql, untilRowLocked } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * PATCH /v1/users/{id} with If-Match: a write that waits for the user's row lock while another change commits is
 * judged on the row as it is then, as every PATCH is (db/crud.ts): 412 naming the current ETag, not a 409 about a
 * rule the change never touched. Proven on the PostgreSQL server (`npm run test:pg`); on PGlite the change simply
 * comes after the other one, and the answer is the same.
 */
const backend = inject('databaseBackend')

/** Renames the user as the owner (a new version) and keeps its row locked for `seconds` before committing. */
function renameSlowly(userId: string, seconds: number) {
  return ownerSql.transaction([
    ownerSql`update users set name = 'Renamed elsewhere', version = version + 1 where id = ${userId}`,
    ownerSql`select pg_sleep(${seconds})`,
  ])
}

/** Resolves once the rename holds the row's lock (`untilRowLocked`). */
const untilLocked = (id: string) =>
  untilRowLocked(() => ownerSql`select 1 from users where id = ${id} for update nowait`, 'the rename')

describe(`PATCH /v1/users/{id} against a change committed while it waits (${backend})`, () => {
  for (const who of ['the only ADMIN', 'a REPRESENTATIVE'] as const) {
    it(`renaming ${who} at the ETag it read: 412 with the current ETag, nothing changed`, async () => {
      const t = await createTenant()
      const userId = who === 'the only ADMIN' ? t.adminId : t.representativeUserId
      const read = await api(`/v1/users/${userId}`, { token: t.tokens.ADMIN })
      expect(read.headers.get('ETag')).toBe('"1"')
      const rename = renameSlowly(userId, 2)
      await untilLocked(userId)
      const change = api(`/v1/users/${userId}`, {
        method: 'PATCH',
        token: t.tokens.ADMIN,
        headers: { 'If-Match': '"1"' },
        body: { name: 'Mine' },
      })
      await rename
      const response = await change
      expect(response.status, await response.clone().text()).toBe(412)
      expect(await json(response)).toMatchObject({ code: 'PRECONDITION_FAILED' })
      expect(response.headers.get('ETag')).toBe('"2"')
      const [row] = await ownerDb.select().from(users).where(eq(users.id, userId))
      expect(row).toMatchObject({ name: 'Renamed elsewhere', version: 2 })
    })
  }
})
