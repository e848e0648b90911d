import { pingDatabase } from '../../db/client'
import { errors } from '../../lib/errors'
import { log } from '../../lib/log'
import { createRouter } from '../../lib/openapi'
import { health, ready } from './health.routes'

export const healthRouter = createRouter()
  .openapi(health, (c) => c.json({ status: 'ok' as const }, 200))
  .openapi(ready, async (c) => {
    try {
      await pingDatabase(c.env.DATABASE_URL, c.get('requestId'))
    } catch (error) {
      log('error', 'readiness check failed', { requestId: c.get('requestId'), error: String(error) })
      throw errors.unavailable('The database is not reachable.', 5)
    }
    return c.json({ status: 'ready' as const, database: 'ok' as const }, 200)
  })
