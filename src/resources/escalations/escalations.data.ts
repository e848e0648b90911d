import { eq, getTableColumns, getTableName, inArray, isNull, ne, type SQL, sql } from 'drizzle-orm'
import { alias, type PgColumn, QueryBuilder } from 'drizzle-orm/pg-core'
import type { PrincipalRole } from '../../auth/principal'
import { foundOr404, listView, refusalOf, writtenNow } from '../../db/crud'
import {
  customerProfiles,
  type Escalation,
  type EscalationPriority,
  type EscalationReason,
  escalations,
  type RepresentativeStatus,
  representatives,
  type TicketPriority,
  tickets,
  users,
} from '../../db/schema'
import type { Statement, TenantDb } from '../../db/tenant'
import { type ApiError, errors, postgresErrorOf } from '../../lib/errors'
import { versionMatches } from '../../lib/etag'
import type { SortOrder } from '../../lib/pagination'
import { assigneeUserLock } from '../representatives/representatives.data'
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
  /** The refund whose decision it asks for: deciding that refund ends it (migration 0071). */
  refundId?: string
  /**
   * Refuse a RESOLVED or CLOSED ticket (POST /v1/escalations): the insert then fails NOT NULL on ticket_id, which
   * createEscalation reports as 409 TICKET_NOT_OPEN. The ticket row is locked for the check, so a concurrent resolve
   * waits for the escalation and never slips in between; FOR NO KEY UPDATE, the lock the priority raise takes anyway:
   * two escalations of one ticket at once then queue, where FOR SHARE upgraded by both would deadlock.
   */
  requireOpenTicket?: boolean
}

/** The ticket id, or NULL when that ticket of the tenant is RESOLVED or CLOSED (see requireOpenTicket). */
function openTicketId(db: TenantDb, ticketId: string): SQL {
  const t = alias(tickets, 'escalated_ticket')
  return sql`case when (select ${t.status} from ${tickets} as ${t}
      where ${t.organizationId} = ${db.organizationId} and ${t.id} = ${ticketId} for no key update)
    in ('RESOLVED', 'CLOSED') then null else ${ticketId}::uuid end`
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
  return [
    db
      .insert(escalations, {
        ...(input.id ? { id: input.id } : {}),
        ticketId: input.requireOpenTicket ? openTicketId(db, input.ticketId) : input.ticketId,
        priority: input.priority,
        reason: input.reason,
        summary: input.summary,
        aiConfidence: input.aiConfidence ?? null,
        agentConfigurationId: input.agentConfigurationId,
        refundId: input.refundId ?? null,
      })
      .returning(),
    raiseTicketStatement(db, sql`${input.ticketId}::uuid`, input.priority).returning(),
  ]
}

/**
 * The UPDATE that raises a ticket to at least `priority`'s ticket priority (`ticketPriorityFor`): never lowered, and
 * a ticket already that high (or CLOSED: final, the ticket state machine) is not written, its version untouched.
 * Under concurrency the WHERE is re-checked on the locked row, so the ticket ends at the highest of the raises.
 */
function raiseTicketStatement(db: TenantDb, ticketId: SQL, priority: EscalationPriority, when?: SQL) {
  const target = ticketPriorityFor[priority]
  return db.update(
    tickets,
    { priority: sql`greatest(${tickets.priority}, ${target}::ticket_priority)` },
    sql`${tickets.id} = ${ticketId}`,
    ne(tickets.status, 'CLOSED'),
    sql`${tickets.priority} < ${target}::ticket_priority`,
    when,
  )
}

/**
 * Sends the open escalations (ASSIGNED, IN_PROGRESS) of a representative back to the queue: PENDING, unassigned.
 * For a representative who leaves (a deactivated user, users.data.ts): their work is picked up by someone else
 * instead of waiting for a person who will not come back. `when` guards the statement (e.g. "the user is inactive").
 */
export function requeueEscalationsStatement(db: TenantDb, representativeId: SQL, when: SQL): Statement {
  return db.update(
    escalations,
    { status: 'PENDING', assignedRepresentativeId: null, assignedAt: null },
    sql`${escalations.assignedRepresentativeId} = ${representativeId}`,
    inArray(escalations.status, ['ASSIGNED', 'IN_PROGRESS']),
    when,
  )
}

