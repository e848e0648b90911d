import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'

/**
 * `Cache-Control: no-store` on every response, errors included (set after the handler and the error
 * handler ran). Tenant data must never land in a browser, proxy or CDN cache; the public answers
 * (`/health`, `/ready`, `/docs`) are live or cheap, so they get the same rule. One exception: the public
 * document (`/openapi.json`) answers `no-cache` itself: no tenant data, and its strong ETag makes a cached copy
 * cost a 304 (lib/openapi-document.ts).
 */
export const noStore = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next()
    if (c.req.path === '/openapi.json' && c.res.headers.get('Cache-Control') === 'no-cache') return
    c.header('Cache-Control', 'no-store')
  })
