import { asc, eq } from 'drizzle-orm'
import {
  escalations,
  type NewRefund,
  type NewTicket,
  performanceMetrics,
  refunds,
  teamPerformance,
  tickets,
} from '../../src/db/schema'
import { ownerDb, ownerSql } from '../support/db'
import { createTenant, LONG_AGO, type TestTenant } from '../support/tenants'

/*
 * Tenants with known answers for the metrics of the cron run at 2026-11-18 00:05 UTC: DAY 2026-11-17,
 * WEEK 2026-11-16..22 (ISO week, Monday), MONTH 2026-11. Every expected number in the tests is computed by
 * hand from the rows below (the comments show the arithmetic), never by running SQL.
 */

export const CRON_TIME = Date.UTC(2026, 10, 18, 0, 5)

/** An organization's metrics rows, as the owner, in a stable order (period, start, representative). */
export const rowsOf = async (organizationId: string) => ({
  metrics: await ownerDb
    .select()
    .from(performanceMetrics)
    .where(eq(performanceMetrics.organizationId, organizationId))
    .orderBy(asc(performanceMetrics.period), asc(performanceMetrics.periodStart)),
  team: await ownerDb
    .select()
    .from(teamPerformance)
    .where(eq(teamPerformance.organizationId, organizationId))
    .orderBy(
      asc(teamPerformance.period),
      asc(teamPerformance.periodStart),
      asc(teamPerformance.representativeId),
    ),
})

/** How many events the organization has (computing metrics must write none). */
export const eventCount = async (organizationId: string) =>
  (
    (await ownerSql`select count(*)::int as n from events where organization_id = ${organizationId}`) as [
      { n: number },
    ]
  )[0].n

/**
 * The fixtures are history as of CRON_TIME, written as the owner with their dates: inserting an escalation or moving a
 * ticket of a day older than the database's clock's window marks that day stale (migration 0069), as a late change
 * would. These tests compute as of CRON_TIME, so the marks of their own setup are dropped: no late change happened.
 */
export const asHistory = (tenant: TestTenant) =>
  ownerSql`delete from metrics_stale_days where organization_id = ${tenant.organizationId}`

export const at = (iso: string) => new Date(iso)
let ticketNumber = 5000

export function ticket(tenant: TestTenant, row: Partial<NewTicket> & { createdAt: Date }): NewTicket {
  return {
    id: crypto.randomUUID(),
    organizationId: tenant.organizationId,
    ticketNumber: `TICKET-${ticketNumber++}`,
    customerId: tenant.customerId,
    subject: 'Fixture',
    description: 'Metrics fixture',
    updatedAt: row.createdAt,
    ...row,
  }
}

function refund(
  tenant: TestTenant,
  row: Pick<NewRefund, 'amount' | 'currency' | 'status'> & { createdAt: Date },
): NewRefund {
  return {
    organizationId: tenant.organizationId,
    customerId: tenant.customerId,
    reason: 'OTHER',
    updatedAt: row.createdAt,
    ...row,
  }
}

/**
 * Tenant A. R1 = its ONLINE representative, R2 = its OFFLINE one.
 *   T1 R1  created 11-17 10:00, first response +600 s, resolved +7200 s         (human first response)
 *   T2 —   created 11-17 09:00, resolved +1800 s                                 (AI-resolved)
 *   T3 R2  created 11-17 08:00, first response +1200 s, open; escalated 11-17 08:30 (E1)
 *   T4 —   created 11-16 23:00, resolved 11-17 01:00 (+7200 s); escalated 11-16 23:30 (E2)
 *   T5 R1  created 11-10 08:00, first response +300 s, resolved 11-12 08:00 (+172800 s), closed 11-17 05:00;
 *          escalated 11-17 15:00 (E3, an old ticket)
 *   T6 —   created 10-31 20:00, resolved 11-03 20:00 (+259200 s)                 (AI-resolved)
 *   T7 —   created 11-18 00:01 (today: in the week and month, not the day)
 * Refunds: 11-17 USD 10.00 APPROVED, USD 5.50 PENDING, EUR 20.00 PROCESSED, EUR 3.00 REJECTED;
 *          11-16 USD 7.25 PROCESSED.
 */
