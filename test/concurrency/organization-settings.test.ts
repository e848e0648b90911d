import { eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { organizations } from '../../src/db/schema'
import { api } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * PATCH /v1/organization merges `settings` in the UPDATE itself (the stored object, not one read before), so
 * simultaneous PATCHes of different keys each add theirs: none is lost. Proven on the PostgreSQL server
 * (`npm run test:pg`); PGlite runs one transaction at a time.
 */
const backend = inject('databaseBackend')

describe(`simultaneous PATCHes of different settings keys (${backend})`, () => {
  it('20 at once: every one 200 with its own version, every key stored', async () => {
    const tenant = await createTenant()
    const versionOf = async () =>
      (
        await ownerDb
          .select({ version: organizations.version, settings: organizations.settings })
          .from(organizations)
          .where(eq(organizations.id, tenant.organizationId))
      )[0]
    const before = await versionOf()
    const keys = Array.from({ length: 20 }, (_, i) => `key${i}`)
    const responses = await Promise.all(
      keys.map((key, i) =>
        api('/v1/organization', {
          method: 'PATCH',
          token: tenant.tokens.ADMIN,
          body: { settings: { [key]: i } },
        }),
      ),
    )
    expect(responses.map((response) => response.status)).toEqual(keys.map(() => 200))
    const etags = new Set(responses.map((response) => response.headers.get('ETag')))
    expect(etags.size).toBe(keys.length)
    const after = await versionOf()
    expect(after?.settings).toEqual({
      ...before?.settings,
      ...Object.fromEntries(keys.map((key, i) => [key, i])),
    })
    expect(after?.version).toBe((before?.version ?? 0) + keys.length)
  })
})
