import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { ApiError, errors } from '../lib/errors'
import { findJsonProblem, isSafeText, unsafeTextMessage } from '../lib/input'

/** What a route accepts, from its OpenAPI definition (lib/routes.ts derives it; never listed by hand). */
export interface DeclaredInput {
  /** The names of its query parameters (none when it declares no query schema). */
  queryNames: ReadonlySet<string>
  /** True when it declares a JSON request body. */
  jsonBody: boolean
}

/**
 * One check of every request's input before any route schema runs (docs/api.md §5: bad input is a clear 4xx): the query
 * may hold only the parameters the route declares (400 UNKNOWN_PARAMETERS naming the others: a filter the API
 * does not know must not be silently ignored), all of them safe text (400); a JSON body must hold safe text in
 * every string and key and be nested at most MAX_JSON_DEPTH levels (422 with the path). A body that is not JSON
 * is left to the route's validator, which answers 400. The body was read by middleware/request-body.ts; Hono
 * caches the parsed body, so the validator does not parse it again.
 */
export const inputHygiene = (declared: DeclaredInput) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const query = Object.entries(c.req.queries())
    for (const [name, values] of query) {
      const unsafe = [name, ...values].some((text) => !isSafeText(text))
      if (unsafe) {
        throw new ApiError(400, 'INVALID_PARAMETERS', 'Bad Request', 'The request query is invalid.', {
          errors: [{ path: isSafeText(name) ? name : '(query)', message: unsafeTextMessage }],
        })
      }
    }
    const unknown = query.map(([name]) => name).filter((name) => !declared.queryNames.has(name))
    if (unknown.length > 0) {
      const known = [...declared.queryNames]
      const message =
        known.length > 0
          ? `Not a parameter of this operation; it takes: ${known.join(', ')}.`
          : 'Not a parameter of this operation; it takes no query parameters.'
      throw new ApiError(
        400,
        'UNKNOWN_PARAMETERS',
        'Bad Request',
        `Unknown query parameter${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`,
        { errors: unknown.map((name) => ({ path: name, message })) },
      )
    }
    if (declared.jsonBody && isJson(c.req.header('Content-Type'))) {
      // Not JSON: the validator answers 400.
      const body = await c.req.json().catch((error: unknown) => {
        if (error instanceof SyntaxError) return undefined
        throw error
      })
      const problem = findJsonProblem(body)
      if (problem) throw errors.validation([problem], 'The request body is invalid.')
    }
    await next()
  })

function isJson(contentType: string | undefined): boolean {
  return /^application\/([a-z0-9.+-]*\+)?json\b/i.test(contentType?.trim() ?? '')
}
