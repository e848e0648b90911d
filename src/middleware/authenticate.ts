import type { Context, MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import {
  authConfigFromBindings,
  invalidTokenError,
  missingTokenError,
  type RunInBackground,
  verifyAccessToken,
} from '../auth/jwt'
import type { AppEnv } from '../env'

// RFC 6750 §2.1: `Bearer` (any case), one or more spaces, one b64token.
const BEARER_SCHEME = /^bearer(?: +|$)/i
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * Requires `Authorization: Bearer <JWT>` and sets `principal` from its verified claims.
 * Failures throw ApiError (401, or 503 when the JWKS is unreachable); a Worker without
 * AUTH_JWKS_URL or AUTH_JWT_SECRET throws AuthConfigurationError, which the error handler answers as 500.
 */
export const authenticate = (): MiddlewareHandler<AppEnv> =>
  createMiddleware<AppEnv>(async (c, next) => {
    const token = bearerToken(c.req.header('Authorization'))
    const config = authConfigFromBindings(c.env)
    c.set('principal', await verifyAccessToken(token, config, { runInBackground: backgroundRunner(c) }))
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