/**
 * Cancels the open escalations (PENDING, ASSIGNED, IN_PROGRESS) of a ticket: for a ticket that is CLOSED (final, it
 * takes no message), whose escalations can no longer be worked; they leave the queue and free their capacity.
 * `when` guards the statement (e.g. "this transaction closed the ticket").
 */
export function cancelTicketEscalationsStatement(db: TenantDb, ticketId: string, when: SQL): Statement {
  return db.update(
    escalations,
    { status: 'CANCELLED' },
    eq(escalations.ticketId, ticketId),
    inArray(escalations.status, ['PENDING', 'ASSIGNED', 'IN_PROGRESS']),
    when,
  )
}

/**
 * Locks the open escalations of a ticket (FOR UPDATE): the first statement of a ticket write that will change them
 * (closing, `cancelTicketEscalationsStatement`). Writers of both take the escalations before the ticket (a PATCH
 * raising the ticket's priority, a deactivation handing work back): one order, no deadlock.
 */
export function lockTicketEscalationsStatement(db: TenantDb, ticketId: string): Statement {
  return db
    .selectFields(
      escalations,
      { id: escalations.id },
      eq(escalations.ticketId, ticketId),
      inArray(escalations.status, ['PENDING', 'ASSIGNED', 'IN_PROGRESS']),
    )
    .for('update')
}

/** An escalation row with the caller's representative profile id (for `allowedActions`). */
export type EscalationRow = Escalation & { callerRepresentativeId: string | null }

export const sortOrders: Record<EscalationSort, SortOrder> = {
  // priority_rank is 1 for CRITICAL … 4 for LOW: "priority desc, oldest first" is one ascending keyset.
  queue: { columns: [escalations.priorityRank, escalations.createdAt, escalations.id], direction: 'asc' },
  '-createdAt': { columns: [escalations.createdAt, escalations.id], direction: 'desc' },
  createdAt: { columns: [escalations.createdAt, escalations.id], direction: 'asc' },
}

const priorityRanks: Record<EscalationPriority, number> = { CRITICAL: 1, HIGH: 2, MEDIUM: 3, LOW: 4 }

/** The fields of an escalation row: its columns and the caller's representative id (for `allowedActions`). */
export function escalationFields(db: TenantDb) {
  return { ...getTableColumns(escalations), callerRepresentativeId: callerRepresentativeSql(db) }
}

/** Escalations with the caller's representative id (a scalar subquery Postgres runs once): one statement. */
function selectEscalations(db: TenantDb, ...conditions: Array<SQL | undefined>) {
  return db.selectFields(escalations, escalationFields(db), ...conditions)
}

/** The list's filters (GET /v1/escalations, and the same arguments of expand and GraphQL, src/reads). */
export function filtersOf(query: Omit<ListEscalationsQuery, 'limit' | 'sort'>): Array<SQL | undefined> {
  const assignee = query.assignedRepresentativeId
  return [
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
    query.agentConfigurationId ? eq(escalations.agentConfigurationId, query.agentConfigurationId) : undefined,
    query.ticketId ? eq(escalations.ticketId, query.ticketId) : undefined,
  ]
}

/** The representative queue: one page, filtered, in the queue order by default. One round trip. */
export function listEscalations(db: TenantDb, query: ListEscalationsQuery) {
  return listView<ListEscalationsQuery['sort'], EscalationRow>(db, query, sortOrders, (after) =>
    selectEscalations(db, after, ...filtersOf(query)),
  )
}

export async function getEscalation(db: TenantDb, escalationId: string): Promise<EscalationRow> {
  const [rows] = await db.run(selectEscalations(db, eq(escalations.id, escalationId)))
  return foundOr404(rows as EscalationRow[], 'escalation')
}

/**
 * Opens an escalation (the caller's agent id when an AGENT escalates) on an open ticket and raises its ticket's
 * priority, in one transaction and one round trip (`openEscalationStatements`), and reads it back with the
 * caller's view. A RESOLVED or CLOSED ticket: 409 TICKET_NOT_OPEN, nothing written.
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
    requireOpenTicket: true,
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
    if (pg?.code === '23502' && pg.column === 'ticket_id') {
      throw errors.conflict(
        'TICKET_NOT_OPEN',
        'The ticket is RESOLVED or CLOSED: reopen a RESOLVED ticket (PATCH /v1/tickets/{ticketId} with ' +
          '{"status": "OPEN"}) or create a new ticket, then escalate.',
      )
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
  /**
   * Statements after it: whose results explain a refusal the escalation itself does not (e.g. the target), or which
   * carry the write's effects on other rows (they must then act only when the UPDATE wrote the escalation).
   */
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

