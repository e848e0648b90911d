import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { agentConfigurations, budgetUsageRecords, refunds, tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import {
  approveSmall,
  budgetState,
  createBudget,
  createRule,
  escalationsOfTicket,
  type RefundBody,
  refundRow,
  requestRefund,
  ticketRow,
} from './support'

describe('refunds decided by the rules', () => {
  it('AUTO_APPROVE charges the budget: APPROVED, usage record, trace with the rule and the charge', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '100.00')
    const rule = await createRule(t, approveSmall)
    const refund = await requestRefund(t, { amount: '25.5' })
    expect(refund).toMatchObject({ status: 'APPROVED', amount: '25.50', decisionRuleId: rule.id })
    // The AGENT may not read budgets: it is not told which budget paid (representation.ts, RefundSchema).
    expect(refund).not.toHaveProperty('budgetId')
    expect(refund.decidedAt).not.toBeNull()
    expect(refund.decision).toMatchObject({
      outcome: 'RULE_MATCHED',
      action: 'AUTO_APPROVE',
      finalAction: 'AUTO_APPROVE',
      ruleId: rule.id,
      charge: { outcome: 'CHARGED' },
    })
    expect(refund.decision?.charge).not.toHaveProperty('budgetId')
    expect(refund.decision?.rules[0]?.leaves.map((leaf) => [leaf.fact, leaf.actual, leaf.held])).toEqual([
      ['refund.amount', '25.50', true],
      ['refund.currency', 'USD', true],
    ])
    expect(refund.allowedActions).toEqual([])
    const { budget: after, usage } = await budgetState(budget.id)
    expect(after?.spent).toBe('25.50')
    expect(usage.map((row) => [row.refundId, row.amount])).toEqual([[refund.id, '25.50']])
    // The agent reads its trace back, and the representative may process it.
    const read = await json<RefundBody>(
      await api(`/v1/refunds/${refund.id}`, { token: t.tokens.REPRESENTATIVE }),
    )
    expect(read).toMatchObject({ budgetId: budget.id })
    // …with what only budget and agent readers get: the budget charged, and the guardrail (this agent has no limit).
    expect(read.decision).toEqual({
      ...refund.decision,
      guardrail: null,
      charge: { outcome: 'CHARGED', budgetId: budget.id },
    })
    expect(read.allowedActions).toEqual(['process'])
  })

  it('AUTO_APPROVE without a budget stays PENDING with NO_BUDGET; without room with BUDGET_EXHAUSTED', async () => {
    const t = await createTenant()
    await createRule(t, approveSmall)
    const noBudget = await requestRefund(t, { amount: '10.00' })
    expect(noBudget).toMatchObject({ status: 'PENDING', decidedAt: null })
    expect(noBudget.decision?.charge).toEqual({ outcome: 'NO_BUDGET' })
    const budget = await createBudget(t, '15.00')
    const first = await requestRefund(t, { amount: '10.00' })
    expect(first.status).toBe('APPROVED')
    const exhausted = await requestRefund(t, { amount: '10.00' })
    expect(exhausted).toMatchObject({ status: 'PENDING' })
    expect(exhausted.decision?.charge).toEqual({ outcome: 'BUDGET_EXHAUSTED' })
    const { budget: after, usage } = await budgetState(budget.id)
    expect(after?.spent).toBe('10.00')
    expect(usage).toHaveLength(1)
    // A budget of another currency or an inactive one is not chargeable.
    await createBudget(t, '500.00', { currency: 'EUR' })
    await createBudget(t, '500.00', { isActive: false })
    const still = await requestRefund(t, { amount: '10.00' })
    expect(still.decision?.charge?.outcome).toBe('BUDGET_EXHAUSTED')
  })

  it('AUTO_APPROVE above the agent’s maxAutoRefundAmount escalates (REFUND_OVER_LIMIT), opening a ticket', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '1000.00')
    await ownerDb
      .update(agentConfigurations)
      .set({ thresholds: { maxAutoRefundAmount: '20.00' } })
      .where(eq(agentConfigurations.id, t.agentId))
    await createRule(t, approveSmall)
    const refund = await requestRefund(t, { amount: '30.00' })
    expect(refund).toMatchObject({ status: 'PENDING' })
    expect(refund.decision).toMatchObject({ action: 'AUTO_APPROVE', finalAction: 'ESCALATE' })
    // The limit is in the trace for the roles that may read agents (not for the AGENT: representations.test.ts).
    const asAdmin = await api(`/v1/refunds/${refund.id}`, { token: t.tokens.ADMIN })
    expect((await json<RefundBody>(asAdmin)).decision).toMatchObject({
      guardrail: { maxAutoRefundAmount: '20.00', exceeded: true },
    })
    expect(refund.ticketId).not.toBeNull()
    const ticket = await ticketRow(refund.ticketId as string)
    // MEDIUM as for a rule's escalation (POLICY_EXCEPTION): the ticket's priority, which its CUSTOMER reads, must not
    // tell that the amount was over the agent's limit.
    expect(ticket).toMatchObject({ category: 'REFUND_REQUEST', customerId: t.customerId, priority: 'MEDIUM' })
    const [escalation] = await escalationsOfTicket(refund.ticketId as string)
    expect(escalation).toMatchObject({
      reason: 'REFUND_OVER_LIMIT',
      priority: 'MEDIUM',
      status: 'PENDING',
      agentConfigurationId: t.agentId,
    })
    expect((await budgetState(budget.id)).usage).toHaveLength(0)
    // Under the limit, the same agent's request is auto-approved.
    expect((await requestRefund(t, { amount: '20.00' })).status).toBe('APPROVED')
  })

  it('ESCALATE on an existing ticket: POLICY_EXCEPTION escalation, ticket priority raised, no new ticket', async () => {
    const t = await createTenant()
    await createRule(t, {
      name: 'Escalate outages',
      action: 'ESCALATE',
      conditions: { all: [{ fact: 'refund.reason', operator: 'equal', value: 'SERVICE_OUTAGE' }] },
    })
    const created = await api('/v1/tickets', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: { customerId: t.customerId, subject: 'Outage', description: 'Down all day', priority: 'LOW' },
    })
    const ticket = await json<{ id: string }>(created)
    const refund = await requestRefund(t, { amount: '99.00', reason: 'SERVICE_OUTAGE', ticketId: ticket.id })
    expect(refund).toMatchObject({ status: 'PENDING', ticketId: ticket.id })
    expect(refund.decision?.finalAction).toBe('ESCALATE')
    const [escalation] = await escalationsOfTicket(ticket.id)
    expect(escalation).toMatchObject({ reason: 'POLICY_EXCEPTION', priority: 'MEDIUM' })
    expect((await ticketRow(ticket.id))?.priority).toBe('MEDIUM')
  })

  it('ESCALATE on a RESOLVED or CLOSED ticket: 409 TICKET_NOT_OPEN, nothing written; other decisions are recorded on it', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '1000.00')
    await ownerDb
      .update(agentConfigurations)
      .set({ thresholds: { maxAutoRefundAmount: '20.00' } })
      .where(eq(agentConfigurations.id, t.agentId))
    await createRule(t, {
      name: 'Escalate outages',
      priority: 1,
      action: 'ESCALATE',
      conditions: { all: [{ fact: 'refund.reason', operator: 'equal', value: 'SERVICE_OUTAGE' }] },
    })
    await createRule(t, approveSmall)
    const refundsOfCustomer = () => ownerDb.select().from(refunds).where(eq(refunds.customerId, t.customerId))
    for (const status of ['RESOLVED', 'CLOSED'] as const) {
      const created = await api('/v1/tickets', {
        method: 'POST',
        token: t.tokens.ADMIN,
        body: { customerId: t.customerId, subject: 'Outage', description: 'Down all day', priority: 'LOW' },
      })
      const ticket = await json<{ id: string }>(created)
      await ownerDb.update(tickets).set({ status }).where(eq(tickets.id, ticket.id))
      const before = await ticketRow(ticket.id)
      const refundsBefore = await refundsOfCustomer()
      // A rule that escalates (POLICY_EXCEPTION) and the agent's limit (REFUND_OVER_LIMIT): both need an open ticket.
      for (const body of [
        { amount: '99.00', reason: 'SERVICE_OUTAGE' },
        { amount: '30.00', reason: 'DEFECTIVE_PRODUCT' },
      ]) {
        const requestId = `refund-not-open-${crypto.randomUUID()}`
        const response = await api('/v1/refunds', {
          method: 'POST',
          token: t.tokens.AGENT,
          headers: { 'X-Request-Id': requestId },
          body: { customerId: t.customerId, currency: 'USD', ticketId: ticket.id, ...body },
        })
        expect(response.status, `${status} ${body.reason}: ${await response.clone().text()}`).toBe(409)
        expect(response.headers.get('Content-Type')).toContain('application/problem+json')
        const problem = await json<{ code: string; detail: string }>(response)
        expect(problem.code).toBe('TICKET_NOT_OPEN')
        expect(problem.detail).toContain('escalat')
        // The facts, then the write batch that found the ticket not open (and wrote nothing).
        expect(await neonLocalStats(requestId)).toBe(2)
      }
      // A CUSTOMER is refused alike, told a person must review it, never that a rule decided it.
      const asCustomer = await api('/v1/refunds', {
        method: 'POST',
        token: t.tokens.CUSTOMER,
        body: { currency: 'USD', ticketId: ticket.id, amount: '99.00', reason: 'SERVICE_OUTAGE' },
      })
      expect(asCustomer.status, await asCustomer.clone().text()).toBe(409)
      const toCustomer = await json<{ code: string; detail: string }>(asCustomer)
      expect(toCustomer.code).toBe('TICKET_NOT_OPEN')
      expect(toCustomer.detail).toContain('needs a review by our team')
      expect(toCustomer.detail.toLowerCase()).not.toContain('rule')
      expect(await refundsOfCustomer(), `${status}: no refund written`).toEqual(refundsBefore)
      expect(await escalationsOfTicket(ticket.id), status).toEqual([])
      expect(await ticketRow(ticket.id), `${status} ticket unchanged`).toEqual(before)
      // A decision that escalates nothing is recorded on the ticket as before: a refund after the resolution.
      const approved = await requestRefund(t, { amount: '10.00', ticketId: ticket.id })
      expect(approved).toMatchObject({ status: 'APPROVED', ticketId: ticket.id })
      // Without a ticket, the escalation opens a REFUND_REQUEST ticket of its own.
      const escalated = await requestRefund(t, { amount: '99.00', reason: 'SERVICE_OUTAGE' })
      expect(escalated.status).toBe('PENDING')
      expect(escalated.ticketId).not.toBe(ticket.id)
      expect(await escalationsOfTicket(escalated.ticketId as string)).toHaveLength(1)
    }
    expect((await budgetState(budget.id)).usage).toHaveLength(2)
  })

  it('AUTO_REJECT → REJECTED with decidedAt; no rule matches → REQUIRE_APPROVAL (PENDING); missing facts never fire', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '100.00')
    await createRule(t, {
      name: 'Reject other reasons',
      priority: 1,
      action: 'AUTO_REJECT',
      conditions: { all: [{ fact: 'refund.reason', operator: 'equal', value: 'OTHER' }] },
    })
    // A rule over the ticket's category: the refund has no ticket, so it can never fire (not even negated).
    await createRule(t, {
      name: 'Approve unless billing ticket',
      priority: 2,
      action: 'AUTO_APPROVE',
      conditions: { not: { fact: 'ticket.category', operator: 'equal', value: 'BILLING' } },
    })
    const rejected = await requestRefund(t, { amount: '5.00', reason: 'OTHER' })
    expect(rejected).toMatchObject({ status: 'REJECTED' })
    expect(rejected.decidedAt).not.toBeNull()
    expect(rejected.allowedActions).toEqual([])
    const asCustomer = await requestRefund(t, { amount: '5.00', reason: 'LATE_DELIVERY' }, t.tokens.CUSTOMER)
    // The customer sees the outcome, not the trace (test/permissions/representations.test.ts); staff read it.
    expect(asCustomer).toMatchObject({ status: 'PENDING', outcome: 'IN_REVIEW' })
    expect(asCustomer).not.toHaveProperty('decision')
    const pending = await json<RefundBody>(
      await api(`/v1/refunds/${asCustomer.id}`, { token: t.tokens.REPRESENTATIVE }),
    )
    expect(pending).toMatchObject({ status: 'PENDING', decisionRuleId: null })
    expect(pending.decision).toMatchObject({ outcome: 'NO_RULE_MATCHED', finalAction: 'REQUIRE_APPROVAL' })
    expect(pending.decision?.rules.map((rule) => rule.matched)).toEqual([false, false])
    expect(pending.decision?.rules[1]?.leaves[0]).toMatchObject({
      fact: 'ticket.category',
      actual: null,
      held: false,
    })
    // The customer who requested it may cancel it; staff may approve or reject.
    expect(asCustomer.allowedActions).toEqual(['cancel'])
    expect((await budgetState(budget.id)).usage).toHaveLength(0)
  })
})

