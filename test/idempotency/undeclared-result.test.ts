import { env } from 'cloudflare:test'
import { and, eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { createDatabase } from '../../src/db/client'
import { budgets, idempotencyKeys } from '../../src/db/schema'
import { TenantDb } from '../../src/db/tenant'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * A keyed write whose handler declares no result (db.expectChanged / expectCreated / expectResult /
 * expectDeleted) cannot claim its Idempotency-Key, so a client's retry would write twice. The access layer refuses
 * to run such a batch instead of silently ignoring the key: the mistake fails every test that sends a key to the
 * route (test/idempotency/every-keyed-write.test.ts sends one to each), and never reaches a customer as a double
 * write.
 */
describe(`a keyed write without a declared result (${inject('databaseBackend')})`, () => {
  it('is refused before anything is sent: nothing written, no key stored', async () => {
    const tenant = await createTenant()
    const key = `undeclared-${crypto.randomUUID()}`
    const db = new TenantDb(createDatabase(env.DATABASE_URL), {
      organizationId: tenant.organizationId,
      role: 'ADMIN',
      principalId: tenant.adminId,
      idempotency: { key, fingerprint: 'f'.repeat(64), ttlSeconds: 60 },
    })
    const name = `Undeclared ${crypto.randomUUID()}`
    const insert = db.insert(budgets, {
      name,
      amount: '10.00',
      currency: 'USD',
      periodStart: '2026-11-01',
      periodEnd: '2026-11-30',
    })
    await expect(db.run(insert)).rejects.toThrow(/declares no result/)
    expect(await ownerDb.select().from(budgets).where(eq(budgets.name, name))).toEqual([])
    const keys = await ownerDb
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.organizationId, tenant.organizationId), eq(idempotencyKeys.key, key)))
    expect(keys).toEqual([])
  })

  it('reads of a keyed request still run (they claim nothing)', async () => {
    const tenant = await createTenant()
    const db = new TenantDb(createDatabase(env.DATABASE_URL), {
      organizationId: tenant.organizationId,
      role: 'ADMIN',
      principalId: tenant.adminId,
      idempotency: { key: `read-${crypto.randomUUID()}`, fingerprint: 'f'.repeat(64), ttlSeconds: 60 },
    })
    const [rows] = await db.read(db.select(budgets))
    expect(rows).toEqual([])
  })
})
