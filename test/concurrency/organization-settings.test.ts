import { eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { organizations } from '../../src/db/schema'
import { api } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * PATCH merges `settings` in the UPDATE itself (jsonb `||` on the row as the row lock hands it over): many
 * simultaneous PATCHes of different keys (real concurrency on the PostgreSQL server; PGlite runs them one after
 * another) all land, none wipes another's key.
 */
const WRITERS = 20

describe(`organization settings under ${WRITERS} concurrent PATCHes (${inject('databaseBackend')})`, () => {
  it('PATCHes of different keys all survive, each with its own version', async () => {
    const tenant = await createTenant()
    const responses = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        api('/v1/organization', {
          method: 'PATCH',
          token: tenant.tokens.ADMIN,
          body: { settings: { [`key-${i}`]: i } },
        }),
      ),
    )
    expect(responses.map((response) => response.status)).toEqual(Array(WRITERS).fill(200))
    const etags = responses.map((response) => response.headers.get('ETag'))
    expect(new Set(etags).size).toBe(WRITERS)
    const [row] = await ownerDb
      .select()
      .from(organizations)
      .where(eq(organizations.id, tenant.organizationId))
    expect(row?.settings).toEqual(
      Object.fromEntries(Array.from({ length: WRITERS }, (_, i) => [`key-${i}`, i])),
    )
    expect(row?.version).toBe(1 + WRITERS)
  })
})
