import { type SQL, sql } from 'drizzle-orm'
import { numeric, pgPolicy, timestamp, uuid } from 'drizzle-orm/pg-core'

/**
 * The tenant of the current transaction, as `app_begin_request` stores it (transaction-local).
 * `nullif(..., '')` because an unset custom setting reads as '' once it has been set in the session;
 * the `(select ...)` wrapper makes Postgres evaluate it once per statement instead of once per row.
 */
export const CURRENT_ORGANIZATION_SQL =
  "(select nullif(current_setting('app.organization_id', true), '')::uuid)"

/** `id` and `organization_id` of every tenant table (a fresh pair of builders per table). */
export function tenantKeys() {
  return {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull(),
  }
}

/**
 * created_at / updated_at; a fresh pair of builders per table (drizzle builders must not be shared).
 * Millisecond precision, the precision of a JavaScript Date: cursors (created_at) and ETags (updated_at)
 * round-trip through the API exactly and compare equal in SQL.
 */
export function timestamps() {
  return {
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 })
      .notNull()
      .defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  }
}

/** numeric(12,2) money, read and written as a decimal string ("125.00"), never a float. */
export function money(name: string) {
  return numeric(name, { precision: 12, scale: 2, mode: 'string' })
}

/** Row-level security: a row is visible and writable only inside its own tenant's transaction. */
export function tenantIsolationPolicy(tenantColumn: 'organization_id' | 'id' = 'organization_id') {
  const matchesTenant: SQL = sql.raw(`${tenantColumn} = ${CURRENT_ORGANIZATION_SQL}`)
  return pgPolicy('tenant_isolation', {
    as: 'permissive',
    for: 'all',
    to: 'public',
    using: matchesTenant,
    withCheck: matchesTenant,
  })
}
