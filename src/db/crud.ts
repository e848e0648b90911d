import { eq, type SQL, sql } from 'drizzle-orm'
import type { AnyPgColumn, PgUpdateSetSource } from 'drizzle-orm/pg-core'
import { type ApiError, errors } from '../lib/errors'
import { etagOf, isStale, versionMatches } from '../lib/etag'
import { afterCursor, decodeCursor, filterKey, orderByOf, type SortOrder, toPage } from '../lib/pagination'
import type { Statement, TenantDb, TenantTable } from './tenant'

/*
 * The list / get / conditional-update plumbing every resource shares, on top of TenantDb (tenant scoping,
 * one round trip per request) and the keyset cursors of src/lib/pagination.ts.
 */

export interface ListQuery<S extends string> {
  sort: S
  cursor?: string | undefined
  limit: number
  /** The list's filters (and path ids): what its cursors are for. */
  [filter: string]: unknown
}

/**
 * The keyset part of a list query: the cursor's condition, the order, `limit + 1`, and the page cutter. `query` is
 * the whole list query (its filters, and the path's ids): its cursors are for those filters only (`filterKey`).
 */
export function keysetPage<S extends string>(query: ListQuery<S>, sorts: Record<S, SortOrder>) {
  const order = sorts[query.sort]
  const filters = filterKey(query)
  return {
    after: query.cursor
      ? afterCursor(order, decodeCursor(query.cursor, query.sort, order, filters))
      : undefined,
    orderBy: orderByOf(order),
    limit: query.limit + 1,
    page: <Row extends Record<string, unknown>>(rows: Row[]) =>
      toPage(rows, query.limit, query.sort, order, filters, query.cursor),
  }
}

/** A select the list helpers order and limit (a drizzle dynamic select of TenantDb). */
interface OrderableSelect {
  orderBy(...columns: SQL[]): { limit(limit: number): unknown }
}

/**
 * One page of a list: `select(after)` is the resource's own select (a table, or a view joined with its user)
 * with the keyset cursor's condition among its conditions; this orders, limits and cuts it. One round trip;
 * `before` runs first in the same batch (e.g. a setting the select reads).
 */
export async function listView<S extends string, Row extends Record<string, unknown>>(
  db: TenantDb,
  query: ListQuery<S>,
  sorts: Record<S, SortOrder>,
  select: (after: SQL | undefined) => OrderableSelect,
  before: Statement[] = [],
) {
  const keyset = keysetPage(query, sorts)
  const results = await db.run(
    ...(before as []),
    select(keyset.after)
      .orderBy(...keyset.orderBy)
      .limit(keyset.limit) as Statement,
  )
  return keyset.page(results[before.length] as unknown as Row[])
}

/** One page of a tenant table: the caller's filters after the keyset cursor, in the sort's order. One round trip. */
export function listTable<T extends TenantTable, S extends string, Row extends Record<string, unknown>>(
  db: TenantDb,
  table: T,
  query: ListQuery<S>,
  sorts: Record<S, SortOrder>,
  filters: Array<SQL | undefined>,
) {
  return listView<S, Row>(db, query, sorts, (after) => db.select(table, after, ...filters))
}

/** The tenant's row of `table` with this id, or 404 (another tenant's id answers exactly the same). */
export async function getById<Row>(db: TenantDb, table: TenantTable, id: string, what: string): Promise<Row> {
  const [rows] = await db.run(db.select(table, eq(table.id, id)))
  return foundOr404(rows as Row[], what)
}

/** The only row of a lookup by id, or 404 with the resource's wording. */
export function foundOr404<Row>(rows: readonly Row[], what: string): Row {
  const [row] = rows
  if (!row) throw errors.notFound(`No such ${what}.`)
  return row
}

export interface ConditionalWrite<Row> {
  /** What the resource is called in messages ("ticket", "agent configuration"). */
  what: string
  /** The versions If-Match named (undefined: any). */
  versions: number[] | undefined
  /**
   * Why a write that matched no row was refused although the row exists at a named version (a 409); `effects` are
   * the results of the write's effects (updateWhere), read in the same batch.
   */
  explain?: ((current: Row, effects: unknown[][]) => ApiError | undefined) | undefined
}

