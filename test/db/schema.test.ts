import { is } from 'drizzle-orm'
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core'
import { describe, expect, it } from 'vitest'
import * as schema from '../../src/db/schema'
import { ownerSql } from '../support/db'
import { ALL_TABLES } from './fixtures'

/* The migrated database matches what the code declares: enums, RLS, the app role. */

const SPEC_ENUMS: Record<string, readonly string[]> = {
  user_role: schema.userRoleValues,
  representative_role: schema.representativeRoleValues,
  representative_status: schema.representativeStatusValues,
  organization_plan: schema.organizationPlanValues,
  organization_status: schema.organizationStatusValues,
  account_tier: schema.accountTierValues,
  account_standing: schema.accountStandingValues,
  ticket_status: schema.ticketStatusValues,
  ticket_priority: schema.ticketPriorityValues,
  ticket_category: schema.ticketCategoryValues,
  escalation_priority: schema.escalationPriorityValues,
  escalation_status: schema.escalationStatusValues,
  escalation_reason: schema.escalationReasonValues,
  refund_reason: schema.refundReasonValues,
  refund_status: schema.refundStatusValues,
  budget_type: schema.budgetTypeValues,
  budget_period: schema.budgetPeriodValues,
  agent_type: schema.agentTypeValues,
  agent_status: schema.agentStatusValues,
  decision_rule_action: schema.decisionRuleActionValues,
  metric_period: schema.metricPeriodValues,
  performance_trend: schema.performanceTrendValues,
  message_author_type: schema.messageAuthorTypeValues,
  message_visibility: schema.messageVisibilityValues,
  message_format: schema.messageFormatValues,
}

describe('migrated schema', () => {
  it('has the 25 enums with exactly the values the code exports', async () => {
    const rows = await ownerSql`
      select t.typname as name, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
      from pg_type t join pg_enum e on e.enumtypid = t.oid
      where t.typnamespace = 'public'::regnamespace group by t.typname`
    const inDatabase = Object.fromEntries(rows.map((row) => [row.name, row.labels]))
    expect(inDatabase).toEqual(Object.fromEntries(Object.entries(SPEC_ENUMS).map(([k, v]) => [k, [...v]])))
    expect(Object.keys(inDatabase)).toHaveLength(25)
  })

  it('enables and forces RLS with a tenant_isolation policy on each of the 14 tables, and the CUSTOMER rule on four', async () => {
    const rows = await ownerSql`
      select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
             (select array_agg(p.polname::text order by p.polname) from pg_policy p where p.polrelid = c.oid) as policies,
             (select array_agg(p.polpermissive) from pg_policy p where p.polrelid = c.oid and p.polname = 'customer_own_rows') as permissive
      from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' order by c.relname`
    expect(rows.map((row) => row.table)).toEqual(ALL_TABLES.map(([table]) => table).sort())
    const customerTables = ['customer_profiles', 'refunds', 'tickets', 'users']
    for (const row of rows) {
      const ownRows = customerTables.includes(row.table)
      // organizations: also the cron's listing policy, for app_platform_reader only (DATABASE.md).
      const listing = row.table === 'organizations' ? ['platform_reader_served_organizations'] : []
      // events: no reads for a CUSTOMER (restrictive), and the retention cleanup's role sees expired ones only.
      const feed = row.table === 'events' ? ['event_janitor_expired', 'no_customer_reads'] : []
      // The webhook sweeper's role sees pending deliveries only (DATABASE.md, "Webhooks").
      const sweeper = row.table === 'webhook_deliveries' ? ['webhook_dispatcher_pending'] : []
      // The conversation: a CUSTOMER's own tickets' PUBLIC messages, their attachments and public search terms.
      const conversation =
        {
          messages: ['customer_public_messages'],
          message_attachments: ['customer_readable_messages'],
          ticket_search_terms: ['customer_public_terms'],
        }[row.table as string] ?? []
      expect(row).toMatchObject({
        enabled: true,
        forced: true,
        policies: ownRows
          ? ['customer_own_rows', 'tenant_isolation']
          : [...conversation, ...listing, ...feed, 'tenant_isolation', ...sweeper],
        // Restrictive: it narrows the tenant policy, never widens it.
        permissive: ownRows ? [false] : null,
      })
    }
  })

  it('limits the cron’s listing policy to app_platform_reader, reading, and served organizations', async () => {
    const [policy] = await ownerSql`
      select p.polcmd as command, p.polpermissive as permissive,
             array(select r.rolname::text from pg_roles r where r.oid = any(p.polroles)) as roles,
             pg_get_expr(p.polqual, p.polrelid) as using
      from pg_policy p where p.polname = 'platform_reader_served_organizations'`
    expect(policy).toMatchObject({ command: 'r', permissive: true, roles: ['app_platform_reader'] })
    expect(policy?.using).toContain('ACTIVE')
    expect(policy?.using).toContain('TRIAL')
    const [role] = await ownerSql`
      select rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname = 'app_platform_reader'`
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false })
  })

  it('gives app_api no way around RLS and only DML on the tables', async () => {
    const [role] = await ownerSql`
      select rolsuper, rolbypassrls, rolcreatedb, rolcreaterole from pg_roles where rolname = 'app_api'`
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcreatedb: false, rolcreaterole: false })
    const privileges = await ownerSql`
      select table_name, array_agg(privilege_type::text order by privilege_type) as granted
      from information_schema.role_table_grants where grantee = 'app_api' and table_schema = 'public'
      group by table_name`
    expect(privileges).toHaveLength(ALL_TABLES.length)
    for (const row of privileges) {
      // Events are written by the database's trigger only: app_api reads them.
      const granted = row.table_name === 'events' ? ['SELECT'] : ['DELETE', 'INSERT', 'SELECT', 'UPDATE']
      expect(row.granted, row.table_name).toEqual(granted)
    }
  })

  it('declares an index whose leading columns cover every foreign key', () => {
    const tables = Object.values(schema as Record<string, unknown>).filter((value): value is PgTable =>
      is(value, PgTable),
    )
    expect(tables).toHaveLength(ALL_TABLES.length)
    for (const table of tables) {
      const config = getTableConfig(table)
      const indexed = [
        ...config.indexes.map((index) =>
          index.config.columns.map((column) => ('name' in column ? column.name : '')),
        ),
        ...config.uniqueConstraints.map((unique) => unique.columns.map((column) => column.name)),
        ...config.primaryKeys.map((key) => key.columns.map((column) => column.name)),
        ...config.columns.filter((column) => column.primary).map((column) => [column.name]),
      ]
      for (const foreignKey of config.foreignKeys) {
        const columns = foreignKey.reference().columns.map((column) => column.name)
        const covered = indexed.some((index) => columns.every((column, i) => index[i] === column))
        expect(covered, `${config.name}: ${foreignKey.getName()}`).toBe(true)
      }
    }
  })
})
