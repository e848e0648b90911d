import type { PrincipalRole } from '../../auth/principal'
import type { TicketStatus } from '../../db/schema'
import { type ApiError, errors } from '../../lib/errors'

/**
 * The ticket state machine (docs/api.md §4): OPEN → IN_PROGRESS ↔ WAITING_ON_CUSTOMER → RESOLVED → CLOSED,
 * RESOLVED → OPEN reopens. IN_PROGRESS may also resolve directly. CLOSED is final.
 */
export const ticketTransitions: Record<TicketStatus, readonly TicketStatus[]> = {
  OPEN: ['IN_PROGRESS'],
  IN_PROGRESS: ['WAITING_ON_CUSTOMER', 'RESOLVED'],
  WAITING_ON_CUSTOMER: ['IN_PROGRESS', 'RESOLVED'],
  RESOLVED: ['CLOSED', 'OPEN'],
  CLOSED: [],
}

export function canMove(from: TicketStatus, to: TicketStatus): boolean {
  return from === to || ticketTransitions[from].includes(to)
}

/** The statuses a ticket may be in for a move to `to` to be valid (including staying put). */
export function allowedSourcesOf(to: TicketStatus): TicketStatus[] {
  return (Object.keys(ticketTransitions) as TicketStatus[]).filter((from) => canMove(from, to))
}

/** The statuses in which a ticket's customer may rate it (PUT …/satisfaction): once the team considers it done. */
export const rateableStatuses: readonly TicketStatus[] = ['RESOLVED', 'CLOSED']

/** Who may assign and unassign tickets (PUT/DELETE /v1/tickets/{ticketId}/assignee). */
export const ticketAssigners: readonly PrincipalRole[] = ['ADMIN', 'REPRESENTATIVE', 'AGENT']

/** The fields a CUSTOMER may change on its own ticket: the wording, and the status only to reopen it. */
const customerFields = ['subject', 'description', 'status'] as const

/** Why a CUSTOMER may not make these changes (PATCH /v1/tickets/{ticketId}); undefined when it may. */
export function customerChangeRefusal(changes: { status?: TicketStatus | undefined }): ApiError | undefined {
  const forbidden = Object.keys(changes).filter(
    (field) => !(customerFields as readonly string[]).includes(field),
  )
  if (forbidden.length > 0) {
    return errors.forbidden('FORBIDDEN_FIELD', `A customer may not change: ${forbidden.join(', ')}.`)
  }
  if (changes.status && changes.status !== 'OPEN') {
    return errors.forbidden('FORBIDDEN_FIELD', 'A customer may only reopen a ticket (status OPEN).')
  }
  return undefined
}

/**
 * What a caller may do to a ticket now (`allowedActions`): `update` (PATCH of its other fields), the status moves
 * (`start` → IN_PROGRESS, `waitOnCustomer` → WAITING_ON_CUSTOMER, `resolve` → RESOLVED, `close` → CLOSED,
 * `reopen` → OPEN; each is PATCH with that status), `assign` (PUT assignee), `unassign` (DELETE assignee) and
 * `rate` (PUT satisfaction, the customer's).
 */
export const ticketActionValues = [
  'update',
  'start',
  'waitOnCustomer',
  'resolve',
  'close',
  'reopen',
  'assign',
  'unassign',
  'rate',
] as const
export type TicketAction = (typeof ticketActionValues)[number]

/** The status each move action sets. */
export const ticketMoves: Record<
  Exclude<TicketAction, 'update' | 'assign' | 'unassign' | 'rate'>,
  TicketStatus
> = {
  start: 'IN_PROGRESS',
  waitOnCustomer: 'WAITING_ON_CUSTOMER',
  resolve: 'RESOLVED',
  close: 'CLOSED',
  reopen: 'OPEN',
}

interface TicketState {
  status: TicketStatus
  assignedRepresentativeId: string | null
}

/**
 * The actions `role` may take on a ticket in this state, by the same rules that enforce them: the state machine
 * (`canMove`, and a CLOSED ticket takes no change), a CUSTOMER's field rules (`customerChangeRefusal`), and who may
 * assign (`ticketAssigners`; unassigning needs an assignee), who may rate (the customer, `rateableStatuses`).
 */
export function allowedTicketActions(ticket: TicketState, role: PrincipalRole): TicketAction[] {
  const customer = role === 'CUSTOMER'
  const rate: TicketAction[] = customer && rateableStatuses.includes(ticket.status) ? ['rate'] : []
  if (ticket.status === 'CLOSED') return rate
  const mayChange = (changes: { subject?: string; status?: TicketStatus }) =>
    !customer || customerChangeRefusal(changes) === undefined
  const actions: TicketAction[] = []
  if (mayChange({ subject: '' })) actions.push('update')
  for (const [action, to] of Object.entries(ticketMoves) as Array<[keyof typeof ticketMoves, TicketStatus]>) {
    if (to !== ticket.status && canMove(ticket.status, to) && mayChange({ status: to })) actions.push(action)
  }
  if (ticketAssigners.includes(role)) {
    actions.push('assign')
    if (ticket.assignedRepresentativeId !== null) actions.push('unassign')
  }
  return [...actions, ...rate]
}
