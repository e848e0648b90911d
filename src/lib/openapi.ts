import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { ZodError } from 'zod'
import type { AppEnv } from '../env'
import { ApiError, errors, type FieldError } from './errors'

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
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
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
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Present on validation problems: one entry per invalid field.' }),
  })
  .openapi('Problem')

const problemDescriptions = {
  400: 'Invalid parameters or malformed request.',
  401: 'Missing or invalid credentials.',
  403: 'The caller may not perform this operation, or the organization is suspended.',
  404: 'No such resource in the caller’s organization.',
  409: 'The request conflicts with the current state of the resource.',
  412: 'If-Match does not match the current ETag.',
  413: 'The request body is too large.',
  422: 'The request body is invalid.',
  429: 'Too many requests.',
  500: 'Unexpected error.',
  503: 'The database is unavailable.',
} as const

export type ProblemStatus = keyof typeof problemDescriptions

/** OpenAPI `responses` entries for the problem statuses a route can answer with. */
export function problemResponses<S extends ProblemStatus>(...statuses: S[]) {
  const entries = statuses.map((status) => [
    status,
    {
      description: problemDescriptions[status],
      content: { 'application/problem+json': { schema: ProblemSchema } },
    },
  ])
  return Object.fromEntries(entries) as Record<
    S,
    { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } }
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
