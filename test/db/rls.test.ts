import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { agentConfigurations, customerProfiles, refunds, tickets, users } from '../../src/db/schema'
import { appSql, ownerDb, ownerSql } from '../support/db'
import { createFullTenant, sqlStateOf, TENANT_TABLES } from './fixtures'

/*
 * Row-level security as the Worker's role: app_api is not a superuser, cannot bypass RLS, and every table
 * forces RLS. `app_begin_request` binds the tenant for the rest of the batch (one transaction).
 */

const begin = (organizationId: string, role: string | null, principalId: string | null) =>
  appSql`select app_begin_request(${organizationId}::uuid, ${role}::text, ${principalId}::uuid)`

describe('app_begin_request + RLS', () => {
  it('shows only the bound tenant rows of every table, with no filter in the query', async () => {
    const [a, b] = await Promise.all([createFullTenant(), createFullTenant()])
    const results = await appSql.transaction([
      begin(a.organizationId, 'ADMIN', a.adminId),
      appSql`select current_setting('app.organization_id') as org, current_setting('app.principal_id') as principal, current_setting('app.principal_role') as role`,
      appSql.query('select * from tickets'),
      ...TENANT_TABLES.map(([table, column]) =>
        appSql.query(`select ${column} as tenant from public.${table}`),
      ),
    ])
    const [, settings, ticketRows, ...perTable] = results
    expect(settings).toEqual([{ org: a.organizationId, principal: a.adminId, role: 'ADMIN' }])
    expect(ticketRows?.map((row) => row.id)).toEqual([a.ticketId])
    // The fixture has at least one row per table (users: 3), all of tenant A; none of B or any other tenant.
    for (const rows of perTable) {
      expect(rows?.length).toBeGreaterThanOrEqual(1)
      expect(new Set(rows?.map((row) => row.tenant))).toEqual(new Set([a.organizationId]))
    }
    expect(b.organizationId).not.toBe(a.organizationId)
  })

  it('sees nothing without a bound tenant, and the binding ends with its transaction', async () => {
    const a = await createFullTenant()
    await appSql.transaction([begin(a.organizationId, 'ADMIN', a.adminId), appSql`select 1`])
    expect(await appSql.query('select id from tickets')).toEqual([])
    expect(await appSql.query('select id from organizations')).toEqual([])
  })

  it("refuses writing a row into another tenant (42501), even through an update of one's own row", async () => {
    const [a, b] = await Promise.all([createFullTenant(), createFullTenant()])
    const insert = () =>
      appSql.transaction([
        begin(a.organizationId, 'ADMIN', a.adminId),
        appSql`insert into users (organization_id, email, name, role) values (${b.organizationId}, ${`x-${a.adminId}@example.com`}, 'X', 'ADMIN')`,
      ])
    const move = () =>
      appSql.transaction([
        begin(a.organizationId, 'ADMIN', a.adminId),
        appSql`update agent_configurations set organization_id = ${b.organizationId} where id = ${a.agentId}`,
      ])
    expect(await sqlStateOf(insert)).toBe('42501')
    expect(await sqlStateOf(move)).toBe('42501')
    const [agent] = await ownerDb
      .select()
      .from(agentConfigurations)
      .where(eq(agentConfigurations.id, a.agentId))
    expect(agent?.organizationId).toBe(a.organizationId)
  })

  it('does not let app_api truncate or run DDL (42501)', async () => {
    expect(await sqlStateOf(() => appSql.query('truncate tickets'))).toBe('42501')
    expect(await sqlStateOf(() => appSql.query('alter table tickets disable row level security'))).toBe(
      '42501',
    )
    expect(await sqlStateOf(() => appSql.query('create table public.not_allowed (id int)'))).toBe('42501')
  })

  it('accepts every active principal kind, and a platform call without principal', async () => {
    const a = await createFullTenant()
    for (const [role, id] of [
      ['ADMIN', a.adminId],
      ['REPRESENTATIVE', a.representativeUserId],
      ['CUSTOMER', a.customerId],
      ['AGENT', a.agentId],
      [null, null],
    ] as const) {
      expect(await sqlStateOf(() => appSql.transaction([begin(a.organizationId, role, id)]))).toBeUndefined()
    }
  })

  it('refuses a suspended or cancelled organization (OA002), a missing one (OA001)', async () => {
    const [suspended, cancelled] = await Promise.all([
      createFullTenant('SUSPENDED'),
      createFullTenant('CANCELLED'),
    ])
    const run = (organizationId: string, adminId: string) => () =>
      appSql.transaction([begin(organizationId, 'ADMIN', adminId), appSql`select 1`])
    expect(await sqlStateOf(run(suspended.organizationId, suspended.adminId))).toBe('OA002')
    expect(await sqlStateOf(run(cancelled.organizationId, cancelled.adminId))).toBe('OA002')
    expect(await sqlStateOf(run(crypto.randomUUID(), suspended.adminId))).toBe('OA001')
    // A platform operation (no principal) may still act on it, e.g. to reactivate it.
    expect(
      await sqlStateOf(() => appSql.transaction([begin(suspended.organizationId, null, null)])),
    ).toBeUndefined()
  })

  it('refuses a principal of the wrong role, tenant or state (OA003)', async () => {
    const [a, b] = await Promise.all([createFullTenant(), createFullTenant()])
    const refused = async (role: string, principalId: string | null) =>
      sqlStateOf(() => appSql.transaction([begin(a.organizationId, role, principalId)]))
    expect(await refused('ADMIN', a.customerId)).toBe('OA003')
    expect(await refused('CUSTOMER', a.adminId)).toBe('OA003')
    expect(await refused('ADMIN', b.adminId)).toBe('OA003')
    expect(await refused('AGENT', b.agentId)).toBe('OA003')
    expect(await refused('AGENT', a.adminId)).toBe('OA003')
    expect(await refused('ADMIN', null)).toBe('OA003')
    expect(await refused('ROOT', a.adminId)).toBe('OA003')

    await ownerDb.update(users).set({ isActive: false }).where(eq(users.id, a.customerId))
    await ownerDb
      .update(agentConfigurations)
      .set({ status: 'PAUSED' })
      .where(eq(agentConfigurations.id, a.agentId))
    expect(await refused('CUSTOMER', a.customerId)).toBe('OA003')
    expect(await refused('AGENT', a.agentId)).toBe('OA003')
  })

  it('a CUSTOMER transaction sees and writes only its own rows of users, profiles, tickets and refunds', async () => {
    const a = await createFullTenant()
    const other = {
      userId: crypto.randomUUID(),
      ticketId: crypto.randomUUID(),
      refundId: crypto.randomUUID(),
    }
    await ownerDb.batch([
      ownerDb.insert(users).values({
        id: other.userId,
        organizationId: a.organizationId,
        email: `other-${other.userId}@example.com`,
        name: 'Other customer',
        role: 'CUSTOMER',
      }),
      ownerDb.insert(customerProfiles).values({ organizationId: a.organizationId, userId: other.userId }),
      ownerDb.insert(tickets).values({
        id: other.ticketId,
        organizationId: a.organizationId,
        ticketNumber: `TICKET-${Date.now() % 1_000_000}`,
        customerId: other.userId,
        subject: 'Not yours',
        description: 'Belongs to the other customer',
      }),
      ownerDb.insert(refunds).values({
        id: other.refundId,
        organizationId: a.organizationId,
        customerId: other.userId,
        amount: '5.00',
        currency: 'USD',
        reason: 'OTHER',
      }),
    ])
    const visible = async (role: string, principalId: string) => {
      const [, ...rows] = await appSql.transaction([
        begin(a.organizationId, role, principalId),
        appSql.query('select id from users'),
        appSql.query('select user_id as id from customer_profiles'),
        appSql.query('select customer_id as id from tickets'),
        appSql.query('select customer_id as id from refunds'),
      ])
      return rows.map((list) => new Set(list.map((row) => row.id)))
    }
    // No filter in the queries: the restrictive policy alone narrows the customer to itself.
    for (const seen of await visible('CUSTOMER', a.customerId)) expect(seen).toEqual(new Set([a.customerId]))
    const [staffUsers, staffProfiles, staffTickets, staffRefunds] = await visible('ADMIN', a.adminId)
    expect(staffUsers?.has(other.userId) && staffUsers.has(a.customerId)).toBe(true)
    for (const seen of [staffProfiles, staffTickets, staffRefunds]) {
      expect(seen).toEqual(new Set([a.customerId, other.userId]))
    }
    const writeForOther = () =>
      appSql.transaction([
        begin(a.organizationId, 'CUSTOMER', a.customerId),
        appSql`insert into tickets (organization_id, ticket_number, customer_id, subject, description)
          values (${a.organizationId}, 'TICKET-999999', ${other.userId}, 's', 'd')`,
      ])
    expect(await sqlStateOf(writeForOther)).toBe('42501')
    const [updated] = await appSql
      .transaction([
        begin(a.organizationId, 'CUSTOMER', a.customerId),
        appSql`update tickets set subject = 'hijacked' where id = ${other.ticketId} returning id`,
      ])
      .then((results) => results.slice(1))
    expect(updated).toEqual([])
  })

  it('refuses to bind a tenant for a role that can bypass RLS (OA004), e.g. an owner URL by mistake', async () => {
    const a = await createFullTenant()
    const asOwner = () =>
      ownerSql.transaction([
        ownerSql`select app_begin_request(${a.organizationId}::uuid, 'ADMIN', ${a.adminId}::uuid)`,
      ])
    expect(await sqlStateOf(asOwner)).toBe('OA004')
  })
})
