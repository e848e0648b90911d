import { eq, gte, inArray, lt, lte, sql } from 'drizzle-orm'
import type { Principal } from '../../auth/principal'
import { foundOr404, getById, listTable, refusalOf, updateVersioned } from '../../db/crud'
import { decisionRules, type Refund, refunds } from '../../db/schema'
import type { Statement, TenantDb } from '../../db/tenant'
import { errors, postgresErrorOf } from '../../lib/errors'
import { listSort, type SortOrder } from '../../lib/pagination'
import {
  chargeableBudgetExists,
  chargeOutlook,
  chargeRefundStatement,
  noteChargeFailure,
} from '../budgets/budgets.data'
import {
  type CustomerRefundFacts,
  decideRefund,
  decisionAtWrite,
  loadRefundContext,
  type RefundDecision,
  settledFactRanges,
  unsettledDecision,
  withCustomerRefundFacts,
} from '../decision-rules/refund-decision'
import { openEscalationStatements } from '../escalations/escalations.data'
import { insertTicketStatement } from '../tickets/tickets.data'
import { type RefundAction, refundActionSource } from './refund-actions'
import {
  type CreateRefundInput,
  type ListRefundsQuery,
  type RefundSort,
  refundSortRule,
} from './refunds.schemas'

export const sortOrders: Record<RefundSort, SortOrder> = {
  '-createdAt': { columns: [refunds.createdAt, refunds.id], direction: 'desc' },
  createdAt: { columns: [refunds.createdAt, refunds.id], direction: 'asc' },
  // Ties in amount: the oldest first (newest first descending), then the id: a total order, one index's.
  amount: { columns: [refunds.amountCents, refunds.createdAt, refunds.id], direction: 'asc' },
  '-amount': { columns: [refunds.amountCents, refunds.createdAt, refunds.id], direction: 'desc' },
}

/** The hundredths of a money input ("12.50" → 1250), as amount_cents holds them. */
export function centsOf(amount: string): number {
  const [units = '0', hundredths = ''] = amount.split('.')
  return Number(units) * 100 + Number(hundredths.padEnd(2, '0'))
}

/** The sort of a refunds list query (REST, expand, GraphQL): the caller's, or the amount order with an amount filter. */
export function refundListSort(
  query: Pick<ListRefundsQuery, 'sort' | 'amountMin' | 'amountMax'>,
): RefundSort {
  return listSort(query, refundSortRule)
}

/** The list's filters (GET /v1/refunds, and the same arguments of expand and GraphQL, src/reads). */
export function filtersOf(query: Omit<ListRefundsQuery, 'limit' | 'sort'>) {
  return [
    query.status ? inArray(refunds.status, query.status) : undefined,
    query.reason ? inArray(refunds.reason, query.reason) : undefined,
    query.customerId ? eq(refunds.customerId, query.customerId) : undefined,
    query.ticketId ? eq(refunds.ticketId, query.ticketId) : undefined,
    query.currency ? eq(refunds.currency, query.currency) : undefined,
    // On the integer image of the amount (int8 comparisons are LEAKPROOF: an index condition under RLS).
    query.amountMin ? gte(refunds.amountCents, centsOf(query.amountMin)) : undefined,
    query.amountMax ? lte(refunds.amountCents, centsOf(query.amountMax)) : undefined,
    query.createdFrom ? gte(refunds.createdAt, query.createdFrom) : undefined,
    query.createdTo ? lt(refunds.createdAt, query.createdTo) : undefined,
  ]
}

/** One page of the tenant's refunds (a CUSTOMER's own only: the route's ownership rule and RLS). */
export function listRefunds(db: TenantDb, query: ListRefundsQuery) {
  return listTable<typeof refunds, RefundSort, Refund>(
    db,
    refunds,
    { ...query, sort: refundListSort(query) },
    sortOrders,
    filtersOf(query),
  )
}

export function getRefund(db: TenantDb, refundId: string): Promise<Refund> {
  return getById(db, refunds, refundId, 'refund')
}

