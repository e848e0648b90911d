import { z } from '@hono/zod-openapi'
import { getTableName, type SQL, sql } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import { ApiError } from './errors'
import { isSafeText, parseTimestamp } from './input'

/**
 * Keyset (cursor) pagination shared by every list endpoint: a whitelist of sorts, each an ordered list of
 * columns that ends with the primary key (so the order is total and stable), all in one direction, so the
 * cursor condition is one row comparison the composite (organization_id, …, id) indexes serve.
 * No count(*): `limit + 1` rows tell whether another page exists.
 */
export interface SortOrder {
  columns: readonly PgColumn[]
  direction: 'asc' | 'desc'
  /**
   * One unique text column, compared in code-point (byte) order with the text_pattern_ops operators (`~<~`,
   * `~>~`). They are LEAKPROOF, so under row-level security the (organization_id, column text_pattern_ops) index
   * serves both the cursor condition and the order (the default collation's `<` is not leakproof and could not).
   */
  byteOrder?: boolean
  /**
   * A feed read in the order its rows arrive, which a client follows: its last page too hands out the cursor after
   * its last row (an empty page the cursor it was read after), to poll with for newer rows. Only for a list where
   * no row can appear behind a position already handed out (the events' settled horizon).
   */
  followed?: boolean
}

export const MAX_PAGE_SIZE = 100

/**
 * A page size from the query string: decimal digits, as the document's `integer` says (`z.coerce` took anything
 * Number() reads: `0x10`, `1e1`, `10.0`, a blank as 0); anything else reaches z.int() as it came and is refused.
 */
export const pageSizeQuery = z
  .preprocess(
    (value) => (typeof value === 'string' && /^[0-9]{1,4}$/.test(value) ? Number(value) : value),
    z.int().min(1).max(MAX_PAGE_SIZE),
  )
  .default(25)
  .openapi({ description: `Page size (1–${MAX_PAGE_SIZE}).`, example: 25 })

export const pageQuerySchema = {
  limit: pageSizeQuery,
  cursor: z
    .string()
    .max(1024)
    .optional()
    .openapi({ description: 'Opaque cursor from the previous page’s `nextCursor`.' }),
}

/** `?sort=` accepting only the given names (`-` prefix = descending, by convention of the names). */
export function sortQuerySchema<const S extends string>(names: readonly [S, ...S[]], defaultSort: S) {
  return z.enum(names).default(defaultSort).openapi({ description: 'Sort order (whitelist).' })
}

/**
 * Which sorts a list accepts with which filters: its sorts, its default, and the filters that only some sorts serve
 * flat at any size (no index holds such a filter's range in another order: an amount range in creation order is
 * read row by row until a page matches). With such a filter the sort must be one of its sorts, the first of which
 * is then the default. One declaration per list: the REST query's `sort` (and its OpenAPI descriptions), and the
 * same list read by `expand` and GraphQL (src/reads), decide the sort with `listSort`.
 */
export interface SortRule<S extends string> {
  sorts: readonly [S, ...S[]]
  default: S
  narrowedBy?: Readonly<Record<string, readonly [S, ...S[]]>>
}

const quoted = (names: readonly string[]) => names.map((name) => `\`${name}\``).join(', ')

/** The sorts a rule accepts with the filters given (all of them without a narrowing filter). */
function acceptedSorts<S extends string>(rule: SortRule<S>, filters: readonly string[]): readonly S[] {
  return filters.reduce<readonly S[]>(
    (accepted, filter) => accepted.filter((sort) => rule.narrowedBy?.[filter]?.includes(sort) ?? true),
    rule.sorts,
  )
}

/**
 * The sort of a list query: the caller's, else the default of the narrowing filters given, else the list's. A sort
 * a given filter does not accept is a 400 UNSUPPORTED_FILTER_SORT naming the combination and the accepted sorts.
 */
