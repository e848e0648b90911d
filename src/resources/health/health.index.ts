import { AuthConfigurationError, authConfigFromBindings } from '../../auth/jwt'
import { checkDatabase, isDatabaseDeadlineExceeded } from '../../db/client'
import { ApiError, errors } from '../../lib/errors'
import { log } from '../../lib/log'
import { createRouter } from '../../lib/openapi'
import { health, ready } from './health.routes'

/** 503 for a deployment that must not take traffic; the detail names the problem (never a secret's value). */
function notReady(code: string, detail: string): ApiError {
  return new ApiError(503, code, 'Service Unavailable', detail, { headers: { 'Retry-After': '60' } })
}

export const healthRouter = createRouter()
  .openapi(health, (c) => c.json({ status: 'ok' as const }, 200))
  .openapi(ready, async (c) => {
    const requestId = c.get('requestId')
    try {
      authConfigFromBindings(c.env)
    } catch (error) {
      if (!(error instanceof AuthConfigurationError)) throw error
      log('error', 'readiness check failed: authentication is misconfigured', {
        requestId,
        reason: error.message,
      })
      throw notReady('AUTH_MISCONFIGURED', `Authentication is misconfigured: ${error.message}`)
    }

    let database: Awaited<ReturnType<typeof checkDatabase>>
    try {
      database = await checkDatabase(c.env.DATABASE_URL, requestId)
    } catch (error) {
      const timedOut = isDatabaseDeadlineExceeded(error)
      log('error', 'readiness check failed', { requestId, timedOut, error: String(error) })
      throw errors.unavailable(
        timedOut ? 'The database did not answer in time.' : 'The database is not reachable.',
        5,
      )
    }
    if (database.roleCanBypassRls) {
      log('error', 'readiness check failed: the database role can bypass row-level security', { requestId })
      throw notReady(
        'DATABASE_ROLE_UNSAFE',
        'The database role can bypass row-level security; connect as app_api.',
      )
    }
    // Still ready: the delayed feed is as correct as the exact one, only later (migration 0048).
    if (database.eventFeed === 'delayed')
      log('warn', 'event feed delayed 60 s: the database owner lacks pg_read_all_stats', { requestId })
    return c.json({ status: 'ready' as const, database: 'ok' as const, eventFeed: database.eventFeed }, 200)
  })
