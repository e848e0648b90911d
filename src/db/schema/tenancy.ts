import { sql } from 'drizzle-orm'
import {
  type AnyPgColumn,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core'
import { organizationPlanEnum, organizationStatusEnum, userRoleEnum, userRoleValues } from './enums'
import {
  customerOwnRowsPolicy,
  storedSizeCheck,
  tenantIsolationPolicy,
  tenantKeys,
  versionAndTimestamps,
} from './helpers'
import type { OrganizationSettings } from './types'

/** Tenants. The root of every cascade: deleting an organization deletes all of its rows. */
export const organizations = pgTable(
  'organizations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    plan: organizationPlanEnum('plan').notNull().default('FREE'),
    status: organizationStatusEnum('status').notNull().default('TRIAL'),
    settings: jsonb('settings').$type<OrganizationSettings>().notNull().default({}),
    /** Last ticket sequence handed out: the next ticket is `TICKET-${ticketSequence + 1}`. */
    ticketSequence: integer('ticket_sequence').notNull().default(1000),
    ...versionAndTimestamps(),
  },
  (t) => [
    unique('organizations_slug_key').on(t.slug),
    check('organizations_slug_format', sql`slug ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'`),
    check('organizations_name_not_blank', sql`btrim(name) <> ''`),
    check('organizations_ticket_sequence_non_negative', sql`ticket_sequence >= 0`),
    check('organizations_settings_is_object', sql`jsonb_typeof(settings) = 'object'`),
    storedSizeCheck('organizations', 'settings'),
    tenantIsolationPolicy('id'),
  ],
)

/**
 * `organization_id → organizations(id) ON DELETE CASCADE`, for the extras of every tenant table.
 * Its index is the table's composite index that starts with organization_id (see DATABASE.md).
 */
export function organizationForeignKey(tableName: string, organizationId: AnyPgColumn) {
  return foreignKey({
    name: `${tableName}_organization_fk`,
    columns: [organizationId],
    foreignColumns: [organizations.id],
  }).onDelete('cascade')
}

/**
 * A composite tenant foreign key, (organization_id, column) → (target.organization_id, target.id): a row can point
 * only at a row of its own tenant, whatever the code forgets (the target has unique (organization_id, id)).
 */
export function tenantForeignKey(
  name: string,
  organizationId: AnyPgColumn,
  column: AnyPgColumn,
  target: { organizationId: AnyPgColumn; id: AnyPgColumn },
) {
  return foreignKey({
    name,
    columns: [organizationId, column],
    foreignColumns: [target.organizationId, target.id],
  })
}

/**
 * Accounts of customers, representatives and admins. Emails are stored lower-cased (CHECK), so the
 * plain unique (organization_id, email) is case-insensitive and usable as an ON CONFLICT target.
 */
export const users = pgTable(
  'users',
  {
    ...tenantKeys(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: userRoleEnum('role').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true, mode: 'date' }),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('users', t.organizationId),
    unique('users_organization_id_id_key').on(t.organizationId, t.id),
    unique('users_organization_id_email_key').on(t.organizationId, t.email),
    // One partial index per role: under row-level security an enum comparison is never an index condition for
    // app_api (not LEAKPROOF), a partial index's predicate still applies (see tickets in support.ts).
    ...userRoleValues.map((value) =>
      index(`users_role_${value.toLowerCase()}_idx`)
        .on(t.organizationId, t.createdAt, t.id)
        .where(sql.raw(`role = '${value}'`)),
    ),
    index('users_organization_id_created_at_id_idx').on(t.organizationId, t.createdAt, t.id),
    index('users_organization_id_is_active_created_at_id_idx').on(
      t.organizationId,
      t.isActive,
      t.createdAt,
      t.id,
    ),
    // `email like 'prefix%'` (emails are lower-cased, see the CHECK below).
    index('users_organization_id_email_pattern_idx').on(t.organizationId, t.email.op('text_pattern_ops')),
    check('users_email_lower_case', sql`email = lower(email)`),
    check('users_email_format', sql`email ~ '^[^@[:space:]]+@[^@[:space:]]+$'`),
    check('users_name_not_blank', sql`btrim(name) <> ''`),
    tenantIsolationPolicy(),
    customerOwnRowsPolicy('id'),
  ],
)
