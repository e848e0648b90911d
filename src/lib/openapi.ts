import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { ZodError } from 'zod'
import type { AppEnv } from '../env'
import { ApiError, errors, type FieldError } from './errors'
import { StrictPatternRouter } from './router'

/** Turns a zod error into the `{ path, message }` list every validation problem carries. */
export function fieldErrorsOf(error: ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }))
}

/**
 * Every router is created here so they all share one validation hook: a body that fails its schema is
 * 422, a bad query/path/header parameter is 400; both are problem+json with the list of field errors.
 * And one router kind, StrictPatternRouter (./router.ts), so the Worker bundle carries it instead of hono's
 * default routers (src/bundle/hono.ts).
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    router: new StrictPatternRouter(),
    defaultHook: (result) => {
      if (result.success) return
      const fieldErrors = fieldErrorsOf(result.error)
      if (result.target === 'json') throw errors.validation(fieldErrors, 'The request body is invalid.')
      throw new ApiError(
        400,
        'INVALID_PARAMETERS',
        'Bad Request',
        `The request ${result.target} is invalid.`,
        {
          errors: fieldErrors,
        },
      )
    },
  })
}

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'https://errors.organization-api.dev/not-found' }),
    title: z.string().openapi({ example: 'Not Found' }),
    status: z.number().int().openapi({ example: 404 }),
    detail: z.string().openapi({ example: 'The requested resource does not exist.' }),
    code: z.string().openapi({ description: 'Stable machine-readable error code.', example: 'NOT_FOUND' }),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    currentEtag: z
      .string()
      .optional()
      .openapi({
        description:
          'On a 412: the ETag the resource has now (also the `ETag` header), to read it again or retry with. ' +
          'Absent when If-Match named no tag this API issues (nothing was compared).',
        example: '"4"',
      }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Present on validation problems: one entry per invalid field.' }),
  })
  .openapi('Problem')

const problemDescriptions = {
  400: 'Invalid or unknown parameters (`UNKNOWN_PARAMETERS` names them), or a malformed or incomplete request.',
  401: 'Missing or invalid credentials.',
  403: 'The caller may not perform this operation, or the organization is suspended.',
  404: 'No such resource in the caller’s organization.',
  409: 'The request conflicts with the current state of the resource.',
  412: 'If-Match does not match the current ETag (the problem and the `ETag` header say which it is).',
  413: 'The request body is too large.',
  415: 'The request body is not in a media type this operation takes (the problem names the one to send).',
  422: 'The request body is invalid.',
  429: 'Too many requests.',
  500: 'Unexpected error.',
  503: 'The database is unavailable.',
} as const

export type ProblemStatus = keyof typeof problemDescriptions

/**
 * The response headers of this API, declared once as `components/headers` (registered by
 * lib/openapi-document.ts) and referenced from every response that sends them (lib/routes.ts, problemResponses).
 */
export const responseHeaderComponents = {
  RequestId: {
    description:
      'The request’s id: the caller’s `X-Request-Id` when acceptable, else a new one (also in logs).',
    required: true,
    schema: { type: 'string' as const },
  },
  ETag: {
    description: 'Version of the resource, for If-Match.',
    required: true,
    schema: { type: 'string' as const, examples: ['"3"'] },
  },
  CurrentETag: {
    description:
      'The ETag the resource has now (also `currentEtag` in the problem); absent when If-Match named no tag ' +
      'this API issues.',
    schema: { type: 'string' as const, examples: ['"4"'] },
  },
  Location: {
    description: 'The created resource’s URL (path).',
    required: true,
    schema: { type: 'string' as const, examples: ['/v1/tickets/0b8e7c4e-6f0a-4c1e-9d63-2f4a2c1b7e10'] },
  },
  IdempotentReplayed: {
    description:
      '`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing ' +
      'was done again); absent on a first answer.',
    schema: { type: 'string' as const, enum: ['true'] },
  },
  RateLimitPolicy: {
    description:
      'The policies applied (draft-ietf-httpapi-ratelimit-headers): quota `q` per window `w` seconds, for the ' +
      'caller and for the organization. Sent on every response of a rate-limited operation once the caller is known.',
    schema: { type: 'string' as const, examples: ['"caller";q=60;w=60, "tenant";q=120;w=60'] },
  },
  RetryAfter: {
    description: 'Seconds to wait before retrying.',
    required: true,
    schema: { type: 'integer' as const, minimum: 1 },
  },
  WWWAuthenticate: {
    description: 'The Bearer challenge (RFC 6750), with the error when a token was sent.',
    required: true,
    schema: { type: 'string' as const, examples: ['Bearer realm="organization-api"'] },
  },
}

export type ResponseHeaderName = keyof typeof responseHeaderComponents

/** A reference to one of `responseHeaderComponents`. */
export function headerRef(name: ResponseHeaderName) {
  return { $ref: `#/components/headers/${name}` }
}

/** The headers a problem status carries: the challenge, the current ETag, when to retry. */
const problemHeaders: Partial<Record<ProblemStatus, Record<string, { $ref: string }>>> = {
  401: { 'WWW-Authenticate': headerRef('WWWAuthenticate') },
  412: { ETag: headerRef('CurrentETag') },
  429: { 'Retry-After': headerRef('RetryAfter') },
  503: { 'Retry-After': headerRef('RetryAfter') },
}

/** OpenAPI `responses` entries for the problem statuses a route can answer with, with their headers. */
export function problemResponses<S extends ProblemStatus>(...statuses: S[]) {
  const entries = statuses.map((status) => [
    status,
    {
      description: problemDescriptions[status],
      ...(problemHeaders[status] ? { headers: problemHeaders[status] } : {}),
      content: { 'application/problem+json': { schema: ProblemSchema } },
    },
  ])
  return Object.fromEntries(entries) as Record<
    S,
    {
      description: string
      headers?: Record<string, { $ref: string }>
      content: { 'application/problem+json': { schema: typeof ProblemSchema } }
    }
  >
}

/** JSON response entry for OpenAPI route definitions. */
export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } }
}

/** A required JSON request body for OpenAPI route definitions. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { content: { 'application/json': { schema } }, required: true as const }
}

/**
 * A JSON body the client may omit: without a Content-Type the route sees `{}` (so the schema's fields must all be
 * optional); with application/json it is validated as any body. Another media type is 415.
 */
export function optionalJsonBody<T extends z.ZodType>(schema: T) {
  return { content: { 'application/json': { schema } }, required: false as const }
}
