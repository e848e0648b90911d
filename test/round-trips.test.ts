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

  it('every people and agents endpoint costs exactly one, reads and writes alike', async () => {
    const tenant = await createTenant()
    const email = `rt-${crypto.randomUUID().slice(0, 8)}@example.com`
    const calls: Array<[string, string, Parameters<typeof api>[1], number]> = [
      ['GET /v1/me (user)', '/v1/me', { token: tenant.tokens.CUSTOMER }, 200],
      ['GET /v1/me (agent)', '/v1/me', { token: tenant.tokens.AGENT }, 200],
      [
        'PUT /v1/me/status',
        '/v1/me/status',
        { method: 'PUT', token: tenant.tokens.REPRESENTATIVE, body: { status: 'AWAY' } },
        200,
      ],
      ['GET /v1/users', '/v1/users?role=CUSTOMER&emailPrefix=c', { token: tenant.tokens.ADMIN }, 200],
      [
        'POST /v1/users (with profile)',
        '/v1/users',
        { method: 'POST', token: tenant.tokens.ADMIN, body: { email, name: 'N', role: 'CUSTOMER' } },
        201,
      ],
      ['GET /v1/users/{id}', `/v1/users/${tenant.adminId}`, { token: tenant.tokens.REPRESENTATIVE }, 200],
      [
        'PATCH /v1/users/{id} (last-admin check)',
        `/v1/users/${tenant.adminId}`,
        { method: 'PATCH', token: tenant.tokens.ADMIN, body: { isActive: false } },
        409,
      ],
      [
        'PATCH /v1/users/{id}',
        `/v1/users/${tenant.customerId}`,
        { method: 'PATCH', token: tenant.tokens.ADMIN, body: { name: 'Renamed' } },
        200,
      ],
      [
        'GET /v1/representatives',
        '/v1/representatives?status=ONLINE&skill=billing',
        { token: tenant.tokens.AGENT },
        200,
      ],
      [
        'GET /v1/representatives/{id}',
        `/v1/representatives/${tenant.representativeId}`,
        { token: tenant.tokens.REPRESENTATIVE },
        200,
      ],
      [
        'PATCH /v1/representatives/{id}',
        `/v1/representatives/${tenant.representativeId}`,
        { method: 'PATCH', token: tenant.tokens.ADMIN, body: { skills: ['billing'] } },
        200,
      ],
      ['GET /v1/customers', '/v1/customers?accountTier=PREMIUM', { token: tenant.tokens.AGENT }, 200],
      [
        'GET /v1/customers/{id}',
        `/v1/customers/${tenant.customerId}`,
        { token: tenant.tokens.CUSTOMER },
        200,
      ],
      [
        'PATCH /v1/customers/{id}',
        `/v1/customers/${tenant.customerId}`,
        { method: 'PATCH', token: tenant.tokens.CUSTOMER, body: { preferences: { channel: 'sms' } } },
        200,
      ],
      ['GET /v1/agents', '/v1/agents?status=ACTIVE', { token: tenant.tokens.REPRESENTATIVE }, 200],
      [
        'POST /v1/agents',
        '/v1/agents',
        { method: 'POST', token: tenant.tokens.ADMIN, body: { name: 'B', type: 'TRIAGE', model: 'm' } },
        201,
      ],
      ['GET /v1/agents/{id}', `/v1/agents/${tenant.agentId}`, { token: tenant.tokens.ADMIN }, 200],
      [
        'PATCH /v1/agents/{id}',
        `/v1/agents/${tenant.pausedAgentId}`,
        { method: 'PATCH', token: tenant.tokens.ADMIN, body: { thresholds: { minConfidence: 0.5 } } },
        200,
      ],
    ]
    for (const [name, path, request, status] of calls) {
      const requestId = `rt-${crypto.randomUUID()}`
      const response = await api(path, {
        ...request,
        headers: { ...request?.headers, 'X-Request-Id': requestId },
      })
      expect(response.status, `${name}: ${await response.clone().text()}`).toBe(status)
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
