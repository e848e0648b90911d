import { eq, gte, inArray, isNull, lt, ne, type SQL, sql } from 'drizzle-orm'
import { foundOr404, getById, listTable, updateVersioned, writtenNow } from '../../db/crud'
import {
  escalations,
  organizations,
  type Ticket,
  type TicketPriority,
  type TicketStatus,
  tickets,
  users,
} from '../../db/schema'
import type { Statement, TenantDb } from '../../db/tenant'
import { errors, postgresErrorOf } from '../../lib/errors'
import type { SortOrder } from '../../lib/pagination'
import {
  cancelTicketEscalationsStatement,
  lockTicketEscalationsStatement,
} from '../escalations/escalations.data'
import { assigneeUserLock } from '../representatives/representatives.data'
import { searchTickets, ticketListSort, ticketNumberIn } from './ticket-search'
import { allowedSourcesOf, canMove, rateableStatuses } from './ticket-status'
import type {
  CreateTicketInput,
  ListTicketsQuery,
  RateTicketInput,
  TicketSort,
  UpdateTicketInput,
} from './tickets.schemas'

export const sortOrders: Record<TicketSort, SortOrder> = {
  '-createdAt': { columns: [tickets.createdAt, tickets.id], direction: 'desc' },
  createdAt: { columns: [tickets.createdAt, tickets.id], direction: 'asc' },
  '-updatedAt': { columns: [tickets.updatedAt, tickets.id], direction: 'desc' },
  updatedAt: { columns: [tickets.updatedAt, tickets.id], direction: 'asc' },
  // priority_level (LOW 1 … URGENT 4), not the enum: the cursor's row comparison must be LEAKPROOF to be an index
  // condition under row-level security (an enum one scans from the first page on every page; schema/support.ts).
  '-priority': { columns: [tickets.priorityLevel, tickets.createdAt, tickets.id], direction: 'desc' },
  priority: { columns: [tickets.priorityLevel, tickets.createdAt, tickets.id], direction: 'asc' },
}

/** tickets.priority_level of each priority (the generated column's CASE). */
const priorityLevels: Record<TicketPriority, number> = { LOW: 1, MEDIUM: 2, HIGH: 3, URGENT: 4 }

export function filtersOf(query: ListTicketsQuery): Array<SQL | undefined> {
  const assignee = query.assignedRepresentativeId
  return [
    query.status ? inArray(tickets.status, query.status) : undefined,
    query.priority
      ? inArray(
          tickets.priorityLevel,
          query.priority.map((p) => priorityLevels[p]),
        )
      : undefined,
    query.category ? inArray(tickets.category, query.category) : undefined,
    assignee === 'none' ? isNull(tickets.assignedRepresentativeId) : undefined,
    assignee && assignee !== 'none' ? eq(tickets.assignedRepresentativeId, assignee) : undefined,
    query.customerId ? eq(tickets.customerId, query.customerId) : undefined,
    query.createdFrom ? gte(tickets.createdAt, query.createdFrom) : undefined,
    query.createdTo ? lt(tickets.createdAt, query.createdTo) : undefined,
    query.ticketNumber ? eq(tickets.ticketNumber, query.ticketNumber) : undefined,
  ]
}

/**
 * One page of the tenant's tickets (a CUSTOMER's own only: the route's ownership rule), or of a text search's
 * matches (ticket-search.ts); `q` that is a ticket number looks the number up. One round trip.
 */
export function listTickets(db: TenantDb, query: ListTicketsQuery) {
  const number = ticketNumberIn(query.q)
  const text = number === undefined ? query.q : undefined
  const filters = [...filtersOf(query), number ? eq(tickets.ticketNumber, number) : undefined]
  const sort = ticketListSort<TicketSort>(query, text !== undefined)
  if (text !== undefined) return searchTickets(db, { ...query, q: text, sort }, sortOrders, filters)
  return listTable<typeof tickets, TicketSort, Ticket>(
    db,
    tickets,
    { ...query, sort: sort as TicketSort },
    sortOrders,
    filters,
  )
}

export function getTicket(db: TenantDb, ticketId: string): Promise<Ticket> {
  return getById(db, tickets, ticketId, 'ticket')
}

