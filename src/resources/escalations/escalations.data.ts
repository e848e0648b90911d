import { eq, getTableColumns, getTableName, inArray, isNull, ne, type SQL, sql } from 'drizzle-orm'
import { alias, type PgColumn, QueryBuilder } from 'drizzle-orm/pg-core'
import type { PrincipalRole } from '../../auth/principal'
import { foundOr404, listView, refusalOf } from '../../db/crud'
import {
  customerProfiles,
  type Escalation,
  type EscalationPriority,
  type EscalationReason,
  type EscalationStatus,
  escalations,
  type RepresentativeStatus,
  representatives,
  type TicketPriority,
  tickets,
} from '../../db/schema'
import type { Statement, TenantDb } from '../../db/tenant'
import { type ApiError, errors, postgresErrorOf } from '../../lib/errors'
import { versionMatches } from '../../lib/etag'
import type { SortOrder } from '../../lib/pagination'
import {
  actionConditions,
  actionRefusal,
  callerRepresentativeSql,
  type EscalationAction,
} from './escalation-actions'
import type {
  CreateEscalationInput,
  EscalationSort,
  ListEscalationsQuery,
  UpdateEscalationInput,
} from './escalations.schemas'

/** The ticket priority an escalation of this priority raises its ticket to (at least). */
export const ticketPriorityFor: Record<EscalationPriority, TicketPriority> = {
  LOW: 'LOW',
  MEDIUM: 'MEDIUM',
  HIGH: 'HIGH',
  CRITICAL: 'URGENT',
}

export interface OpenEscalationInput {
  ticketId: string
  priority: EscalationPriority
  reason: EscalationReason
  summary: string | null
  /** 0..1 as a decimal string (numeric(5,4)). */
  aiConfidence?: string | null
  /** The escalating AI agent, if an agent escalated. */
  agentConfigurationId: string | null
  /** Chosen by the caller when later statements of the batch must reference the escalation. */
  id?: string
}

/**
 * Statements that open an escalation on a ticket and raise the ticket's priority to at least the escalation's,
 * for one db.run batch. The ticket may be inserted earlier in the same batch.
 * - [0] INSERT … RETURNING: the new escalation (PENDING). A ticket that is not the tenant's fails the composite
 *   foreign key (23503 `escalations_ticket_fk`).
 * - [1] UPDATE tickets … RETURNING: the ticket when its priority was raised (a new version), no row when it
 *   already was at least that high (never lowered, version untouched). A CLOSED ticket is final (the ticket
 *   state machine) and keeps its priority.
 * Under concurrency the UPDATE's WHERE is re-checked on the locked row (Read Committed), so two escalations of
 * one ticket leave it at the higher of their priorities.
 */
export function openEscalationStatements(db: TenantDb, input: OpenEscalationInput): Statement[] {
  const target = ticketPriorityFor[input.priority]
  return [
    db
      .insert(escalations, {
        ...(input.id ? { id: input.id } : {}),
        ticketId: input.ticketId,
        priority: input.priority,
        reason: input.reason,
        summary: input.summary,
        aiConfidence: input.aiConfidence ?? null,
        agentConfigurationId: input.agentConfigurationId,
      })
      .returning(),
    db
      .update(
        tickets,
        { priority: sql`greatest(${tickets.priority}, ${target}::ticket_priority)` },
        eq(tickets.id, input.ticketId),
        ne(tickets.status, 'CLOSED'),
        sql`${tickets.priority} < ${target}::ticket_priority`,
      )
      .returning(),
  ]
}

/** An escalation row with the caller's representative profile id (for `allowedActions`). */
export type EscalationRow = Escalation & { callerRepresentativeId: string | null }

const sortOrders: Record<EscalationSort, SortOrder> = {
  // priority_rank is 1 for CRITICAL … 4 for LOW: "priority desc, oldest first" is one ascending keyset.
  queue: { columns: [escalations.priorityRank, escalations.createdAt, escalations.id], direction: 'asc' },
  '-createdAt': { columns: [escalations.createdAt, escalations.id], direction: 'desc' },
  createdAt: { columns: [escalations.createdAt, escalations.id], direction: 'asc' },
}

const priorityRanks: Record<EscalationPriority, number> = { CRITICAL: 1, HIGH: 2, MEDIUM: 3, LOW: 4 }

/** Escalations with the caller's representative id (a scalar subquery Postgres runs once): one statement. */
function selectEscalations(db: TenantDb, ...conditions: Array<SQL | undefined>) {
  return db.selectFields(
    escalations,
    { ...getTableColumns(escalations), callerRepresentativeId: callerRepresentativeSql(db) },
    ...conditions,
  )
}