/**
 * PATCH: summary and priority, while the escalation is open. A new priority raises the ticket as opening did
 * (`raiseTicketStatement`), in the same transaction, so the ticket stays at least as urgent as its escalation; only
 * when this batch's UPDATE wrote the escalation (its row version is this transaction's), so a refused PATCH (412,
 * 409) raises nothing.
 */
export function updateEscalation(
  db: TenantDb,
  escalationId: string,
  changes: UpdateEscalationInput,
  versions: number[] | undefined,
) {
  const e = alias(escalations, 'patched_escalation')
  const patchedTicket = sql`(select ${e.ticketId} from ${escalations} as ${e}
    where ${e.organizationId} = ${db.organizationId} and ${e.id} = ${escalationId})`
  const raise = changes.priority
    ? [raiseTicketStatement(db, patchedTicket, changes.priority, writtenNow(db, escalations, escalationId))]
    : []
  return writeEscalation(
    db,
    { escalationId, action: 'update', versions, after: raise },
    (which, conditions) =>
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

/**
 * `"table"."column"`, always qualified: drizzle writes the columns of a single-table SELECT's field list and
 * ORDER BY unqualified, which inside a correlated subquery would bind to the subquery's own table.
 */
function qualified(column: PgColumn): SQL {
  return sql`${sql.identifier(getTableName(column.table))}.${sql.identifier(column.name)}`
}

/**
 * A representative's open escalations (ASSIGNED or IN_PROGRESS), not counting `escalationId` itself: the database's
 * one definition of open load (app_open_escalations, DATABASE.md "Assignment").
 */
function openLoadOf(escalationId: string): SQL<number> {
  return sql<number>`app_open_escalations(${qualified(representatives.id)}, ${escalationId}::uuid)`
}

/** Whether the representative's user is active: inactive people are never assigned (also a trigger's rule). */
function userIsActive(): SQL<boolean> {
  const u = alias(users, 'assignee_user')
  return sql<boolean>`exists (select 1 from ${users} as ${u} where ${u.organizationId} = ${qualified(representatives.organizationId)}
    and ${u.id} = ${qualified(representatives.userId)} and ${u.isActive})`
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

/**
 * 1 when the representative speaks the customer's preferred language (or one of them), else 0. Language tags are
 * case-insensitive: representatives' languages are stored lower-cased (src/lib/schemas.ts `languageTag`), so the
 * preference is lowered the same way (ASCII only, `collate "C"`) and compared by containment. Skills are labels the
 * organization defines, not tags, and stay compared as written (skillMatches).
 */
function languageMatch(preferences: SQL): SQL<number> {
  const speaks = (tag: SQL) =>
    sql`${qualified(representatives.languages)} @> jsonb_build_array(lower((${tag}) collate "C"))`
  return sql<number>`case
    when jsonb_typeof(${preferences} -> 'language') = 'string'
      then (${speaks(sql`${preferences} ->> 'language'`)})::int
    when jsonb_typeof(${preferences} -> 'languages') = 'array'
      then (exists (select 1 from jsonb_array_elements(${preferences} -> 'languages') as wanted(v)
        where jsonb_typeof(wanted.v) = 'string' and ${speaks(sql`wanted.v #>> '{}'`)}))::int
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
 * The representative `auto` takes, as a CTE `pick(id)`: the candidates are the ONLINE representatives with an
 * active user and room (as this statement's snapshot sees them), best first — language match, then skill matches,
 * then the fewest open escalations, then the smallest id; app_take_representative (DATABASE.md, "Assignment")
 * locks the first of them that still has room once locked, rank by rank (language and skills): within a rank it
 * skips those other assigners hold unless no free one has room, and a worse rank waits until the better is full.
 * Only that representative stays locked: assignments to different people run in parallel, and capacity is exact
 * because every assigner counts and assigns while holding its representative's lock.
 */
function autoPick(db: TenantDb, escalationId: string) {
  const preferences = preferencesOf(db, escalationId)
  const preferred = sql`${languageMatch(preferences)} desc, ${skillMatches(preferences)} desc`
  const candidates = db.selectFields(
    representatives,
    {
      id: representatives.id,
      // Equal for candidates the preferences rank alike: the function waits for a held one of a better rank.
      rank: sql<number>`dense_rank() over (order by ${preferred})::int`.as('rank'),
      position:
        sql<number>`row_number() over (order by ${preferred}, ${openLoadOf(escalationId)} asc, ${representatives.id})`.as(
          'position',
        ),
    },
    eq(representatives.status, 'ONLINE'),
    userIsActive(),
    sql`${openLoadOf(escalationId)} < ${qualified(representatives.maxConcurrentTickets)}`,
  )
  return queryBuilder.$with('pick', { id: sql<string | null>`id` }).as(
    sql`select app_take_representative(array_agg(c.id order by c.position), array_agg(c.rank order by c.position),
      ${escalationId}::uuid) as id from (${candidates}) as c`,
  )
}

/**
 * The explicitly named representative as a CTE `pick(id)`, when it may take the escalation: its user is active, it
 * is not OFFLINE and below capacity. Read after its row lock is held (the batch locks it first), so the count
 * includes every assignment committed meanwhile.
 */
function namedPick(db: TenantDb, escalationId: string, representativeId: string) {
  return queryBuilder
    .$with('pick')
    .as(
      db.selectFields(
        representatives,
        { id: representatives.id },
        eq(representatives.id, representativeId),
        ne(representatives.status, 'OFFLINE'),
        userIsActive(),
        sql`${openLoadOf(escalationId)} < ${qualified(representatives.maxConcurrentTickets)}`,
      ),
    )
}

/**
 * `assign` in one round trip, capacity exact under concurrency:
 * - explicit: lock the named representative (FOR NO KEY UPDATE: assigners exclude one another, and a foreign key's
 *   FOR KEY SHARE on it, e.g. a ticket being assigned to them, does not wait: migration 0042) and its user
 *   (`assigneeUserLock`), then one statement checks it (active user, not OFFLINE,
 *   below capacity — a fresh snapshot under Read Committed, after the lock) and assigns;
 * - `auto`: one statement picks and locks one representative (`autoPick`) and assigns.
 * A refusal is explained from the same batch: the escalation's state, then the target's (REPRESENTATIVE_INACTIVE,
 * REPRESENTATIVE_OFFLINE, REPRESENTATIVE_AT_CAPACITY, unknown representative) or NO_REPRESENTATIVE_AVAILABLE.
 */
export async function assignEscalation(
  db: TenantDb,
  escalationId: string,
  representativeId: string,
  versions: number[] | undefined,
): Promise<EscalationRow> {
  const auto = representativeId === 'auto'
  const pick = auto ? autoPick(db, escalationId) : namedPick(db, escalationId, representativeId)
  const lockNamed = db
    .selectFields(representatives, { id: representatives.id }, eq(representatives.id, representativeId))
    .for('no key update')
  const target = db.selectFields(
    representatives,
    {
      status: representatives.status,
      maxConcurrentTickets: representatives.maxConcurrentTickets,
      open: openLoadOf(escalationId),
      isActive: userIsActive(),
    },
    eq(representatives.id, representativeId),
  )
  return writeEscalation(
    db,
    {
      escalationId,
      action: 'assign',
      versions,
      before: auto ? [] : [lockNamed, assigneeUserLock(db, representativeId)],
      after: auto ? [] : [target],
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
          sql`(select id from ${pick}) is not null`,
        )
        .returning({ id: escalations.id }),
  )
}

interface TargetState {
  status: RepresentativeStatus
  maxConcurrentTickets: number
  open: number
  isActive: boolean
}

function noneAvailable() {
  return errors.conflict(
    'NO_REPRESENTATIVE_AVAILABLE',
    'No ONLINE, active representative is below their maxConcurrentTickets; retry later or assign one explicitly.',
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
  if (!target.isActive) {
    return errors.conflict(
      'REPRESENTATIVE_INACTIVE',
      'The representative’s user account is deactivated: inactive people are never assigned.',
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