/**
 * The statement that creates a ticket: a data-modifying CTE increments the organization's counter (its row
 * lock serializes concurrent creations, so numbers are consecutive and unique) and the insert reads it.
 * Any failure rolls the increment back with the insert, so no number is skipped.
 * The customer id is looked up among the tenant's CUSTOMER users inside the statement: anything else
 * becomes NULL and fails NOT NULL, which is reported as an invalid customer. Other resources put it in their
 * own batch (a refund that escalates opens its REFUND_REQUEST ticket), with `id` chosen by the caller.
 */
export function insertTicketStatement(
  db: TenantDb,
  input: Omit<CreateTicketInput, 'customerId'> & { customerId: string; id?: string },
) {
  const sequence = db.organizationCounter('ticket_sequence', organizations.ticketSequence)
  const customer = sql`(select ${users.id} from ${users} where ${users.organizationId} = ${db.organizationId}
    and ${users.id} = ${input.customerId} and ${users.role} = 'CUSTOMER' and ${users.isActive})`
  return db
    .insert(
      tickets,
      {
        ...(input.id ? { id: input.id } : {}),
        ticketNumber: sql`'TICKET-' || ${sequence.value}`,
        customerId: customer,
        assignedRepresentativeId: input.assignedRepresentativeId ?? null,
        subject: input.subject,
        description: input.description,
        priority: input.priority,
        category: input.category,
        tags: input.tags,
      },
      { with: [sequence.cte] },
    )
    .returning()
}

/** Creates a ticket in one statement and one round trip (see insertTicketStatement). */
export async function createTicket(
  db: TenantDb,
  input: CreateTicketInput & { customerId: string; id?: string },
) {
  try {
    const [rows] = await db.run(insertTicketStatement(db, input))
    return foundOr404(rows as Ticket[], 'ticket')
  } catch (error) {
    throw referenceError(error) ?? error
  }
}

/** Invalid customer or representative references, reported on the field the caller sent. */
function referenceError(error: unknown) {
  const pg = postgresErrorOf(error)
  if (pg?.code === '23502' && pg.column === 'customer_id') {
    return errors.unprocessable('INVALID_REFERENCE', 'The customer does not exist in this organization.', [
      { path: 'customerId', message: 'Not an active customer of this organization.' },
    ])
  }
  if (pg?.code === '23503' && pg.constraint?.includes('representative')) {
    return errors.unprocessable(
      'INVALID_REFERENCE',
      'The representative does not exist in this organization.',
      [{ path: 'representativeId', message: 'Not a representative of this organization.' }],
    )
  }
  return undefined
}

/** A reopened ticket is no longer resolved; a newly resolved one is, from now (kept if already resolved). */
function resolvedAtFor(to: TicketStatus) {
  if (to === 'OPEN') return null
  if (to !== 'RESOLVED') return undefined
  return sql`case when ${tickets.status} = 'RESOLVED' then ${tickets.resolvedAt} else now() end`
}

/** Who acts on a ticket for the team: a person (REPRESENTATIVE, admins too) or an AI agent, with their id. */
export interface Responder {
  type: 'REPRESENTATIVE' | 'AGENT'
  id: string
}

/**
 * Server-set timestamps of a status change, in SQL so they compare with the row's current status (every SET
 * expression reads the row as it was). A status change by the team is a first response when there was none yet:
 * it records when, and who (an AGENT's counts as the AI's, not a person's: metrics' aiResolutionRate).
 * Undefined entries are left out of the UPDATE by drizzle.
 */
function statusTimestamps(to: UpdateTicketInput['status'], responder: Responder | null) {
  if (!to) return {}
  const firstResponse = responder !== null && to !== 'OPEN'
  const answersNow = sql`${tickets.status} <> ${to} and ${tickets.firstResponseAt} is null`
  return {
    resolvedAt: resolvedAtFor(to),
    closedAt: to === 'CLOSED' ? sql`coalesce(${tickets.closedAt}, now())` : undefined,
    firstResponseAt: firstResponse
      ? sql`case when ${answersNow} then now() else ${tickets.firstResponseAt} end`
      : undefined,
    firstResponseByType: firstResponse
      ? sql`case when ${answersNow} then ${responder.type}::message_author_type else ${tickets.firstResponseByType} end`
      : undefined,
    firstResponseById: firstResponse
      ? sql`case when ${answersNow} then ${responder.id}::uuid else ${tickets.firstResponseById} end`
      : undefined,
  }
}