export function listSort<S extends string>(
  query: { sort?: S | undefined } & Record<string, unknown>,
  rule: SortRule<S>,
): S {
  const narrowing = Object.keys(rule.narrowedBy ?? {}).filter((filter) => query[filter] !== undefined)
  const accepted = acceptedSorts(rule, narrowing)
  const sort = query.sort ?? (narrowing.length > 0 ? accepted[0] : rule.default)
  if (sort !== undefined && accepted.includes(sort)) return sort
  const given = quoted(narrowing)
  throw new ApiError(
    400,
    'UNSUPPORTED_FILTER_SORT',
    'Bad Request',
    `${given} with \`sort=${sort ?? ''}\` is not supported: no index serves that filter in that order at every ` +
      `size. Accepted with ${given}: ${accepted.length > 0 ? quoted(accepted) : 'none'} (the first is the default).`,
    { errors: [{ path: 'sort', message: `Not accepted with ${given}; accepted: ${quoted(accepted)}.` }] },
  )
}

/** `?sort=` of a list with a sort rule: optional, its default and every narrowing filter's sorts in its description. */
export function sortParameter<S extends string>(rule: SortRule<S>) {
  const narrowing = Object.entries(rule.narrowedBy ?? {}).map(
    ([filter, sorts]) =>
      ` With \`${filter}\`: ${quoted(sorts as readonly S[])} only (default \`${sorts[0]}\`).`,
  )
  return z
    .enum(rule.sorts)
    .optional()
    .openapi({
      description:
        `Sort order (whitelist). Default: \`${rule.default}\`.${narrowing.join('')}` +
        (narrowing.length > 0 ? ' Any other sort with such a filter is 400 `UNSUPPORTED_FILTER_SORT`.' : ''),
    })
}

/** What a narrowing filter's description adds: the sorts it is listed in (for its parameter's description). */
export function narrowedSortsNote<S extends string>(rule: SortRule<S>, filter: string): string {
  const sorts = rule.narrowedBy?.[filter]
  if (!sorts) throw new Error(`${filter} narrows no sort`)
  return (
    `Listed in ${quoted(sorts)} order only (default \`${sorts[0]}\`): with any other sort the request is 400 ` +
    '`UNSUPPORTED_FILTER_SORT` (no index serves it in another order at every size).'
  )
}

/** `{ data, nextCursor }` schema of a list response. */
export function pageSchema<T extends z.ZodType>(item: T, name: string) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() }).openapi(name)
}

interface CursorPayload {
  s: string
  v: string[]
}

export function invalidCursor(): ApiError {
  return new ApiError(
    400,
    'INVALID_CURSOR',
    'Bad Request',
    'The cursor is invalid, or belongs to another list, sort order or filters.',
  )
}

function toBase64Url(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '')
}

function fromBase64Url(encoded: string): string {
  const binary = atob(encoded.replaceAll('-', '+').replaceAll('_', '/'))
  return new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)))
}

function cursorValue(value: unknown): string {
  if (value instanceof Date) return value.toISOString()
  return String(value)
}

/**
 * The filters of a list query (its parameters but the page's own, and the list's path ids), as a short fingerprint
 * its cursors carry: a cursor continues the list it came from, so with other filters (or another budget's usage) it
 * is a 400, not a position that silently skips that list's rows before it. '' without filters. Case-insensitive (ids
 * and searches are), and the order of the parameters does not matter; REST, `expand` and GraphQL parse the same
 * query schema, so their cursors stay interchangeable.
 */
export function filterKey(query: object): string {
  const text = JSON.stringify(
    Object.entries(query)
      .filter(([key, value]) => value != null && !['limit', 'cursor', 'sort', 'expand'].includes(key))
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  ).toLowerCase()
  let hash = 2166136261
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 16777619)
  return text === '[]' ? '' : (hash >>> 0).toString(36)
}

/** Decodes a cursor for the given sort (and filters); any tampering or mismatch is a 400, never a database error. */
export function decodeCursor(cursor: string, sortName: string, order: SortOrder, filters = ''): string[] {
  let payload: CursorPayload
  try {
    payload = JSON.parse(fromBase64Url(cursor)) as CursorPayload
  } catch {
    throw invalidCursor()
  }
  const values = payload?.v
  if (
    payload?.s !== listSortOf(sortName, order, filters) ||
    !Array.isArray(values) ||
    values.length !== order.columns.length
  )
    throw invalidCursor()
  order.columns.forEach((column, index) => {
    const value = values[index]
    if (typeof value !== 'string' || !isValidFor(column, value)) throw invalidCursor()
  })
  return values
}

const INT4 = /^-?\d{1,10}$/
const NUMERIC_12_2 = /^-?\d{1,10}(\.\d{1,2})?$/

