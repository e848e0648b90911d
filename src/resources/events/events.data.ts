import { and, eq, gte, inArray, lt, or, type SQL, sql } from 'drizzle-orm'
import type { Principal } from '../../auth/principal'
import { foundOr404, listView } from '../../db/crud'
import { type Event, type EventObjectType, type EventType, events } from '../../db/schema'
import type { Statement, TenantDb, TenantTable } from '../../db/tenant'
import type { SortOrder } from '../../lib/pagination'
import { ownedObjectTypes, readableObjectTypes } from './event-objects'
import type { EventSort, EventTypePattern, ListEventsQuery } from './events.schemas'

/**
 * The feed as TenantDb reads it. Events have no version (they never change), which TenantTable asks of the tables
 * TenantDb also updates; app_api cannot write events at all (no grant), so only the tenant-scoped select applies.
 */
const feed = events as unknown as TenantTable

const sortOrders: Record<EventSort, SortOrder> = {
  '-createdAt': { columns: [events.createdAt, events.ordinal], direction: 'desc' },
  // Followed: its last page hands out a cursor to poll with, which the settled horizon keeps behind every event yet
  // to commit (a cursor after an event read here, never after an id seen elsewhere: newest first or a webhook shows
  // an event before the ones that will commit behind it).
  createdAt: { columns: [events.createdAt, events.ordinal], direction: 'asc', followed: true },
}

/** The object types a type filter can match (a pattern names its resource: `ticket.*`, `ticket.created`). */
function objectTypesOf(patterns: readonly EventTypePattern[]): Set<EventObjectType> {
  return new Set(patterns.map((pattern) => pattern.split('.')[0] as EventObjectType))
}

/** `ticket.*` selects an object type, `ticket.created` one type (and its object type, for the index). */
function typeFilter(patterns: readonly EventTypePattern[] | undefined): SQL | undefined {
  if (!patterns) return undefined
  const wildcards = patterns
    .filter((pattern) => pattern.endsWith('.*'))
    .map((pattern) => pattern.slice(0, -2) as EventObjectType)
  const exact = patterns.filter((pattern) => !pattern.endsWith('.*')) as EventType[]
  return or(
    wildcards.length ? inArray(events.objectType, wildcards) : undefined,
    exact.length
      ? and(
          inArray(events.objectType, [
            ...new Set(exact.map((type) => type.split('.')[0] as EventObjectType)),
          ]),
          inArray(events.type, exact),
        )
      : undefined,
  )
}

/**
 * What the caller may read of the feed (event-objects.ts derives it from the routes' permissions): every event of the
 * object types its role reads, and those of the objects it owns of the types its role reads only in part.
 *
 * Narrowed to the object types the request's type filter can match, so that the plan is the one of what can be
 * returned: the planner does not see that `object_type in (<readable>) or …` and `object_type in ('budget')`
 * exclude each other, and would read every budget event of the window to return none to an AGENT; a type the role
 * cannot read is a condition no row meets here, answered by one index probe. An owned type alone (an AGENT's
 * `type=escalation.*`) is the owned branch alone, read by the owner index.
 *
 * The owned branch compares events.owner_id (the stored object's owner key, set by the database from the same rule:
 * migration 0059), not `object ->> <key>`: under RLS only a LEAKPROOF comparison is an index condition, and a filter
 * on the jsonb would read every event of the type to find the caller's few.
 */
export function readableBy(reader: Reader, patterns?: readonly EventTypePattern[]): SQL {
  const touched = patterns ? objectTypesOf(patterns) : undefined
  const within = (type: EventObjectType) => !touched || touched.has(type)
  const types = readableObjectTypes(reader.role).filter(within)
  const owned = ownedObjectTypes(reader.role)
    .filter(({ type }) => within(type))
    .map(({ type }) => and(eq(events.objectType, type), eq(events.ownerId, reader.subject)))
  // Nothing readable: a condition no row meets that one probe of the object-type index answers. Not `false`: behind
  // that gate PostgreSQL planned a parallel sequential scan, whose workers alone took 6–63 ms to start on a large
  // tenant. (inArray of nothing is refused by drizzle.)
  return (
    or(types.length ? inArray(events.objectType, types) : undefined, ...owned) ?? eq(events.objectType, '')
  )
}

/** Who reads the feed. */
type Reader = Pick<Principal, 'role' | 'subject'>

/**
 * The feed's settled horizon, for reading it oldest first (`sort=createdAt`, how a client follows it with a cursor
 * or `createdFrom`). An event's createdAt is its transaction's start (`now()`, to the millisecond), but it is visible
 * only from its commit: a transaction that began earlier and commits later would put an event BEHIND a cursor that
 * has already passed its place, and a client following the feed would never see it. So the oldest-first feed ends
 * before the start of the oldest transaction still open (its events, and any later transaction's, come at or after
 * it): nothing can appear behind what a read returned. `app_settle_event_feed()` (migration 0033) reads it from
 * `pg_stat_activity` into a transaction-local setting, in a statement of its own BEFORE the list's (a transaction
 * open at the list's snapshot was open at that read, or began after it), and holds it back no more than 60 s; an
 * owner without pg_read_all_stats cannot see other sessions' starts and gets 60 s back (migration 0048, /ready).
 * Newest first (screens) shows every committed event: it has no position to keep.
 */
function settledHorizon(db: TenantDb): Statement {
  return db.raw(sql`select public.app_settle_event_feed()`)
}

const settled = sql`${events.createdAt} < current_setting('app.feed_horizon')::timestamptz`

/** One page of the tenant's events the caller may read. One round trip. */
export function listEvents(db: TenantDb, reader: Reader, query: ListEventsQuery) {
  const oldestFirst = query.sort === 'createdAt'
  return listView<EventSort, Event>(
    db,
    query,
    sortOrders,
    (after) =>
      db.select(
        feed,
        after,
        readableBy(reader, query.type),
        typeFilter(query.type),
        query.objectId ? eq(events.objectId, query.objectId) : undefined,
        query.createdFrom ? gte(events.createdAt, query.createdFrom) : undefined,
        query.createdTo ? lt(events.createdAt, query.createdTo) : undefined,
        oldestFirst ? settled : undefined,
      ),
    oldestFirst ? [settledHorizon(db)] : [],
  )
}

/** One event, if the caller may read its object (otherwise 404, as for another tenant's). */
export async function getEvent(db: TenantDb, reader: Reader, eventId: string): Promise<Event> {
  const [rows] = await db.run(db.select(feed, eq(events.id, eventId), readableBy(reader)))
  return foundOr404(rows as Event[], 'event')
}
