import { z } from '@hono/zod-openapi'
import { refundReasonValues, refundStatusValues, refunds } from '../../db/schema'
import { pageQuerySchema, pageSchema, sortQuerySchema } from '../../lib/pagination'
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
import { RefundDecisionSchema } from '../decision-rules/refund-decision'
import { refundActions } from './refund-actions'

const notes = z.string().trim().min(1).max(2000)

export const RefundSchema = createSelectSchema(refunds, {
  decidedAt: isoTimestamp.nullable(),
  processedAt: isoTimestamp.nullable(),
  decision: nullableRef(RefundDecisionSchema).openapi({
    description: 'Why the rules decided as they did (null when the refund was not decided by the rules).',
  }),
  ...timestampFields,
})
  .omit({ organizationId: true })
  .extend({
    allowedActions: z
      .array(z.enum(refundActions))
      .openapi({ description: 'The actions this caller may take now (approve, reject, cancel, process).' }),
  })
  .openapi('Refund')

export const RefundPageSchema = pageSchema(RefundSchema, 'RefundPage')
export const RefundIdParamsSchema = idParams('refundId')

export const refundSorts = ['-createdAt', 'createdAt'] as const
export type RefundSort = (typeof refundSorts)[number]

export const ListRefundsQuerySchema = z.object({
  ...pageQuerySchema,
  sort: sortQuerySchema(refundSorts, '-createdAt'),
  status: csvOf(refundStatusValues),
  reason: csvOf(refundReasonValues),
  customerId: z.uuid().optional(),
  ticketId: z.uuid().optional().openapi({ description: 'Only the refunds of this ticket.' }),
  currency: currencyCode.optional(),
  amountMin: moneyInput.optional().openapi({ description: 'Amount at least (inclusive).' }),
  amountMax: moneyInput.optional().openapi({ description: 'Amount at most (inclusive).' }),
  createdFrom: timestampInput.optional().openapi({ description: 'Created at or after (ISO 8601).' }),
  createdTo: timestampInput.optional().openapi({ description: 'Created before (ISO 8601).' }),
})

export const CreateRefundSchema = z
  .strictObject({
    customerId: z.uuid().optional().openapi({ description: 'Required unless the caller is the CUSTOMER.' }),
    amount: moneyInput.refine((amount) => amount !== '0.00', 'Must be positive.'),
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
