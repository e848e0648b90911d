/**
 * Neon's SQL-over-HTTP client: the part of `@neondatabase/serverless` 1.x that this API uses, and only that.
 *
 * The package ships one pre-bundled file (≈146 KiB minified: node-postgres, a WebSocket transport, SCRAM, a Buffer
 * shim, pgpass …) that esbuild cannot tree-shake, and whose module initialisation costs startup CPU; the API only
 * ever sends HTTP requests (drizzle-orm/neon-http). This module speaks the same protocol the same way: the
 * request (headers `Neon-Connection-String`, `Neon-Raw-Text-Output`, `Neon-Array-Mode`, `Neon-Batch-*`; body
 * `{query, params}` or `{queries: […]}`), values sent as node-postgres' `prepareValue` writes them, results parsed
 * by the same text parsers (pg-types 2, below) with drizzle-orm/neon-http's overrides (dates, timestamps and
 * intervals stay text), and failures as `NeonDbError` with the same fields and messages. The Worker bundle gets it
 * in place of the package (wrangler.toml [alias], so drizzle-orm/neon-http's own import resolves here too);
 * test/db/neon-http.test.ts proves it answers exactly as the package does, type by type and error by error,
 * against the local endpoint.
 */

/** Where and how requests go (the package's `neonConfig` subset: `fetchEndpoint`, `fetchFunction`). */
export interface NeonConfig {
  fetchEndpoint: string | ((host: string, port: string, options: { jwtAuth: boolean }) => string)
  fetchFunction: ((input: string, init: RequestInit) => Promise<Response>) | undefined
}

export const neonConfig: NeonConfig = {
  // Neon's serverless endpoint: the compute's host with its first label replaced by `api`.
  fetchEndpoint: (host) => `https://${host.replace(/^[^.]+\./, 'api.')}/sql`,
  fetchFunction: undefined,
}

/** A Postgres error (HTTP 400 from the endpoint, with its fields), or a failure to reach or read the endpoint. */
export class NeonDbError extends Error {
  override name = 'NeonDbError'
  severity: string | undefined
  code: string | undefined
  detail: string | undefined
  hint: string | undefined
  position: string | undefined
  internalPosition: string | undefined
  internalQuery: string | undefined
  where: string | undefined
  schema: string | undefined
  table: string | undefined
  column: string | undefined
  dataType: string | undefined
  constraint: string | undefined
  file: string | undefined
  line: string | undefined
  routine: string | undefined
  sourceError: unknown
}

