import { env } from 'cloudflare:test'
import { and, eq, type SQL, sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createDatabase } from '../../src/db/client'
import { agentConfigurations, customerProfiles, representatives, users } from '../../src/db/schema'
import { TenantDb, type TenantTable } from '../../src/db/tenant'
import * as agents from '../../src/resources/agents/agents.data'
import * as customers from '../../src/resources/customers/customers.data'
import * as reps from '../../src/resources/representatives/representatives.data'
import * as people from '../../src/resources/users/users.data'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/** Everything of a tenant's people and agents, read as the owner (RLS does not apply). */
async function snapshot(tenant: TestTenant) {
  const org = tenant.organizationId
  return {
    users: await ownerDb.select().from(users).where(eq(users.organizationId, org)).orderBy(users.id),
    representatives: await ownerDb
      .select()
      .from(representatives)
      .where(eq(representatives.organizationId, org))
      .orderBy(representatives.id),
    customers: await ownerDb
      .select()
      .from(customerProfiles)
      .where(eq(customerProfiles.organizationId, org))
      .orderBy(customerProfiles.id),
    agents: await ownerDb
      .select()
      .from(agentConfigurations)
      .where(eq(agentConfigurations.organizationId, org))
      .orderBy(agentConfigurations.id),
  }
}

describe('people and agents: another tenant’s ids', () => {
  it('are 404 for every route and method, for every caller of tenant B, and tenant A is unchanged', async () => {
    const [a, b] = [await createTenant(), await createTenant()]
    const before = await snapshot(a)
    const attempts: Array<[string, string, unknown]> = [
      ['GET', `/v1/users/${a.adminId}`, undefined],
      ['PATCH', `/v1/users/${a.adminId}`, { name: 'Hijacked' }],
      ['PATCH', `/v1/users/${a.customerId}`, { isActive: false }],
      ['GET', `/v1/representatives/${a.representativeId}`, undefined],
      ['PATCH', `/v1/representatives/${a.representativeId}`, { status: 'OFFLINE' }],
      ['GET', `/v1/customers/${a.customerId}`, undefined],
      ['PATCH', `/v1/customers/${a.customerId}`, { preferences: { hijacked: true } }],
      ['GET', `/v1/agents/${a.agentId}`, undefined],
      ['PATCH', `/v1/agents/${a.agentId}`, { status: 'DISABLED' }],
    ]
    for (const role of ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'] as const) {
      for (const [method, path, body] of attempts) {
        const response = await api(path, { method, token: b.tokens[role], body })
        // 404 where the role may use the route; 403 where the role may not use it at all.
        expect([403, 404], `${role} ${method} ${path}`).toContain(response.status)
        const { instance: _echoed, ...problem } = await json(response)
        expect(JSON.stringify(problem)).not.toContain(a.organizationId)
      }
      const admin = await api(`/v1/users/${a.adminId}`, { token: b.tokens.ADMIN })
      expect(admin.status).toBe(404)
    }
    // Lists in B never show A's rows, whatever the filters.
    for (const path of [
      '/v1/users?limit=100',
      `/v1/users?emailPrefix=${encodeURIComponent('ada')}`,
      '/v1/representatives?limit=100',
      '/v1/customers?limit=100',
      '/v1/agents?limit=100',
    ]) {
      const page = await json<{ data: Array<{ id: string }> }>(await api(path, { token: b.tokens.ADMIN }))
      const ids = page.data.map((row) => row.id)
      for (const id of [a.adminId, a.customerId, a.representativeId, a.agentId])
        expect(ids, path).not.toContain(id)
    }
    expect(await snapshot(a)).toEqual(before)
  })
})

/** The access layer with its tenant filter forgotten: only RLS stands between tenants. */
class ForgetfulTenantDb extends TenantDb {
  override where<T extends TenantTable>(_table: T, ...conditions: Array<SQL | undefined>): SQL {
    return and(...conditions) ?? sql`true`
  }
}

describe('people and agents: RLS alone keeps tenants apart (the code’s tenant filter removed)', () => {
  it('lists, gets and updates of tenant B never see or change tenant A', async () => {
    const [a, b] = [await createTenant(), await createTenant()]
    const before = await snapshot(a)
    const db = new ForgetfulTenantDb(createDatabase(env.DATABASE_URL), {
      organizationId: b.organizationId,
      role: 'ADMIN',
      principalId: b.adminId,
    })
    // The filter really is gone: the statement has no organization_id condition.
    expect(db.select(users).toSQL().sql).not.toMatch(/where .*organization_id/)

    const userPage = await people.listUsers(db, { sort: '-createdAt', limit: 100 })
    expect(new Set(userPage.data.map((row) => row.organizationId))).toEqual(new Set([b.organizationId]))
    const repPage = await reps.listRepresentatives(db, { sort: '-createdAt', limit: 100 })
    expect(new Set(repPage.data.map((row) => row.organizationId))).toEqual(new Set([b.organizationId]))
    const customerPage = await customers.listCustomers(db, { sort: '-createdAt', limit: 100 })
    expect(new Set(customerPage.data.map((row) => row.organizationId))).toEqual(new Set([b.organizationId]))
    const agentPage = await agents.listAgents(db, { sort: '-createdAt', limit: 100 })
    expect(new Set(agentPage.data.map((row) => row.organizationId))).toEqual(new Set([b.organizationId]))

    const notFound = async (work: () => Promise<unknown>) => {
      await expect(work()).rejects.toMatchObject({ status: 404 })
    }
    await notFound(() => people.getUser(db, a.adminId))
    await notFound(() => people.updateUser(db, a.customerId, { name: 'Hijacked' }, undefined))
    await notFound(() => reps.getRepresentative(db, a.representativeId))
    await notFound(() =>
      reps.updateRepresentative(
        db,
        eq(representatives.id, a.representativeId),
        { status: 'AWAY' },
        undefined,
      ),
    )
    await notFound(() => customers.getCustomer(db, a.customerId))
    await notFound(() => customers.updateCustomer(db, a.customerId, { accountTier: 'VIP' }, undefined))
    await notFound(() => agents.getAgent(db, a.agentId))
    await notFound(() => agents.updateAgent(db, a.agentId, { status: 'DISABLED' }, undefined))
    expect(await snapshot(a)).toEqual(before)
  })
})
