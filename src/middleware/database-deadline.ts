import { createMiddleware } from 'hono/factory'
import { databaseTimeoutMs, withDatabaseDeadline } from '../db/client'
import type { AppEnv } from '../env'
import { parentRequestOf } from '../lib/subrequest'

/**
 * Bounds every database round trip of the request by DATABASE_TIMEOUT_MS (see `withDatabaseDeadline`):
 * a database that accepts connections and never answers costs a request the deadline, then a 503.
 * It also counts the round trips (`databaseRoundTrips`, for the request log; a subrequest's count in its parent's).
 */
export const databaseDeadline = () =>
  createMiddleware<AppEnv>((c, next) =>
    withDatabaseDeadline(
      {
        timeoutMs: databaseTimeoutMs(c.env.DATABASE_TIMEOUT_MS),
        requestId: c.get('requestId'),
        onRoundTrip: () => {
          c.set('databaseRoundTrips', (c.get('databaseRoundTrips') ?? 0) + 1)
          parentRequestOf(c.env)?.countRoundTrip()
        },
      },
      next,
    ),
  )
