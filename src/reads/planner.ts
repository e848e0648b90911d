import { Column, eq, is, type SQL, sql } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import type { Principal } from '../auth/principal'
import { ownershipCondition, type Statement, type TenantDb } from '../db/tenant'
import { ApiError, errors } from '../lib/errors'
import { afterCursor, cursorOf, decodeCursor, filterKey, orderByOf, type SortOrder } from '../lib/pagination'
import { mayView } from '../lib/representation'
import {
  continuationOf,
  nodePermission,
  type ReadContinuation,
  type ReadNode,
  type RowField,
  readNodes,
} from './graph'
import { type ReadEdge, type ReadNodeName, readEdges, readLimits } from './relations'

/*
 * The read planner: a root resource (one, or a page of a list) and a tree of related resources become ONE SQL
 * statement, whatever the depth or breadth: each related resource is a correlated subquery that builds its rows as
 * JSON (a `many` branch aggregates its first page), nested in its parent's. The statement runs in the request's
 * tenant batch (TenantDb: one round trip, the tenant bound for row-level security). At every level the resource's
 * own GET route decides: a role it refuses cannot reach it (403 naming the path), its ownership rules filter its
 * rows (a CUSTOMER reaches only its own tickets, refunds and PUBLIC messages), and its representation (`toX`,
 * src/lib/representation.ts) decides the fields. N+1 cannot happen: there is no second statement to issue.
 */

/** A related resource to read with its parent. */
export interface PlanBranch {
  /** Where it goes in the parent's representation (REST: the edge name; GraphQL: the field's response key). */
  key: string
  from: ReadNodeName
  edgeName: string
  edge: ReadEdge
  node: ReadNode
  /** `many`: the page size (at most readLimits.nestedPage) and the related list's filters (GraphQL arguments). */
  limit: number
  filters: Array<SQL | undefined>
  /** `many`: the list route's query parameters equivalent to `filters`, for the continuation URL. */
  params: Record<string, string>
  children: PlanBranch[]
  /** The dotted path from the root, for errors. */
  path: string
}

export interface ListRoot {
  node: ReadNode
  kind: 'list'
  limit: number
  cursor: string | undefined
  sort: string
  filters: Array<SQL | undefined>
  /** The list query's `filterKey`: what its cursors are for. */
  filterKey: string
  children: PlanBranch[]
}

/**
 * A list root from its list route's parsed query (`node.list`): the filters, sort and cursor REST reads from it, and
 * the fingerprint its cursors carry. One place for expand and GraphQL, so a list reads the same on every surface.
 */
export function listRoot(
  node: ReadNode,
  query: { limit: number; cursor?: string | undefined } & Record<string, unknown>,
  principal: Principal,
  children: PlanBranch[],
): ListRoot {
  if (!node.list) throw new Error(`${node.name} has no list`)
  const { filters, sort } = node.list.plan(query, principal)
  return {
    node,
    kind: 'list',
    limit: query.limit,
    cursor: query.cursor,
    sort,
    filters,
    filterKey: filterKey(query),
    children,
  }
}

export interface OneRoot {
  node: ReadNode
  kind: 'one'
  id: string
  children: PlanBranch[]
}

export type PlanRoot = ListRoot | OneRoot

/** A nested list as read: its first page, and where the rest is (null when there is no more). */
export interface ReadPage {
  data: ReadObject[]
  nextCursor: string | null
  nextUrl: string | null
}

/** A representation with its expansions (each a ReadObject, null, or a ReadPage), under their keys. */
export type ReadObject = Record<string, unknown>

/** What a ListRoot reads: a page as the resource's list route pages (its cursor continues it). */
export interface ReadListResult {
  items: ReadObject[]
  nextCursor: string | null
  /** The cursor of the last item (GraphQL `endCursor`), null on an empty page. */
  endCursor: string | null
  /** The rows as read (ETags of one-roots, tests). */
  rows: Array<Record<string, unknown>>
}

/** The key of an expansion in the statement's JSON (never a field's: fields are identifiers). */
const childKey = (key: string) => `@${key}`

/** jsonb_build_object takes at most 100 arguments: objects are built in chunks and merged. */
const PAIRS_PER_CALL = 40

/**
 * Checks that `principal` may follow `edgeName` from `from`: the related resource's GET route admits the role,
 * and, for a reference, the role may see the reference field itself (what is hidden is not expanded).
 */
export function authorizeEdge(principal: Principal, from: ReadNodeName, edgeName: string, path: string) {
  const edges = readEdges[from]
  const edge = Object.hasOwn(edges, edgeName) ? edges[edgeName] : undefined
  if (!edge) throw errors.badRequest('INVALID_PARAMETERS', `Unknown relation \`${path}\`.`)
  const node = readNodes[edge.to]
  const permission = nodePermission(node)
  const hidden = edge.via !== undefined && !mayView(readNodes[from].schema.shape[edge.via], principal)
  if (!permission.roles.includes(principal.role) || hidden) {
    throw errors.forbidden(
      'FORBIDDEN',
      `The role ${principal.role} may not read \`${path}\` (${node.name}: ${permission.roles.join(', ')} only).`,
    )
  }
  return { edge, node }
}

