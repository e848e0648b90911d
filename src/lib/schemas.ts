import { z } from '@hono/zod-openapi'
import { createSchemaFactory } from 'drizzle-zod'
import { MAX_STORED_FREE_FORM_BYTES } from '../db/schema/helpers'
import { EARLIEST_DATE, findJsonProblem, LATEST_DATE, parseTimestamp } from './input'

/**
 * drizzle-zod bound to the `z` of @hono/zod-openapi, so schemas derived from the tables accept `.openapi()`.
 * Response schemas derive from the tables; timestamps are overridden because the API sends ISO 8601 strings.
 */
export const { createSelectSchema } = createSchemaFactory({ zodInstance: z })

/**
 * A nullable object or named component (`.openapi('Name')`): `anyOf: [<schema>, {type: 'null'}]` in the document.
 * zod-to-openapi renders `.nullable()` of those as `allOf` with the component, which no null satisfies, or drops
 * the null altogether (when the component has no `type` of its own, e.g. an `allOf`): typed clients then crash on a
 * real null. test/contract/nullable.test.ts walks every schema to prove no nullable field loses its null.
 */
export function nullableRef<T extends z.ZodType>(schema: T) {
  return z.union([schema, z.null()])
}

/** A timestamp the API answers with. */
export const isoTimestamp = z.iso.datetime().openapi({ example: '2026-11-24T10:00:00.000Z' })

/** A timestamp a caller sends (filters, bodies), as a Date: the one strict parser of src/lib/input.ts. */
export const timestampInput = z
  .string()
  .openapi({ format: 'date-time', example: '2026-11-24T10:00:00.000Z' })
  .refine((text) => parseTimestamp(text) !== undefined, {
    message: 'Expected an ISO 8601 timestamp (years 0001–9999, e.g. 2026-11-24T10:00:00.000Z).',
  })
  .transform((text) => parseTimestamp(text) as Date)

/**
 * A calendar date a caller sends (`YYYY-MM-DD`), in the API's range 0001-01-01 … 9999-12-31 (the 4-digit years
 * of src/lib/input.ts; Postgres has no year 0 and would store years past 9999 that no client can read back).
 */
export const calendarDate = z.iso
  .date()
  .refine((date) => date >= EARLIEST_DATE && date <= LATEST_DATE, {
    message: `Expected a date from ${EARLIEST_DATE} to ${LATEST_DATE}.`,
  })
  .openapi({ example: '2026-11-01' })

const MAX_FREE_FORM_DEPTH = 8
const MAX_FREE_FORM_BYTES = 16 * 1024
/** What the documentation says of every free-form object's limits. */
export const FREE_FORM_LIMITS = `at most ${MAX_FREE_FORM_DEPTH} levels deep and ${MAX_FREE_FORM_BYTES} bytes`

/**
 * A free-form JSON object (settings, context, preferences): at most MAX_FREE_FORM_DEPTH levels and
 * MAX_FREE_FORM_BYTES of JSON, so a tenant cannot park megabytes or pathological nesting in one field.
 */
export const jsonObject = z
  .record(z.string().max(200), z.json())
  .superRefine((value, ctx) => {
    const problem = findJsonProblem(value, MAX_FREE_FORM_DEPTH)
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path.split('.') })
    } else if (new TextEncoder().encode(JSON.stringify(value)).length > MAX_FREE_FORM_BYTES) {
      ctx.addIssue({ code: 'custom', message: `At most ${MAX_FREE_FORM_BYTES} bytes of JSON.` })
    }
  })
  .openapi({
    type: 'object',
    // Any keys (typed clients: an open record, not an empty object).
    additionalProperties: true,
    description: `Free-form JSON object: ${FREE_FORM_LIMITS}.`,
  })

/** How a PATCH applies a free-form object (the database's rule: mergePatch, src/db/crud.ts). */
export const MERGE_PATCH =
  'JSON Merge Patch (RFC 7396): keys sent are set, null deletes, absent keys stay; objects merge recursively, ' +
  'other values (arrays too) replace, so simultaneous PATCHes of different keys all survive.'

/** A free-form object of a PATCH body, merged into the stored one. */
export const jsonMergePatch = jsonObject.optional().openapi({
  description: `${MERGE_PATCH} Body ${FREE_FORM_LIMITS}; stored at most ${MAX_STORED_FREE_FORM_BYTES} bytes (else 422).`,
})

/** A PATCH body's refinement (`.refine(...atLeastOneChange)`): an empty change is refused, not a no-op write. */
export const atLeastOneChange = [
  (body: object) => Object.keys(body).length > 0,
  { message: 'Provide at least one field to change.' },
] as const

