import { createRoute, z } from '@hono/zod-openapi'
import { describe, expect, it } from 'vitest'
import { createRouter } from '../../src/lib/openapi'
import { authorized } from '../../src/middleware/authorize'
import { onError } from '../../src/middleware/error-handler'
import { requestId } from '../../src/middleware/request-id'
import { createTenant } from '../support/tenants'

describe('deny by default', () => {
  it('a handler on a route declared without a permission is refused, even with a valid token', async () => {
    const tenant = await createTenant()
    const undeclared = createRoute({
      method: 'get',
      path: '/v1/undeclared',
      responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({}) } } } },
    })
    const app = createRouter()
    app.use('*', requestId())
    app.onError(onError)
    app.openapi(undeclared, (c) => {
      authorized(c)
      return c.json({}, 200)
    })
    const response = await app.request('/v1/undeclared', {
      headers: { Authorization: `Bearer ${tenant.tokens.ADMIN}` },
    })
    expect(response.status).toBe(403)
    expect(response.headers.get('Content-Type')).toContain('application/problem+json')
    expect(await response.json()).toMatchObject({ code: 'PERMISSION_NOT_DECLARED' })
  })
})
