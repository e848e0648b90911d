import { type SQL, sql } from 'drizzle-orm'
import { check, integer, numeric, pgPolicy, timestamp, uuid } from 'drizzle-orm/pg-core'

/**
 * The tenant of the current transaction, as `app_begin_request` stores it (transaction-local).
 * `nullif(..., '')` because an unset custom setting reads as '' once it has been set in the session;
 * the `(select ...)` wrapper makes Postgres evaluate it once per statement instead of once per row.
 */
export const CURRENT_ORGANIZATION_SQL =
  "(select nullif(current_setting('app.organization_id', true), '')::uuid)"

/**
 * The most a free-form object that PATCH merges into (settings, context, preferences) may hold, as Postgres renders
 * the jsonb (`::text`): each body's 16 KiB (src/lib/schemas.ts) alone no longer bounds it. Twice that: jsonb's
 * rendering adds a space after each `:` and `,`, so an object a single body sets fits (unless its numbers are
 * written with large exponents, which jsonb spells out).
 */
export const MAX_STORED_FREE_FORM_BYTES = 32 * 1024

/**
 * The CHECK `<table>_<column>_size` capping a merged free-form object; its violation is a 422 on the field
 * (apiErrorFromPostgres, src/lib/errors.ts), whichever route wrote it.
 */
export function storedSizeCheck(table: string, column: 'settings' | 'context' | 'preferences') {
  return check(
    `${table}_${column}_size`,
    sql.raw(`octet_length(${column}::text) <= ${MAX_STORED_FREE_FORM_BYTES}`),
  )
}

/** `id` and `organization_id` of every tenant table (a fresh pair of builders per table). */
export function tenantKeys() {
  return {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull(),
  }
}

/**
 * version / created_at / updated_at; fresh builders per table (drizzle builders must not be shared).
 * `version` starts at 1 and every UPDATE through TenantDb adds 1 under the row lock, so it strictly increases
 * on every write and two writes never share one: it is the row's ETag (see src/lib/etag.ts).
 * Millisecond precision, the precision of a JavaScript Date: cursors (created_at, updated_at) round-trip
 * through the API exactly and compare equal in SQL.
 */
export function versionAndTimestamps() {
  return {
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 })
      .notNull()
      .defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 })
      .notNull()
      .defaultNow(),
  }
}

/**
 * numeric(12,2) money, read and written as a decimal string ("125.00"), never a float; a sum of many amounts is
 * wider (`precision`).
 */
export function money(name: string, precision = 12) {
  return numeric(name, { precision, scale: 2, mode: 'string' })
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

export const CURRENT_PRINCIPAL_ROLE_SQL = "(select nullif(current_setting('app.principal_role', true), ''))"
export const CURRENT_PRINCIPAL_ID_SQL = "(select nullif(current_setting('app.principal_id', true), '')::uuid)"

/**
 * Row-level security of the CUSTOMER "own rows only" rule (docs/api.md §3), restrictive so it narrows the tenant
 * policy: inside a CUSTOMER's transaction only rows whose `ownerColumn` is the caller are visible or writable.
 * The code enforces the same rule (TenantDb ownership); this is the database refusing what the code forgets.
 */
export function customerOwnRowsPolicy(ownerColumn: 'customer_id' | 'user_id' | 'id') {
  const ownRow: SQL = sql.raw(
    `${CURRENT_PRINCIPAL_ROLE_SQL} is distinct from 'CUSTOMER' or ${ownerColumn} = ${CURRENT_PRINCIPAL_ID_SQL}`,
  )
  return pgPolicy('customer_own_rows', {
    as: 'restrictive',
    for: 'all',
    to: 'public',
    using: ownRow,
    withCheck: ownRow,
  })
}
