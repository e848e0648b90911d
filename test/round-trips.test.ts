import { describe, expect, it } from 'vitest'
import { api, json } from './support/api'
import { neonLocalStats } from './support/db'
import { createTenant } from './support/tenants'

/**
 * Database round trips per API request, counted by the local endpoint (each neon-http request is one
 * HTTP round trip). The budget of the issue: exactly one per tickets/organization request.
 */
describe('database round trips per request', () => {
  it('every organization and tickets endpoint costs exactly one', async () => {
    const tenant = await createTenant()
    const created = await json<{ id: string }>(
      await api('/v1/tickets', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        body: { customerId: tenant.customerId, subject: 's', description: 'd' },
      }),
    )
    const ticket = `/v1/tickets/${created.id}`
    const slug = `rt-${crypto.randomUUID().slice(0, 8)}`
    const calls: Array<[string, string, Parameters<typeof api>[1], number]> = [
      ['GET /v1/organization', '/v1/organization', { token: tenant.tokens.ADMIN }, 200],
      [
        'PATCH /v1/organization',
        '/v1/organization',
        { method: 'PATCH', token: tenant.tokens.ADMIN, body: { name: 'N' } },
        200,
      ],
      [
        'POST /v1/organizations',
        '/v1/organizations',
        {
          method: 'POST',
          headers: { 'X-Platform-Key': 'test-platform-key-0123456789' },
          body: { name: 'RT', slug, admin: { email: `a@${slug}.example`, name: 'A' } },
        },
        201,
      ],
      [
        'POST /v1/tickets',
        '/v1/tickets',
        {
          method: 'POST',
          token: tenant.tokens.AGENT,
          body: { customerId: tenant.customerId, subject: 's', description: 'd' },
        },
        201,
      ],
      [
        'GET /v1/tickets',
        '/v1/tickets?status=OPEN&sort=-priority',
        { token: tenant.tokens.REPRESENTATIVE },
        200,
      ],
      ['GET /v1/tickets/{id}', ticket, { token: tenant.tokens.CUSTOMER }, 200],
      [
        'PATCH /v1/tickets/{id}',
        ticket,
        { method: 'PATCH', token: tenant.tokens.REPRESENTATIVE, body: { status: 'IN_PROGRESS' } },
        200,
      ],
      [
        'PUT /v1/tickets/{id}/assignee',
        `${ticket}/assignee`,
        {
          method: 'PUT',
          token: tenant.tokens.REPRESENTATIVE,
          body: { representativeId: tenant.representativeId },
        },
        200,
      ],
      [
        'DELETE /v1/tickets/{id}/assignee',
        `${ticket}/assignee`,
        { method: 'DELETE', token: tenant.tokens.ADMIN },
        200,
      ],
      [
        'GET /v1/tickets/{id} (404)',
        `/v1/tickets/${crypto.randomUUID()}`,
        { token: tenant.tokens.ADMIN },
        404,
      ],
      [
        'PATCH /v1/tickets/{id} (409)',
        ticket,
        { method: 'PATCH', token: tenant.tokens.ADMIN, body: { status: 'CLOSED' } },
        409,
      ],
    ]
    for (const [name, path, request, status] of calls) {
      const requestId = `rt-${crypto.randomUUID()}`
      const response = await api(path, {
        ...request,
        headers: { ...request?.headers, 'X-Request-Id': requestId },
      })
      expect(response.status, name).toBe(status)
      expect(await neonLocalStats(requestId), name).toBe(1)
    }
  })

  it('a refused request (401, 403 by role, 400 validation) costs none', async () => {
    const tenant = await createTenant()
    const calls: Array<[string, Parameters<typeof api>[1], number]> = [
      ['/v1/tickets', {}, 401],
      [
        '/v1/organization',
        { method: 'PATCH', token: tenant.tokens.REPRESENTATIVE, body: { name: 'x' } },
        403,
      ],
      ['/v1/tickets?limit=1000', { token: tenant.tokens.ADMIN }, 400],
    ]
    for (const [path, request, status] of calls) {
      const requestId = `rt-${crypto.randomUUID()}`
      const response = await api(path, { ...request, headers: { 'X-Request-Id': requestId } })
      expect(response.status, path).toBe(status)
      expect(await neonLocalStats(requestId), path).toBe(0)
    }
  })
})