describe('refund actions', () => {
  it('approve charges (one usage record), process, and every wrong move is 409 with the state', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '100.00')
    const refund = await requestRefund(t, { amount: '40.00' }, t.tokens.REPRESENTATIVE)
    expect(refund.allowedActions).toEqual(['approve', 'reject', 'cancel'])
    const process = await api(`/v1/refunds/${refund.id}/process`, { method: 'POST', token: t.tokens.ADMIN })
    expect(process.status).toBe(409)
    expect(await json(process)).toMatchObject({ code: 'INVALID_REFUND_STATE' })
    const approved = await api(`/v1/refunds/${refund.id}/approve`, {
      method: 'POST',
      token: t.tokens.REPRESENTATIVE,
      headers: { 'If-Match': `"${refund.version}"` },
    })
    expect(approved.status, await approved.clone().text()).toBe(200)
    const body = await json<RefundBody>(approved)
    expect(body).toMatchObject({ status: 'APPROVED', budgetId: budget.id, allowedActions: ['process'] })
    expect((await refundRow(refund.id))?.decidedByUserId).toBe(t.representativeUserId)
    for (const action of ['approve', 'reject', 'cancel']) {
      const again = await api(`/v1/refunds/${refund.id}/${action}`, {
        method: 'POST',
        token: t.tokens.ADMIN,
        ...(action === 'reject' ? { body: { notes: 'no' } } : {}),
      })
      expect(again.status, action).toBe(409)
      expect(await json(again)).toMatchObject({
        code: 'INVALID_REFUND_STATE',
        detail: expect.stringContaining('APPROVED'),
      })
    }
    const processed = await api(`/v1/refunds/${refund.id}/process`, { method: 'POST', token: t.tokens.ADMIN })
    expect(await json(processed)).toMatchObject({ status: 'PROCESSED', allowedActions: [] })
    expect((await budgetState(budget.id)).usage).toHaveLength(1)
  })

  it('approve without room: 409 BUDGET_EXHAUSTED / NO_BUDGET, the refund stays PENDING, nothing charged', async () => {
    const t = await createTenant()
    const refund = await requestRefund(t, { amount: '40.00' }, t.tokens.ADMIN)
    const noBudget = await api(`/v1/refunds/${refund.id}/approve`, { method: 'POST', token: t.tokens.ADMIN })
    expect(noBudget.status).toBe(409)
    expect(await json(noBudget)).toMatchObject({ code: 'NO_BUDGET' })
    const budget = await createBudget(t, '30.00')
    const exhausted = await api(`/v1/refunds/${refund.id}/approve`, { method: 'POST', token: t.tokens.ADMIN })
    expect(exhausted.status).toBe(409)
    expect(await json(exhausted)).toMatchObject({ code: 'BUDGET_EXHAUSTED' })
    expect((await refundRow(refund.id))?.status).toBe('PENDING')
    expect((await budgetState(budget.id)).usage).toHaveLength(0)
    const stale = await api(`/v1/refunds/${refund.id}/approve`, {
      method: 'POST',
      token: t.tokens.ADMIN,
      headers: { 'If-Match': '"99"' },
    })
    expect(stale.status).toBe(412)
  })

  it('reject needs notes; cancel by the requester only (or staff); never charged anything', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '100.00')
    const byAgent = await requestRefund(t, { amount: '10.00' })
    const noNotes = await api(`/v1/refunds/${byAgent.id}/reject`, {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: {},
    })
    expect(noNotes.status).toBe(422)
    // The customer did not request it (the agent did): it may read it but not cancel it.
    const customerView = await json<RefundBody>(
      await api(`/v1/refunds/${byAgent.id}`, { token: t.tokens.CUSTOMER }),
    )
    expect(customerView.allowedActions).toEqual([])
    const notRequester = await api(`/v1/refunds/${byAgent.id}/cancel`, {
      method: 'POST',
      token: t.tokens.CUSTOMER,
    })
    expect(notRequester.status).toBe(403)
    expect(await json(notRequester)).toMatchObject({ code: 'NOT_THE_REQUESTER' })
    const cancelled = await api(`/v1/refunds/${byAgent.id}/cancel`, { method: 'POST', token: t.tokens.AGENT })
    expect(await json(cancelled)).toMatchObject({ status: 'CANCELLED' })
    const other = await requestRefund(t, { amount: '10.00' }, t.tokens.CUSTOMER)
    const rejected = await api(`/v1/refunds/${other.id}/reject`, {
      method: 'POST',
      token: t.tokens.REPRESENTATIVE,
      body: { notes: 'Outside the return window.' },
    })
    expect(await json(rejected)).toMatchObject({ status: 'REJECTED', notes: 'Outside the return window.' })
    const rows = await ownerDb
      .select()
      .from(budgetUsageRecords)
      .where(eq(budgetUsageRecords.budgetId, budget.id))
    expect(rows).toHaveLength(0)
  })

  it('a CUSTOMER requests and sees only its own refunds; another customer’s is 404', async () => {
    const t = await createTenant()
    const own = await requestRefund(t, { amount: '10.00' }, t.tokens.CUSTOMER)
    const forOther = await api('/v1/refunds', {
      method: 'POST',
      token: t.tokens.CUSTOMER,
      body: { customerId: t.otherCustomerId, amount: '1.00', currency: 'USD', reason: 'OTHER' },
    })
    expect(forOther.status).toBe(403)
    const list = await json<{ data: RefundBody[] }>(
      await api('/v1/refunds', { token: t.tokens.OTHER_CUSTOMER }),
    )
    expect(list.data).toEqual([])
    expect((await api(`/v1/refunds/${own.id}`, { token: t.tokens.OTHER_CUSTOMER })).status).toBe(404)
    const mine = await json<{ data: RefundBody[] }>(await api('/v1/refunds', { token: t.tokens.CUSTOMER }))
    expect(mine.data.map((refund) => refund.id)).toEqual([own.id])
  })
})