/** The representative queue: one page, filtered, in the queue order by default. One round trip. */
export function listEscalations(db: TenantDb, query: ListEscalationsQuery) {
  const assignee = query.assignedRepresentativeId
  return listView<ListEscalationsQuery['sort'], EscalationRow>(db, query, sortOrders, (after) =>
    selectEscalations(
      db,
      after,
      query.status ? inArray(escalations.status, query.status) : undefined,
      // The rank, not the enum: the queue indexes hold it.
      query.priority
        ? inArray(
            escalations.priorityRank,
            query.priority.map((priority) => priorityRanks[priority]),
          )
        : undefined,
      query.reason ? inArray(escalations.reason, query.reason) : undefined,
      assignee === 'none' ? isNull(escalations.assignedRepresentativeId) : undefined,
      assignee && assignee !== 'none' ? eq(escalations.assignedRepresentativeId, assignee) : undefined,
      query.agentConfigurationId
        ? eq(escalations.agentConfigurationId, query.agentConfigurationId)
        : undefined,
      query.ticketId ? eq(escalations.ticketId, query.ticketId) : undefined,
    ),
  )
}

export async function getEscalation(db: TenantDb, escalationId: string): Promise<EscalationRow> {
  const [rows] = await db.run(selectEscalations(db, eq(escalations.id, escalationId)))
  return foundOr404(rows as EscalationRow[], 'escalation')
}

/**
 * Opens an escalation (the caller's agent id when an AGENT escalates) and raises its ticket's priority, in one
 * transaction and one round trip (`openEscalationStatements`), and reads it back with the caller's view.
 */
export async function createEscalation(
  db: TenantDb,
  input: CreateEscalationInput,
  agentConfigurationId: string | null,
  id: string = crypto.randomUUID(),
): Promise<EscalationRow> {
  const statements = openEscalationStatements(db, {
    id,
    ticketId: input.ticketId,
    priority: input.priority,
    reason: input.reason,
    summary: input.summary,
    aiConfidence: input.aiConfidence === undefined ? null : input.aiConfidence.toFixed(4),
    agentConfigurationId,
  })
  try {
    const results = await db.run(
      ...(statements as [Statement, ...Statement[]]),
      selectEscalations(db, eq(escalations.id, id)),
    )
    return foundOr404(results[results.length - 1] as EscalationRow[], 'escalation')
  } catch (error) {
    const pg = postgresErrorOf(error)
    if (pg?.code === '23503' && pg.constraint === 'escalations_ticket_fk') {
      throw errors.unprocessable('INVALID_REFERENCE', 'The ticket does not exist in this organization.', [
        { path: 'ticketId', message: 'Not a ticket of this organization.' },
      ])
    }
    throw error
  }
}

interface EscalationWrite {
  escalationId: string
  action: EscalationAction
  versions: number[] | undefined
  /** Statements before the UPDATE (locks). */
  before?: Statement[]
  /** Statements after it whose results explain a refusal the escalation itself does not (e.g. the target). */
  after?: Statement[]
  /** The refusal when the escalation was at a named version and the action was allowed on it. */
  explain?: (results: unknown[][]) => ApiError | undefined
}

/**
 * One action in one round trip: [locks], the conditional UPDATE (its WHERE holds the If-Match versions and
 * the action's rules, so a concurrent change never slips in), the escalation as it is then (the response,
 * or the explanation of a refusal: 404, 412, 409 with its status, 403 not the assignee), [explanations].
 */
async function writeEscalation(
  db: TenantDb,
  write: EscalationWrite,
  update: (which: SQL, conditions: SQL[]) => Statement,
): Promise<EscalationRow> {
  const which = eq(escalations.id, write.escalationId)
  const conditions = [
    ...actionConditions(db, write.action),
    ...(write.versions ? [versionMatches(escalations.version, write.versions) as SQL] : []),
  ]
  const before = write.before ?? []
  const results = (await db.run(
    ...(before as []),
    update(which, conditions),
    selectEscalations(db, which),
    ...((write.after ?? []) as []),
  )) as unknown as unknown[][]
  const [updated] = results[before.length] ?? []
  const [current] = (results[before.length + 1] ?? []) as EscalationRow[]
  if (updated && current) return current
  throw refusalOf(current, {
    what: 'escalation',
    versions: write.versions,
    explain: (row: EscalationRow) =>
      actionRefusal(write.action, row, {
        role: db.context.role as PrincipalRole,
        representativeId: row.callerRepresentativeId,
      }) ?? write.explain?.(results.slice(before.length + 2)),
  })
}

