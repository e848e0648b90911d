import { escalations, type NewRefund, type NewTicket, refunds, tickets } from '../../src/db/schema'
import { ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * Tenants with known answers for the metrics of the cron run at 2026-11-18 00:05 UTC: DAY 2026-11-17,
 * WEEK 2026-11-16..22 (ISO week, Monday), MONTH 2026-11. Every expected number in the tests is computed by
 * hand from the rows below (the comments show the arithmetic), never by running SQL.
 */

export const CRON_TIME = Date.UTC(2026, 10, 18, 0, 5)

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
  const tenant = await createTenant()
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
  const tenant = await createTenant()
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
  return { tenant, tickets: t }
}

/** Tenant C (TRIAL): one open ticket created 11-01, escalated 11-17: zero denominators on the day and week. */
export async function tenantC() {
  const tenant = await createTenant({ status: 'TRIAL' })
  const tc1 = ticket(tenant, { createdAt: at('2026-11-01T10:00:00Z') })
  await ownerDb.insert(tickets).values(tc1)
  await ownerDb.insert(escalations).values({
    organizationId: tenant.organizationId,
    ticketId: tc1.id as string,
    reason: 'COMPLEX_ISSUE',
    createdAt: at('2026-11-17T12:00:00Z'),
  })
  return { tenant }
}

/**
 * Tenant D, whose batch fails: a ticket resolved 76 years after it was opened, a mean resolution time beyond
 * the integer column (integer out of range). Its transaction rolls back; the other tenants are unaffected.
 */
export async function tenantD() {
  const tenant = await createTenant()
  await ownerDb.insert(tickets).values(
    ticket(tenant, {
      status: 'RESOLVED',
      createdAt: at('1950-01-01T00:00:00Z'),
      resolvedAt: at('2026-11-17T10:00:00Z'),
    }),
  )
  return { tenant }
}