describe('approve notes and the ticket filter', () => {
  it('approve takes optional notes and stores them; without a body it keeps the refund’s; unknown fields are 422', async () => {
    const t = await createTenant()
    await createBudget(t, '100.00')
    const approve = (id: string, request: { body?: unknown; headers?: Record<string, string> } = {}) =>
      api(`/v1/refunds/${id}/approve`, { method: 'POST', token: t.tokens.REPRESENTATIVE, ...request })
    const first = await requestRefund(t, { amount: '10.00', notes: 'Arrived broken.' }, t.tokens.ADMIN)
    const strange = await approve(first.id, { body: { notes: 'ok', extra: true } })
    expect(strange.status).toBe(422)
    expect(await json(strange)).toMatchObject({
      errors: [expect.objectContaining({ message: expect.stringContaining('"extra"') })],
    })
    const blank = await approve(first.id, { body: { notes: '   ' } })
    expect(blank.status).toBe(422)
    const wrongType = await approve(first.id, { body: 'notes', headers: { 'Content-Type': 'text/plain' } })
    expect(wrongType.status).toBe(415)
    expect((await refundRow(first.id))?.status).toBe('PENDING')
    const approved = await approve(first.id, { body: { notes: 'Goodwill: long-standing customer.' } })
    expect(approved.status, await approved.clone().text()).toBe(200)
    expect(await json(approved)).toMatchObject({
      status: 'APPROVED',
      notes: 'Goodwill: long-standing customer.',
    })
    expect(await refundRow(first.id)).toMatchObject({
      status: 'APPROVED',
      notes: 'Goodwill: long-standing customer.',
      decidedByUserId: t.representativeUserId,
    })
    // No body, or an empty one: approved, the requester's notes kept.
    for (const request of [{}, { body: {} }]) {
      const refund = await requestRefund(t, { amount: '10.00', notes: 'Arrived late.' }, t.tokens.ADMIN)
      const response = await approve(refund.id, request)
      expect(response.status, JSON.stringify(request)).toBe(200)
      expect(await refundRow(refund.id)).toMatchObject({ status: 'APPROVED', notes: 'Arrived late.' })
    }
  })

  it('GET /v1/refunds?ticketId= lists the refunds of that ticket only', async () => {
    const t = await createTenant()
    const ticketOf = async () =>
      (
        await json<{ id: string }>(
          await api('/v1/tickets', {
            method: 'POST',
            token: t.tokens.ADMIN,
            body: { customerId: t.customerId, subject: 'Refund', description: 'Please.' },
          }),
        )
      ).id
    const [ticket, other] = [await ticketOf(), await ticketOf()]
    const onTicket = [
      await requestRefund(t, { amount: '1.00', ticketId: ticket }, t.tokens.ADMIN),
      await requestRefund(t, { amount: '2.00', ticketId: ticket }, t.tokens.ADMIN),
    ]
    await requestRefund(t, { amount: '3.00', ticketId: other }, t.tokens.ADMIN)
    await requestRefund(t, { amount: '4.00' }, t.tokens.ADMIN)
    const list = async (query: string, token = t.tokens.REPRESENTATIVE) => {
      const response = await api(`/v1/refunds?${query}`, { token })
      expect(response.status, await response.clone().text()).toBe(200)
      return (await json<{ data: RefundBody[] }>(response)).data.map((refund) => refund.id)
    }
    expect(await list(`ticketId=${ticket}&sort=createdAt`)).toEqual(onTicket.map((refund) => refund.id))
    expect(await list(`ticketId=${ticket}&limit=1&sort=createdAt`)).toEqual([onTicket[0]?.id])
    expect(await list(`ticketId=${crypto.randomUUID()}`)).toEqual([])
    // The customer's own view filters the same way; another customer sees none of them.
    expect((await list(`ticketId=${ticket}`, t.tokens.CUSTOMER)).sort()).toEqual(
      onTicket.map((refund) => refund.id).sort(),
    )
    expect(await list(`ticketId=${ticket}`, t.tokens.OTHER_CUSTOMER)).toEqual([])
    const bad = await api('/v1/refunds?ticketId=not-a-uuid', { token: t.tokens.ADMIN })
    expect(bad.status).toBe(400)
  })
})

