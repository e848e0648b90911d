import type { Refund } from '../../db/schema'

/*
 * What a refund's state means to the customer who asked for it: an outcome and a sentence, never the rules,
 * thresholds, budgets or people behind it (the decision trace is for staff; see RefundSchema).
 */

export const refundOutcomeValues = ['IN_REVIEW', 'APPROVED', 'REFUNDED', 'NOT_ELIGIBLE', 'CANCELLED'] as const
export type RefundOutcome = (typeof refundOutcomeValues)[number]

export interface CustomerFacingOutcome {
  outcome: RefundOutcome
  customerReason: string
}

/**
 * The customer-facing outcome of a refund. Decided "automatically" when no person decided it
 * (`decidedByUserId` null: the rules approved or rejected it at request time).
 */
export function refundOutcome(refund: Pick<Refund, 'status' | 'decidedByUserId'>): CustomerFacingOutcome {
  const automatic = refund.decidedByUserId === null
  switch (refund.status) {
    case 'PENDING':
      return { outcome: 'IN_REVIEW', customerReason: 'Your request needs review by our team.' }
    case 'APPROVED':
      return {
        outcome: 'APPROVED',
        customerReason: automatic ? 'Approved automatically.' : 'Approved by our team.',
      }
    case 'PROCESSED':
      return { outcome: 'REFUNDED', customerReason: 'Approved and paid out.' }
    case 'REJECTED':
      return {
        outcome: 'NOT_ELIGIBLE',
        customerReason: automatic
          ? 'Not eligible for a refund under our refund policy.'
          : 'Reviewed by our team: not eligible for a refund.',
      }
    case 'CANCELLED':
      return { outcome: 'CANCELLED', customerReason: 'The request was cancelled.' }
  }
}
