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
 * Exposes the headers a UI needs (ETag for If-Match, the request id, Location, Retry-After, RateLimit-Policy, and
 * Content-Disposition: the file name of an attachment download, which a UI fetches with its bearer token).
 * Browser-based MCP clients (/mcp, Streamable HTTP) send `Mcp-Protocol-Version` after initialize, and may send
 * `Mcp-Session-Id` and `Last-Event-ID`; they read `Mcp-Session-Id`/`Mcp-Protocol-Version` and, on a 401, the
 * `WWW-Authenticate` challenge. This server is stateless and never issues a session id, but a client that sends
 * one must not be stopped by the preflight.
 */
export const corsForConfiguredOrigins = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const origins = allowedOrigins(c.env.CORS_ORIGINS)
    return cors({
      origin: (origin) => (origins.includes(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowHeaders: [
        'Authorization',
        'Content-Type',
        'If-Match',
        'Idempotency-Key',
        'X-Request-Id',
        'Mcp-Protocol-Version',
        'Mcp-Session-Id',
        'Last-Event-ID',
      ],
      exposeHeaders: [
        'ETag',
        'Location',
        'Retry-After',
        'X-Request-Id',
        'Idempotent-Replayed',
        'RateLimit-Policy',
        'Content-Disposition',
        'WWW-Authenticate',
        'Mcp-Session-Id',
        'Mcp-Protocol-Version',
      ],
      maxAge: 600,
    })(c, next)
  })
