import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { ApiError, errors } from '../lib/errors'
import { findJsonProblem, isSafeText, unsafeTextMessage } from '../lib/input'

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * One check of every request's input before any route schema runs (docs/api.md §5: bad input is a clear 4xx): query
 * parameters must be safe text (400), and a JSON body must hold safe text in every string and key and be
 * nested at most MAX_JSON_DEPTH levels (422 with the path). A body that is not JSON is left to the route's
 * validator, which answers 400. Hono caches the parsed body, so the validator does not parse it again.
 */
export const inputHygiene = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    for (const [name, values] of Object.entries(c.req.queries())) {
      const unsafe = [name, ...values].some((text) => !isSafeText(text))
      if (unsafe) {
        throw new ApiError(400, 'INVALID_PARAMETERS', 'Bad Request', 'The request query is invalid.', {
          errors: [{ path: isSafeText(name) ? name : '(query)', message: unsafeTextMessage }],
        })
      }
    }
    if (BODY_METHODS.has(c.req.method) && isJson(c.req.header('Content-Type'))) {
      // Not JSON: the validator answers 400. Anything else (the body limit's 413) propagates.
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
