import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { AuthConfigurationError, authMisconfiguredError } from '../auth/jwt'
import type { AppEnv } from '../env'
import {
  ApiError,
  apiErrorFromPostgres,
  errors,
  isDatabaseUnreachable,
  postgresErrorOf,
  problemResponse,
} from '../lib/errors'
import { log } from '../lib/log'

function fromHttpException(error: HTTPException): ApiError {
  if (error.status === 413) return errors.payloadTooLarge('The request body is too large.')
  if (error.status === 400) return errors.badRequest('MALFORMED_REQUEST', 'The request could not be parsed.')
  // @hono/zod-openapi's media-type gate (middleware/request-body.ts refuses the same requests first).
  if (error.status === 415) return errors.unsupportedMediaType(['application/json'])
  return new ApiError(error.status, 'HTTP_ERROR', 'Error', error.message || 'The request failed.')
}

export function toApiError(error: unknown, options: { readOnly?: boolean } = {}): ApiError {
  if (error instanceof ApiError) return error
  if (error instanceof HTTPException) return fromHttpException(error)
  if (error instanceof AuthConfigurationError) return authMisconfiguredError(error)
  const pg = postgresErrorOf(error)
  if (pg) return apiErrorFromPostgres(pg, options)
  if (isDatabaseUnreachable(error)) return errors.unavailable('The database is temporarily unavailable.')
  return errors.internal()
}

/** Every failure leaves as problem+json; unexpected ones are logged with the request id, never leaked. */
export const onError: ErrorHandler<AppEnv> = (error, c) => {
  const apiError = toApiError(error, { readOnly: c.req.method === 'GET' || c.req.method === 'HEAD' })
  if (apiError.status >= 500) {
    log('error', 'request failed', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      error:
        error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : error,
      postgres: postgresErrorOf(error),
      reason: apiError.cause,
    })
  }
  return problemResponse(c as Context, apiError)
}

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  problemResponse(c as Context, errors.notFound(`No route matches ${c.req.method} ${c.req.path}.`))