/** PATCH: summary and priority, while the escalation is open. */
export function updateEscalation(
  db: TenantDb,
  escalationId: string,
  changes: UpdateEscalationInput,
  versions: number[] | undefined,
) {
  return writeEscalation(db, { escalationId, action: 'update', versions }, (which, conditions) =>
    db.update(escalations, changes, which, ...conditions).returning({ id: escalations.id }),
  )
}

export function startEscalation(db: TenantDb, escalationId: string, versions: number[] | undefined) {
  return writeEscalation(db, { escalationId, action: 'start', versions }, (which, conditions) =>
    db.update(escalations, { status: 'IN_PROGRESS' }, which, ...conditions).returning({ id: escalations.id }),
  )
}

export function resolveEscalation(
  db: TenantDb,
  escalationId: string,
  resolutionNotes: string,
  versions: number[] | undefined,
) {
  return writeEscalation(db, { escalationId, action: 'resolve', versions }, (which, conditions) =>
    db
      .update(
        escalations,
        { status: 'RESOLVED', resolvedAt: sql`now()`, resolutionNotes },
        which,
        ...conditions,
      )
      .returning({ id: escalations.id }),
  )
}

export function cancelEscalation(db: TenantDb, escalationId: string, versions: number[] | undefined) {
  return writeEscalation(db, { escalationId, action: 'cancel', versions }, (which, conditions) =>
    db.update(escalations, { status: 'CANCELLED' }, which, ...conditions).returning({ id: escalations.id }),
  )
}

/** Statuses that hold a representative's capacity. */
const OPEN_LOAD: EscalationStatus[] = ['ASSIGNED', 'IN_PROGRESS']

/**
 * `"table"."column"`, always qualified: drizzle writes the columns of a single-table SELECT's field list and
 * ORDER BY unqualified, which inside a correlated subquery would bind to the subquery's own table.
 */
function qualified(column: PgColumn): SQL {
  return sql`${sql.identifier(getTableName(column.table))}.${sql.identifier(column.name)}`
}

/** A representative's open escalations (ASSIGNED or IN_PROGRESS), not counting `escalationId` itself. */
function openLoadOf(db: TenantDb, escalationId: string): SQL<number> {
  const representativeId = qualified(representatives.id)
  const load = alias(escalations, 'load')
  return sql<number>`(select count(*)::int from ${escalations} as ${load}
    where ${load.organizationId} = ${db.organizationId} and ${load.assignedRepresentativeId} = ${representativeId}
      and ${load.status} in ${OPEN_LOAD} and ${load.id} <> ${escalationId})`
}

/**
 * The customer preferences of the escalation's ticket (a scalar subquery; NULL without a profile). `auto`
 * prefers representatives matching `language` (a string) or `languages` (an array) against their languages,
 * then the most `skills` (an array) among theirs. Anything else in the preferences is ignored.
 */
function preferencesOf(db: TenantDb, escalationId: string): SQL {
  const e = alias(escalations, 'pref_escalation')
  const t = alias(tickets, 'pref_ticket')
  const p = alias(customerProfiles, 'pref_profile')
  return sql`(select ${p.preferences} from ${escalations} as ${e}
    join ${tickets} as ${t} on ${t.organizationId} = ${e.organizationId} and ${t.id} = ${e.ticketId}
    join ${customerProfiles} as ${p} on ${p.organizationId} = ${t.organizationId} and ${p.userId} = ${t.customerId}
    where ${e.organizationId} = ${db.organizationId} and ${e.id} = ${escalationId})`
}

/** 1 when the representative speaks the customer's preferred language (or one of them), else 0. */
function languageMatch(preferences: SQL): SQL<number> {
  return sql<number>`case
    when jsonb_typeof(${preferences} -> 'language') = 'string'
      then (${qualified(representatives.languages)} @> jsonb_build_array(${preferences} -> 'language'))::int
    when jsonb_typeof(${preferences} -> 'languages') = 'array'
      then (exists (select 1 from jsonb_array_elements(${preferences} -> 'languages') as wanted(v)
        where ${qualified(representatives.languages)} @> jsonb_build_array(wanted.v)))::int
    else 0 end`
}

/** How many of the customer's preferred skills the representative has. */
function skillMatches(preferences: SQL): SQL<number> {
  return sql<number>`case when jsonb_typeof(${preferences} -> 'skills') = 'array'
    then (select count(*)::int from jsonb_array_elements(${preferences} -> 'skills') as wanted(v)
      where ${qualified(representatives.skills)} @> jsonb_build_array(wanted.v))
    else 0 end`
}

