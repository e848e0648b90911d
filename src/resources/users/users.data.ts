import { and, eq, getTableColumns, inArray, ne, type SQL, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import { foundOr404, listView, refusalOf, writtenNow } from '../../db/crud'
import { customerProfiles, representatives, type User, users } from '../../db/schema'
import type { Statement, TenantDb } from '../../db/tenant'
import { errors, postgresErrorOf } from '../../lib/errors'
import { versionMatches } from '../../lib/etag'
import type { SortOrder } from '../../lib/pagination'
import { emailSearchSort } from '../../lib/schemas'
import { requeueEscalationsStatement } from '../escalations/escalations.data'
import { inactiveProfileRefusal } from '../representatives/representatives.data'
import { unassignTicketsStatement } from '../tickets/tickets.data'
import {
  type CreateUserInput,
  CustomerProfileInputSchema,
  type ListUsersQuery,
  onlyStaff,
  RepresentativeProfileInputSchema,
  type UpdateUserInput,
  type UserSort,
} from './users.schemas'

export type UserRow = User & { representativeId: string | null }

const sortOrders: Record<UserSort, SortOrder> = {
  '-createdAt': { columns: [users.createdAt, users.id], direction: 'desc' },
  createdAt: { columns: [users.createdAt, users.id], direction: 'asc' },
  email: { columns: [users.email], direction: 'asc', byteOrder: true },
}

/** Users with the id of their representative profile (if any): one statement. */
function selectUsers(db: TenantDb, ...conditions: Array<SQL | undefined>) {
  return db
    .selectFields(users, { ...getTableColumns(users), representativeId: representatives.id }, ...conditions)
    .leftJoin(
      representatives,
      and(eq(representatives.organizationId, users.organizationId), eq(representatives.userId, users.id)),
    )
}

/**
 * `like` with the caller's text taken literally (its % and _ escaped), and the same prefix as a byte-wise range
 * (`~>=~` / `~<~`, the text_pattern_ops operators, which are LEAKPROOF): under row-level security `like` can never be
 * an index condition for app_api, the range can, so the (organization_id, email text_pattern_ops) index serves it.
 */
export function startsWith(column: SQL.Aliased | Parameters<typeof eq>[0], prefix: string): SQL {
  const like = sql`${column} like ${`${prefix.replace(/[\\%_]/g, '\\$&')}%`}`
  const upper = prefixUpperBound(prefix)
  const below = upper === undefined ? sql`` : sql` and ${column} ~<~ ${upper}`
  return sql`(${like} and ${column} ~>=~ ${prefix}${below})`
}

/**
 * The least string above every string that starts with `prefix`, in code-point order (= UTF-8 byte order, which
 * `~<~` compares): the last code point plus one (past the surrogates; a maximal one is dropped and the carry moves
 * left). Undefined when there is none (the prefix is only U+10FFFF).
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix, (char) => char.codePointAt(0) as number)
  while (points.length > 0) {
    const last = points.pop() as number
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1
    if (next <= 0x10ffff) return String.fromCodePoint(...points, next)
  }
  return undefined
}

export function listUsers(db: TenantDb, query: ListUsersQuery) {
  return listView<UserSort, UserRow>(db, { ...query, sort: emailSearchSort(query) }, sortOrders, (after) =>
    selectUsers(
      db,
      after,
      query.role ? inArray(users.role, query.role) : undefined,
      query.isActive === undefined ? undefined : eq(users.isActive, query.isActive),
      query.emailPrefix ? startsWith(users.email, query.emailPrefix) : undefined,
    ),
  )
}

export async function getUser(db: TenantDb, userId: string): Promise<UserRow> {
  const [rows] = await db.run(selectUsers(db, eq(users.id, userId)))
  return foundOr404(rows as unknown as UserRow[], 'user')
}

/**
 * Creates the user and its profile (REPRESENTATIVE: representative profile; ADMIN: one if asked for;
 * CUSTOMER: customer profile) in one transaction and one round trip; the id is chosen here so the
 * statements of the batch can reference it.
 */
export async function createUser(
  db: TenantDb,
  input: CreateUserInput,
  id: string = crypto.randomUUID(),
): Promise<UserRow> {
  const { representative, customer, ...user } = input
  const takesTickets = input.role === 'REPRESENTATIVE' || (input.role === 'ADMIN' && representative)
  try {
    const results = await db.run(
      db.insert(users, { ...user, id }),
      ...(takesTickets
        ? [
            db.insert(representatives, {
              ...RepresentativeProfileInputSchema.parse(representative ?? {}),
              userId: id,
            }),
          ]
        : []),
      ...(input.role === 'CUSTOMER'
        ? [db.insert(customerProfiles, { ...CustomerProfileInputSchema.parse(customer ?? {}), userId: id })]
        : []),
      selectUsers(db, eq(users.id, id)),
    )
    return foundOr404(results[results.length - 1] as unknown as UserRow[], 'user')
  } catch (error) {
    throw emailTaken(error) ?? error
  }
}

function emailTaken(error: unknown) {
  if (postgresErrorOf(error)?.constraint !== 'users_organization_id_email_key') return undefined
  return errors.conflict('EMAIL_TAKEN', 'A user with this email already exists in the organization.')
}

/**
 * PATCH in one round trip. Rules held in the UPDATE itself, so concurrent requests cannot break them:
 * - a customer stays a customer and staff stay staff (REPRESENTATIVE ↔ ADMIN only);
 * - the organization keeps at least one active ADMIN: the other active admins are locked (FOR UPDATE), so two
 *   admins deactivating each other at once cannot both succeed.
 * Becoming REPRESENTATIVE creates the representative profile if the user had none; `representative` creates it with
 * those fields for a staff user (ADMIN too) the UPDATE accepted (its row is this transaction's), and a user who
 * has one already fails the INSERT (the unique key): the whole batch rolls back, 409 REPRESENTATIVE_PROFILE_EXISTS.
 * Deactivating (`isActive: false`) also, in the same transaction: takes the user's representative profile OFFLINE,
 * sends its open escalations (ASSIGNED, IN_PROGRESS) back to the queue (PENDING, unassigned) and unassigns its
 * tickets that are not CLOSED (a RESOLVED one may be reopened). The profiles are locked first (FOR NO KEY UPDATE: a
 * foreign key's FOR KEY SHARE, e.g. a ticket being assigned, need not wait), as assigners lock it before they assign (escalations.data.ts), so an assignment in flight either commits first and is released here,
 * or waits and is refused (REPRESENTATIVE_INACTIVE): nobody inactive keeps work.
 */
export async function updateUser(
  db: TenantDb,
  userId: string,
  changes: UpdateUserInput,
  versions: number[] | undefined,
): Promise<UserRow> {
  const { representative, ...set } = changes
  const profile = RepresentativeProfileInputSchema.parse(representative ?? {})
  const losesAdmin = changes.isActive === false || (changes.role !== undefined && changes.role !== 'ADMIN')
  const otherAdmins = db.lockRows(
    'other_admins',
    users,
    eq(users.role, 'ADMIN'),
    eq(users.isActive, true),
    ne(users.id, userId),
  )
  const keepsAnAdmin = sql`(not (${users.role} = 'ADMIN' and ${users.isActive}) or exists (select 1 from ${otherAdmins}))`
  const deactivates = changes.isActive === false
  // A profile created for a user inactive after this PATCH is OFFLINE, as PATCH /v1/representatives holds it:
  // another status is refused (judged on the user's row as the UPDATE finds it; userRefusal explains).
  const activeAfter = changes.isActive === undefined ? eq(users.isActive, true) : sql`${changes.isActive}`
  const profileAvailable = asksAvailable(changes) ? activeAfter : undefined
  // A change of what the profiles show (name, email, isActive) is a new version of them, written by the users trigger
  // (migration 0064) after the user's row: their rows are locked first, in the order assigners take them.
  const touchesProfiles = set.name !== undefined || set.email !== undefined || set.isActive !== undefined
  const before: Statement[] = touchesProfiles
    ? [
        db
          .selectFields(representatives, { id: representatives.id }, eq(representatives.userId, userId))
          .for('no key update'),
        db
          .selectFields(
            customerProfiles,
            { id: customerProfiles.userId },
            eq(customerProfiles.userId, userId),
          )
          .for('no key update'),
      ]
    : []
  const results = (await db
    .run(
      ...(before as []),
      db
        .updateWith(
          losesAdmin ? [otherAdmins] : [],
          users,
          set,
          eq(users.id, userId),
          versionMatches(users.version, versions),
          roleChangeAllowed(changes.role),
          representative && ne(users.role, 'CUSTOMER'),
          profileAvailable,
          losesAdmin ? keepsAnAdmin : undefined,
        )
        .returning(),
      // The row as it is after the UPDATE (db/crud.ts, updateWhere): when the UPDATE waited for the row while another
      // change committed, a refusal is judged on that change (412 for a version it no longer has).
      db.select(users, eq(users.id, userId)),
      // Before the work is released: a profile created while deactivating goes OFFLINE with it.
      db.raw(sql`insert into ${representatives} (organization_id, user_id, role, status, max_concurrent_tickets, skills, languages)
      select ${users.organizationId}, ${users.id}, ${profile.role}::representative_role, ${profile.status}::representative_status,
        ${profile.maxConcurrentTickets}::int, ${JSON.stringify(profile.skills)}::jsonb, ${JSON.stringify(profile.languages)}::jsonb
      from ${users} where ${users.organizationId} = ${db.organizationId} and ${users.id} = ${userId}
      ${representative ? sql`and ${writtenNow(db, users, userId)}` : sql`and ${users.role} = 'REPRESENTATIVE' on conflict (organization_id, user_id) do nothing`}`),
      ...(deactivates ? releaseWorkStatements(db, userId) : []),
      selectUsers(db, eq(users.id, userId)),
    )
    .catch((error) => {
      if (postgresErrorOf(error)?.constraint === 'representatives_organization_id_user_id_key') {
        throw errors.conflict(
          'REPRESENTATIVE_PROFILE_EXISTS',
          'The user already has a representative profile: change it with PATCH /v1/representatives/{representativeId} (the user’s representativeId).',
        )
      }
      throw emailTaken(error) ?? error
    })) as unknown as unknown[][]
  const [updated] = results[before.length] as User[]
  const [current] = results[before.length + 1] as User[]
  const [view] = results[results.length - 1] as UserRow[]
  if (updated && view) return view
  throw refusalOf(current, {
    what: 'user',
    versions,
    explain: (row) => userRefusal(row, changes, losesAdmin),
  })
}

/**
 * What deactivating a user does to its work, as statements after the user's UPDATE (they act only when the user is
 * inactive by then, so a refused deactivation changes nothing): its representative profile goes OFFLINE, its open
 * escalations back to the queue, its tickets are unassigned.
 */
function releaseWorkStatements(db: TenantDb, userId: string): Statement[] {
  const u = alias(users, 'deactivated_user')
  const inactive = sql`exists (select 1 from ${users} as ${u}
    where ${u.organizationId} = ${db.organizationId} and ${u.id} = ${userId} and not ${u.isActive})`
  const r = alias(representatives, 'deactivated_profile')
  const profile = sql`(select ${r.id} from ${representatives} as ${r}
    where ${r.organizationId} = ${db.organizationId} and ${r.userId} = ${userId})`
  return [
    db.update(
      representatives,
      { status: 'OFFLINE' },
      eq(representatives.userId, userId),
      ne(representatives.status, 'OFFLINE'),
      inactive,
    ),
    requeueEscalationsStatement(db, profile, inactive),
    unassignTicketsStatement(db, profile, inactive),
  ]
}

function roleChangeAllowed(role: UpdateUserInput['role']): SQL | undefined {
  if (role === undefined) return undefined
  return role === 'CUSTOMER' ? eq(users.role, 'CUSTOMER') : ne(users.role, 'CUSTOMER')
}

/** The PATCH creates a representative profile with a status other than OFFLINE. */
const asksAvailable = (changes: UpdateUserInput) =>
  changes.representative?.status !== undefined && changes.representative.status !== 'OFFLINE'

function userRefusal(current: User, changes: UpdateUserInput, losesAdmin: boolean) {
  if (changes.role && (changes.role === 'CUSTOMER') !== (current.role === 'CUSTOMER')) {
    return errors.conflict(
      'ROLE_CHANGE_NOT_ALLOWED',
      `A ${current.role} cannot become ${changes.role}: customers and staff are different accounts.`,
    )
  }
  // Refused whatever else the row holds (before LAST_ADMIN, which the UPDATE may not have been refused for).
  if (asksAvailable(changes) && !(changes.isActive ?? current.isActive)) {
    return inactiveProfileRefusal(changes.representative?.status)
  }
  // Only a change that takes the ADMIN away can be refused for it (a rename is not).
  if (losesAdmin && current.role === 'ADMIN' && current.isActive) {
    return errors.conflict(
      'LAST_ADMIN',
      'The organization must keep at least one active ADMIN: promote or activate another admin first.',
    )
  }
  if (changes.representative && current.role === 'CUSTOMER') {
    return errors.validation([{ path: 'representative', message: onlyStaff }])
  }
  return undefined
}
