import { eq, gte, inArray, lt, lte, sql } from 'drizzle-orm'
import type { Principal } from '../../auth/principal'
import { foundOr404, getById, listTable, refusalOf, updateVersioned } from '../../db/crud'
import { type Refund, refunds } from '../../db/schema'
import type { Statement, TenantDb } from '../../db/tenant'
import { errors } from '../../lib/errors'
import type { SortOrder } from '../../lib/pagination'
import { chargeableBudgetExists, chargeRefundStatement, noteChargeFailure } from '../budgets/budgets.data'
import { decideRefund, loadRefundContext, type RefundDecision } from '../decision-rules/refund-decision'
import { openEscalationStatements } from '../escalations/escalations.data'
import { insertTicketStatement } from '../tickets/tickets.data'
import { type RefundAction, refundActionSource } from './refund-actions'
import type { CreateRefundInput, ListRefundsQuery, RefundSort } from './refunds.schemas'

const sortOrders: Record<RefundSort, SortOrder> = {
  '-createdAt': { columns: [refunds.createdAt, refunds.id], direction: 'desc' },
  createdAt: { columns: [refunds.createdAt, refunds.id], direction: 'asc' },
}

/** One page of the tenant's refunds (a CUSTOMER's own only: the route's ownership rule and RLS). */
export function listRefunds(db: TenantDb, query: ListRefundsQuery) {
  return listTable<typeof refunds, RefundSort, Refund>(db, refunds, query, sortOrders, [
    query.status ? inArray(refunds.status, query.status) : undefined,
    query.reason ? inArray(refunds.reason, query.reason) : undefined,
    query.customerId ? eq(refunds.customerId, query.customerId) : undefined,
    query.currency ? eq(refunds.currency, query.currency) : undefined,
    query.amountMin ? gte(refunds.amount, query.amountMin) : undefined,
    query.amountMax ? lte(refunds.amount, query.amountMax) : undefined,
    query.createdFrom ? gte(refunds.createdAt, query.createdFrom) : undefined,
    query.createdTo ? lt(refunds.createdAt, query.createdTo) : undefined,
  ])
}

export function getRefund(db: TenantDb, refundId: string): Promise<Refund> {
  return getById(db, refunds, refundId, 'refund')
}

const ESCALATION_PRIORITY = { REFUND_OVER_LIMIT: 'HIGH', POLICY_EXCEPTION: 'MEDIUM' } as const

/**
 * Requests a refund, decided by the rules at once. Two round trips:
 * 1. the facts (customer + profile, 30-day refund stats, ticket, agent, applicable rules, budget outlook);
 * 2. one batch that writes the outcome: [REFUND_REQUEST ticket when escalating without one] + the refund
 *    (REJECTED / PENDING) + [AUTO_APPROVE: the charge statement and, if it could not charge, the reason on the
 *    trace] + [ESCALATE: the escalation and the ticket's priority raise] + the refund read back.
 * The decision uses the facts as read in (1); a rule changed in between applies from the next request on.
 */
export async function createRefund(
  db: TenantDb,
  principal: Principal,
  input: CreateRefundInput & { customerId: string },
  id: string = crypto.randomUUID(),
): Promise<{ refund: Refund; decision: RefundDecision }> {
  const agentId = principal.role === 'AGENT' ? principal.subject : undefined
  const context = await loadRefundContext(db, { ...input, agentConfigurationId: agentId })
  const decision = decideRefund(context)
  const opensTicket = decision.finalAction === 'ESCALATE' && !input.ticketId
  const ticketId = input.ticketId ?? (opensTicket ? crypto.randomUUID() : null)
  const rejected = decision.finalAction === 'AUTO_REJECT'
  const statements: Statement[] = [
    ...(opensTicket && ticketId
      ? [
          insertTicketStatement(db, {
            id: ticketId,
            customerId: input.customerId,
            subject: `Refund request: ${input.amount} ${input.currency}`,
            description: `Opened for an escalated refund request (${input.reason}).${input.notes ? ` ${input.notes}` : ''}`,
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
      decisionRuleId: decision.decisionRuleId,
      decision: decision.record as never,
      requestedByRole: principal.role,
      requestedById: principal.subject,
    }),
    ...(decision.finalAction === 'AUTO_APPROVE'
      ? [chargeRefundStatement(db, id, { decidedBy: null, auto: true }), noteChargeFailure(db, id)]
      : []),
    ...(decision.finalAction === 'ESCALATE' && ticketId && decision.escalationReason
      ? openEscalationStatements(db, {
          ticketId,
          priority:
            ESCALATION_PRIORITY[decision.escalationReason as keyof typeof ESCALATION_PRIORITY] ?? 'MEDIUM',
          reason: decision.escalationReason,
          summary: `Refund of ${input.amount} ${input.currency} (${input.reason}) needs a person: ${
            decision.escalationReason === 'REFUND_OVER_LIMIT'
              ? 'over the agent’s auto-refund limit'
              : 'a rule escalated it'
          }.`,
          agentConfigurationId: agentId ?? null,
        })
      : []),
    db.select(refunds, eq(refunds.id, id)),
  ]
  const results = await db.run(...(statements as [Statement, ...Statement[]]))
  const refund = foundOr404(results[results.length - 1] as Refund[], 'refund')
  return { refund, decision }
}

function wrongState(action: RefundAction, current: Refund) {
  return errors.conflict(
    'INVALID_REFUND_STATE',
    `The refund is ${current.status}; ${action} applies to a ${refundActionSource[action]} refund.`,
  )
}

/**
 * Approves a PENDING refund by charging its budget, in one round trip: the charge statement, then the refund
 * and whether a chargeable budget exists, read after it. Refused: 404, 412 (If-Match), 409 wrong state,
 * 409 NO_BUDGET or BUDGET_EXHAUSTED (the refund stays PENDING).
 */
export async function approveRefund(
  db: TenantDb,
  principal: Principal,
  refundId: string,
  versions: number[] | undefined,
): Promise<Refund> {
  const [charged, [current], [budget]] = await db.run(
    chargeRefundStatement(db, refundId, { decidedBy: principal.subject, versions, auto: false }),
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

/** reject / cancel / process: one conditional UPDATE each (state and, for cancel, who may), one round trip. */
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
