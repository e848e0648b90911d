import type { TicketStatus } from '../../db/schema'

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
