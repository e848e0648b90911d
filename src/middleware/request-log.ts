import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { matchedRoutes } from 'hono/route'
import type { AppEnv } from '../env'
import { log } from '../lib/log'
import { parentRequestOf } from '../lib/subrequest'

/**
 * Exactly one `request` line per request (JSON, via lib/log.ts): request id, organization and role (from the
 * verified token, when there is one), method, route pattern (never the raw URL: ids and query strings stay out),
 * status, duration and database round trips. Never headers, tokens, secrets or bodies. Failures additionally get
 * the error handler's `request failed` line (level error, with the stack) under the same request id.
 *
 * Durations: Workers advance the clock only across I/O, so CPU time inside the isolate reads as 0 ms.
 */
export const requestLog = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    // A subrequest (lib/subrequest.ts) belongs to the line of the request it serves.
    if (parentRequestOf(c.env)) return next()
    const started = Date.now()
    let status: number | undefined
    try {
      await next()
      status = c.res.status
    } finally {
      // An error that escaped the error handler is answered 500 by the runtime.
      const principal = c.get('principal')
      log('info', 'request', {
        requestId: c.get('requestId'),
        organizationId: principal?.organizationId ?? null,
        role: principal?.role ?? null,
        method: c.req.method,
        route: routePattern(c),
        status: status ?? 500,
        durationMs: Date.now() - started,
        databaseRoundTrips: c.get('databaseRoundTrips') ?? 0,
        ...operationFields(c),
      })
    }
  })

/** What an MCP tool call ran (resources/mcp): the operation and the status REST answered it with. */
function operationFields(c: Context<AppEnv>) {
  const operation = c.get('operation')
  return operation ? { operationId: operation.operationId, operationStatus: operation.status } : {}
}

/** The path pattern of the route that answered (`/v1/tickets/:ticketId`), or null when none matched (404). */
function routePattern(c: Context<AppEnv>): string | null {
  // Middleware registered with `use` match every method ('ALL'); routes are registered for their method.
  const route = matchedRoutes(c).findLast((candidate) => candidate.method !== 'ALL')
  return route?.path ?? null
}
