import type { Principal } from '../../auth/principal'
import type { Refund, RefundStatus } from '../../db/schema'

export const refundActions = ['approve', 'reject', 'cancel', 'process'] as const
export type RefundAction = (typeof refundActions)[number]

/** The state each action starts from (docs/domain.md §3). */
export const refundActionSource: Record<RefundAction, RefundStatus> = {
  approve: 'PENDING',
  reject: 'PENDING',
  cancel: 'PENDING',
  process: 'APPROVED',
}

const isStaff = (principal: Principal) => principal.role === 'ADMIN' || principal.role === 'REPRESENTATIVE'

/** Whether the caller may take the action on the refund in its current state: what enforces and what is offered. */
export function mayTakeRefundAction(
  action: RefundAction,
  refund: Pick<Refund, 'status' | 'requestedById'>,
  principal: Principal,
): boolean {
  if (refund.status !== refundActionSource[action]) return false
  if (action === 'cancel') return isStaff(principal) || refund.requestedById === principal.subject
  return isStaff(principal)
}

/** `allowedActions` of a refund's representation for this caller. */
export function allowedRefundActions(refund: Pick<Refund, 'status' | 'requestedById'>, principal: Principal) {
  return refundActions.filter((action) => mayTakeRefundAction(action, refund, principal))
}
