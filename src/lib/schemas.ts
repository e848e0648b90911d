import { z } from '@hono/zod-openapi'
import { createSchemaFactory } from 'drizzle-zod'
import { findJsonProblem, parseTimestamp } from './input'

/**
 * drizzle-zod bound to the `z` of @hono/zod-openapi, so schemas derived from the tables accept `.openapi()`.
 * Response schemas derive from the tables; timestamps are overridden because the API sends ISO 8601 strings.
 */
export const { createSelectSchema } = createSchemaFactory({ zodInstance: z })

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

const MAX_FREE_FORM_DEPTH = 8
const MAX_FREE_FORM_BYTES = 16 * 1024

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
    description: `Free-form JSON object: at most ${MAX_FREE_FORM_DEPTH} levels deep and ${MAX_FREE_FORM_BYTES} bytes.`,
  })