/**
 * A cursor is caller input: each value must be one its column's type accepts exactly as JavaScript wrote it,
 * so a forged cursor is a 400 here and never a cast error (or a different row order) in Postgres.
 */
function isValidFor(column: PgColumn, value: string): boolean {
  switch (column.columnType) {
    case 'PgUUID':
      return z.uuid().safeParse(value).success
    case 'PgTimestamp':
      return parseTimestamp(value) !== undefined
    case 'PgDateString':
      return /^\d{4}-\d\d-\d\d$/.test(value) && parseTimestamp(`${value}T00:00:00Z`) !== undefined
    case 'PgEnumColumn':
      return (column.enumValues ?? []).includes(value)
    case 'PgInteger':
      return INT4.test(value) && Math.abs(Number(value)) <= 2_147_483_647
    case 'PgBigInt53':
      return /^-?\d{1,16}$/.test(value) && Number.isSafeInteger(Number(value))
    case 'PgNumeric':
      return NUMERIC_12_2.test(value)
    default:
      return value.length <= 512 && isSafeText(value)
  }
}

/** The rows after the cursor in the sort's order: `(a, b, id) > (…)` (or `<` when descending). */
export function afterCursor(order: SortOrder, values: readonly string[]): SQL {
  if (order.byteOrder) {
    const [column] = order.columns as [PgColumn]
    return order.direction === 'asc' ? sql`${column} ~>~ ${values[0]}` : sql`${column} ~<~ ${values[0]}`
  }
  const columns = sql.join(
    order.columns.map((column) => sql`${column}`),
    sql`, `,
  )
  const params = sql.join(
    order.columns.map((column, index) => sql`cast(${values[index]} as ${sql.raw(column.getSQLType())})`),
    sql`, `,
  )
  return order.direction === 'asc' ? sql`(${columns}) > (${params})` : sql`(${columns}) < (${params})`
}

/** ORDER BY of the sort. */
export function orderByOf(order: SortOrder): SQL[] {
  if (order.byteOrder) {
    return order.columns.map((column) =>
      order.direction === 'asc' ? sql`${column} using ~<~` : sql`${column} using ~>~`,
    )
  }
  return order.columns.map((column) => (order.direction === 'asc' ? sql`${column} asc` : sql`${column} desc`))
}

/**
 * Cuts the `limit + 1` rows fetched into a page and the cursor of the next one: null at the end, but for a followed
 * feed, whose cursor stays where the reader is (`cursor`, the one this page was read after).
 */
export function toPage<Row extends Record<string, unknown>>(
  rows: Row[],
  limit: number,
  sortName: string,
  order: SortOrder,
  filters = '',
  cursor?: string,
): { data: Row[]; nextCursor: string | null } {
  const data = rows.slice(0, limit)
  const last = data[data.length - 1]
  if (rows.length <= limit && !order.followed) return { data, nextCursor: null }
  return { data, nextCursor: last ? cursorOf(last, sortName, order, filters) : (cursor ?? null) }
}

/** The cursor of a row's position in the sort (a list that pages both ways hands out its first row's too). */
export function cursorOf(
  row: Record<string, unknown>,
  sortName: string,
  order: SortOrder,
  filters = '',
): string {
  const values = order.columns.map((column) => cursorValue(row[keyOf(column)]))
  return toBase64Url(
    JSON.stringify({ s: listSortOf(sortName, order, filters), v: values } satisfies CursorPayload),
  )
}

/**
 * What a cursor names besides its values: the list (the table of the order's last column, the unique tiebreaker),
 * the sort and the filters (`filterKey`), so a cursor of another list with a sort of the same name and column types (`-createdAt` of tickets
 * on users, the organization's metrics on the team's) is refused, not read as a position in this one. Users and
 * customers by `email` share it: the same key (users.email), the same positions.
 */
function listSortOf(sortName: string, order: SortOrder, filters: string): string {
  const list = getTableName((order.columns[order.columns.length - 1] as PgColumn).table)
  return `${list}:${sortName}${filters && `:${filters}`}`
}

/** The TS property name of a column in the selected row (drizzle selects table columns by key). */
function keyOf(column: PgColumn): string {
  const table = column.table as unknown as Record<string, unknown>
  const key = Object.keys(table).find((name) => table[name] === column)
  if (!key) throw new Error(`column ${column.name} is not a property of its table`)
  return key
}
