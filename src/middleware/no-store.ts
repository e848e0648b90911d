import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'

/**
 * `Cache-Control: no-store` on every response, errors included (set after the handler and the error
 * handler ran). Tenant data must never land in a browser, proxy or CDN cache; the public answers
 * (`/health`, `/ready`, `/openapi.json`, `/docs`) are live or cheap, so they get the same rule.
 */
export const noStore = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
  })
