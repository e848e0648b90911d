import { and, eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { users } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, tokenFor } from '../support/tenants'

/*
 * The organization keeps one active ADMIN also under concurrency (docs/domain.md §1, "also when two admins
 * deactivate each other at once"): real concurrency needs the PostgreSQL server (PGlite runs them one by one).
 */
const ROUNDS = 12

async function twoAdmins() {
  const tenant = await createTenant()
  const second = await api('/v1/users', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: { email: `second-${crypto.randomUUID()}@example.com`, name: 'Second', role: 'ADMIN' },
  })
  expect(second.status, await second.clone().text()).toBe(201)
  const secondId = (await json<{ id: string }>(second)).id
  return {
    tenant,
    a: { id: tenant.adminId, token: tenant.tokens.ADMIN },
    b: { id: secondId, token: await tokenFor(tenant.organizationId, secondId, 'ADMIN') },
  }
}

async function activeAdmins(organizationId: string) {
  return ownerDb
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.organizationId, organizationId), eq(users.role, 'ADMIN'), eq(users.isActive, true)))
}

describe(`the last active ADMIN under concurrency (${inject('databaseBackend')})`, () => {
  for (const [name, first, other] of [
    ['deactivate each other', { isActive: false }, { isActive: false }],
    ['demote each other', { role: 'REPRESENTATIVE' }, { role: 'REPRESENTATIVE' }],
    ['one deactivates, the other demotes', { isActive: false }, { role: 'REPRESENTATIVE' }],
  ] as const) {
    it(`two admins who ${name} at once: exactly one succeeds, one active ADMIN remains`, async () => {
      const outcomes = await Promise.all(
        Array.from({ length: ROUNDS }, async () => {
          const { tenant, a, b } = await twoAdmins()
          const responses = await Promise.all([
            api(`/v1/users/${b.id}`, { method: 'PATCH', token: a.token, body: first }),
            api(`/v1/users/${a.id}`, { method: 'PATCH', token: b.token, body: other }),
          ])
          const statuses = responses.map((response) => response.status).sort()
          const bodies = await Promise.all(responses.map((response) => response.clone().text()))
          return { statuses, bodies, remaining: await activeAdmins(tenant.organizationId) }
        }),
      )
      for (const { statuses, bodies, remaining } of outcomes) {
        expect(remaining, bodies.join('\n')).toHaveLength(1)
        // The loser is refused: 409 (LAST_ADMIN or CONCURRENT_UPDATE) or, when it starts after the winner
        // committed, 401 (its caller is no longer an active ADMIN).
        expect(statuses[0], bodies.join('\n')).toBe(200)
        expect([401, 409], bodies.join('\n')).toContain(statuses[1])
      }
    })
  }
})