/**
 * Why a conditional write changed nothing, judged on the row as read in the same batch: it does not exist
 * (404), it is not at a version the caller named (412, naming the version it is at), or the resource's own rule
 * refused it (409).
 */
export function refusalOf<Row extends { version: number }>(
  current: Row | undefined,
  write: ConditionalWrite<Row>,
  effects: unknown[][] = [],
): ApiError {
  if (!current) return errors.notFound(`No such ${write.what}.`)
  if (isStale(current, write.versions)) return errors.preconditionFailed(undefined, etagOf(current))
  return (
    write.explain?.(current, effects) ??
    errors.conflict('CONCURRENT_UPDATE', `The ${write.what} changed concurrently; read it again and retry.`)
  )
}

/** The options of `updateWhere` besides the write itself. */
export interface UpdateWhereOptions<Row> extends ConditionalWrite<Row> {
  conditions?: Array<SQL | undefined>
  /** The resource's view, read after the write (e.g. joined with its user). */
  view?: Statement
  /** A statement that runs first (e.g. a lock the write must hold). */
  first?: Statement
  /**
   * The write's effects on other rows, run after it in the same transaction. They run whether or not the UPDATE
   * took the row: each must guard itself (e.g. the row's xmin is this transaction's, `writtenNow`).
   */
  effects?: Statement[]
}

/**
 * PATCH-like write in one round trip: an UPDATE whose WHERE holds `which`, the If-Match versions and the
 * resource's own conditions (so a concurrent change never slips in), the row as it is then (to explain a
 * refusal), and optionally the resource's view, a statement that runs first and the write's effects.
 */
export async function updateWhere<T extends TenantTable, Row extends { version: number }, View = Row>(
  db: TenantDb,
  table: T,
  which: SQL,
  set: PgUpdateSetSource<T>,
  write: UpdateWhereOptions<Row>,
): Promise<View> {
  // The row is read AFTER the update: a statement of a Read Committed batch sees what concurrent writers
  // committed before it, so a write refused for a version the row no longer has is explained as 412.
  const statements: Statement[] = [
    ...(write.first ? [write.first] : []),
    db
      .update(table, set, which, versionMatches(table.version, write.versions), ...(write.conditions ?? []))
      .returning(),
    db.select(table, which),
    ...(write.view ? [write.view] : []),
    ...(write.effects ?? []),
  ]
  const results = await db.run(...(statements as [Statement, ...Statement[]]))
  const [[updated], [current], viewRows] = results.slice(write.first ? 1 : 0) as unknown as [
    Row[],
    Row[],
    View[] | undefined,
  ]
  if (!updated)
    throw refusalOf(current, write, results.slice(statements.length - (write.effects?.length ?? 0)))
  return (write.view && viewRows ? viewRows[0] : updated) as View
}

/**
 * A PATCH's free-form object as an RFC 7396 JSON Merge Patch of its jsonb column, applied by the UPDATE to the row
 * as it stands (app_json_merge_patch, migration 0047), never to a value read before: simultaneous PATCHes of
 * different keys all survive. Undefined (not sent): the column is left alone.
 */
export const mergePatch = (column: AnyPgColumn, patch: object | undefined): SQL | undefined =>
  patch && sql`app_json_merge_patch(${column}, ${JSON.stringify(patch)}::jsonb)`

/** `updateWhere` of the row with this id. */
export function updateVersioned<T extends TenantTable, Row extends { version: number }>(
  db: TenantDb,
  table: T,
  id: string,
  set: PgUpdateSetSource<T>,
  write: Omit<UpdateWhereOptions<Row>, 'view'>,
): Promise<Row> {
  return updateWhere<T, Row>(db, table, eq(table.id, id), set, write)
}

/**
 * Whether this transaction wrote the tenant's row of `table` with this id (its xmin): a write's effects' guard,
 * and an Idempotency-Key's completion. `key`: another unique column that names the row (a profile's user id).
 */
export function writtenNow(db: TenantDb, table: TenantTable, id: string, key: AnyPgColumn = table.id): SQL {
  return sql`exists (select 1 from ${table} where ${table.organizationId} = ${db.organizationId}
    and ${key} = ${id} and xmin = pg_current_xact_id()::xid)`
}
