import { z } from '@hono/zod-openapi'
import { inArray, type SQL } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import { errors } from './errors'
import { headerRef } from './openapi'

/**
 * Strong ETags from the row's `version`: an integer the database raises by one on every write under the row
 * lock (see TenantDb.update), so two writes never answer the same ETag and a conditional UPDATE compares it in
 * SQL (`where version = $v`) without reading the row first.
 */
export function etagOf(row: { version: number }): string {
  return `"${row.version}"`
}

// A version is a positive int4; anything longer than 10 digits cannot be one of ours.
const ENTITY_TAG = /^"([1-9][0-9]{0,9})"$/
const MAX_VERSION = 2_147_483_647
const MAX_TAGS = 16

/**
 * The versions an `If-Match` header accepts (RFC 9110 §13.1.1: `*` or a list of strong entity tags); undefined
 * when absent or `*`. A weak, malformed or foreign tag can never match this API's versions: 412 at once, before
 * any database work, so without the current ETag (a client bug, not a lost race: a GET names the ETag).
 */
export function ifMatchVersions(header: string | undefined): number[] | undefined {
  if (header === undefined || header.trim() === '*') return undefined
  const tags = header.split(',').map((tag) => tag.trim())
  const versions = tags.map((tag) => Number(ENTITY_TAG.exec(tag)?.[1] ?? Number.NaN))
  if (tags.length > MAX_TAGS || versions.some((version) => !(version <= MAX_VERSION))) {
    throw errors.preconditionFailed(
      'If-Match must list ETags this API issued, e.g. "3" (read the resource for its current ETag).',
    )
  }
  return versions
}

/** The `If-Match` request header of every route that changes a versioned resource. */
export const ifMatchHeaderSchema = z.object({
  'if-match': z.string().optional().openapi({
    description: 'ETag(s) from a previous read: the change applies only to that version (else 412).',
  }),
})

/** The `ETag` response header of every route that answers a versioned resource. */
export const etagResponseHeader = { ETag: headerRef('ETag') }

/** The SQL condition of a conditional write: the row's version is one the caller named (none named: any). */
export function versionMatches(column: PgColumn, versions: number[] | undefined): SQL | undefined {
  return versions ? inArray(column, versions) : undefined
}

/** True when the caller named versions and the row has none of them (the write was refused for it: 412). */
export function isStale(row: { version: number }, versions: number[] | undefined): boolean {
  return versions !== undefined && !versions.includes(row.version)
}

/** `Idempotency-Key` of creating and action POSTs, PATCH, PUT and DELETE (src/middleware/idempotency.ts). */
export const idempotencyKeyHeaderSchema = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .openapi({
      description:
        'Makes a retry safe: the same key with the same request within 24 h replays the first answer ' +
        '(`Idempotent-Replayed: true`) instead of acting twice; with a different request it is 422. ' +
        'Scoped to the caller. A structured-field string ("…") or bare, 1–255 printable ASCII (space to ~) characters.',
    }),
})

/** Headers of a write of a versioned resource (an action, PATCH, PUT, DELETE): If-Match and Idempotency-Key. */
export const actionHeadersSchema = ifMatchHeaderSchema.extend(idempotencyKeyHeaderSchema.shape)