const queryBuilder = new QueryBuilder()

/**
 * `assign` in one round trip, capacity exact under concurrency:
 * 1. lock the candidate representatives (FOR UPDATE, in id order so assigners never deadlock): the named one,
 *    or for `auto` every ONLINE one. A concurrent assignment holding any of them makes this wait until it
 *    commits;
 * 2. one statement picks the representative and assigns. Under Read Committed it takes a fresh snapshot after
 *    step 1, so the open-load counts include every assignment committed meanwhile; for `auto` the pick skips
 *    (SKIP LOCKED) a representative another assigner still holds (one that came ONLINE after step 1), whose
 *    count could not be trusted. The explicit target must not be OFFLINE and must be below capacity;
 *    `auto` takes the ONLINE representative below capacity with the best language/skill match, then the
 *    fewest open escalations, then the smallest id.
 * A refusal is explained from the same batch: the escalation's state, then the target's (REPRESENTATIVE_OFFLINE,
 * REPRESENTATIVE_AT_CAPACITY, unknown representative) or NO_REPRESENTATIVE_AVAILABLE.
 */
export async function assignEscalation(
  db: TenantDb,
  escalationId: string,
  representativeId: string,
  versions: number[] | undefined,
): Promise<EscalationRow> {
  const auto = representativeId === 'auto'
  const belowCapacity = sql`${openLoadOf(db, escalationId)} < ${representatives.maxConcurrentTickets}`
  const lock = db
    .selectFields(
      representatives,
      { id: representatives.id },
      auto ? eq(representatives.status, 'ONLINE') : eq(representatives.id, representativeId),
    )
    .orderBy(representatives.id)
    .for('update')
  const preferences = preferencesOf(db, escalationId)
  const pick = queryBuilder.$with('pick').as(
    auto
      ? db
          .selectFields(
            representatives,
            { id: representatives.id },
            eq(representatives.status, 'ONLINE'),
            belowCapacity,
          )
          .orderBy(
            sql`${languageMatch(preferences)} desc`,
            sql`${skillMatches(preferences)} desc`,
            sql`${openLoadOf(db, escalationId)} asc`,
            representatives.id,
          )
          .limit(1)
          .for('update', { skipLocked: true })
      : db.selectFields(
          representatives,
          { id: representatives.id },
          eq(representatives.id, representativeId),
          ne(representatives.status, 'OFFLINE'),
          belowCapacity,
        ),
  )
  const target = auto
    ? []
    : [
        db.selectFields(
          representatives,
          {
            status: representatives.status,
            maxConcurrentTickets: representatives.maxConcurrentTickets,
            open: openLoadOf(db, escalationId),
          },
          eq(representatives.id, representativeId),
        ),
      ]
  return writeEscalation(
    db,
    {
      escalationId,
      action: 'assign',
      versions,
      before: [lock],
      after: target,
      explain: ([targetRows]) => (auto ? noneAvailable() : targetRefusal(targetRows?.[0] as TargetState)),
    },
    (which, conditions) =>
      db
        .updateWith(
          [pick],
          escalations,
          {
            assignedRepresentativeId: sql`(select id from ${pick})`,
            status: 'ASSIGNED',
            assignedAt: sql`now()`,
          },
          which,
          ...conditions,
          sql`exists (select 1 from ${pick})`,
        )
        .returning({ id: escalations.id }),
  )
}

interface TargetState {
  status: RepresentativeStatus
  maxConcurrentTickets: number
  open: number
}

function noneAvailable() {
  return errors.conflict(
    'NO_REPRESENTATIVE_AVAILABLE',
    'No ONLINE representative is below their maxConcurrentTickets; retry later or assign one explicitly.',
  )
}

function targetRefusal(target: TargetState | undefined): ApiError | undefined {
  if (!target) {
    return errors.unprocessable(
      'INVALID_REFERENCE',
      'The representative does not exist in this organization.',
      [{ path: 'representativeId', message: 'Not a representative of this organization.' }],
    )
  }
  if (target.status === 'OFFLINE') {
    return errors.conflict(
      'REPRESENTATIVE_OFFLINE',
      'The representative is OFFLINE and cannot take escalations.',
    )
  }
  if (target.open >= target.maxConcurrentTickets) {
    return errors.conflict(
      'REPRESENTATIVE_AT_CAPACITY',
      `The representative already has ${target.open} open escalations (maxConcurrentTickets ${target.maxConcurrentTickets}).`,
    )
  }
  return undefined
}