const ERROR_FIELDS = [
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const

// ---------------------------------------------------------------------------------------------------------------
// Results: Postgres' text format → JavaScript, as pg-types 2.2 (what the package bundles) parses it.

type Parser = (text: string) => unknown

/** postgres-array 2.0's parser: `{a,"b c",NULL,{d}}`, an optional `[1:2]=` dimension prefix, `\` escapes. */
function parseArray(source: string, transform: Parser = (text) => text): unknown[] {
  let position = 0
  const parse = (nested: boolean): unknown[] => {
    const entries: unknown[] = []
    let recorded = ''
    let hasRecorded = false
    let dimension = 0
    let quote = false
    const newEntry = (includeEmpty: boolean) => {
      if (!hasRecorded && !includeEmpty) return
      const text = recorded
      entries.push(text === 'NULL' && !includeEmpty ? null : transform(text))
      recorded = ''
      hasRecorded = false
    }
    while (position < source.length) {
      let character = source[position++] as string
      const escaped = character === '\\'
      if (escaped) character = source[position++] as string
      if (character === '{' && !quote) {
        dimension++
        if (dimension > 1) {
          position--
          entries.push(parse(true))
          dimension--
        }
      } else if (character === '}' && !quote) {
        dimension--
        if (!dimension) {
          newEntry(false)
          if (nested) return entries
        }
      } else if (character === '"' && !escaped) {
        if (quote) newEntry(true)
        quote = !quote
      } else if (character === ',' && !quote) {
        newEntry(false)
      } else {
        recorded += character
        hasRecorded = true
      }
    }
    if (dimension !== 0) throw new Error('array dimension not balanced')
    return entries
  }
  if (source[0] === '[') position = source.indexOf('=') + 1 || source.length
  return parse(false)
}

const arrayOf =
  (element: Parser): Parser =>
  (text) =>
    text ? parseArray(text, element) : null

const parseBool: Parser = (text) =>
  text === 'TRUE' ||
  text === 't' ||
  text === 'true' ||
  text === 'y' ||
  text === 'yes' ||
  text === 'on' ||
  text === '1'
const parseInteger: Parser = (text) => Number.parseInt(text, 10)
const parseFloatText: Parser = (text) => Number.parseFloat(text)
/** int8 stays a string (it may exceed 2^53), as pg-types leaves it. */
const parseBigInteger: Parser = (text) => text
const parseJson: Parser = (text) => JSON.parse(text)
const parsePoint = (text: string) => {
  if (text[0] !== '(') return null
  const [x, y] = text.substring(1, text.length - 1).split(',')
  return { x: Number.parseFloat(x as string), y: Number.parseFloat(y as string) }
}
const parseCircle: Parser = (text) => {
  if (text[0] !== '<' && text[1] !== '(') return null
  const close = text.indexOf(')')
  const point = parsePoint(text.slice(1, close + 1)) as { x: number; y: number; radius?: number }
  point.radius = Number.parseFloat(text.slice(close + 1, -1).replaceAll(',', ''))
  return point
}
/** Unparsed: numeric (precision), uuid, enums, and what drizzle-orm/neon-http keeps as text (dates, times). */
const text: Parser = (value) => value

/** Parsers by type OID: pg-types 2.2's text parsers, then drizzle-orm/neon-http's overrides (kept as text). */
const parsers = new Map<number, Parser>([
  [20, parseBigInteger],
  [21, parseInteger],
  [23, parseInteger],
  [26, parseInteger],
  [700, parseFloatText],
  [701, parseFloatText],
  [16, parseBool],
  [600, parsePoint],
  [718, parseCircle],
  [114, parseJson],
  [3802, parseJson],
  [1000, arrayOf(parseBool)],
  [1005, arrayOf(parseInteger)],
  [1007, arrayOf(parseInteger)],
  [1028, arrayOf(parseInteger)],
  [1016, arrayOf((value) => String(parseBigInteger(value)).trim())],
  [1017, arrayOf(parsePoint)],
  [1021, arrayOf(parseFloatText)],
  [1022, arrayOf(parseFloatText)],
  [199, arrayOf(parseJson)],
  [3807, arrayOf(parseJson)],
  ...[651, 1014, 1015, 1008, 1009, 1040, 1041, 3907, 2951, 791, 1183, 1270].map(
    (oid) => [oid, arrayOf(text)] as [number, Parser],
  ),
  // drizzle-orm/neon-http: timestamptz, timestamp, date, interval and their arrays, numeric[] stay text.
  ...[1184, 1114, 1082, 1186, 1231, 1115, 1185, 1187, 1182].map((oid) => [oid, text] as [number, Parser]),
])

/** The package's `types` (pg-types): drizzle-orm/neon-http sets its overrides through it (already in place here). */
export const types = {
  builtins: { DATE: 1082, TIMESTAMP: 1114, TIMESTAMPTZ: 1184, INTERVAL: 1186 },
  setTypeParser(oid: number, formatOrParser: string | Parser, parser?: Parser): void {
    const chosen = typeof formatOrParser === 'function' ? formatOrParser : parser
    if (chosen) parsers.set(oid, chosen)
  },
  getTypeParser(oid: number): Parser {
    return parsers.get(oid) ?? text
  },
}

interface Field {
  name: string
  dataTypeID: number
}

/** One statement's result as the endpoint sends it (Neon-Raw-Text-Output: every value a string or null). */
interface RawResult {
  fields: Field[]
  rows: (string | null)[][]
  command?: string
  rowCount?: number | null
  [key: string]: unknown
}

export interface QueryOptions {
  arrayMode?: boolean
  fullResults?: boolean
  fetchOptions?: RequestInit
  isolationLevel?: 'ReadUncommitted' | 'ReadCommitted' | 'RepeatableRead' | 'Serializable'
  readOnly?: boolean
  deferrable?: boolean
}

function processResult(result: RawResult, arrayMode: boolean, fullResults: boolean) {
  const names = result.fields.map((field) => field.name)
  const parse = result.fields.map((field) => types.getTypeParser(field.dataTypeID))
  const rows = result.rows.map((row) =>
    arrayMode
      ? row.map((value, i) => (value === null ? null : (parse[i] as Parser)(value)))
      : Object.fromEntries(
          row.map((value, i) => [names[i], value === null ? null : (parse[i] as Parser)(value)]),
        ),
  )
  if (!fullResults) return rows
  return Object.assign(result, { viaNeonFetch: true, rowAsArray: arrayMode, rows })
}

// ---------------------------------------------------------------------------------------------------------------
// Parameters: node-postgres' prepareValue (what the package sends).

function pad(value: number, length: number): string {
  return String(value).padStart(length, '0')
}

/** node-postgres' dateToString: local time with its offset (" BC" for years before 1). */
function dateToString(date: Date): string {
  let offset = -date.getTimezoneOffset()
  let year = date.getFullYear()
  const beforeChrist = year < 1
  if (beforeChrist) year = Math.abs(year) + 1
  let text = `${pad(year, 4)}-${pad(date.getMonth() + 1, 2)}-${pad(date.getDate(), 2)}T${pad(date.getHours(), 2)}:${pad(date.getMinutes(), 2)}:${pad(date.getSeconds(), 2)}.${pad(date.getMilliseconds(), 3)}`
  if (offset < 0) {
    text += '-'
    offset *= -1
  } else {
    text += '+'
  }
  text += `${pad(Math.floor(offset / 60), 2)}:${pad(offset % 60, 2)}`
  return beforeChrist ? `${text} BC` : text
}

function bytesOf(value: ArrayBufferView): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
}

