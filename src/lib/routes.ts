import { createRoute, type OpenAPIHono, type RouteConfig, z } from '@hono/zod-openapi'
import type { Handler, MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env'
import { authenticate } from '../middleware/authenticate'
import { authorize, describePermission, type Permission, tenantDatabase } from '../middleware/authorize'
import { idempotencyClaim } from '../middleware/idempotency'
import { inputHygiene } from '../middleware/input-hygiene'
import { requirePlatformKey } from '../middleware/platform-key'
import { rateLimit } from '../middleware/rate-limit'
import { requestBody } from '../middleware/request-body'
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

/**
 * True when the route declares the `Idempotency-Key` request header (lib/etag.ts idempotencyKeyHeaderSchema): only
 * then is a key claimed (inputChecks), so a route honours the header exactly where the document says it does.
 */
function takesIdempotencyKey(spec: RouteSpec): boolean {
  const headers = spec.request?.headers
  if (!headers || Array.isArray(headers)) return false
  return 'shape' in headers && 'idempotency-key' in (headers.shape as Record<string, unknown>)
}

/**
 * The names of the route's query parameters, read from its declared query schema (an object, possibly piped
 * through a transform): the one list the unknown-parameter check uses, so a parameter added to a schema is
 * accepted without anything else to change. No query schema: no parameters.
 */
function queryNamesOf(spec: RouteSpec): ReadonlySet<string> {
  let schema: unknown = spec.request?.query
  while (schema instanceof z.ZodPipe) schema = schema.in
  if (schema === undefined) return new Set()
  if (!(schema instanceof z.ZodObject)) {
    throw new Error(`${spec.method} ${spec.path}: a query schema must be a zod object (to know its names).`)
  }
  return new Set(Object.keys(schema.shape))
}

/** The media types of the route's request body, and whether it is required; undefined: the route takes none. */
function bodyOf(spec: RouteSpec) {
  const body = spec.request?.body
  if (!body) return undefined
  const maxBytes = (body as { 'x-max-bytes'?: number })['x-max-bytes']
  return { mediaTypes: Object.keys(body.content), required: body.required === true, maxBytes }
}

/**
 * The input checks of every route, in this order, after the route's credential and permission checks: the body
 * is read (media type 415, size 413, a broken upload 400), then query and body are checked (unknown or unsafe
 * parameters 400, unsafe JSON 422), then the Idempotency-Key of a route that declares it is fingerprinted. So an
 * anonymous or unauthorized caller costs no body read, and none of it costs a database round trip.
 */
function inputChecks(spec: RouteSpec, options: { idempotency: boolean }) {
  const body = bodyOf(spec)
  return [
    ...(body ? [requestBody(body)] : []),
    inputHygiene({
      queryNames: queryNamesOf(spec),
      jsonBody: body?.mediaTypes.includes('application/json') ?? false,
    }),
    ...(options.idempotency ? [idempotencyClaim({ body: body !== undefined })] : []),
  ]
}

/**
 * The problems of the input checks (inputChecks): on the routes that take a body 413, 415, and 422 for a body that
 * is unsafe (input hygiene) or fails its schema (lib/openapi.ts createRouter's validation hook); on the routes that
 * take an Idempotency-Key, 422 for a key used for another request, body or not.
 */
function inputProblems(spec: RouteSpec) {
  if (spec.request?.body) return problemResponses(413, 415, 422)
  return takesIdempotencyKey(spec) ? problemResponses(422) : {}
}

/**
 * The route's responses with the problems every route may answer (`merged`, in which the problems win); where the
 * route declares its own media types for one of those statuses (GraphQL answers its 400 in GraphQL's format), both
 * are declared.
 */
function withRouteContent<T extends Responses>(own: Responses, merged: T): T {
  const result: Responses = { ...merged }
  for (const [status, problem] of Object.entries(merged)) {
    const mine = own[status]
    if (!mine || mine === problem || '$ref' in mine || !mine.content || !problem || '$ref' in problem)
      continue
    result[status] = { ...problem, content: { ...problem.content, ...mine.content } } as ResponseEntry
  }
  return result as T
}

/**
 * The one way to declare a tenant route: bearer authentication, the per-caller and per-tenant rate limit (before
 * any database work), the route's permission, then the input checks (the body is read only now), then the
 * tenant database for the handler; all of it visible in the OpenAPI document (`security`, the description,
 * `x-permission`, the 429, 413/415 where a body is taken). Routes declared otherwise get no principal and no
 * database: deny by default.
 */
export function protectedRoute<const R extends RouteSpec>(permission: Permission, spec: R) {
  const route = createRoute({
    ...spec,
    operationId: operationIdOf(spec.method, spec.path),
    description: [spec.description, describePermission(permission)].filter(Boolean).join('\n\n'),
    security: [{ Bearer: [] }],
    middleware: [
      authenticate(),
      rateLimit(),
      authorize(permission),
      ...inputChecks(spec, { idempotency: takesIdempotencyKey(spec) }),
      tenantDatabase(permission),
    ],
    'x-permission': {
      roles: permission.roles,
      ownership: Object.fromEntries(
        Object.entries(permission.ownership ?? {}).map(([role, rule]) => [role, rule?.description]),
      ),
    },
    responses: withSentHeaders(
      withRouteContent(spec.responses, {
        ...spec.responses,
        ...problemResponses(400, 401, 403, 500, 503),
        ...inputProblems(spec),
        ...tooManyRequests,
      }),
      { rateLimited: true, createdHasLocation: true, idempotent: takesIdempotencyKey(spec) },
    ),
  })
  declaredPermissions.set(route, permission)
  return route
}

/** The permission each protected route was declared with (its roles and ownership rules), by route. */
const declaredPermissions = new WeakMap<object, Permission>()

/**
 * The permission a protected route declares: surfaces that read a resource another way (`expand`, GraphQL) apply
 * that resource's own GET route's roles and ownership rules, never a copy of them.
 */
export function permissionOf(route: object): Permission {
  const permission = declaredPermissions.get(route)
  if (!permission) throw new Error('permissionOf: not a protectedRoute')
  return permission
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
    middleware: [requirePlatformKey(), ...inputChecks(spec, { idempotency: takesIdempotencyKey(spec) })],
    'x-permission': { platform: true },
    responses: withSentHeaders(
      { ...spec.responses, ...problemResponses(400, 401, 403, 500, 503), ...inputProblems(spec) },
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
    middleware: inputChecks(spec, { idempotency: false }),
    responses: withSentHeaders(
      { ...spec.responses, ...problemResponses(400), ...inputProblems(spec) },
      { rateLimited: false, createdHasLocation: false, idempotent: false },
    ),
  })
}

/**
 * Mounts a route whose handler is a plain Hono handler (the document, the HTML docs page) as `app.openapi` mounts
 * the others: in the document (without its middleware, which is no part of it) and behind the route's
 * middleware, so it gets the same input checks.
 */
export function mountRoute(app: OpenAPIHono<AppEnv>, route: RouteConfig, handler: Handler<AppEnv>): void {
  const { middleware, ...definition } = route
  app.openAPIRegistry.registerPath(definition)
  const chain = [middleware ?? []].flat() as MiddlewareHandler<AppEnv>[]
  app.on([route.method.toUpperCase()], [route.path.replaceAll(/\/{(.+?)}/g, '/:$1')], ...chain, handler)
}
