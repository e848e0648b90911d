import {
  agentConfigurations,
  budgets,
  budgetUsageRecords,
  customerProfiles,
  decisionRules,
  escalations,
  messageAttachments,
  messages,
  organizations,
  performanceMetrics,
  refunds,
  representatives,
  teamPerformance,
  tickets,
  users,
} from '../../src/db/schema'
import { ownerDb, ownerSql } from '../support/db'
import { LONG_AGO } from '../support/tenants'

type OrganizationStatus = NonNullable<(typeof organizations.$inferInsert)['status']>

/** Every id of a tenant with one row in each of the 13 tables (all references filled in). */
export interface FullTenant {
  organizationId: string
  adminId: string
  representativeUserId: string
  customerId: string
  representativeId: string
  customerProfileId: string
  agentId: string
  ruleId: string
  budgetId: string
  ticketId: string
  escalationId: string
  refundId: string
  usageRecordId: string
  metricsId: string
  teamPerformanceId: string
  messageId: string
  attachmentId: string
}

/** The 13 tables, with the column that holds the tenant. */
export const TENANT_TABLES = [
  ['organizations', 'id'],
  ['users', 'organization_id'],
  ['representatives', 'organization_id'],
  ['customer_profiles', 'organization_id'],
  ['tickets', 'organization_id'],
  ['escalations', 'organization_id'],
  ['refunds', 'organization_id'],
  ['budgets', 'organization_id'],
  ['budget_usage_records', 'organization_id'],
  ['agent_configurations', 'organization_id'],
  ['decision_rules', 'organization_id'],
  ['performance_metrics', 'organization_id'],
  ['team_performance', 'organization_id'],
  ['messages', 'organization_id'],
  ['message_attachments', 'organization_id'],
  // Kept by triggers from tickets and messages (DATABASE.md, "Search"): the fixture's ticket fills it.
  ['ticket_search_terms', 'organization_id'],
] as const

/** Tables of the API's machinery rather than the domain (tenant-bound all the same). */
export const INFRASTRUCTURE_TABLES = [
  ['idempotency_keys', 'organization_id'],
  ['events', 'organization_id'],
  ['webhook_endpoints', 'organization_id'],
  ['webhook_deliveries', 'organization_id'],
  ['webhook_delivery_attempts', 'organization_id'],
  ['metrics_stale_days', 'organization_id'],
] as const

/** Every table of the public schema. */
export const ALL_TABLES = [...TENANT_TABLES, ...INFRASTRUCTURE_TABLES]

const uuid = () => crypto.randomUUID()

/** A unique, valid slug for a test organization (tests run in parallel and never share tenants). */
export function uniqueSlug(): string {
  return `db-${uuid().slice(0, 13)}`
}