/**
 * PATCH in one round trip: a conditional UPDATE whose WHERE holds the state machine, the If-Match versions and
 * "not CLOSED", so a concurrent change can never slip in; the row read in the same batch explains a refusal.
 * Closing cancels the ticket's open escalations in the same transaction (only when this PATCH closed it): a CLOSED
 * ticket takes no message, so nobody could work them, and they would hold a representative's capacity.
 */
export function updateTicket(
  db: TenantDb,
  ticketId: string,
  changes: UpdateTicketInput,
  options: { versions: number[] | undefined; responder: Responder | null; mayCancelEscalations: boolean },
): Promise<Ticket> {
  const { status, priority, ...fields } = changes
  const closing = status === 'CLOSED' ? closingEffects(db, ticketId) : undefined
  // A close cancels every open escalation in the same transaction: no floor is left to hold its priority. A caller
  // who may not cancel escalations (an AGENT) may close only a ticket that has none.
  const keepsEscalations = closing !== undefined && !options.mayCancelEscalations
  const floorPriority = closing ? undefined : priority
  const openEscalations = floorPriority || keepsEscalations ? [escalationFloorStatement(db, ticketId)] : []
  return updateVersioned<typeof tickets, Ticket>(
    db,
    tickets,
    ticketId,
    {
      ...fields,
      ...(priority ? { priority } : {}),
      ...(status ? { status } : {}),
      ...statusTimestamps(status, options.responder),
    },
    {
      what: 'ticket',
      versions: options.versions,
      conditions: [
        ne(tickets.status, 'CLOSED'),
        status ? inArray(tickets.status, allowedSourcesOf(status)) : undefined,
        floorPriority ? noEscalationAbove(db, ticketId, floorPriority) : undefined,
        keepsEscalations ? noEscalationAbove(db, ticketId) : undefined,
      ],
      explain: (current, [floorRows]) =>
        stateRefusal(current, status) ??
        (keepsEscalations ? escalatedRefusal(floorRows) : undefined) ??
        (floorPriority ? floorRefusal(floorPriority, floorRows) : undefined),
      first: closing?.first ?? (floorPriority ? lockTicketStatement(db, ticketId) : undefined),
      // The floor's rows first: `explain` reads them.
      effects: [...openEscalations, ...(closing?.effects ?? [])],
    },
  )
}

/**
 * Locks the ticket (FOR NO KEY UPDATE, as its UPDATE would) before a PATCH of its priority, so the UPDATE's check of
 * the escalations reads them after every writer that raised the ticket under its lock (an escalation opened, or its
 * PATCH). Without it, the UPDATE waiting for such a writer would re-check only the ticket row and judge the
 * escalations by its older snapshot, lowering the ticket below one it never saw. The close locks the escalations
 * instead (`closingEffects`), then cancels them.
 */
function lockTicketStatement(db: TenantDb, ticketId: string): Statement {
  return db.selectFields(tickets, { id: tickets.id }, eq(tickets.id, ticketId)).for('no key update')
}

const openEscalation = inArray(escalations.status, ['PENDING', 'ASSIGNED', 'IN_PROGRESS'])

/**
 * The ticket stays at least as urgent as each of its open escalations: no open one whose ticket priority
 * (`ticketPriorityFor`: level 5 − priority_rank, CRITICAL 1 → URGENT 4) is above `priority`; without `priority`, no
 * open one at all.
 */
function noEscalationAbove(db: TenantDb, ticketId: string, priority?: TicketPriority): SQL {
  const above = priority ? sql`and ${escalations.priorityRank} < ${5 - priorityLevels[priority]}` : sql``
  return sql`not exists (select 1 from ${escalations} where ${escalations.organizationId} = ${db.organizationId}
    and ${escalations.ticketId} = ${ticketId} and ${openEscalation} ${above})`
}

/** The highest open escalation of the ticket (its smallest priority_rank), read to explain a refused lowering. */
function escalationFloorStatement(db: TenantDb, ticketId: string): Statement {
  return db.selectFields(
    escalations,
    { rank: sql<number | null>`min(${escalations.priorityRank})` },
    eq(escalations.ticketId, ticketId),
    openEscalation,
  )
}