describe('currencies', () => {
  it('are ISO 4217 codes in use: a made-up one is 422 (money) or 400 (filter), writing nothing', async () => {
    const t = await createTenant()
    for (const currency of ['ZZZ', 'QQQ']) {
      const refund = await api('/v1/refunds', {
        method: 'POST',
        token: t.tokens.CUSTOMER,
        body: { amount: '1.00', currency, reason: 'OTHER' },
      })
      expect(refund.status).toBe(422)
      expect(await json(refund)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'currency' }] })
      const budget = await api('/v1/budgets', {
        method: 'POST',
        token: t.tokens.ADMIN,
        body: {
          name: currency,
          amount: '10.00',
          currency,
          periodStart: '2026-12-01',
          periodEnd: '2026-12-31',
        },
      })
      expect(budget.status).toBe(422)
      const list = await api(`/v1/refunds?currency=${currency}`, { token: t.tokens.ADMIN })
      expect(list.status).toBe(400)
    }
    expect(await ownerDb.select().from(refunds).where(eq(refunds.organizationId, t.organizationId))).toEqual(
      [],
    )
    for (const currency of ['EUR', 'JPY', 'VES', 'XOF', 'CHF']) {
      const refund = await api('/v1/refunds', {
        method: 'POST',
        token: t.tokens.CUSTOMER,
        body: { amount: '1.00', currency, reason: 'OTHER' },
      })
      expect(refund.status, currency).toBe(201)
    }
  })
})