/** The root's permission check: the role may read the resource (its GET route, or its list route for a list). */
export function authorizeRoot(principal: Principal, node: ReadNode, asList: boolean) {
  const permission = nodePermission(node, asList)
  if (!permission.roles.includes(principal.role)) {
    throw errors.forbidden('FORBIDDEN', `The role ${principal.role} may not read ${node.name}.`)
  }
}

/** How a field's value goes into JSON so that decoding it gives what the driver's row would: exact decimals. */
function jsonValue(field: RowField): SQL {
  if (is(field, Column)) {
    const type = (field as PgColumn).columnType
    if (
      type === 'PgNumeric' ||
      type === 'PgBigInt64' ||
      type === 'PgDateString' ||
      type === 'PgTimestampString'
    )
      return sql`${field}::text`
  }
  return sql`${field}`
}

/** A field's value from JSON, as drizzle maps the driver's (timestamps to Dates, decimals as strings). */
function decodeValue(field: RowField, value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (is(field, Column)) return (field as PgColumn).mapFromDriverValue(value)
  const decoder = (field as unknown as { decoder?: { mapFromDriverValue(value: unknown): unknown } }).decoder
  return decoder ? decoder.mapFromDriverValue(value) : value
}

function ownership(principal: Principal, node: ReadNode, asList = false): SQL | undefined {
  const rules = nodePermission(node, asList).ownership?.[principal.role]?.rules
  return ownershipCondition(rules, node.table, principal.subject)
}

interface Built {
  db: TenantDb
  principal: Principal
}

/** The JSON object of one row of `node` (named by its table), with its branches' subqueries. */
function objectOf(built: Built, node: ReadNode, children: readonly PlanBranch[]): SQL {
  const pairs: SQL[] = Object.entries(node.fields(built.db)).map(
    ([key, field]) => sql`${key}::text, ${jsonValue(field)}`,
  )
  for (const child of children) pairs.push(sql`${childKey(child.key)}::text, ${branchOf(built, child)}`)
  const calls: SQL[] = []
  for (let index = 0; index < pairs.length; index += PAIRS_PER_CALL) {
    calls.push(sql`jsonb_build_object(${sql.join(pairs.slice(index, index + PAIRS_PER_CALL), sql`, `)})`)
  }
  return sql.join(calls, sql` || `)
}

/** A branch's subquery, correlated to its parent's row by the edge's columns. */
function branchOf(built: Built, branch: PlanBranch): SQL {
  const { db, principal } = built
  const { edge, node } = branch
  const table = node.table
  const where = sql.join(
    [
      sql`${table.organizationId} = ${db.organizationId}`,
      sql`${edge.child} = ${edge.parent}`,
      ownership(principal, node),
      ...branch.filters,
    ].filter((condition): condition is SQL => condition !== undefined),
    sql` and `,
  )
  const object = objectOf(built, node, branch.children)
  if (edge.kind === 'one') return sql`(select ${object} from ${table} where ${where} limit 1)`
  const { order } = continuationOf(branch.from, branch.edgeName)
  const keys = order.columns.map((column, index) => sql`${column} as ${sql.identifier(`s${index}`)}`)
  const direction = sql.raw(order.direction)
  const outerOrder = order.columns.map((_, index) => sql`page.${sql.identifier(`s${index}`)} ${direction}`)
  return sql`(select coalesce(jsonb_agg(page.data order by ${sql.join(outerOrder, sql`, `)}), '[]'::jsonb)
    from (select ${object} as data, ${sql.join(keys, sql`, `)} from ${table} where ${where}
      order by ${sql.join(orderByOf(order), sql`, `)} limit ${branch.limit + 1}) as page)`
}

/** The order and keyset condition of a list root (its list route's sorts and cursors). */
function listOrder(root: ListRoot): { order: SortOrder; after: SQL | undefined } {
  const order = root.node.list?.sorts[root.sort]
  if (!order) throw errors.badRequest('INVALID_PARAMETERS', `Unknown sort \`${root.sort}\`.`)
  const after = root.cursor
    ? afterCursor(order, decodeCursor(root.cursor, root.sort, order, root.filterKey))
    : undefined
  return { order, after }
}

/**
 * Why a list root cannot be read (an unknown sort, a cursor of another list), found before any is read: GraphQL
 * fails that root field alone, not the other fields of its batch.
 */
export function listRootRefusal(root: PlanRoot): ApiError | undefined {
  if (root.kind !== 'list') return undefined
  try {
    listOrder(root)
    return undefined
  } catch (error) {
    if (error instanceof ApiError) return error
    throw error
  }
}

