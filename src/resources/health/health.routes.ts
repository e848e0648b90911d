import { z } from '@hono/zod-openapi'
import { jsonContent, problemResponses } from '../../lib/openapi'
import { publicRoute } from '../../lib/routes'

export const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health')
export const ReadinessSchema = z
  .object({ status: z.literal('ready'), database: z.literal('ok'), eventFeed: z.enum(['exact', 'delayed']) })
  .openapi('Readiness')

export const health = publicRoute({
  method: 'get',
  path: '/health',
  tags: ['System'],
  summary: 'Liveness: answers without touching the database',
  responses: { 200: jsonContent(HealthSchema, 'The Worker is running.') },
})

export const ready = publicRoute({
  method: 'get',
  path: '/ready',
  tags: ['System'],
  summary: 'Readiness: token settings, and one query through neon-http',
  description:
    'Ready when the token-verification settings are usable and the database answers within DATABASE_TIMEOUT_MS ' +
    'as a role that cannot bypass row-level security (one round trip). Otherwise 503 with a code: ' +
    'AUTH_MISCONFIGURED, DATABASE_ROLE_UNSAFE, or SERVICE_UNAVAILABLE (unreachable or too slow). `eventFeed` ' +
    "is `delayed` when the database owner cannot see other sessions' transactions (no pg_read_all_stats): the " +
    'oldest-first event feed then ends 60 s back, as correct but later; still ready.',
  responses: {
    200: jsonContent(ReadinessSchema, 'The settings are usable and the database answers as a safe role.'),
    ...problemResponses(503),
  },
})
