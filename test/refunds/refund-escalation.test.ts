import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import migration from '../../drizzle/0071_refund_decision_ends_escalation.sql?raw'
import { escalations, events } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb, ownerSql } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { createBudget, createRule, escalationsOfTicket, type RefundBody, requestRefund } from './support'

/*
 * A refund the rules escalate (ESCALATE, or AUTO_APPROVE over the agent's limit) opens an escalation whose only work
 * is that a person decides the refund. Once the refund is decided or withdrawn, the escalation is done: approved or
 * rejected → RESOLVED, cancelled → CANCELLED, in the same transaction (migration 0071), so it leaves the queue, frees
 * its representative's capacity and no longer holds its ticket's priority at MEDIUM or above.
 */

const escalateOutages = {
  name: 'Escalate outages',
  action: 'ESCALATE',
  conditions: { all: [{ fact: 'refund.reason', operator: 'equal', value: 'SERVICE_OUTAGE' }] },
}

async function escalatedRefund(tenant: TestTenant) {
  const refund = await requestRefund(tenant, { amount: '40.00', reason: 'SERVICE_OUTAGE' })
  expect(refund).toMatchObject({ status: 'PENDING' })
  const [escalation] = await escalationsOfTicket(refund.ticketId as string)
  expect(escalation).toMatchObject({ status: 'PENDING', refundId: refund.id, version: 1 })
  return { refund, escalationId: escalation?.id as string }
}

const act = async (tenant: TestTenant, refundId: string, action: string, token = tenant.tokens.ADMIN) => {
  const body = action === 'reject' ? { notes: 'Not covered' } : {}
  const response = await api(`/v1/refunds/${refundId}/${action}`, { method: 'POST', token, body })
  expect(response.status, await response.clone().text()).toBe(200)
  return json<RefundBody>(response)
}

describe('the escalation of a refund ends with the refund’s decision', () => {
  it('rejected: the escalation is RESOLVED (a new version, an event), the ticket may be lowered again', async () => {
    const tenant = await createTenant()
    await createRule(tenant, escalateOutages)
    const { refund, escalationId } = await escalatedRefund(tenant)
    const read = await api(`/v1/escalations/${escalationId}`, { token: tenant.tokens.ADMIN })
    expect(await json(read)).toMatchObject({ refundId: refund.id, status: 'PENDING' })

    await act(tenant, refund.id, 'reject')
    const after = await api(`/v1/escalations/${escalationId}`, { token: tenant.tokens.ADMIN })
    expect(after.headers.get('ETag')).toBe('"2"')
    expect(await json(after)).toMatchObject({
      status: 'RESOLVED',
      resolutionNotes: 'The refund was rejected.',
      resolvedAt: expect.any(String),
      allowedActions: [],
    })
    const recorded = await ownerDb
      .select({ type: events.type })
      .from(events)
      .where(and(eq(events.organizationId, tenant.organizationId), eq(events.objectId, escalationId)))
    expect(recorded.map((event) => event.type)).toContain('escalation.resolved')
    const lowered = await api(`/v1/tickets/${refund.ticketId}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { priority: 'LOW' },
    })
    expect(lowered.status, await lowered.clone().text()).toBe(200)
  })

  it('approved: RESOLVED; withdrawn by the agent that asked: CANCELLED; an escalation a person already ended is left as it is', async () => {
    const tenant = await createTenant()
    await createRule(tenant, escalateOutages)
    await createBudget(tenant, '100.00')
    const approved = await escalatedRefund(tenant)
    await act(tenant, approved.refund.id, 'approve')
    const [afterApproval] = await escalationsOfTicket(approved.refund.ticketId as string)
    expect(afterApproval).toMatchObject({ status: 'RESOLVED', resolutionNotes: 'The refund was approved.' })

    const cancelled = await escalatedRefund(tenant)
    await act(tenant, cancelled.refund.id, 'cancel', tenant.tokens.AGENT)
    const [afterCancel] = await escalationsOfTicket(cancelled.refund.ticketId as string)
    expect(afterCancel).toMatchObject({ status: 'CANCELLED', resolvedAt: null, version: 2 })

    const worked = await escalatedRefund(tenant)
    const cancelledFirst = await api(`/v1/escalations/${worked.escalationId}/cancel`, {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: {},
    })
    expect(cancelledFirst.status, await cancelledFirst.clone().text()).toBe(200)
    await act(tenant, worked.refund.id, 'reject')
    const [untouched] = await escalationsOfTicket(worked.refund.ticketId as string)
    expect(untouched).toMatchObject({ status: 'CANCELLED', resolutionNotes: null, version: 2 })
  })

  it('migration 0071 links the escalations opened before it to their refund, and ends those whose refund was decided', async () => {
    const tenant = await createTenant()
    await createRule(tenant, escalateOutages)
    const decided = await escalatedRefund(tenant)
    const pending = await escalatedRefund(tenant)
    // As before 0070: no refund named; and the first refund rejected then, when nothing ended its escalation (the
    // triggers off for that one write: a replica session fires none).
    for (const { escalationId } of [decided, pending]) {
      await ownerDb.update(escalations).set({ refundId: null }).where(eq(escalations.id, escalationId))
    }
    await ownerSql.transaction([
      ownerSql`set local session_replication_role = replica`,
      ownerSql`update refunds set status = 'REJECTED' where id = ${decided.refund.id}`,
    ])
    const [stillOpen] = await escalationsOfTicket(decided.refund.ticketId as string)
    expect(stillOpen).toMatchObject({ status: 'PENDING', refundId: null, version: 1 })

    // Its statements: the function, the trigger, the link (between the event trigger's disable and enable, which a
    // test sharing the database must not run), the end.
    const [, , , link, , end] = migration.split('--> statement-breakpoint')
    await ownerSql.query(link as string)
    await ownerSql.query(end as string)
    const [ended] = await escalationsOfTicket(decided.refund.ticketId as string)
    expect(ended).toMatchObject({
      refundId: decided.refund.id,
      status: 'RESOLVED',
      resolutionNotes: 'The refund was rejected.',
      version: 3,
    })
    // Linked: a new field of its representation, so a new version.
    const [linked] = await escalationsOfTicket(pending.refund.ticketId as string)
    expect(linked).toMatchObject({ refundId: pending.refund.id, status: 'PENDING', version: 2 })
  })

  it('an escalation that names no refund (opened by a Worker older than 0070) still ends with its refund, and is linked', async () => {
    const tenant = await createTenant()
    await createRule(tenant, escalateOutages)
    const old = await escalatedRefund(tenant)
    await ownerDb.update(escalations).set({ refundId: null }).where(eq(escalations.id, old.escalationId))
    // Another open escalation of the same ticket, opened by a person, is not the refund's.
    const other = await api('/v1/escalations', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: {
        ticketId: old.refund.ticketId,
        reason: 'COMPLEX_ISSUE',
        priority: 'LOW',
        summary: 'Also broken',
      },
    })
    expect(other.status, await other.clone().text()).toBe(201)
    await act(tenant, old.refund.id, 'reject')
    const rows = await escalationsOfTicket(old.refund.ticketId as string)
    expect(rows.find((row) => row.id === old.escalationId)).toMatchObject({
      refundId: old.refund.id,
      status: 'RESOLVED',
    })
    expect(rows.find((row) => row.id !== old.escalationId)).toMatchObject({
      refundId: null,
      status: 'PENDING',
    })
  })
})
