/**
 * The wire format of Neon's SQL-over-HTTP endpoint, as Neon's proxy (`proxy/src/serverless/sql_over_http.rs`)
 * parses requests and writes responses, and as `@neondatabase/serverless` 1.x (`neon()`) consumes them.
 */

/** Limits of Neon's proxy (`max_request_size_bytes`, `max_response_size_bytes`). */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024

export type IsolationLevel = 'ReadUncommitted' | 'ReadCommitted' | 'RepeatableRead' | 'Serializable'

const ISOLATION_SQL: Record<IsolationLevel, string> = {
  ReadUncommitted: 'READ UNCOMMITTED',
  ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ',
  Serializable: 'SERIALIZABLE',
}

export interface Statement {
  query: string
  params: (string | null)[]
  /** Per-statement `arrayMode` from the body; overrides the `Neon-Array-Mode` header. */
  arrayMode?: boolean
}

export interface SqlRequest {
  user: string
  applicationName: string | null
  rawTextOutput: boolean
  arrayMode: boolean
  isolationLevel: IsolationLevel | null
  readOnly: boolean
  deferrable: boolean
  batch: boolean
  statements: Statement[]
}

export interface Field {
  name: string
  dataTypeID: number
  tableID: number
  columnID: number
  dataTypeSize: number
  dataTypeModifier: number
}

/** One statement's result as the backend produced it: values in Postgres' text format. */
export interface RawResult {
  fields: Field[]
  rows: (string | null)[][]
  /** The CommandComplete tag, e.g. `INSERT 0 2`; empty for an empty query. */
  commandTag: string
}

/** A failure that Neon's proxy reports itself (not a Postgres error): HTTP status and message. */
export class ProxyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'ProxyError'
  }
}

export type Headers = Record<string, string | string[] | undefined>

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}

/** Neon counts a flag as set only when the header is exactly `true`. */
function flag(headers: Headers, name: string): boolean {
  return header(headers, name) === 'true'
}

function parseIsolationLevel(headers: Headers): IsolationLevel | null {
  const value = header(headers, 'Neon-Batch-Isolation-Level')
  if (value === undefined) return null
  if (value in ISOLATION_SQL) return value as IsolationLevel
  throw new ProxyError(400, 'invalid isolation level')
}

export interface ConnectionInfo {
  user: string
  /** The connection string's password, decoded ('' when it has none); checked against the stored credentials. */
  password: string
  applicationName: string | null
}

/** Reads user, password and the request tag from `Neon-Connection-String` (host and database are not checked). */
export function parseConnectionString(headers: Headers): ConnectionInfo {
  const value = header(headers, 'Neon-Connection-String')
  if (value === undefined) throw new ProxyError(400, 'invalid header: neon-connection-string')
  let url: URL
  try {
    url = new URL(value)
  } catch (error) {
    throw new ProxyError(400, `invalid connection string: ${(error as Error).message}`)
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new ProxyError(400, 'incorrect scheme')
  if (!url.username) throw new ProxyError(400, 'missing username')
  let user: string
  let password: string
  try {
    user = decodeURIComponent(url.username)
    password = decodeURIComponent(url.password)
  } catch {
    throw new ProxyError(400, 'invalid username or password')
  }
  return { user, password, applicationName: url.searchParams.get('application_name') }
}

/** Neon's `json_to_pg_text`: the driver sends strings or null, other JSON values are converted the same way. */
export function jsonToPgText(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return jsonArrayToPgArray(value)
  return JSON.stringify(value)
}

function jsonArrayToPgArray(value: unknown): string | null {
  if (value === null) return null
  if (Array.isArray(value)) return `{${value.map((item) => jsonArrayToPgArray(item) ?? 'NULL').join(',')}}`
  if (typeof value === 'object') return JSON.stringify(JSON.stringify(value))
  return JSON.stringify(value)
}

function parseStatement(value: unknown): Statement {
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as { query?: unknown }).query !== 'string'
  ) {
    throw new ProxyError(400, 'could not parse the HTTP request body: expected {query, params} or {queries}')
  }
  const { query, params, arrayMode } = value as { query: string; params?: unknown; arrayMode?: unknown }
  if (params !== undefined && !Array.isArray(params)) {
    throw new ProxyError(400, 'could not parse the HTTP request body: params must be an array')
  }
  const statement: Statement = { query, params: (params ?? []).map(jsonToPgText) }
  if (typeof arrayMode === 'boolean') statement.arrayMode = arrayMode
  return statement
}

