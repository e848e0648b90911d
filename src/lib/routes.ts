import { createRoute, type RouteConfig } from '@hono/zod-openapi'
import { authenticate } from '../middleware/authenticate'
import { authorize, describePermission, type Permission } from '../middleware/authorize'
import { requirePlatformKey } from '../middleware/platform-key'
import { problemResponses } from './openapi'

type RouteSpec = Omit<RouteConfig, 'security' | 'middleware'>

/**
 * The one way to declare a tenant route: bearer authentication, the route's permission (checked before
 * the handler gets a database), and both visible in the OpenAPI document (`security`, the description,
 * and `x-permission`). Routes declared otherwise get no principal and no database: deny by default.
 */
export function protectedRoute<const R extends RouteSpec>(permission: Permission, spec: R) {
  return createRoute({
    ...spec,
    description: [spec.description, describePermission(permission)].filter(Boolean).join('\n\n'),
    security: [{ Bearer: [] }],
    middleware: [authenticate(), authorize(permission)] as const,
    'x-permission': {
      roles: permission.roles,
      ownership: Object.fromEntries(
        Object.entries(permission.ownership ?? {}).map(([role, rule]) => [role, rule?.description]),
      ),
    },
    responses: { ...spec.responses, ...problemResponses(400, 401, 403, 500, 503) },
  })
}

/** A platform operation: guarded by the platform credential (X-Platform-Key), not by a tenant token. */
export function platformRoute<const R extends RouteSpec>(spec: R) {
  return createRoute({
    ...spec,
    description: [spec.description, 'Platform operation: requires the X-Platform-Key credential.']
      .filter(Boolean)
      .join('\n\n'),
    security: [{ PlatformKey: [] }],
    middleware: [requirePlatformKey()] as const,
    'x-permission': { platform: true },
    responses: { ...spec.responses, ...problemResponses(400, 401, 403, 500, 503) },
  })
}
