import type { z } from '@hono/zod-openapi'
import { type PrincipalRole, principalRoles } from '../auth/principal'
import { errors } from './errors'

/*
 * The one representation mechanism: what a resource looks like to the role that reads it. A field a role may not
 * see is declared once, on the response schema (`visibleTo`), and `represent` leaves it out of that role's
 * representation, in nested objects too. Every surface that shows a resource (REST, expand, GraphQL, MCP, event
 * payloads) builds it through `represent` with its reader, so a role sees the same fields everywhere.
 */

/** Who reads a representation: its role decides which fields it gets. */
export interface Viewer {
  role: PrincipalRole
}

/** The roles a restricted field is shown to, keyed by the field's schema instance (see `visibleTo`). */
const visibility = new WeakMap<object, readonly PrincipalRole[]>()

/** Everyone who works for the organization: people and AI agents, not customers. */
export const staffRoles: readonly PrincipalRole[] = principalRoles.filter((role) => role !== 'CUSTOMER')

/**
 * The roles a route allows (protectedRoute's `x-permission`). A field that reveals what another operation guards
 * is shown to that operation's roles — derived from its declaration, never a second list: a role may not learn
 * through one operation what another refuses it.
 */
export function rolesOf(route: {
  'x-permission': { roles: readonly PrincipalRole[] }
}): readonly PrincipalRole[] {
  return route['x-permission'].roles
}

/**
 * A response field only `roles` get. It is optional in the schema, and the OpenAPI document says who gets it (its
 * description and `x-visible-to`). Must be the field's outermost schema: wrapping it again hides the declaration.
 */
export function visibleTo<T extends z.ZodType>(
  roles: readonly PrincipalRole[],
  field: T,
  description: string,
) {
  const restricted = field.optional().openapi({
    description: `${description} Only in the representation for ${roles.join(', ')}; absent for other roles.`,
    'x-visible-to': [...roles],
  })
  visibility.set(restricted, roles)
  return restricted
}

/** Whether `viewer` gets this field of a response schema. */
export function mayView(field: unknown, viewer: Viewer): boolean {
  const roles = visibility.get(field as object)
  return roles === undefined || roles.includes(viewer.role)
}

/**
 * Refuses a list filter on a field `viewer` may not see (403 FORBIDDEN_FIELD): which rows a filter keeps tells the
 * field's value, so a hidden field is not filtered on either. `filters`: each filter the query gives (undefined: not
 * given) with the response field it filters on.
 */
export function refuseHiddenFilters(
  viewer: Viewer,
  filters: Record<string, { value: unknown; field: unknown }>,
): void {
  const hidden = Object.entries(filters)
    .filter(([, filter]) => filter.value !== undefined && !mayView(filter.field, viewer))
    .map(([name]) => `\`${name}\``)
  if (hidden.length > 0) {
    throw errors.forbidden(
      'FORBIDDEN_FIELD',
      `The role ${viewer.role} may not filter by ${hidden.join(', ')}: a field it does not see.`,
    )
  }
}

/**
 * A resource's representation from a row, for `viewer`: exactly the fields of its response schema that the viewer's
 * role may see (never whole rows: no organization_id, no internals), timestamps as ISO 8601 strings, nested object
 * schemas likewise.
 */
export function represent<S extends z.ZodObject>(schema: S, row: object, viewer: Viewer): z.output<S> {
  const values = row as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(schema.shape)) {
    if (!mayView(field, viewer)) continue
    out[key] = serialize(field as z.ZodType, values[key], viewer)
  }
  return out as z.output<S>
}

function serialize(field: z.ZodType, value: unknown, viewer: Viewer): unknown {
  if (value instanceof Date) return value.toISOString()
  if (value === null || typeof value !== 'object') return value
  const inner = schemaOf(field)
  if (Array.isArray(value)) {
    // Each element as its own schema declares it: a restricted field inside an array of objects stays hidden too.
    const element =
      inner?.def.type === 'array' ? (inner.def as unknown as { element: z.ZodType }).element : undefined
    return element ? value.map((item) => serialize(element, item, viewer)) : value
  }
  return inner?.def.type === 'object' ? represent(inner as z.ZodObject, value, viewer) : value
}

/**
 * The object or array schema behind optional/nullable wrappers (or a union of one such schema with null, as
 * nullableRef makes), if the field is one.
 */
function schemaOf(field: unknown, depth = 0): z.ZodType | undefined {
  const def = (field as { def?: { type?: string; innerType?: unknown; options?: unknown[] } } | undefined)
    ?.def
  if (!def || depth > 4) return undefined
  if (def.type === 'object' || def.type === 'array') return field as z.ZodType
  if (def.type === 'union') {
    const schemas = (def.options ?? []).map((option) => schemaOf(option, depth + 1)).filter(Boolean)
    return schemas.length === 1 ? schemas[0] : undefined
  }
  return schemaOf(def.innerType, depth + 1)
}