export async function tenantA() {
  const tenant = await createTenant({ createdAt: LONG_AGO })
  const [r1, r2] = [tenant.representativeId, tenant.offlineRepresentativeId]
  const t = {
    t1: ticket(tenant, {
      assignedRepresentativeId: r1,
      status: 'RESOLVED',
      createdAt: at('2026-11-17T10:00:00Z'),
      firstResponseAt: at('2026-11-17T10:10:00Z'),
      resolvedAt: at('2026-11-17T12:00:00Z'),
    }),
    t2: ticket(tenant, {
      status: 'RESOLVED',
      createdAt: at('2026-11-17T09:00:00Z'),
      resolvedAt: at('2026-11-17T09:30:00Z'),
    }),
    t3: ticket(tenant, {
      assignedRepresentativeId: r2,
      status: 'IN_PROGRESS',
      createdAt: at('2026-11-17T08:00:00Z'),
      firstResponseAt: at('2026-11-17T08:20:00Z'),
    }),
    t4: ticket(tenant, {
      status: 'RESOLVED',
      createdAt: at('2026-11-16T23:00:00Z'),
      resolvedAt: at('2026-11-17T01:00:00Z'),
    }),
    t5: ticket(tenant, {
      assignedRepresentativeId: r1,
      status: 'CLOSED',
      createdAt: at('2026-11-10T08:00:00Z'),
      firstResponseAt: at('2026-11-10T08:05:00Z'),
      resolvedAt: at('2026-11-12T08:00:00Z'),
      closedAt: at('2026-11-17T05:00:00Z'),
    }),
    t6: ticket(tenant, {
      status: 'RESOLVED',
      createdAt: at('2026-10-31T20:00:00Z'),
      resolvedAt: at('2026-11-03T20:00:00Z'),
    }),
    t7: ticket(tenant, { createdAt: at('2026-11-18T00:01:00Z') }),
  }
  await ownerDb.insert(tickets).values(Object.values(t))
  const org = tenant.organizationId
  await ownerDb.insert(escalations).values([
    {
      organizationId: org,
      ticketId: t.t3.id as string,
      reason: 'LOW_CONFIDENCE',
      createdAt: at('2026-11-17T08:30:00Z'),
    },
    {
      organizationId: org,
      ticketId: t.t4.id as string,
      reason: 'LOW_CONFIDENCE',
      createdAt: at('2026-11-16T23:30:00Z'),
    },
    {
      organizationId: org,
      ticketId: t.t5.id as string,
      reason: 'CUSTOMER_REQUEST',
      createdAt: at('2026-11-17T15:00:00Z'),
    },
  ])
  await ownerDb.insert(refunds).values([
    refund(tenant, {
      amount: '10.00',
      currency: 'USD',
      status: 'APPROVED',
      createdAt: at('2026-11-17T11:00:00Z'),
    }),
    refund(tenant, {
      amount: '5.50',
      currency: 'USD',
      status: 'PENDING',
      createdAt: at('2026-11-17T11:05:00Z'),
    }),
    refund(tenant, {
      amount: '20.00',
      currency: 'EUR',
      status: 'PROCESSED',
      createdAt: at('2026-11-17T11:10:00Z'),
    }),
    refund(tenant, {
      amount: '3.00',
      currency: 'EUR',
      status: 'REJECTED',
      createdAt: at('2026-11-17T23:59:59Z'),
    }),
    refund(tenant, {
      amount: '7.25',
      currency: 'USD',
      status: 'PROCESSED',
      createdAt: at('2026-11-16T00:00:00Z'),
    }),
  ])
  await asHistory(tenant)
  return { tenant, tickets: t }
}

/**
 * Tenant B (same dates as A: A's numbers prove B's rows are never counted). Rb1 ONLINE, Rb2 OFFLINE; no
 * first responses, no escalations, no refunds.
 *   Tb1 Rb1 created 11-09 10:00, resolved +1000 s   (Rb1's previous week)
 *   Tb2 Rb1 created 11-17 10:00, resolved +2000 s   (Rb1 this week: 2000 vs 1000, DECLINING)
 *   Tb3 Rb2 created 11-10 10:00, resolved +1000 s   (Rb2's previous week)
 *   Tb4 Rb2 created 11-16 10:00, resolved +1050 s   (Rb2 this week: exactly +5%, STABLE)
 */