/** Creates a tenant with a row in every table, as the owner, in one batch. */
export async function createFullTenant(status: OrganizationStatus = 'ACTIVE'): Promise<FullTenant> {
  const t: FullTenant = {
    organizationId: uuid(),
    adminId: uuid(),
    representativeUserId: uuid(),
    customerId: uuid(),
    representativeId: uuid(),
    customerProfileId: uuid(),
    agentId: uuid(),
    ruleId: uuid(),
    budgetId: uuid(),
    ticketId: uuid(),
    escalationId: uuid(),
    refundId: uuid(),
    usageRecordId: uuid(),
    metricsId: uuid(),
    teamPerformanceId: uuid(),
    messageId: uuid(),
    attachmentId: uuid(),
  }
  const organizationId = t.organizationId
  const slug = uniqueSlug()
  await ownerDb.batch([
    // Created before its metrics rows' periods (migration 0056 deletes rows of periods before an organization existed).
    ownerDb.insert(organizations).values({
      id: organizationId,
      name: 'Db test',
      slug,
      status,
      createdAt: LONG_AGO,
      updatedAt: LONG_AGO,
    }),
    ownerDb.insert(users).values([
      { id: t.adminId, organizationId, email: `admin@${slug}.example`, name: 'Admin', role: 'ADMIN' },
      {
        id: t.representativeUserId,
        organizationId,
        email: `rep@${slug}.example`,
        name: 'Rep',
        role: 'REPRESENTATIVE',
      },
      {
        id: t.customerId,
        organizationId,
        email: `customer@${slug}.example`,
        name: 'Customer',
        role: 'CUSTOMER',
      },
    ]),
    ownerDb
      .insert(representatives)
      .values({ id: t.representativeId, organizationId, userId: t.representativeUserId, status: 'ONLINE' }),
    ownerDb
      .insert(customerProfiles)
      .values({ id: t.customerProfileId, organizationId, userId: t.customerId }),
    ownerDb.insert(agentConfigurations).values({
      id: t.agentId,
      organizationId,
      name: 'Bot',
      type: 'TRIAGE',
      status: 'ACTIVE',
      model: 'test',
    }),
    ownerDb.insert(decisionRules).values({
      id: t.ruleId,
      organizationId,
      agentConfigurationId: t.agentId,
      name: 'Small',
      conditions: { all: [{ fact: 'refund.amount', operator: 'lessThanInclusive', value: '50.00' }] },
      action: 'AUTO_APPROVE',
    }),
    ownerDb.insert(budgets).values({
      id: t.budgetId,
      organizationId,
      name: 'Refunds',
      amount: '100.00',
      spent: '10.00',
      periodStart: '2026-11-01',
      periodEnd: '2026-11-30',
    }),
    ownerDb.insert(tickets).values({
      id: t.ticketId,
      organizationId,
      ticketNumber: 'TICKET-1001',
      customerId: t.customerId,
      assignedRepresentativeId: t.representativeId,
      subject: 'Broken',
      description: 'It broke',
    }),
    ownerDb.insert(escalations).values({
      id: t.escalationId,
      organizationId,
      ticketId: t.ticketId,
      agentConfigurationId: t.agentId,
      assignedRepresentativeId: t.representativeId,
      reason: 'LOW_CONFIDENCE',
    }),
    ownerDb.insert(refunds).values({
      id: t.refundId,
      organizationId,
      customerId: t.customerId,
      ticketId: t.ticketId,
      amount: '10.00',
      reason: 'DEFECTIVE_PRODUCT',
      status: 'APPROVED',
      decisionRuleId: t.ruleId,
      decidedByUserId: t.adminId,
      budgetId: t.budgetId,
    }),
    ownerDb.insert(budgetUsageRecords).values({
      id: t.usageRecordId,
      organizationId,
      budgetId: t.budgetId,
      refundId: t.refundId,
      amount: '10.00',
    }),
    ownerDb.insert(performanceMetrics).values({
      id: t.metricsId,
      organizationId,
      period: 'DAY',
      periodStart: '2026-11-20',
      periodEnd: '2026-11-20',
    }),
    ownerDb.insert(teamPerformance).values({
      id: t.teamPerformanceId,
      organizationId,
      representativeId: t.representativeId,
      period: 'WEEK',
      periodStart: '2026-11-16',
      periodEnd: '2026-11-22',
    }),
    // Written by the customer: agents and representatives are deleted by tests, users with messages cannot be.
    ownerDb.insert(messages).values({
      id: t.messageId,
      organizationId,
      ticketId: t.ticketId,
      authorType: 'CUSTOMER',
      authorUserId: t.customerId,
      body: 'Still broken',
    }),
    ownerDb.insert(messageAttachments).values({
      id: t.attachmentId,
      organizationId,
      messageId: t.messageId,
      fileName: 'photo.png',
      contentType: 'image/png',
      sizeBytes: 1024,
      sha256: 'a'.repeat(64),
      storageKey: `${organizationId}/tickets/${t.ticketId}/messages/${t.messageId}/${t.attachmentId}`,
    }),
  ])
  return t
}

/** Rows of the organization in each of the 13 tables (as the owner, so RLS does not hide any). */
export async function rowCounts(organizationId: string): Promise<Record<string, number>> {
  const results = await ownerSql.transaction(
    TENANT_TABLES.map(([table, column]) =>
      ownerSql.query(`select count(*)::int as n from public.${table} where ${column} = $1`, [organizationId]),
    ),
  )
  return Object.fromEntries(TENANT_TABLES.map(([table], i) => [table, Number(results[i]?.[0]?.n ?? -1)]))
}

/** The SQLSTATE of what `run` throws (the Neon error may be wrapped by drizzle), or undefined if it succeeds. */
export async function sqlStateOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run()
  } catch (error) {
    for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
      if (typeof current === 'object' && 'code' in current && typeof current.code === 'string')
        return current.code
      current = current instanceof Error ? current.cause : undefined
    }
    throw error
  }
  return undefined
}
