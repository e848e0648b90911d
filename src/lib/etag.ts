import { errors } from './errors'

/**
 * Strong ETags from `updated_at` (millisecond precision in the schema, and set by the database clock on
 * every update), so a conditional UPDATE can compare it in SQL without reading the row first.
 */
export function etagOf(updatedAt: Date): string {
  return `"${updatedAt.getTime()}"`
}

/** The `updated_at` an `If-Match` header demands; undefined when absent or `*`. A malformed value never matches. */
export function ifMatchVersion(header: string | undefined): Date | undefined {
  if (header === undefined || header.trim() === '*') return undefined
  const match = /^\s*"(\d{1,16})"\s*$/.exec(header)
  if (!match)
    throw errors.preconditionFailed('If-Match must be an ETag this API issued, e.g. "1732492800000".')
  return new Date(Number(match[1]))
}
