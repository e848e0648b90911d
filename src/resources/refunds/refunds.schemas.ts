import { z } from '@hono/zod-openapi'
import { principalRoles } from '../../auth/principal'
import { refundReasonValues, refundStatusValues, refunds } from '../../db/schema'
import {
  narrowedSortsNote,
  pageQuerySchema,
  pageSchema,
  type SortRule,
  sortParameter,
} from '../../lib/pagination'
import { rolesOf, staffRoles, visibleTo } from '../../lib/representation'
import {
  createSelectSchema,
  csvOf,
  currencyCode,
  idParams,
  isoTimestamp,
  moneyInput,
  nullableRef,
  timestampFields,
  timestampInput,
} from '../../lib/schemas'
import { expandParameter } from '../../reads/relations'
import { getBudget } from '../budgets/budgets.routes'
import { getRule } from '../decision-rules/decision-rules.routes'
import { RefundDecisionSchema, refundAmount } from '../decision-rules/refund-decision'
import { refundActions } from './refund-actions'
import { refundOutcomeValues } from './refund-outcome'

const notes = z.string().trim().min(1).max(2000)

/*
 * Who sees what of a refund (src/lib/representation.ts). A CUSTOMER gets its request, the status, the outcome in
 * its own words and what it may do; how the organization decided stays with staff:
 * - the decision trace and the deciding rule: the roles that may read decision rules;
 * - the budget charged (here and in the trace's `charge`): the roles that may read budgets;
 * - who decided and who requested (user or agent ids), notes (the requester's, then a person's decision notes):
 *   staff.
 */
const ruleReaders = rolesOf(getRule)

export const RefundSchema = createSelectSchema(refunds, {
  decidedAt: isoTimestamp.nullable(),
  processedAt: isoTimestamp.nullable(),
  requestedByRole: z.enum(principalRoles),
  ...timestampFields,
})
  .omit({ organizationId: true, amountCents: true })
  .extend({
    decision: visibleTo(
      ruleReaders,
      nullableRef(RefundDecisionSchema),
      'Why the rules decided as they did (null when the refund was not decided by the rules).',
    ),
    decisionRuleId: visibleTo(ruleReaders, z.uuid().nullable(), 'The rule that decided, if one did.'),
    budgetId: visibleTo(rolesOf(getBudget), z.uuid().nullable(), 'The budget charged, once approved.'),
    decidedByUserId: visibleTo(
      staffRoles,
      z.uuid().nullable(),
      'The person who approved or rejected it (null when the rules did).',
    ),
    requestedById: visibleTo(
      staffRoles,
      z.uuid().nullable(),
      'Who requested it: the customer, a staff user, or an agent configuration (see requestedByRole).',
    ),
    notes: visibleTo(
      staffRoles,
      z.string().nullable(),
      'The requester’s notes; a person’s notes when they approve or reject it.',
    ),
    outcome: z.enum(refundOutcomeValues).openapi({
      description:
        'The outcome in the customer’s terms: IN_REVIEW (PENDING), APPROVED, REFUNDED (PROCESSED), ' +
        'NOT_ELIGIBLE (REJECTED), CANCELLED.',
    }),
    customerReason: z.string().openapi({
      description:
        'Why, in words a customer may read (e.g. "Approved automatically.", "Your request needs review by ' +
        'our team.", "Not eligible for a refund under our refund policy."): never a rule, threshold or budget.',
      example: 'Approved automatically.',
    }),
    allowedActions: z
      .array(z.enum(refundActions))
      .openapi({ description: 'The actions this caller may take now (approve, reject, cancel, process).' }),
  })
  .openapi('Refund')

export const RefundPageSchema = pageSchema(RefundSchema, 'RefundPage')
export const RefundIdParamsSchema = idParams('refundId')

export const refundSorts = ['-createdAt', 'createdAt', 'amount', '-amount'] as const
export type RefundSort = (typeof refundSorts)[number]

/**
 * An amount range is listed in amount order (then oldest first, then id): the (org, amount_cents, created_at, id)
 * index holds the range and the cursor in one index condition; in creation order the scan would read rows until a
 * page of the range matched, growing with the tenant (issue 17), so a date sort with an amount filter is refused.
 */
const amountOrder = ['amount', '-amount'] as const
export const refundSortRule: SortRule<RefundSort> = {
  sorts: refundSorts,
  default: '-createdAt',
  narrowedBy: { amountMin: amountOrder, amountMax: amountOrder },
}

export const ListRefundsQuerySchema = z.object({
  ...pageQuerySchema,
  sort: sortParameter(refundSortRule),
  status: csvOf(refundStatusValues),
  reason: csvOf(refundReasonValues),
  customerId: z.uuid().optional(),
  ticketId: z.uuid().optional().openapi({ description: 'Only the refunds of this ticket.' }),
  currency: currencyCode.optional(),
  amountMin: moneyInput.optional().openapi({
    description: `Amount at least (inclusive), compared as a number whatever the currency. ${narrowedSortsNote(refundSortRule, 'amountMin')}`,
  }),
  amountMax: moneyInput.optional().openapi({
    description: `Amount at most (inclusive), compared as a number whatever the currency. ${narrowedSortsNote(refundSortRule, 'amountMax')}`,
  }),
  createdFrom: timestampInput.optional().openapi({ description: 'Created at or after (ISO 8601).' }),
  createdTo: timestampInput.optional().openapi({ description: 'Created before (ISO 8601).' }),
  expand: expandParameter('Refund'),
})

export const CreateRefundSchema = z
  .strictObject({
    customerId: z.uuid().optional().openapi({ description: 'Required unless the caller is the CUSTOMER.' }),
    amount: refundAmount,
    currency: currencyCode,
    reason: z.enum(refundReasonValues),
    ticketId: z.uuid().optional().openapi({ description: 'The customer’s ticket the refund belongs to.' }),
    notes: notes.optional(),
  })
  .openapi('CreateRefund')

export const RejectRefundSchema = z.strictObject({ notes }).openapi('RejectRefund')
export const RefundActionNotesSchema = z
  .strictObject({ notes: notes.optional() })
  .openapi('RefundActionNotes')

export type ListRefundsQuery = z.output<typeof ListRefundsQuerySchema>
export type CreateRefundInput = z.output<typeof CreateRefundSchema>
