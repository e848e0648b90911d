import { z } from '@hono/zod-openapi'
import { createSchemaFactory } from 'drizzle-zod'

/**
 * drizzle-zod bound to the `z` of @hono/zod-openapi, so schemas derived from the tables accept `.openapi()`.
 * Response schemas derive from the tables; timestamps are overridden because the API sends ISO 8601 strings.
 */
export const { createSelectSchema } = createSchemaFactory({ zodInstance: z })

export const isoTimestamp = z.iso.datetime().openapi({ example: '2026-11-24T10:00:00.000Z' })

/** JSON object (jsonb settings and the like). */
export const jsonObject = z.record(z.string(), z.json()).openapi({ type: 'object' })