/** `createdAt`/`updatedAt` of a response schema derived from a table (drizzle-zod would say Date). */
export const timestampFields = { createdAt: isoTimestamp, updatedAt: isoTimestamp }

/** A period's `date` columns as served, `YYYY-MM-DD` (drizzle-zod would say a plain string). */
export const periodFields = { periodStart: z.iso.date(), periodEnd: z.iso.date() }

/** A path parameter holding a resource id. */
export function idParams<const N extends string>(name: N) {
  return z.object({ [name]: z.uuid().openapi({ param: { name, in: 'path' } }) } as Record<N, z.ZodUUID>)
}

/** Query `a,b,c` → a validated list of enum values. */
export function csvOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .string()
    .transform((text) => text.split(',').map((item) => item.trim()))
    .pipe(z.array(z.enum(values)).min(1))
    .optional()
    .openapi({ description: `Comma-separated: ${values.join(', ')}.` })
}

/** Query `true` / `false`. */
export const booleanQuery = z
  .enum(['true', 'false'])
  .transform((text) => text === 'true')
  .optional()
  .openapi({ description: '`true` or `false`.' })

/** Money as the API writes it: a decimal string with at most two places, normalized to two ("125.00"). */
export const moneyInput = z
  .string()
  .regex(/^\d{1,10}(\.\d{1,2})?$/, 'A decimal string with at most two decimal places, e.g. "125.00".')
  .transform((text) => {
    const [units, cents = ''] = text.split('.')
    return `${BigInt(units as string)}.${cents.padEnd(2, '0')}`
  })
  .openapi({ example: '125.00' })

/** The runtime's ISO 4217 codes in use (ICU's list: no test or fund codes); read on first use, not at startup. */
let currenciesInUse: Set<string> | undefined

export function isCurrencyInUse(code: string): boolean {
  currenciesInUse ??= new Set(Intl.supportedValuesOf('currency'))
  return currenciesInUse.has(code)
}

/** ISO 4217 currency code, one in use. */
export const currencyCode = z
  .string()
  .refine(isCurrencyInUse, {
    message: 'An ISO 4217 code in use, of three capital letters, e.g. USD.',
  })
  .openapi({ example: 'USD', pattern: '^[A-Z]{3}$' })

/** A person's or thing's display name. */
export const displayName = z.string().trim().min(1).max(200)

/** A short label of a list (skills, languages, tags). */
export const label = z.string().trim().min(1).max(50)

/** A set sent as an array (tags, skills, languages, enabled events): each value once, in the order first given. */
export const distinct = <T>(values: T[]): T[] => [...new Set(values)]

/**
 * A language tag (BCP 47, e.g. `en`, `pt-BR`), stored lower-cased. Tags are case-insensitive (RFC 5646 §2.1.1), so
 * one canonical case lets jsonb containment (`languages @> '["en"]'`, GIN-indexed) match them exactly; lower case
 * because the common tags are written so and SQL can lower the other side cheaply. Only ASCII letters change: tags
 * are ASCII, and it is what the database's `lower(… collate "C")` does (escalations' auto assignment, migration 0031),
 * so both sides agree on any label.
 */
export const languageTag = label.transform(lowerAscii)

/** ASCII upper-case letters to lower case, nothing else (as PostgreSQL's `lower(text collate "C")`). */
export function lowerAscii(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase())
}

/** An email address, stored lower-cased (emails are unique per organization, case-insensitively). */
export const emailAddress = z
  .email()
  .max(320)
  .transform((email) => email.toLowerCase())

/** Sorts of a people list that can be searched by email prefix (users, customers). */
export const emailSearchSorts = ['-createdAt', 'createdAt', 'email'] as const
export type EmailSearchSort = (typeof emailSearchSorts)[number]

/** `sort` and `emailPrefix` of a people list: a prefix search lists its matches by email unless a sort is given. */
export const emailSearchQuery = {
  sort: z.enum(emailSearchSorts).optional().openapi({
    description:
      'Sort order (whitelist). Default: `email` when `emailPrefix` is given (search results), else `-createdAt`.',
  }),
  emailPrefix: z
    .string()
    .min(1)
    .max(320)
    .transform((prefix) => prefix.toLowerCase())
    .optional()
    .openapi({
      description: 'Only those whose email starts with this text (case-insensitive, taken literally).',
    }),
}

/** The sort of a people list query: the caller's, else `email` for a prefix search (constant time), else by date. */
export function emailSearchSort(query: {
  sort?: EmailSearchSort | undefined
  emailPrefix?: string | undefined
}): EmailSearchSort {
  return query.sort ?? (query.emailPrefix ? 'email' : '-createdAt')
}
