import type { z } from '@hono/zod-openapi'

/**
 * A resource's representation from a row: exactly the fields of its response schema (never whole rows: no
 * organization_id, no internals), timestamps as ISO 8601 strings, nested object schemas likewise.
 */
export function represent<S extends z.ZodObject>(schema: S, row: object): z.output<S> {
  const values = row as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(schema.shape))
    out[key] = serialize(field as z.ZodType, values[key])
  return out as z.output<S>
}

function serialize(field: z.ZodType, value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  const nested = objectSchemaOf(field)
  if (nested && value !== null && typeof value === 'object' && !Array.isArray(value))
    return represent(nested, value)
  return value
}

/** The object schema behind optional/nullable wrappers, if the field is one. */
function objectSchemaOf(field: z.ZodType): z.ZodObject | undefined {
  let current: unknown = field
  for (let depth = 0; depth < 4 && current; depth++) {
    const def = (current as { def?: { type?: string; innerType?: unknown } }).def
    if (def?.type === 'object') return current as z.ZodObject
    current = def?.innerType
  }
  return undefined
}