export async function tenantB() {
  const tenant = await createTenant({ createdAt: LONG_AGO })
  const [rb1, rb2] = [tenant.representativeId, tenant.offlineRepresentativeId]
  const resolvedTicket = (representativeId: string, created: string, seconds: number) =>
    ticket(tenant, {
      assignedRepresentativeId: representativeId,
      status: 'RESOLVED',
      createdAt: at(created),
      resolvedAt: new Date(Date.parse(created) + seconds * 1000),
    })
  const t = {
    tb1: resolvedTicket(rb1, '2026-11-09T10:00:00Z', 1000),
    tb2: resolvedTicket(rb1, '2026-11-17T10:00:00Z', 2000),
    tb3: resolvedTicket(rb2, '2026-11-10T10:00:00Z', 1000),
    tb4: resolvedTicket(rb2, '2026-11-16T10:00:00Z', 1050),
  }
  await ownerDb.insert(tickets).values(Object.values(t))
  await asHistory(tenant)
  return { tenant, tickets: t }
}

/** Tenant C (TRIAL): one open ticket created 11-01, escalated 11-17: zero denominators on the day and week. */
export async function tenantC() {
  const tenant = await createTenant({ status: 'TRIAL', createdAt: LONG_AGO })
  const tc1 = ticket(tenant, { createdAt: at('2026-11-01T10:00:00Z') })
  await ownerDb.insert(tickets).values(tc1)
  await ownerDb.insert(escalations).values({
    organizationId: tenant.organizationId,
    ticketId: tc1.id as string,
    reason: 'COMPLEX_ISSUE',
    createdAt: at('2026-11-17T12:00:00Z'),
  })
  await asHistory(tenant)
  return { tenant }
}

/**
 * Tenant D, whose batch fails: a ticket resolved 76 years after it was opened, a mean resolution time beyond
 * the integer column (integer out of range). Its transaction rolls back; the other tenants are unaffected.
 */
export async function tenantD() {
  const tenant = await createTenant({ createdAt: LONG_AGO })
  await ownerDb.insert(tickets).values(
    ticket(tenant, {
      status: 'RESOLVED',
      createdAt: at('1950-01-01T00:00:00Z'),
      resolvedAt: at('2026-11-17T10:00:00Z'),
    }),
  )
  await asHistory(tenant)
  return { tenant }
}

/**
 * Tenant E, for the catch-up: its last successful cron run was 2026-11-15 00:05 (DAY rows through 11-14), the
 * runs of 11-16 and 11-17 were missed, and the rows of 11-15 onwards were written after that run
 * (`tenantERest`). R1 ONLINE, R2 OFFLINE.
 *   Te1 R1 created 11-14 10:00, resolved +600 s                                  (before the last run)
 *   Te2 R1 created 11-15 09:00, first response +300 s, resolved +3600 s          (human first response)
 *   Te3 —  created 11-15 12:00, escalated 11-16 10:00, resolved 11-17 12:00 (+172800 s)
 *   Te4 R2 created 11-16 08:00, first response +900 s, resolved +1800 s          (human first response)
 *   Te5 —  created 11-17 07:00, resolved +1200 s                                 (AI-resolved)
 * Refund: 11-15 USD 12.00 APPROVED.
 */
export async function tenantE() {
  const tenant = await createTenant({ createdAt: LONG_AGO })
  await ownerDb.insert(tickets).values(
    ticket(tenant, {
      assignedRepresentativeId: tenant.representativeId,
      status: 'RESOLVED',
      createdAt: at('2026-11-14T10:00:00Z'),
      resolvedAt: at('2026-11-14T10:10:00Z'),
    }),
  )
  await asHistory(tenant)
  return { tenant }
}

/** Tenant E's rows of 11-15 to 11-17 (after its last successful run). */
export async function tenantERest(tenant: TestTenant) {
  const [r1, r2] = [tenant.representativeId, tenant.offlineRepresentativeId]
  const te3 = ticket(tenant, {
    status: 'RESOLVED',
    createdAt: at('2026-11-15T12:00:00Z'),
    resolvedAt: at('2026-11-17T12:00:00Z'),
  })
  await ownerDb.insert(tickets).values([
    ticket(tenant, {
      assignedRepresentativeId: r1,
      status: 'RESOLVED',
      createdAt: at('2026-11-15T09:00:00Z'),
      firstResponseAt: at('2026-11-15T09:05:00Z'),
      resolvedAt: at('2026-11-15T10:00:00Z'),
    }),
    te3,
    ticket(tenant, {
      assignedRepresentativeId: r2,
      status: 'RESOLVED',
      createdAt: at('2026-11-16T08:00:00Z'),
      firstResponseAt: at('2026-11-16T08:15:00Z'),
      resolvedAt: at('2026-11-16T08:30:00Z'),
    }),
    ticket(tenant, {
      status: 'RESOLVED',
      createdAt: at('2026-11-17T07:00:00Z'),
      resolvedAt: at('2026-11-17T07:20:00Z'),
    }),
  ])
  await ownerDb.insert(escalations).values({
    organizationId: tenant.organizationId,
    ticketId: te3.id as string,
    reason: 'LOW_CONFIDENCE',
    createdAt: at('2026-11-16T10:00:00Z'),
  })
  await ownerDb.insert(refunds).values(
    refund(tenant, {
      amount: '12.00',
      currency: 'USD',
      status: 'APPROVED',
      createdAt: at('2026-11-15T11:00:00Z'),
    }),
  )
  await asHistory(tenant)
}

