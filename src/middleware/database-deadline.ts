import { createMiddleware } from 'hono/factory'
import { databaseTimeoutMs, withDatabaseDeadline } from '../db/client'
import type { AppEnv } from '../env'

/**
 * Bounds every database round trip of the request by DATABASE_TIMEOUT_MS (see `withDatabaseDeadline`):
 * a database that accepts connections and never answers costs a request the deadline, then a 503.
 */
export const databaseDeadline = () =>
  createMiddleware<AppEnv>((c, next) =>
    withDatabaseDeadline(
      { timeoutMs: databaseTimeoutMs(c.env.DATABASE_TIMEOUT_MS), requestId: c.get('requestId') },
      next,
    ),
  )
