import { eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { customerProfiles } from '../../src/db/schema'
import { api } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * PATCH /v1/customers/{id} merges `preferences` in the UPDATE itself (the stored object, not one read before), so
 * simultaneous PATCHes of different keys each add theirs: none is lost. Proven on the PostgreSQL server
 * (`npm run test:pg`); PGlite runs one transaction at a time.
 */
const backend = inject('databaseBackend')

describe(`simultaneous PATCHes of different preference keys (${backend})`, () => {
  it('20 at once by the CUSTOMER itself: every one 200 with its own version, every key stored', async () => {
    const tenant = await createTenant()
    const profileOf = async () =>
      (
        await ownerDb
          .select({ version: customerProfiles.version, preferences: customerProfiles.preferences })
          .from(customerProfiles)
          .where(eq(customerProfiles.userId, tenant.customerId))
      )[0]
    const before = await profileOf()
    const keys = Array.from({ length: 20 }, (_, i) => `key${i}`)
    const responses = await Promise.all(
      keys.map((key, i) =>
        api(`/v1/customers/${tenant.customerId}`, {
          method: 'PATCH',
          token: tenant.tokens.CUSTOMER,
          body: { preferences: { [key]: i } },
        }),
      ),
    )
    expect(responses.map((response) => response.status)).toEqual(keys.map(() => 200))
    expect(new Set(responses.map((response) => response.headers.get('ETag'))).size).toBe(keys.length)
    const after = await profileOf()
    expect(after?.preferences).toEqual({
      ...before?.preferences,
      ...Object.fromEntries(keys.map((key, i) => [key, i])),
    })
    expect(after?.version).toBe((before?.version ?? 0) + keys.length)
  })
})
