import { createRoute, z } from '@hono/zod-openapi'
import { jsonContent, problemResponses } from '../../lib/openapi'

export const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health')
export const ReadinessSchema = z
  .object({ status: z.literal('ready'), database: z.literal('ok') })
  .openapi('Readiness')

export const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['System'],
  summary: 'Liveness: answers without touching the database',
  responses: { 200: jsonContent(HealthSchema, 'The Worker is running.') },
})

export const ready = createRoute({
  method: 'get',
  path: '/ready',
  tags: ['System'],
  summary: 'Readiness: one query through neon-http',
  responses: {
    200: jsonContent(ReadinessSchema, 'The database answers.'),
    ...problemResponses(503),
  },
})