/**
 * Tenant E's organization rows after a run at 11-18 00:05 that caught up (hand-computed from the rows above).
 * DAY 11-14: Te1 (no first response, unassigned at its response: AI-resolved).
 * DAY 11-15: created Te2 Te3, resolved Te2; first response 300; refund USD 12.00 approved.
 * DAY 11-16: created Te4, resolved Te4 (1800), first response 900; escalation of Te3: 1/1.
 * DAY 11-17: created Te5, resolved Te5 (1200) and Te3 (172800): 87000; AI: Te5 of 2.
 * WEEK 11-09..15 (closed by the catch-up: the run of 11-15 saw only Te1): created Te1 Te2 Te3, resolved Te1 Te2.
 * WEEK 11-16..22: created Te4 Te5, resolved Te4 Te5 Te3, escalation 1 of 2 created.
 */
export const tenantEDays = {
  '2026-11-14': {
    ticketsCreated: 1,
    ticketsResolved: 1,
    avgResolutionSeconds: 600,
    avgFirstResponseSeconds: null,
    escalationsCreated: 0,
    escalationRate: '0.0000',
    aiResolutionRate: '1.0000',
    refundsCount: 0,
    refundsTotalAmount: '0.00',
  },
  '2026-11-15': {
    ticketsCreated: 2,
    ticketsResolved: 1,
    avgResolutionSeconds: 3600,
    avgFirstResponseSeconds: 300,
    escalationsCreated: 0,
    escalationRate: '0.0000',
    aiResolutionRate: '0.0000',
    refundsCount: 1,
    refundsApprovedCount: 1,
    refundsTotalAmount: '12.00',
    currency: 'USD',
  },
  '2026-11-16': {
    ticketsCreated: 1,
    ticketsResolved: 1,
    avgResolutionSeconds: 1800,
    avgFirstResponseSeconds: 900,
    escalationsCreated: 1,
    escalationRate: '1.0000',
    aiResolutionRate: '0.0000',
    refundsCount: 0,
    refundsTotalAmount: '0.00',
  },
  '2026-11-17': {
    ticketsCreated: 1,
    ticketsResolved: 2,
    avgResolutionSeconds: 87000,
    avgFirstResponseSeconds: null,
    escalationsCreated: 0,
    escalationRate: '0.0000',
    aiResolutionRate: '0.5000',
    refundsCount: 0,
    refundsTotalAmount: '0.00',
  },
}
export const tenantEWeeks = {
  '2026-11-09': {
    periodEnd: '2026-11-15',
    ticketsCreated: 3,
    ticketsResolved: 2,
    avgResolutionSeconds: 2100,
  },
  '2026-11-16': {
    periodEnd: '2026-11-22',
    ticketsCreated: 2,
    ticketsResolved: 3,
    escalationsCreated: 1,
    escalationRate: '0.5000',
  },
}
/** Tenant E's team rows per DAY: [R1's, R2's] handled / resolved / response / resolution. */
export const tenantETeamDays = {
  '2026-11-15': [
    { ticketsHandled: 1, ticketsResolved: 1, avgResponseSeconds: 300, avgResolutionSeconds: 3600 },
    { ticketsHandled: 0, ticketsResolved: 0, avgResponseSeconds: null, avgResolutionSeconds: null },
  ],
  '2026-11-16': [
    { ticketsHandled: 0, ticketsResolved: 0, avgResponseSeconds: null, avgResolutionSeconds: null },
    { ticketsHandled: 1, ticketsResolved: 1, avgResponseSeconds: 900, avgResolutionSeconds: 1800 },
  ],
  '2026-11-17': [
    { ticketsHandled: 0, ticketsResolved: 0, avgResponseSeconds: null, avgResolutionSeconds: null },
    { ticketsHandled: 0, ticketsResolved: 0, avgResponseSeconds: null, avgResolutionSeconds: null },
  ],
}