/** The root's statement: one row per root object, its JSON in `data`. */
export function statementOf(db: TenantDb, principal: Principal, root: PlanRoot): Statement {
  const built = { db, principal }
  const data = { data: objectOf(built, root.node, root.children) }
  if (root.kind === 'one') {
    return db
      .selectFields(root.node.table, data, eq(root.node.identity, root.id), ownership(principal, root.node))
      .limit(1) as unknown as Statement
  }
  const { order, after } = listOrder(root)
  return db
    .selectFields(root.node.table, data, after, ownership(principal, root.node, true), ...root.filters)
    .orderBy(...orderByOf(order))
    .limit(root.limit + 1) as unknown as Statement
}

/** A node's row from its JSON: each field decoded as drizzle decodes the driver's value. */
function rowOf(db: TenantDb, node: ReadNode, data: Record<string, unknown>): Record<string, unknown> {
  const row: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(node.fields(db))) row[key] = decodeValue(field, data[key])
  return row
}

function continuationUrl(
  continuation: ReadContinuation,
  branch: PlanBranch,
  parentId: string,
  cursor: string,
) {
  const params = new URLSearchParams({
    ...continuation.params(parentId),
    ...branch.params,
    limit: String(branch.limit),
    cursor,
  })
  return `${continuation.path(parentId)}?${params}`
}

/** The representation of one row read by the plan, with its branches (the resource's own `toX` decides fields). */
function shape(
  built: Built,
  node: ReadNode,
  children: readonly PlanBranch[],
  data: Record<string, unknown>,
): { object: ReadObject; row: Record<string, unknown> } {
  const row = rowOf(built.db, node, data)
  const object: ReadObject = node.represent(row, built.principal)
  for (const child of children) {
    const value = data[childKey(child.key)]
    if (child.edge.kind === 'one') {
      object[child.key] =
        value === null || value === undefined
          ? null
          : shape(built, child.node, child.children, value as Record<string, unknown>).object
      continue
    }
    const items = (value ?? []) as Array<Record<string, unknown>>
    const page = items.slice(0, child.limit).map((item) => shape(built, child.node, child.children, item))
    const last = page[page.length - 1]
    const continuation = continuationOf(child.from, child.edgeName)
    const parentId = String(row[keyOfColumn(node, child.edge.parent)])
    const nextCursor =
      items.length > child.limit && last
        ? cursorOf(
            last.row,
            continuation.sortName,
            continuation.order,
            filterKey({
              ...continuation.pathIds?.(parentId),
              ...continuation.params(parentId),
              ...child.params,
            }),
          )
        : null
    object[child.key] = {
      data: page.map((item) => item.object),
      nextCursor,
      nextUrl: nextCursor ? continuationUrl(continuation, child, parentId, nextCursor) : null,
    } satisfies ReadPage
  }
  return { object, row }
}

/** The row key of one of the node's columns. */
function keyOfColumn(node: ReadNode, column: PgColumn): string {
  const table = node.table as unknown as Record<string, unknown>
  const key = Object.keys(table).find((name) => table[name] === column)
  if (!key) throw new Error(`${column.name} is not a column of ${node.name}`)
  return key
}

/** Shapes the rows of a root's statement. */
export function resultOf(
  db: TenantDb,
  principal: Principal,
  root: PlanRoot,
  rows: ReadonlyArray<{ data: Record<string, unknown> }>,
): ReadListResult {
  const built = { db, principal }
  const limit = root.kind === 'list' ? root.limit : 1
  const shaped = rows.slice(0, limit).map((row) => shape(built, root.node, root.children, row.data))
  const last = shaped[shaped.length - 1]
  const order = root.kind === 'list' ? listOrder(root).order : undefined
  const cursor = (item: typeof last) =>
    item && root.kind === 'list' && order ? cursorOf(item.row, root.sort, order, root.filterKey) : null
  return {
    items: shaped.map((item) => item.object),
    rows: shaped.map((item) => item.row),
    nextCursor: rows.length > limit ? cursor(last) : null,
    endCursor: cursor(last),
  }
}

/** Reads several roots in ONE round trip (one statement each, one batch), in order. */
export async function readPlans(
  db: TenantDb,
  principal: Principal,
  roots: readonly PlanRoot[],
): Promise<ReadListResult[]> {
  if (roots.length === 0) return []
  const statements = roots.map((root) => statementOf(db, principal, root))
  const results = (await db.read(...(statements as [Statement, ...Statement[]]))) as unknown as Array<
    Array<{ data: Record<string, unknown> }>
  >
  return roots.map((root, index) => resultOf(db, principal, root, results[index] ?? []))
}

/** The page size of a nested list: the caller's, capped. */
export function nestedLimit(requested: number | undefined): number {
  return Math.min(Math.max(requested ?? readLimits.nestedPage, 1), readLimits.nestedPage)
}
