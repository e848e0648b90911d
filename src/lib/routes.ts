import { createRoute, type RouteConfig } from '@hono/zod-openapi'
import { authenticate } from '../middleware/authenticate'
import { authorize, describePermission, type Permission } from '../middleware/authorize'
import { requirePlatformKey } from '../middleware/platform-key'
import { rateLimit } from '../middleware/rate-limit'
import { problemResponses } from './openapi'
import { operationIdOf } from './operation-id'

/** What a route file declares; security, middleware and the operationId are the helpers' (one convention each). */
type RouteSpec = Omit<RouteConfig, 'security' | 'middleware' | 'operationId'>

/** The 429 of rate-limited routes, with its headers (lib/rate-limits.ts, middleware/rate-limit.ts). */
const tooManyRequests = {
  429: {
    ...problemResponses(429)[429],
    description:
      'Too many requests from this caller or this organization (limits by plan; approximate, counted per ' +
      'Cloudflare location).',
    headers: {
      'Retry-After': {
        description: 'Seconds to wait before retrying: the window of the exceeded policy.',
        schema: { type: 'integer' as const, minimum: 1 },
      },
      'RateLimit-Policy': {
        description:
          'The policies applied (draft-ietf-httpapi-ratelimit-headers): quota `q` per window `w` seconds, for ' +
          'the caller and for the organization. Sent on every response of a rate-limited route.',
        schema: { type: 'string' as const, examples: ['"caller";q=60;w=60, "tenant";q=120;w=60'] },
      },
    },
  },
}

/**
 * The one way to declare a tenant route: bearer authentication, the per-caller and per-tenant rate limit (before
 * any database work), the route's permission (checked before the handler gets a database), and all of it visible
 * in the OpenAPI document (`security`, the description, `x-permission`, the 429). Routes declared otherwise get no
 * principal and no database: deny by default.
 */
export function protectedRoute<const R extends RouteSpec>(permission: Permission, spec: R) {
  return createRoute({
    ...spec,
    operationId: operationIdOf(spec.method, spec.path),
    description: [spec.description, describePermission(permission)].filter(Boolean).join('\n\n'),
    security: [{ Bearer: [] }],
    middleware: [authenticate(), rateLimit(), authorize(permission)] as const,
    'x-permission': {
      roles: permission.roles,
      ownership: Object.fromEntries(
        Object.entries(permission.ownership ?? {}).map(([role, rule]) => [role, rule?.description]),
      ),
    },
    responses: { ...spec.responses, ...problemResponses(400, 401, 403, 500, 503), ...tooManyRequests },
  })
}

/** A platform operation: guarded by the platform credential (X-Platform-Key), not by a tenant token. */
export function platformRoute<const R extends RouteSpec>(spec: R) {
  return createRoute({
    ...spec,
    operationId: operationIdOf(spec.method, spec.path),
    description: [spec.description, 'Platform operation: requires the X-Platform-Key credential.']
      .filter(Boolean)
      .join('\n\n'),
    security: [{ PlatformKey: [] }],
    middleware: [requirePlatformKey()] as const,
    'x-permission': { platform: true },
    responses: { ...spec.responses, ...problemResponses(400, 401, 403, 500, 503) },
  })
}

/**
 * A public route (`/health`, `/ready`): no credential (`security: []` overrides any default), no principal, no
 * database handle. Every request passes the input checks, hence the 400.
 */
export function publicRoute<const R extends RouteSpec>(spec: R) {
  return createRoute({
    ...spec,
    operationId: operationIdOf(spec.method, spec.path),
    security: [],
    responses: { ...spec.responses, ...problemResponses(400) },
  })
}