/**
 * A refund's escalation, whatever its reason: it raises the ticket's priority, which the ticket's CUSTOMER reads, so
 * a reason of its own (REFUND_OVER_LIMIT was HIGH) would tell the customer the amount was over the agent's limit.
 */
const REFUND_ESCALATION_PRIORITY = 'MEDIUM'

/** Write batches whose settled facts may be found changed before the fail-safe (each is one round trip). */
export const SETTLE_ATTEMPTS = 4

/**
 * Requests a refund, decided by the rules at once. Two round trips without contention:
 * 1. the facts (customer + profile, 30-day refund facts, ticket, agent, applicable rules, budget outlook);
 * 2. one batch that writes the outcome: the customer's refund facts settled under the customer's lock
 *    (refund-decision.ts, "facts settled at the write") + [REFUND_REQUEST ticket when escalating without one] +
 *    the refund (REJECTED / PENDING) + [AUTO_APPROVE: the charge statement and, if it could not charge, the
 *    reason on the trace] + [ESCALATE: the escalation and the ticket's priority raise] + the refund read back.
 * When a concurrent request of the same customer changed those facts so that they may decide differently, the
 * batch writes nothing and the request is decided again with the facts it returned (one more round trip each);
 * after SETTLE_ATTEMPTS such batches it fails safe: PENDING for a person, FACTS_UNSETTLED in the trace.
 * Rules as read in (1) decide; a rule changed in between applies from the next request on, and a rule deleted in
 * between is recorded in the trace but not referenced.
 */
export async function createRefund(
  db: TenantDb,
  principal: Principal,
  input: CreateRefundInput & { customerId: string },
  id: string = crypto.randomUUID(),
): Promise<{ refund: Refund; decision: RefundDecision }> {
  const agentId = principal.role === 'AGENT' ? principal.subject : undefined
  let context = await loadRefundContext(db, {
    ...input,
    agentConfigurationId: agentId,
    requesterRole: principal.role,
  })
  for (let attempt = 1; ; attempt++) {
    const settled = attempt <= SETTLE_ATTEMPTS
    const decision = settled ? decideRefund(context) : unsettledDecision(decideRefund(context))
    try {
      const refund = await writeDecidedRefund(db, principal, input, id, decision, settled)
      return { refund, decision }
    } catch (error) {
      if (escalatedTicketNotOpen(error)) throw ticketNotOpen(principal.role)
      const fresh = settled ? changedRefundFactsOf(error) : undefined
      if (!fresh) throw error
      context = withCustomerRefundFacts(context, fresh)
    }
  }
}

/**
 * 409 TICKET_NOT_OPEN: the decision escalates and the refund's ticket is RESOLVED or CLOSED. A CUSTOMER is not told
 * that rules decided it (SPEC: a customer never sees a rule), only that a person must review it.
 */
function ticketNotOpen(role: Principal['role']) {
  const why =
    role === 'CUSTOMER'
      ? 'This refund needs a review by our team, which needs an open ticket: this one is RESOLVED or CLOSED.'
      : 'The rules escalate this refund, and an escalation needs an open ticket: this one is RESOLVED or CLOSED.'
  return errors.conflict(
    'TICKET_NOT_OPEN',
    `${why} Nothing was written. Reopen a RESOLVED ticket (PATCH /v1/tickets/{ticketId} with {"status": "OPEN"}) ` +
      'or request the refund without ticketId (a REFUND_REQUEST ticket is then opened).',
  )
}

/**
 * The escalation of the refund's own ticket found it RESOLVED or CLOSED (openEscalationStatements with
 * requireOpenTicket: a NULL ticket_id, 23502). refunds.ticket_id is nullable, so only the escalation's can fail so.
 */
function escalatedTicketNotOpen(error: unknown): boolean {
  const pg = postgresErrorOf(error)
  return pg?.code === '23502' && pg.column === 'ticket_id' && (pg.table ?? 'escalations') === 'escalations'
}

/** The fresh facts app_settle_refund_facts found when they no longer decide as assumed (OA020). */
function changedRefundFactsOf(error: unknown): CustomerRefundFacts | undefined {
  const pg = postgresErrorOf(error)
  if (pg?.code !== 'OA020' || !pg.detail) return undefined
  return JSON.parse(pg.detail) as CustomerRefundFacts
}

