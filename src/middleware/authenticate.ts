import type { Context, MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import {
  AuthConfigurationError,
  authConfigFromBindings,
  invalidTokenError,
  missingTokenError,
  type RunInBackground,
  verifyAccessToken,
} from '../auth/jwt'
import type { AppEnv } from '../env'
import { log } from '../lib/log'

// RFC 6750 §2.1: `Bearer` (any case), one or more spaces, one b64token.
const BEARER_SCHEME = /^bearer(?: +|$)/i
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * Requires `Authorization: Bearer <JWT>` and sets `principal` from its verified claims.
 * Failures throw ApiError (401, or 503 when the JWKS is unreachable); a Worker whose token settings are
 * unusable (no key, a JWKS without AUTH_ISSUER/AUTH_AUDIENCE, …) logs the reason and throws
 * AuthConfigurationError, which the error handler answers as 503 AUTH_MISCONFIGURED.
 */
export const authenticate = (): MiddlewareHandler<AppEnv> =>
  createMiddleware<AppEnv>(async (c, next) => {
    try {
      // The configuration first: a misconfigured Worker refuses every protected request the same way.
      const config = authConfigFromBindings(c.env)
      const token = bearerToken(c.req.header('Authorization'))
      c.set('principal', await verifyAccessToken(token, config, { runInBackground: backgroundRunner(c) }))
    } catch (error) {
      if (error instanceof AuthConfigurationError) {
        log('error', 'authentication is misconfigured', {
          requestId: c.get('requestId'),
          reason: error.message,
        })
      }
      throw error
    }
    await next()
  })

function bearerToken(header: string | undefined): string {
  const value = header?.trim() ?? ''
  const scheme = BEARER_SCHEME.exec(value)
  if (!scheme) throw missingTokenError()
  const token = value.slice(scheme[0].length)
  if (!B64TOKEN.test(token)) throw invalidTokenError('TOKEN_MALFORMED')
  return token
}

/** Background work outlives the response only through waitUntil; app.request() in tests has no context. */
function backgroundRunner(c: Context<AppEnv>): RunInBackground | undefined {
  try {
    const executionCtx = c.executionCtx
    return (promise) => executionCtx.waitUntil(promise)
  } catch {
    return undefined
  }
}