const hex = (value: ArrayBufferView) =>
  Array.from(bytesOf(value), (byte) => byte.toString(16).padStart(2, '0')).join('')

function arrayString(values: unknown[]): string {
  const items = values.map((value) => {
    if (value === null || value === undefined) return 'NULL'
    if (Array.isArray(value)) return arrayString(value)
    if (ArrayBuffer.isView(value)) return `"\\\\x${hex(value)}"`
    return `"${String(prepareValue(value)).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  })
  return `{${items.join(',')}}`
}

type PostgresSerializable = { toPostgres: (prepare: typeof prepareValue) => unknown }

function prepareValue(value: unknown, seen: unknown[] = []): string | null {
  if (value === null || value === undefined) return null
  if (ArrayBuffer.isView(value)) return `\\x${hex(value)}`
  if (value instanceof Date) return dateToString(value)
  if (Array.isArray(value)) return arrayString(value)
  if (typeof value === 'object') {
    if (typeof (value as Partial<PostgresSerializable>).toPostgres === 'function') {
      if (seen.includes(value))
        throw new Error(`circular reference detected while preparing "${value}" for query`)
      seen.push(value)
      return prepareValue((value as PostgresSerializable).toPostgres(prepareValue), seen)
    }
    return JSON.stringify(value)
  }
  return String(value)
}

// ---------------------------------------------------------------------------------------------------------------
// Queries.

interface QueryData {
  query: string
  params: unknown[]
}

/** A query not sent yet: awaiting it sends it alone; `transaction([...])` sends several in one request. */
export class NeonQueryPromise implements Promise<unknown> {
  readonly [Symbol.toStringTag] = 'NeonQueryPromise'

  constructor(
    readonly execute: (query: QueryData, options?: QueryOptions) => Promise<unknown>,
    readonly queryData: QueryData,
    readonly opts?: QueryOptions,
  ) {}

  // biome-ignore lint/suspicious/noThenProperty: the package's query objects are thenables; drizzle awaits them
  then<A = unknown, B = never>(
    onFulfilled?: ((value: unknown) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.execute(this.queryData, this.opts).then(onFulfilled, onRejected)
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null) {
    return this.then(undefined, onRejected)
  }

  finally(onFinally?: (() => void) | null) {
    return this.execute(this.queryData, this.opts).finally(onFinally)
  }
}

/** `sql\`select ${value}\``: the template's values become `$1`, `$2` … (binary values cast to bytea). */
function templateQuery(strings: TemplateStringsArray, values: unknown[]): QueryData {
  let query = ''
  const params: unknown[] = []
  strings.forEach((part, i) => {
    query += part
    if (i < values.length) {
      const value = values[i]
      params.push(value)
      query += `$${params.length}${ArrayBuffer.isView(value) ? '::bytea' : ''}`
    }
  })
  return { query, params }
}

/**
 * The connection string as sent: a `postgres:`/`postgresql:` URL with user, host and database, and an
 * `application_name` (this API's unless it names one). Checked when a query runs, as the package does, so a bad
 * DATABASE_URL fails the request's database work (503), not the creation of its client.
 */
function resolveUrl(connectionString: string): { url: URL; resolved: string } {
  let url: URL
  let protocol: string
  try {
    protocol = new URL(connectionString).protocol
    url = new URL(`http:${connectionString.slice(protocol.length)}`)
  } catch {
    throw new NeonDbError(
      `Database connection string provided to neon() is not a valid URL (connection string: ${connectionString})`,
    )
  }
  const { username, hostname, pathname } = url
  if (
    (protocol !== 'postgres:' && protocol !== 'postgresql:') ||
    !username ||
    !hostname ||
    hostname === '-' ||
    !pathname ||
    pathname === '/'
  ) {
    throw new NeonDbError('Wrong URL scheme or missing user, host or database in connection parameters')
  }
  if (!url.searchParams.has('application_name')) url.searchParams.set('application_name', 'organization-api')
  return { url, resolved: `postgresql:${url.href.slice(url.protocol.length)}` }
}

/** Options layered as the package layers them: a later layer's defined values win; fetchOptions merge. */
function mergeOptions(...layers: Array<QueryOptions | undefined>): QueryOptions {
  const merged: QueryOptions = {}
  for (const layer of layers) {
    if (!layer) continue
    for (const [key, value] of Object.entries(layer) as Array<[keyof QueryOptions, unknown]>) {
      if (value === undefined) continue
      if (key === 'fetchOptions') merged.fetchOptions = { ...merged.fetchOptions, ...(value as RequestInit) }
      else (merged as Record<string, unknown>)[key] = value
    }
  }
  return merged
}

export interface NeonQueryFunction {
  (strings: TemplateStringsArray, ...values: unknown[]): NeonQueryPromise
  query(query: string, params?: unknown[], options?: QueryOptions): NeonQueryPromise
  transaction(
    queries: NeonQueryPromise[] | ((sql: NeonQueryFunction) => NeonQueryPromise[]),
    options?: QueryOptions,
  ): Promise<unknown[]>
}

const TRANSACTION_USAGE =
  'transaction() expects an array of queries, or a function returning an array of queries'

/** The package's `neon(connectionString, options)`. */
export function neon(connectionString: string, defaults: QueryOptions = {}): NeonQueryFunction {
  let connection: { url: URL; resolved: string } | undefined

  async function execute(
    data: QueryData | QueryData[],
    perQuery: QueryOptions | QueryOptions[] | undefined,
    batchOptions?: QueryOptions,
  ): Promise<unknown> {
    const options = mergeOptions(defaults, batchOptions, Array.isArray(perQuery) ? undefined : perQuery)
    connection ??= resolveUrl(connectionString)
    const { url, resolved } = connection
    const prepare = (item: QueryData) => ({
      query: item.query,
      params: item.params.map((value) => prepareValue(value)),
    })
    const body = Array.isArray(data) ? { queries: data.map(prepare) } : prepare(data)
    const { fetchEndpoint, fetchFunction } = neonConfig
    const endpoint =
      typeof fetchEndpoint === 'function'
        ? fetchEndpoint(url.hostname, url.port, { jwtAuth: false })
        : fetchEndpoint
    const headers: Record<string, string> = {
      'Neon-Connection-String': resolved,
      'Neon-Raw-Text-Output': 'true',
      'Neon-Array-Mode': 'true',
    }
    if (Array.isArray(data)) {
      if (options.isolationLevel !== undefined) headers['Neon-Batch-Isolation-Level'] = options.isolationLevel
      if (options.readOnly !== undefined) headers['Neon-Batch-Read-Only'] = String(options.readOnly)
      if (options.deferrable !== undefined) headers['Neon-Batch-Deferrable'] = String(options.deferrable)
    }
    let response: Response
    try {
      response = await (fetchFunction ?? fetch)(endpoint, {
        method: 'POST',
        body: JSON.stringify(body),
        headers,
        ...options.fetchOptions,
      })
    } catch (cause) {
      const error = new NeonDbError(`Error connecting to database: ${cause}`)
      error.sourceError = cause
      throw error
    }
    if (response.ok) {
      const json = (await response.json()) as RawResult | { results: RawResult[] }
      if (!Array.isArray(data)) {
        return processResult(json as RawResult, options.arrayMode ?? false, options.fullResults ?? false)
      }
      const results = (json as { results?: unknown }).results
      if (!Array.isArray(results)) throw new NeonDbError('Neon internal error: unexpected result format')
      return results.map((result: RawResult, i) => {
        const own = (perQuery as QueryOptions[])[i] ?? {}
        return processResult(
          result,
          own.arrayMode ?? options.arrayMode ?? false,
          own.fullResults ?? options.fullResults ?? false,
        )
      })
    }
    if (response.status === 400) {
      const fields = (await response.json()) as Record<string, string | undefined> & { message: string }
      const error = new NeonDbError(fields.message)
      for (const field of ERROR_FIELDS) error[field] = fields[field] ?? undefined
      throw error
    }
    throw new NeonDbError(`Server error (HTTP status ${response.status}): ${await response.text()}`)
  }

  const single = (query: QueryData, options?: QueryOptions) => execute(query, options)
  const sql = ((strings: TemplateStringsArray, ...values: unknown[]) => {
    if (!Array.isArray(strings) || !Array.isArray((strings as TemplateStringsArray).raw)) {
      throw new Error(
        'This function can be called only as a tagged template (sql`SELECT …`); for a conventional call ' +
          'with value placeholders ($1, $2, etc.), use sql.query("SELECT $1", [value], options).',
      )
    }
    return new NeonQueryPromise(single, templateQuery(strings, values))
  }) as NeonQueryFunction
  sql.query = (query, params, options) =>
    new NeonQueryPromise(single, { query, params: params ?? [] }, options)
  sql.transaction = async (queries, options) => {
    const list = typeof queries === 'function' ? queries(sql) : queries
    if (!Array.isArray(list) || !list.every((query) => query instanceof NeonQueryPromise)) {
      throw new Error(TRANSACTION_USAGE)
    }
    return (await execute(
      list.map((query) => query.queryData),
      list.map((query) => query.opts ?? {}),
      options,
    )) as unknown[]
  }
  return sql
}