/** The write batch of a decided refund (round trip 2); `checked`: whether its settled facts must still hold. */
async function writeDecidedRefund(
  db: TenantDb,
  principal: Principal,
  input: CreateRefundInput & { customerId: string },
  id: string,
  decision: RefundDecision,
  checked: boolean,
): Promise<Refund> {
  const agentId = principal.role === 'AGENT' ? principal.subject : undefined
  const opensTicket = decision.finalAction === 'ESCALATE' && !input.ticketId
  const ticketId = input.ticketId ?? (opensTicket ? crypto.randomUUID() : null)
  const rejected = decision.finalAction === 'AUTO_REJECT'
  // The customer reads the ticket: a customer's own notes describe it, a requester of the team's stay on the
  // refund (staff-only there: RefundSchema's `notes`).
  const ownNotes = principal.role === 'CUSTOMER' && input.notes ? ` ${input.notes}` : ''
  const ranges = checked ? settledFactRanges(decision.record) : {}
  const statements: Statement[] = [
    db.raw(
      sql`select app_settle_refund_facts(${input.customerId}::uuid, ${input.currency}, ${JSON.stringify(ranges)}::jsonb)`,
    ),
    ...(opensTicket && ticketId
      ? [
          insertTicketStatement(db, {
            id: ticketId,
            customerId: input.customerId,
            subject: `Refund request: ${input.amount} ${input.currency}`,
            description: `Opened for an escalated refund request (${input.reason}).${ownNotes}`,
            category: 'REFUND_REQUEST',
            priority: 'MEDIUM',
            tags: ['refund'],
          }),
        ]
      : []),
    db.insert(refunds, {
      id,
      customerId: input.customerId,
      ticketId,
      amount: input.amount,
      currency: input.currency,
      reason: input.reason,
      notes: input.notes ?? null,
      status: rejected ? 'REJECTED' : 'PENDING',
      decidedAt: rejected ? sql`now()` : null,
      // The rule if it still exists: a rule deleted since the facts were read is named in the trace only. The
      // key-share lock keeps a delete from slipping in between this read and the foreign-key check.
      decisionRuleId: decision.decisionRuleId
        ? sql`(select ${decisionRules.id} from ${decisionRules} where ${decisionRules.organizationId} = ${db.organizationId}
            and ${decisionRules.id} = ${decision.decisionRuleId} for key share)`
        : null,
      decision:
        decision.finalAction === 'AUTO_APPROVE'
          ? sql`${decisionAtWrite(decision.record)} || ${chargeOutlook(db, input.currency, input.amount)}`
          : decisionAtWrite(decision.record),
      requestedByRole: principal.role,
      requestedById: principal.subject,
    }),
    ...(decision.finalAction === 'AUTO_APPROVE'
      ? [chargeRefundStatement(db, id, { decidedBy: null, auto: true }), noteChargeFailure(db, id)]
      : []),
    ...(decision.finalAction === 'ESCALATE' && ticketId && decision.escalationReason
      ? openEscalationStatements(db, {
          ticketId,
          priority: REFUND_ESCALATION_PRIORITY,
          reason: decision.escalationReason,
          summary: `Refund of ${input.amount} ${input.currency} (${input.reason}) needs a person: ${
            decision.escalationReason === 'REFUND_OVER_LIMIT'
              ? 'over the agent’s auto-refund limit'
              : 'a rule escalated it'
          }.`,
          agentConfigurationId: agentId ?? null,
          refundId: id,
          // A ticket the caller named must still be open (locked, so a concurrent resolve waits): a
          // RESOLVED or CLOSED one fails the whole batch, reported as 409 TICKET_NOT_OPEN (createRefund).
          requireOpenTicket: !opensTicket,
        })
      : []),
    db.select(refunds, eq(refunds.id, id)),
  ]
  const results = await db.run(...(statements as [Statement, ...Statement[]]))
  return foundOr404(results[results.length - 1] as Refund[], 'refund')
}