const highestOpenRank = (rows: unknown[] | undefined) =>
  Number((rows as Array<{ rank: number | null }> | undefined)?.[0]?.rank ?? Number.NaN)

function escalatedRefusal(rows: unknown[] | undefined) {
  if (Number.isNaN(highestOpenRank(rows))) return undefined
  return errors.conflict(
    'TICKET_ESCALATED',
    'The ticket has an open escalation, which closing would cancel: a person resolves or cancels it, or closes ' +
      'the ticket.',
  )
}

function floorRefusal(to: TicketPriority, rows: unknown[] | undefined) {
  const rank = highestOpenRank(rows)
  const floor = (['URGENT', 'HIGH', 'MEDIUM', 'LOW'] as const)[rank - 1]
  if (!floor || priorityLevels[floor] <= priorityLevels[to]) return undefined
  return errors.conflict(
    'PRIORITY_BELOW_ESCALATION',
    `The ticket has an open escalation: its priority may not go below ${floor} (not ${to}). ` +
      'Lower the escalation’s priority or resolve or cancel it first.',
  )
}

/**
 * Closing cancels the ticket's open escalations, after the close (only when this transaction closed it); their rows
 * are locked first, before the ticket's, the order of every writer of both (escalations.data.ts).
 */
function closingEffects(db: TenantDb, ticketId: string) {
  return {
    first: lockTicketEscalationsStatement(db, ticketId),
    effects: [cancelTicketEscalationsStatement(db, ticketId, writtenNow(db, tickets, ticketId))],
  }
}

function stateRefusal(current: Ticket, to: UpdateTicketInput['status']) {
  if (current.status === 'CLOSED')
    return errors.conflict('TICKET_CLOSED', 'A closed ticket cannot be changed.')
  if (to && !canMove(current.status, to)) {
    return errors.conflict(
      'INVALID_STATUS_TRANSITION',
      `A ticket cannot move from ${current.status} to ${to}.`,
    )
  }
  return undefined
}

/**
 * Unassigns a representative's tickets that are not CLOSED (a RESOLVED one may be reopened and must not land with
 * them): for a representative who leaves (a deactivated user, users.data.ts). `when` guards the statement.
 */
export function unassignTicketsStatement(db: TenantDb, representativeId: SQL, when: SQL): Statement {
  return db.update(
    tickets,
    { assignedRepresentativeId: null },
    sql`${tickets.assignedRepresentativeId} = ${representativeId}`,
    ne(tickets.status, 'CLOSED'),
    when,
  )
}

/** Assigns (or with null unassigns) a representative of the same organization, If-Match honoured; one round trip. */
export async function assignTicket(
  db: TenantDb,
  ticketId: string,
  representativeId: string | null,
  versions: number[] | undefined,
) {
  try {
    return await updateVersioned<typeof tickets, Ticket>(
      db,
      tickets,
      ticketId,
      { assignedRepresentativeId: representativeId },
      {
        what: 'ticket',
        versions,
        conditions: [ne(tickets.status, 'CLOSED')],
        explain: (current) => stateRefusal(current, undefined),
        ...(representativeId ? { first: assigneeUserLock(db, representativeId) } : {}),
      },
    )
  } catch (error) {
    throw referenceError(error) ?? error
  }
}

/**
 * The customer's satisfaction rating, replacing an earlier one, If-Match honoured; one round trip. The customer's
 * ownership rule scopes the UPDATE (another's ticket is 404); the status condition is in its WHERE.
 */
export function rateTicket(
  db: TenantDb,
  ticketId: string,
  input: RateTicketInput,
  versions: number[] | undefined,
): Promise<Ticket> {
  return updateVersioned<typeof tickets, Ticket>(
    db,
    tickets,
    ticketId,
    { satisfactionRating: input.rating, satisfactionComment: input.comment, satisfactionRatedAt: sql`now()` },
    {
      what: 'ticket',
      versions,
      conditions: [inArray(tickets.status, rateableStatuses)],
      explain: (current) =>
        rateableStatuses.includes(current.status)
          ? undefined
          : errors.conflict(
              'TICKET_NOT_RESOLVED',
              `A ticket can be rated once it is RESOLVED or CLOSED (it is ${current.status}).`,
            ),
    },
  )
}
