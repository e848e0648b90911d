import { createRoute, type RouteConfig } from '@hono/zod-openapi'
import { authenticate } from '../middleware/authenticate'
import { authorize, describePermission, type Permission } from '../middleware/authorize'
import { requirePlatformKey } from '../middleware/platform-key'
import { rateLimit } from '../middleware/rate-limit'
import { headerRef, problemResponses } from './openapi'
import { operationIdOf } from './operation-id'

/** What a route file declares; security, middleware and the operationId are the helpers' (one convention each). */
type RouteSpec = Omit<RouteConfig, 'security' | 'middleware' | 'operationId'>

/** The 429 of rate-limited routes (lib/rate-limits.ts, middleware/rate-limit.ts); its headers are added below. */
const tooManyRequests = {
  429: {
    ...problemResponses(429)[429],
    description:
      'Too many requests from this caller or this organization (limits by plan; approximate, counted per ' +
      'Cloudflare location). `Retry-After` is the window of the exceeded policy.',
  },
}

type Responses = RouteConfig['responses']
type ResponseEntry = Responses[string]

/**
 * The headers the middleware sends, declared on the responses that carry them, once for every route: the request
 * id on every answer; on a rate-limited route `RateLimit-Policy` on every answer; `Location` on a tenant route's
 * 201; and, where the route takes an Idempotency-Key (middleware/idempotency.ts), `Idempotent-Replayed` on its
 * successes (a replay answers the original's status). A route's own headers (ETag) are kept.
 */
function withSentHeaders<T extends Responses>(
  responses: T,
  options: { rateLimited: boolean; createdHasLocation: boolean; idempotent: boolean },
): T {
  const entries = Object.entries(responses).map(([status, response]): [string, ResponseEntry] => {
    if (!response || '$ref' in response) return [status, response]
    const success = status.startsWith('2')
    return [
      status,
      {
        ...response,
        headers: {
          'X-Request-Id': headerRef('RequestId'),
          ...(options.rateLimited ? { 'RateLimit-Policy': headerRef('RateLimitPolicy') } : {}),
          ...(options.createdHasLocation && status === '201' ? { Location: headerRef('Location') } : {}),
          ...(options.idempotent && success
            ? { 'Idempotent-Replayed': headerRef('IdempotentReplayed') }
            : {}),
          ...(response.headers as Record<string, unknown> | undefined),
        },
      } as ResponseEntry,
    ]
  })
  return Object.fromEntries(entries) as T
}

/** True when the route declares the `Idempotency-Key` request header (lib/etag.ts idempotencyKeyHeaderSchema). */
function takesIdempotencyKey(spec: RouteSpec): boolean {
  const headers = spec.request?.headers
  if (!headers || Array.isArray(headers)) return false
  return 'shape' in headers && 'idempotency-key' in (headers.shape as Record<string, unknown>)
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
    responses: withSentHeaders(
      { ...spec.responses, ...problemResponses(400, 401, 403, 500, 503), ...tooManyRequests },
      { rateLimited: true, createdHasLocation: true, idempotent: takesIdempotencyKey(spec) },
    ),
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
    responses: withSentHeaders(
      { ...spec.responses, ...problemResponses(400, 401, 403, 500, 503) },
      { rateLimited: false, createdHasLocation: false, idempotent: takesIdempotencyKey(spec) },
    ),
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
    responses: withSentHeaders(
      { ...spec.responses, ...problemResponses(400) },
      { rateLimited: false, createdHasLocation: false, idempotent: false },
    ),
  })
}