function parseBody(body: Buffer): { batch: boolean; statements: Statement[] } {
  let payload: unknown
  try {
    payload = JSON.parse(body.toString('utf8'))
  } catch (error) {
    throw new ProxyError(400, `could not parse the HTTP request body: ${(error as Error).message}`)
  }
  const queries = (payload as { queries?: unknown } | null)?.queries
  if (Array.isArray(queries)) return { batch: true, statements: queries.map(parseStatement) }
  return { batch: false, statements: [parseStatement(payload)] }
}

/** Validates headers first (as Neon does, even for a single query), then the body. */
export function parseSqlRequest(headers: Headers, body: Buffer): SqlRequest {
  const { user, applicationName } = parseConnectionString(headers)
  const isolationLevel = parseIsolationLevel(headers)
  const rawTextOutput = flag(headers, 'Neon-Raw-Text-Output')
  if (!rawTextOutput) {
    throw new ProxyError(400, 'neon-local answers only in raw text mode: send Neon-Raw-Text-Output: true')
  }
  const { batch, statements } = parseBody(body)
  return {
    user,
    applicationName,
    rawTextOutput,
    arrayMode: flag(headers, 'Neon-Array-Mode'),
    isolationLevel: batch ? isolationLevel : null,
    readOnly: batch && flag(headers, 'Neon-Batch-Read-Only'),
    deferrable: batch && flag(headers, 'Neon-Batch-Deferrable'),
    batch,
    statements,
  }
}

/** The `BEGIN` that opens a request's transaction, with the batch's transaction modes. */
export function beginStatement(
  request: Pick<SqlRequest, 'isolationLevel' | 'readOnly' | 'deferrable'>,
): string {
  const modes: string[] = []
  if (request.isolationLevel) modes.push(`ISOLATION LEVEL ${ISOLATION_SQL[request.isolationLevel]}`)
  if (request.readOnly) modes.push('READ ONLY')
  if (request.deferrable) modes.push('DEFERRABLE')
  return modes.length ? `BEGIN ${modes.join(', ')}` : 'BEGIN'
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** Neon's `parse_command_tag`: the first word, and the row count (the third word for INSERT). */
export function parseCommandTag(tag: string): { command: string; rowCount: number | null } {
  const space = tag.indexOf(' ')
  if (space < 0) return { command: tag, rowCount: null }
  const command = tag.slice(0, space)
  const rest = tag.slice(space + 1)
  const countText = command === 'INSERT' ? rest.split(' ')[1] : rest
  const rowCount = countText !== undefined && /^-?\d+$/.test(countText) ? Number(countText) : null
  return { command, rowCount }
}

export interface QueryResultJson {
  rowAsArray: boolean
  fields: (Field & { format: 'text' })[]
  rows: (string | null)[][] | Record<string, string | null>[]
  command: string
  rowCount: number | null
}

/** A result in Neon's shape; rows keyed by column name (last one wins) unless in array mode. */
export function toResultJson(result: RawResult, arrayMode: boolean): QueryResultJson {
  const fields = result.fields.map((field) => ({ ...field, format: 'text' as const }))
  const rows = arrayMode
    ? result.rows
    : result.rows.map((row) =>
        Object.fromEntries(row.map((value, i) => [result.fields[i]?.name ?? '', value])),
      )
  return { rowAsArray: arrayMode, fields, rows, ...parseCommandTag(result.commandTag) }
}

/** The Postgres error fields that Neon's proxy forwards and the driver copies onto `NeonDbError`. */
const PG_ERROR_FIELDS = [
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'severity',
  'where',
  'table',
  'column',
  'schema',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const

export type PgErrorLike = Error & Partial<Record<(typeof PG_ERROR_FIELDS)[number], string>>

/** A Postgres server error (from pg or PGlite): a five-character SQLSTATE and a severity (Node errors have neither). */
export function isPgError(error: unknown): error is PgErrorLike {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown }
  return (
    error instanceof Error &&
    typeof severity === 'string' &&
    typeof code === 'string' &&
    /^[0-9A-Z]{5}$/.test(code)
  )
}

/**
 * An error the endpoint raises itself in Postgres' shape (SQLSTATE and severity), so that it is answered and
 * reaches the driver exactly like one from the server: HTTP 400 with `code`, `severity` and `hint`.
 */
export class PgError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly severity: 'ERROR' | 'FATAL' = 'ERROR',
    readonly hint?: string,
  ) {
    super(message)
    this.name = 'PgError'
  }
}

/** The error body Neon's proxy writes: every field present, `code`/`severity` empty strings when unknown. */
export function errorJson(message: string, error?: PgErrorLike): Record<string, string | null> {
  const body: Record<string, string | null> = { message }
  for (const key of PG_ERROR_FIELDS) body[key] = error?.[key] ?? null
  body.code ??= ''
  body.severity ??= ''
  return body
}
