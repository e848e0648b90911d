import { createMiddleware } from 'hono/factory'
import type { Principal, PrincipalRole } from '../auth/principal'
import { type OwnershipRule, TenantDb } from '../db/tenant'
import type { AppEnv } from '../env'
import { errors } from '../lib/errors'
import { sendAfterCommit } from '../webhooks/dispatch'

/**
 * A route's permission: the roles allowed, and per role an optional ownership rule that the
 * tenant access layer enforces on every read and write of that table (see TenantDb).
 */
export interface Permission {
  roles: readonly PrincipalRole[]
  ownership?: Partial<Record<PrincipalRole, { description: string; rules: readonly OwnershipRule[] }>>
}

/** How a permission reads in the OpenAPI description of its route. */
export function describePermission(permission: Permission): string {
  const owned = Object.entries(permission.ownership ?? {}).map(
    ([role, rule]) => `${role}: ${rule?.description}`,
  )
  return [
    `Allowed roles: ${permission.roles.join(', ')}.`,
    ...owned.map((rule) => `Ownership — ${rule}.`),
  ].join(' ')
}

/**
 * Checks the caller's role against the route's permission: before the request's body is read or any database
 * is reached (lib/routes.ts orders it). The database comes after the input checks, from `tenantDatabase`.
 */
export const authorize = (permission: Permission) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const principal = c.get('principal')
    if (!principal) throw errors.unauthorized('TOKEN_MISSING', 'This route requires a bearer token.')
    if (!permission.roles.includes(principal.role)) {
      throw errors.forbidden('FORBIDDEN', `The role ${principal.role} may not perform this operation.`)
    }
    await next()
  })

/**
 * Gives the handler of an authorized request its tenant-scoped database (with the route's ownership rules and
 * the request's Idempotency-Key claim); protectedRoute puts it after `authorize` and the input checks. A handler
 * without a declared permission has no database to reach (deny by default).
 */
export const tenantDatabase = (permission: Permission) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const principal = c.get('principal')
    if (!principal) throw errors.unauthorized('TOKEN_MISSING', 'This route requires a bearer token.')
    const ownership = permission.ownership?.[principal.role]?.rules
    c.set(
      'tenantDb',
      TenantDb.forPrincipal(c.env.DATABASE_URL, principal, {
        requestId: c.get('requestId'),
        ownership,
        idempotency: c.get('idempotency'),
        collectsDeliveries: c.req.method !== 'GET' && c.req.method !== 'HEAD',
      }),
    )
    await next()
    // The webhook deliveries the request's transactions created, enqueued after the response (no round trip).
    const deliveries = c.get('tenantDb')?.takeNewDeliveries() ?? []
    if (deliveries.length > 0) {
      const sent = sendAfterCommit(c.env, principal.organizationId, deliveries)
      try {
        c.executionCtx.waitUntil(sent)
      } catch {
        await sent
      }
    }
  })

/**
 * The caller and tenant database of an authorized request. A handler on a route that declared no
 * permission has neither, and is refused here: deny by default, never a crash.
 */
export function authorized(c: {
  var: { principal?: Principal | undefined; tenantDb?: TenantDb | undefined }
}): {
  principal: Principal
  db: TenantDb
} {
  const { principal, tenantDb } = c.var
  if (!principal || !tenantDb) {
    throw errors.forbidden('PERMISSION_NOT_DECLARED', 'This operation declares no permission and is refused.')
  }
  return { principal, db: tenantDb }
}
