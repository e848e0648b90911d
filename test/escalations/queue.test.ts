import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { escalations } from '../../src/db/schema'
import { tenantPlan } from '../db/plans'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { act, type EscalationBody, newEscalation, newTicket } from './support'

type Page = { data: EscalationBody[]; nextCursor: string | null }

describe('the representative queue (GET /v1/escalations)', () => {
  it('orders by priority (CRITICAL first), then oldest first, and pages through with the cursor', async () => {
    const tenant = await createTenant()
    const priorities = ['LOW', 'CRITICAL', 'MEDIUM', 'HIGH', 'CRITICAL', 'LOW', 'HIGH', 'MEDIUM'] as const
    const created: EscalationBody[] = []
    for (const [i, priority] of priorities.entries()) {
      const escalation = await newEscalation(tenant, { priority })
      // Distinct, known creation times (the order within a priority is by age).
      await ownerDb
        .update(escalations)
        .set({ createdAt: new Date(Date.UTC(2026, 10, 1, 10, i)) })
        .where(eq(escalations.id, escalation.id))
      created.push(escalation)
    }
    const rank = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3 }
    const expected = created
      .map((escalation, i) => ({ id: escalation.id, priority: escalation.priority, minute: i }))
      .sort(
        (a, b) =>
          rank[a.priority as keyof typeof rank] - rank[b.priority as keyof typeof rank] ||
          a.minute - b.minute,
      )
      .map((escalation) => escalation.id)

    const seen: string[] = []
    let cursor: string | null = null
    do {
      const query: string = `/v1/escalations?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      const response = await api(query, { token: tenant.tokens.REPRESENTATIVE })
      expect(response.status, await response.clone().text()).toBe(200)
      const page: Page = await json<Page>(response)
      expect(page.data.length).toBeLessThanOrEqual(3)
      seen.push(...page.data.map((escalation) => escalation.id))
      cursor = page.nextCursor
    } while (cursor)
    expect(seen).toEqual(expected)
    // The same for the explicit sort name, and by creation time both ways.
    const all = async (query: string) =>
      (
        await json<Page>(await api(`/v1/escalations?limit=100&${query}`, { token: tenant.tokens.ADMIN }))
      ).data.map((escalation) => escalation.id)
    expect(await all('sort=queue')).toEqual(expected)
    expect(await all('sort=createdAt')).toEqual(created.map((escalation) => escalation.id))
    expect(await all('sort=-createdAt')).toEqual(created.map((escalation) => escalation.id).reverse())
  })

  it('filters by status, priority, reason, assignee (incl. none), agent and ticket; each list item carries allowedActions', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant)
    const a = await newEscalation(tenant, {
      ticketId: ticket.id,
      priority: 'HIGH',
      reason: 'CUSTOMER_REQUEST',
    })
    const b = await newEscalation(tenant, { priority: 'LOW', reason: 'LOW_CONFIDENCE' }, 'ADMIN')
    const c = await newEscalation(tenant, { priority: 'CRITICAL', reason: 'REFUND_OVER_LIMIT' })
    expect(
      (await act(tenant, b.id, 'assign', { body: { representativeId: tenant.representativeId } })).status,
    ).toBe(200)
    expect((await act(tenant, c.id, 'cancel')).status).toBe(200)
    const ids = async (query: string) => {
      const response = await api(`/v1/escalations?${query}`, { token: tenant.tokens.REPRESENTATIVE })
      expect(response.status, `${query}: ${await response.clone().text()}`).toBe(200)
      return (await json<Page>(response)).data.map((escalation) => escalation.id)
    }
    expect(await ids('status=PENDING')).toEqual([a.id])
    expect(await ids('status=PENDING,ASSIGNED')).toEqual([a.id, b.id])
    expect(await ids('priority=CRITICAL,LOW')).toEqual([c.id, b.id])
    expect(await ids('reason=LOW_CONFIDENCE')).toEqual([b.id])
    expect(await ids(`assignedRepresentativeId=${tenant.representativeId}`)).toEqual([b.id])
    expect(await ids('assignedRepresentativeId=none')).toEqual([c.id, a.id])
    expect(await ids(`agentConfigurationId=${tenant.agentId}`)).toEqual([c.id, a.id])
    expect(await ids(`ticketId=${ticket.id}`)).toEqual([a.id])
    expect(await ids('status=RESOLVED')).toEqual([])
    const page = await json<Page>(await api('/v1/escalations', { token: tenant.tokens.REPRESENTATIVE }))
    const offered = Object.fromEntries(
      page.data.map((escalation) => [escalation.id, escalation.allowedActions]),
    )
    expect(offered).toEqual({
      [c.id]: [],
      [a.id]: ['update', 'assign', 'cancel'],
      [b.id]: ['update', 'assign', 'start', 'cancel'],
    })
    for (const query of [
      'status=NOPE',
      'priority=',
      'assignedRepresentativeId=someone',
      'sort=priority',
      'cursor=abc',
    ]) {
      const response = await api(`/v1/escalations?${query}`, { token: tenant.tokens.ADMIN })
      expect(response.status, query).toBe(400)
    }
  })

  it('as app_api under RLS, an index serves the default order and each filter, in that order (no sort step)', async () => {
    // Plans as the API's role with the tenant bound (RLS applies: only LEAKPROOF comparisons can be index
    // conditions), with sequential scans, bitmap scans and sorts made prohibitively expensive, so the plan shows
    // which index delivers the rows in the queue order. The filters are those the list sends.
    const tenant = await createTenant()
    const plan = (where: string) =>
      tenantPlan(
        tenant.organizationId,
        `select * from escalations where organization_id = '${tenant.organizationId}' ${where}
           order by priority_rank, created_at, id limit 26`,
      )
    const cases: Array<[string, string]> = [
      ['', 'escalations_queue_idx'],
      [`and status in ('PENDING')`, 'escalations_status_pending_queue_idx'],
      [`and status in ('IN_PROGRESS')`, 'escalations_status_in_progress_queue_idx'],
      [`and reason in ('REFUND_OVER_LIMIT')`, 'escalations_reason_refund_over_limit_queue_idx'],
      ['and priority_rank in (1, 4)', 'escalations_queue_idx'],
      [
        `and assigned_representative_id = '${tenant.representativeId}'`,
        'escalations_assigned_representative_id_queue_idx',
      ],
      [`and ticket_id = '${crypto.randomUUID()}'`, 'escalations_ticket_id_queue_idx'],
      [`and agent_configuration_id = '${tenant.agentId}'`, 'escalations_agent_configuration_id_queue_idx'],
    ]
    for (const [where, index] of cases) {
      const text = await plan(where)
      expect(text, where).toContain(`Index Scan using ${index} `)
      expect(text, where).not.toContain('Sort')
      // The filter itself is an index condition (or the index's predicate), not a filter over a wider scan.
      expect(text, where).not.toMatch(
        /Filter: .*(status|reason|ticket_id|agent_configuration_id|assigned_representative_id)/,
      )
    }
    // `assignedRepresentativeId=none` (IS NULL): on a table this small the planner may prefer the queue index
    // with a filter; either way the rows come in the queue order from an index.
    const unassigned = await plan('and assigned_representative_id is null')
    expect(unassigned).toMatch(/Index Scan using escalations_\w*queue_idx /)
    expect(unassigned).not.toContain('Sort')
  })
})
