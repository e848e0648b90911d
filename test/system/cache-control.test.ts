import { beforeAll, describe, expect, it } from 'vitest'
import { api } from '../support/api'
import { createTenant, type TestTenant } from '../support/tenants'

/** Nothing this API answers may be stored by a browser, proxy or CDN: `Cache-Control: no-store` everywhere. */

let tenant: TestTenant
beforeAll(async () => {
  tenant = await createTenant()
})

describe('Cache-Control: no-store', () => {
  it('is on every /v1 response, successes and problem+json errors alike', async () => {
    const ticket = `/v1/tickets/${crypto.randomUUID()}`
    const cases: Array<[string, Parameters<typeof api>[1], number]> = [
      ['/v1/organization', { token: tenant.tokens.ADMIN }, 200],
      ['/v1/tickets?limit=1', { token: tenant.tokens.CUSTOMER }, 200],
      ['/v1/organization', {}, 401],
      ['/v1/organization', { token: 'not-a-jwt' }, 401],
      ['/v1/organization', { method: 'PATCH', token: tenant.tokens.CUSTOMER, body: { name: 'x' } }, 403],
      [ticket, { token: tenant.tokens.ADMIN }, 404],
      ['/v1/no-such-route', { token: tenant.tokens.ADMIN }, 404],
      ['/v1/tickets?limit=1000', { token: tenant.tokens.ADMIN }, 400],
      [
        '/v1/budgets',
        { method: 'POST', token: tenant.tokens.ADMIN, body: { name: 'x'.repeat(70 * 1024) } },
        413,
      ],
      ['/v1/organization', { method: 'DELETE', token: tenant.tokens.ADMIN }, 405],
    ]
    for (const [path, request, status] of cases) {
      const response = await api(path, request)
      const name = `${request?.method ?? 'GET'} ${path.slice(0, 40)}`
      expect(response.status, name).toBe(status)
      expect(response.headers.get('Cache-Control'), name).toBe('no-store')
    }
  })

  it('is on the public endpoints too (live status and a tiny page: nothing worth caching)', async () => {
    for (const path of ['/health', '/ready', '/docs', '/no-such-route']) {
      const response = await api(path)
      expect(response.headers.get('Cache-Control'), path).toBe('no-store')
    }
  })

  it('except on the public document: no-cache, revalidated by its strong ETag (test/system/openapi-etag.test.ts)', async () => {
    const response = await api('/openapi.json')
    expect(response.headers.get('Cache-Control')).toBe('no-cache')
    expect(response.headers.get('ETag')).toMatch(/^"[^"]+"$/)
    // Only that path: a tenant route never gets anything but no-store.
    const problem = await api('/openapi.json/../v1/organization')
    expect(problem.headers.get('Cache-Control')).toBe('no-store')
  })
})
