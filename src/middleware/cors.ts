import { cors } from 'hono/cors'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'

/** Parses `CORS_ORIGINS` (comma-separated exact origins). Empty: no cross-origin access at all. */
export function allowedOrigins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean)
}

/**
 * CORS for the configured UI origins only: exact matches, never `*` (requests carry bearer tokens).
 * Exposes the headers a UI needs (ETag for If-Match, the request id, Location, Retry-After, RateLimit-Policy).
 */
export const corsForConfiguredOrigins = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const origins = allowedOrigins(c.env.CORS_ORIGINS)
    return cors({
      origin: (origin) => (origins.includes(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key', 'X-Request-Id'],
      exposeHeaders: [
        'ETag',
        'Location',
        'Retry-After',
        'X-Request-Id',
        'Idempotent-Replayed',
        'RateLimit-Policy',
      ],
      maxAge: 600,
    })(c, next)
  })
