import { and, eq, inArray } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { escalations, representatives, users } from '../../src/db/schema'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { act, newEscalation } from './support'

/*
 * Capacity under concurrency: on PostgreSQL the requests really run at the same time (PGlite runs them one
 * after another, which checks the same arithmetic). Whatever the interleaving, no representative ever holds
 * more open escalations than its maxConcurrentTickets, and no free capacity is left unused by `auto`.
 */
const REQUESTS = 20

async function openLoad(organizationId: string) {
  const rows = await ownerDb
    .select({ representativeId: escalations.assignedRepresentativeId })
    .from(escalations)
    .where(
      and(
        eq(escalations.organizationId, organizationId),
        inArray(escalations.status, ['ASSIGNED', 'IN_PROGRESS']),
      ),
    )
  const load = new Map<string, number>()
  for (const row of rows)
    load.set(row.representativeId as string, (load.get(row.representativeId as string) ?? 0) + 1)
  return load
}

describe(`assignment capacity under ${REQUESTS} concurrent requests (${inject('databaseBackend')})`, () => {
  it(`${REQUESTS} concurrent auto assignments never put a representative over capacity, and fill exactly the free capacity`, async () => {
    const tenant = await createTenant()
    // Three more ONLINE representatives; capacities 2 + 3 + 1 + 2 = 8 (Otto stays OFFLINE: never picked).
    const extra = await Promise.all(
      [1, 2, 3].map(async (n) => {
        const [user] = await ownerDb
          .insert(users)
          .values({
            organizationId: tenant.organizationId,
            email: `extra-${n}-${crypto.randomUUID()}@example.com`,
            name: `Extra ${n}`,
            role: 'REPRESENTATIVE',
          })
          .returning()
        const [rep] = await ownerDb
          .insert(representatives)
          .values({
            organizationId: tenant.organizationId,
            userId: user?.id as string,
            status: 'ONLINE',
            maxConcurrentTickets: n,
          })
          .returning()
        return rep?.id as string
      }),
    )
    const capacity = new Map<string, number>([
      [tenant.representativeId, 2],
      [extra[0] as string, 1],
      [extra[1] as string, 2],
      [extra[2] as string, 3],
    ])
    await ownerDb
      .update(representatives)
      .set({ maxConcurrentTickets: 2 })
      .where(eq(representatives.id, tenant.representativeId))
    const pending = []
    for (let i = 0; i < REQUESTS; i++) pending.push(await newEscalation(tenant))

    const responses = await Promise.all(
      pending.map((escalation) =>
        act(tenant, escalation.id, 'assign', { body: { representativeId: 'auto' } }),
      ),
    )
    const statuses = responses.map((response) => response.status)
    const codes = await Promise.all(
      responses.map(async (response) =>
        response.status === 200 ? 'OK' : (await response.json<{ code: string }>()).code,
      ),
    )
    const free = [...capacity.values()].reduce((sum, n) => sum + n, 0)
    expect(statuses.filter((status) => status === 200)).toHaveLength(free)
    expect(codes.filter((code) => code !== 'OK')).toEqual(
      Array(REQUESTS - free).fill('NO_REPRESENTATIVE_AVAILABLE'),
    )
    const load = await openLoad(tenant.organizationId)
    expect(load.has(tenant.offlineRepresentativeId)).toBe(false)
    for (const [representativeId, max] of capacity)
      expect(load.get(representativeId), representativeId).toBe(max)
  })

  it(`${REQUESTS} concurrent explicit assignments to one representative: exactly its capacity succeed`, async () => {
    const tenant = await createTenant()
    await ownerDb
      .update(representatives)
      .set({ maxConcurrentTickets: 3 })
      .where(eq(representatives.id, tenant.representativeId))
    const pending = []
    for (let i = 0; i < REQUESTS; i++) pending.push(await newEscalation(tenant))
    const responses = await Promise.all(
      pending.map((escalation) =>
        act(tenant, escalation.id, 'assign', { body: { representativeId: tenant.representativeId } }),
      ),
    )
    const codes = await Promise.all(
      responses.map(async (response) =>
        response.status === 200 ? 'OK' : (await response.json<{ code: string }>()).code,
      ),
    )
    expect(codes.filter((code) => code === 'OK')).toHaveLength(3)
    expect(codes.filter((code) => code !== 'OK')).toEqual(
      Array(REQUESTS - 3).fill('REPRESENTATIVE_AT_CAPACITY'),
    )
    expect((await openLoad(tenant.organizationId)).get(tenant.representativeId)).toBe(3)
  })
})
