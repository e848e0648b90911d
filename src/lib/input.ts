/**
 * What every piece of caller input must satisfy before any schema or the database sees it, in one place:
 * text that Postgres can store (no NUL, no lone UTF-16 surrogates), JSON that is not nested deeper than a
 * bound (zod's recursive schemas would overflow the stack), and timestamps that both JavaScript and Postgres
 * read the same way. The request middleware (src/middleware/input-hygiene.ts), the cursors
 * (src/lib/pagination.ts) and the schemas (src/lib/schemas.ts) all use these.
 */

/** Deepest JSON nesting accepted in any request body (free-form fields have tighter limits of their own). */
export const MAX_JSON_DEPTH = 32

// NUL is refused by Postgres text and jsonb (22021/22P05); a lone surrogate cannot be encoded as UTF-8.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

export function isSafeText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text)
}

export const unsafeTextMessage = 'Text must not contain NUL characters or unpaired UTF-16 surrogates.'

export interface InputProblem {
  path: string
  message: string
}

/**
 * The first problem in a parsed JSON value: unsafe text in a string or an object key, or nesting deeper
 * than `maxDepth`. Iterative (an explicit stack), so hostile nesting cannot overflow the call stack here.
 */
export function findJsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): InputProblem | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }]
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop() as (typeof stack)[number]
    if (typeof current === 'string') {
      if (!isSafeText(current)) return { path: path || '(root)', message: unsafeTextMessage }
      continue
    }
    if (typeof current !== 'object' || current === null) continue
    if (depth >= maxDepth) {
      return { path: path || '(root)', message: `JSON must not be nested more than ${maxDepth} levels deep.` }
    }
    const entries = Array.isArray(current) ? current.entries() : Object.entries(current)
    for (const [key, child] of entries) {
      const childPath = path ? `${path}.${key}` : String(key)
      if (typeof key === 'string' && !isSafeText(key)) return { path: childPath, message: unsafeTextMessage }
      stack.push({ value: child, path: childPath, depth: depth + 1 })
    }
  }
  return undefined
}

/** The API's calendar range (4-digit years, as JavaScript and Postgres both read them): dates and timestamps. */
export const EARLIEST_DATE = '0001-01-01'
export const LATEST_DATE = '9999-12-31'

// RFC 3339 date-time with a 4-digit year, at most millisecond precision (a JavaScript Date's), Z or ±hh:mm.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-](\d{2}):(\d{2}))$/

/**
 * Parses a timestamp that means the same instant in JavaScript and Postgres, or returns undefined:
 * years 0001–9999, real calendar days (no 2026-02-30), no leap seconds, offsets up to ±23:59.
 * `Date.parse` is lenient (it accepts `99999`, `+275760-…`, rolls 2026-02-30 over); cursors, filters and
 * any other timestamp a caller sends go through here instead.
 */
export function parseTimestamp(text: string): Date | undefined {
  const match = TIMESTAMP.exec(text)
  if (!match) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const millis = Number((match[7] ?? '0').padEnd(3, '0'))
  const [offsetHours, offsetMinutes] = [Number(match[9] ?? 0), Number(match[10] ?? 0)]
  if (year < 1 || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    return undefined
  }
  const local = new Date(0)
  local.setUTCFullYear(year, month - 1, day)
  local.setUTCHours(hour, minute, second, millis)
  if (local.getUTCFullYear() !== year || local.getUTCMonth() !== month - 1 || local.getUTCDate() !== day) {
    return undefined
  }
  const sign = match[8]?.startsWith('-') ? -1 : 1
  const offsetMs = match[8] === 'Z' ? 0 : sign * (offsetHours * 60 + offsetMinutes) * 60_000
  const instant = new Date(local.getTime() - offsetMs)
  const utcYear = instant.getUTCFullYear()
  return utcYear >= 1 && utcYear <= 9999 ? instant : undefined
}

/**
 * Two uuids name the same id whatever case either is written in (RFC 9562 §4: input is case-insensitive): the API
 * accepts upper case wherever it takes an id and Postgres compares by value, but returns them lower case, so a
 * comparison in code of a client's id with a stored or token one must not compare spellings.
 */
export function sameUuid(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}