/**
 * The customer's lock (app_lock_customer_refunds) for a write that changes the settled facts of the customer's
 * other refunds (approval raises refundTotal30d, cancellation lowers refundCount30d): first in its batch, so a
 * refund being created for the same customer either saw this write or is decided after it.
 */
function lockCustomerOfRefund(db: TenantDb, refundId: string) {
  return db.raw(
    sql`select app_lock_customer_refunds((select ${refunds.customerId} from ${refunds}
      where ${refunds.organizationId} = ${db.organizationId} and ${refunds.id} = ${refundId}))`,
  )
}

function wrongState(action: RefundAction, current: Refund) {
  return errors.conflict(
    'INVALID_REFUND_STATE',
    `The refund is ${current.status}; ${action} applies to a ${refundActionSource[action]} refund.`,
  )
}

/**
 * Approves a PENDING refund by charging its budget, in one round trip: the customer's lock, the charge statement
 * (storing the approver's notes when given), then the refund and whether a chargeable budget exists, read after
 * it. Refused: 404, 412 (If-Match), 409 wrong state, 409 NO_BUDGET or BUDGET_EXHAUSTED (the refund stays PENDING).
 */
export async function approveRefund(
  db: TenantDb,
  principal: Principal,
  refundId: string,
  options: { versions: number[] | undefined; notes?: string | undefined },
): Promise<Refund> {
  const { versions, notes } = options
  const [, charged, [current], [budget]] = await db.run(
    lockCustomerOfRefund(db, refundId),
    chargeRefundStatement(db, refundId, { decidedBy: principal.subject, versions, auto: false, notes }),
    db.select(refunds, eq(refunds.id, refundId)),
    db.selectFields(
      refunds,
      { exists: sql<boolean>`${chargeableBudgetExists(db, refundId)}` },
      eq(refunds.id, refundId),
    ),
  )
  const refund = current as Refund | undefined
  if (charged.rowCount && refund) return refund
  throw refusalOf(refund, {
    what: 'refund',
    versions,
    explain: (row) => {
      if (row.status !== 'PENDING') return wrongState('approve', row)
      return (budget as { exists: boolean } | undefined)?.exists
        ? errors.conflict('BUDGET_EXHAUSTED', 'The budget has no room for this refund; it stays PENDING.')
        : errors.conflict(
            'NO_BUDGET',
            'No active REFUNDS budget of this currency covers today; it stays PENDING.',
          )
    },
  })
}

/**
 * reject / cancel / process: one conditional UPDATE each (state and, for cancel, who may), one round trip.
 * Cancel takes the customer's lock first (it lowers the customer's refundCount30d).
 */
export function moveRefund(
  db: TenantDb,
  principal: Principal,
  refundId: string,
  action: Exclude<RefundAction, 'approve'>,
  options: { versions: number[] | undefined; notes?: string | undefined },
): Promise<Refund> {
  const staff = principal.role === 'ADMIN' || principal.role === 'REPRESENTATIVE'
  const decidedBy = staff ? principal.subject : null
  const changes = {
    reject: {
      status: 'REJECTED' as const,
      decidedAt: sql`now()`,
      decidedByUserId: decidedBy,
      notes: options.notes,
    },
    cancel: { status: 'CANCELLED' as const },
    process: { status: 'PROCESSED' as const, processedAt: sql`now()` },
  }[action]
  return updateVersioned<typeof refunds, Refund>(db, refunds, refundId, changes, {
    what: 'refund',
    versions: options.versions,
    first: action === 'cancel' ? lockCustomerOfRefund(db, refundId) : undefined,
    conditions: [
      eq(refunds.status, refundActionSource[action]),
      action === 'cancel' && !staff ? eq(refunds.requestedById, principal.subject) : undefined,
    ],
    explain: (current) =>
      current.status !== refundActionSource[action]
        ? wrongState(action, current)
        : errors.forbidden(
            'NOT_THE_REQUESTER',
            'Only who requested the refund, a representative or an admin may cancel it.',
          ),
  })
}
