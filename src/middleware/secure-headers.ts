import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'

/**
 * Browser hardening on every response: exactly the headers (and values) of `hono/secure-headers` with its
 * defaults, which this middleware replaces. Written out because that middleware's options machinery (CSP with
 * nonces, Permissions-Policy, reporting), ≈ 0.4 KiB of gzipped bundle, serves nothing here (the /docs page sets its
 * own CSP), and the Worker bundle is at its ceiling (README "Bundle and startup"). test/system/system.test.ts pins
 * the list to hono's.
 */
export const secureHeaderValues: ReadonlyArray<readonly [string, string]> = [
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
]

export const secureHeaders = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next()
    for (const [name, value] of secureHeaderValues) c.res.headers.set(name, value)
    c.res.headers.delete('X-Powered-By')
  })
