import { env } from 'cloudflare:test'
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { tickets } from '../../src/db/schema'
import { TenantDb } from '../../src/db/tenant'
import { TENANT_TABLES } from '../db/fixtures'
import { api } from '../support/api'
import { appSql, ownerSql } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

const TENANT_TABLE_NAMES = TENANT_TABLES.map(([table]) => table)

async function withTickets(): Promise<[TestTenant, TestTenant]> {
  const [a, b] = [await createTenant(), await createTenant()]
  for (const tenant of [a, b]) {
    await api('/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { customerId: tenant.customerId, subject: 's', description: 'd' },
    })
  }
  return [a, b]
}

describe('row-level security, without the code’s help', () => {
  it('the request role is app_api, which is neither superuser nor BYPASSRLS, and every table forces RLS', async () => {
    const [role] = await appSql`select current_user as name, r.rolsuper, r.rolbypassrls
      from pg_roles r where r.rolname = current_user`
    expect(role).toEqual({ name: 'app_api', rolsuper: false, rolbypassrls: false })
    const tables = await ownerSql`select relname, relrowsecurity, relforcerowsecurity from pg_class
      where relname = any(${TENANT_TABLE_NAMES}) and relkind = 'r' order by relname`
    expect(tables).toHaveLength(TENANT_TABLE_NAMES.length)
    for (const table of tables)
      expect(table, String(table.relname)).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true })
  })

  it('an unfiltered statement in the access layer’s context sees only its tenant', async () => {
    const [a, b] = await withTickets()
    const db = TenantDb.forPrincipal(env.DATABASE_URL, {
      organizationId: a.organizationId,
      subject: a.adminId,
      role: 'ADMIN',
    })
    const [rows] = await db.run(
      db.raw<{ organization_id: string }>(sql`select organization_id from ${tickets}`),
    )
    const organizationsSeen = new Set(rows.rows.map((row) => row.organization_id))
    expect(organizationsSeen).toEqual(new Set([a.organizationId]))
    expect(organizationsSeen.has(b.organizationId)).toBe(false)
  })

  it('without a tenant context the request role sees no rows at all', async () => {
    await withTickets()
    for (const table of TENANT_TABLE_NAMES) {
      const rows = await appSql.query(`select count(*)::int as n from ${table}`)
      expect(rows, table).toEqual([{ n: 0 }])
    }
  })

  it('refuses to write into another tenant, even with the other tenant’s ids', async () => {
    const [a, b] = await withTickets()
    const begin = appSql`select app_begin_request(${a.organizationId}::uuid, 'ADMIN', ${a.adminId}::uuid)`
    await expect(
      appSql.transaction([
        begin,
        appSql`insert into tickets (organization_id, ticket_number, customer_id, subject, description)
          values (${b.organizationId}, 'TICKET-9999', ${b.customerId}, 'x', 'y')`,
      ]),
    ).rejects.toMatchObject({ code: '42501' })
    const [updated] = await appSql
      .transaction([
        appSql`select app_begin_request(${a.organizationId}::uuid, 'ADMIN', ${a.adminId}::uuid)`,
        appSql`update tickets set subject = 'hijacked' where organization_id = ${b.organizationId} returning id`,
      ])
      .then((results) => results.slice(1))
    expect(updated).toEqual([])
    const [{ n }] = (await ownerSql`select count(*)::int as n from tickets where subject = 'hijacked'`) as [
      { n: number },
    ]
    expect(n).toBe(0)
  })

  it('the tenant context is transaction-local: it does not outlive its batch', async () => {
    const [a] = await withTickets()
    await appSql.transaction([
      appSql`select app_begin_request(${a.organizationId}::uuid, 'ADMIN', ${a.adminId}::uuid)`,
    ])
    const [after] = await appSql`select nullif(current_setting('app.organization_id', true), '') as tenant`
    expect(after).toEqual({ tenant: null })
  })
})
