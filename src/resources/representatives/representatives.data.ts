import { and, eq, getTableColumns, inArray, type SQL, sql } from 'drizzle-orm'
import { alias, type PgColumn } from 'drizzle-orm/pg-core'
import { foundOr404, listView, updateWhere } from '../../db/crud'
import { type Representative, representatives, users } from '../../db/schema'
import type { Statement, TenantDb } from '../../db/tenant'
import { errors } from '../../lib/errors'
import type { SortOrder } from '../../lib/pagination'
import type {
  ListRepresentativesQuery,
  RepresentativeSort,
  UpdateRepresentativeInput,
} from './representatives.schemas'

export type RepresentativeRow = Representative & { name: string; email: string; isActive: boolean }

const sortOrders: Record<RepresentativeSort, SortOrder> = {
  '-createdAt': { columns: [representatives.createdAt, representatives.id], direction: 'desc' },
  createdAt: { columns: [representatives.createdAt, representatives.id], direction: 'asc' },
}

/** Representatives with their user's name, email and active flag: one statement. */
function selectRepresentatives(db: TenantDb, ...conditions: Array<SQL | undefined>) {
  return db
    .selectFields(
      representatives,
      { ...getTableColumns(representatives), name: users.name, email: users.email, isActive: users.isActive },
      ...conditions,
    )
    .innerJoin(
      users,
      and(eq(users.organizationId, representatives.organizationId), eq(users.id, representatives.userId)),
    )
}

/** jsonb array containment, served by the GIN (jsonb_path_ops) indexes. */
const contains = (column: PgColumn, item: string) => sql`${column} @> ${JSON.stringify([item])}::jsonb`

export function listRepresentatives(db: TenantDb, query: ListRepresentativesQuery) {
  return listView<RepresentativeSort, RepresentativeRow>(db, query, sortOrders, (after) =>
    selectRepresentatives(
      db,
      after,
      query.status ? inArray(representatives.status, query.status) : undefined,
      query.role ? inArray(representatives.role, query.role) : undefined,
      query.skill ? contains(representatives.skills, query.skill) : undefined,
      query.language ? contains(representatives.languages, query.language) : undefined,
    ),
  )
}

export async function getRepresentative(db: TenantDb, representativeId: string): Promise<RepresentativeRow> {
  const [rows] = await db.run(selectRepresentatives(db, eq(representatives.id, representativeId)))
  return foundOr404(rows as unknown as RepresentativeRow[], 'representative')
}

/** Whether the representative's user is active (in a statement on representatives). */
const userIsActive = () => {
  const u = alias(users, 'profile_user')
  return sql`exists (select 1 from ${users} as ${u} where ${u.organizationId} = "representatives"."organization_id"
    and ${u.id} = "representatives"."user_id" and ${u.isActive})`
}

/** A deactivated user's profile is OFFLINE until the user is reactivated: any other status is refused. */
export function inactiveProfileRefusal(status: string | undefined) {
  return errors.conflict(
    'REPRESENTATIVE_INACTIVE',
    `The representative’s user account is deactivated: the profile stays OFFLINE (not ${status}) until the user is reactivated.`,
  )
}

/**
 * Conditional update of the representative selected by `which` (its id, or the caller's own user id for
 * `/v1/me/status`), read back with the user's fields, in one round trip. A deactivated user's profile stays
 * OFFLINE (deactivating takes it there, users.data.ts): any other status is 409 REPRESENTATIVE_INACTIVE, also when
 * the deactivation commits while this write waits for the profile's row lock.
 */
export function updateRepresentative(
  db: TenantDb,
  which: SQL,
  changes: UpdateRepresentativeInput,
  versions: number[] | undefined,
): Promise<RepresentativeRow> {
  const available = changes.status !== undefined && changes.status !== 'OFFLINE'
  return updateWhere<typeof representatives, Representative, RepresentativeRow>(
    db,
    representatives,
    which,
    changes,
    {
      what: 'representative',
      versions,
      view: selectRepresentatives(db, which),
      // The profile is locked in a statement of its own, as a deactivation locks it before it changes the user
      // (users.data.ts): the UPDATE then reads the user with a snapshot taken after a deactivation in flight has
      // committed. In the UPDATE alone, the check would read the user as it was before the wait for the lock.
      first: available
        ? db.selectFields(representatives, { id: representatives.id }, which).for('update')
        : undefined,
      conditions: available ? [userIsActive()] : [],
      // At a named version and refused: the only other condition is the active user.
      explain: available ? () => inactiveProfileRefusal(changes.status) : undefined,
    },
  )
}

/**
 * Locks the user of the representative about to be assigned (a ticket or an escalation) FOR SHARE, before the row
 * that is assigned: the assignee trigger of 0017 takes that lock anyway, but only once it holds the assigned row, and
 * a deactivation holds the users it checks (the person, the other active admins) while it waits for the person's
 * tickets and escalations. Taken first, an assignment and a deactivation queue instead of deadlocking.
 */
export function assigneeUserLock(db: TenantDb, representativeId: string): Statement {
  return db
    .selectFields(
      users,
      { id: users.id },
      sql`${users.id} = (select ${representatives.userId} from ${representatives}
        where ${representatives.organizationId} = ${db.organizationId} and ${representatives.id} = ${representativeId})`,
    )
    .for('share')
}
