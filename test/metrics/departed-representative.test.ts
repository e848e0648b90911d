import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { teamPerformance, tickets } from '../../src/db/schema'
import { api } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, LONG_AGO, type TestTenant } from '../support/tenants'

/*
 * Team rows count the tickets assigned to each representative (docs/domain.md §5). Deactivating someone unassigns
 * their tickets that are not CLOSED, RESOLVED ones included (README "People leave"), so a computation after they
 * left no longer sees the work they resolved: the next cron (it rewrites the current WEEK and MONTH) or recompute
 * must not erase it from their team rows. The rows of someone who left are their history: kept as they were.
 */

let number = 8800

/** A ticket of Rita (the tenant's ONLINE representative) that she answers and resolves through the API now. */
async function resolvedByRita(tenant: TestTenant): Promise<void> {
  const id = crypto.randomUUID()
  await ownerDb.insert(tickets).values({
    id,
    organizationId: tenant.organizationId,
    ticketNumber: `TICKET-${number++}`,
    customerId: tenant.customerId,
    assignedRepresentativeId: tenant.representativeId,
    subject: 'Refund not received',
    description: 'Two weeks ago.',
  })
  for (const status of ['IN_PROGRESS', 'RESOLVED']) {
    const moved = await api(`/v1/tickets/${id}`, {
      method: 'PATCH',
      token: tenant.tokens.REPRESENTATIVE,
      body: { status },
    })
    expect(moved.status, await moved.clone().text()).toBe(200)
  }
}

const dayOf = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10)

async function recompute(tenant: TestTenant, from: string, to: string) {
  const response = await api('/v1/metrics/recompute', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: { from, to },
  })
  expect(response.status, await response.clone().text()).toBe(200)
}

const ritaRows = (tenant: TestTenant) =>
  ownerDb
    .select()
    .from(teamPerformance)
    .where(
      and(
        eq(teamPerformance.organizationId, tenant.organizationId),
        eq(teamPerformance.representativeId, tenant.representativeId),
      ),
    )
    .orderBy(teamPerformance.period, teamPerformance.periodStart)

describe('a representative who leaves keeps the work they resolved', () => {
  it('a computation after their deactivation leaves their team rows as they were and adds none', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    await resolvedByRita(tenant)
    await resolvedByRita(tenant)
    const now = Date.now()
    const today = dayOf(now)
    await recompute(tenant, today, today)
    const before = await ritaRows(tenant)
    expect(
      before.map(({ period, ticketsHandled, ticketsResolved }) => ({
        period,
        ticketsHandled,
        ticketsResolved,
      })),
    ).toEqual([
      { period: 'DAY', ticketsHandled: 2, ticketsResolved: 2 },
      { period: 'WEEK', ticketsHandled: 2, ticketsResolved: 2 },
      { period: 'MONTH', ticketsHandled: 2, ticketsResolved: 2 },
      { period: 'QUARTER', ticketsHandled: 2, ticketsResolved: 2 },
      { period: 'YEAR', ticketsHandled: 2, ticketsResolved: 2 },
    ])

    const left = await api(`/v1/users/${tenant.representativeUserId}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { isActive: false },
    })
    expect(left.status, await left.clone().text()).toBe(200)

    // Today again (the cron's current WEEK and MONTH), and the day before: her rows are untouched (same values,
    // version and updatedAt) and she gets no new ones.
    await recompute(tenant, dayOf(now - 86_400_000), today)
    expect(await ritaRows(tenant)).toEqual(before)
  })
})
