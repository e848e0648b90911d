import { env, SELF } from 'cloudflare:test'
import { Hono } from 'hono'
import { secureHeaders } from 'hono/secure-headers'
import { describe, expect, it } from 'vitest'
import { openTicket, post } from '../messages/support'
import { api, json } from '../support/api'
import { neonLocalStats } from '../support/db'
import { createTenant } from '../support/tenants'

describe('GET /health', () => {
  it('answers without the database and carries a request id', async () => {
    const requestId = `health-${crypto.randomUUID()}`
    const response = await api('/health', { headers: { 'X-Request-Id': requestId } })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
    expect(response.headers.get('X-Request-Id')).toBe(requestId)
    expect(await neonLocalStats(requestId)).toBe(0)
  })

  it('generates a request id when the caller sends none or an unacceptable one', async () => {
    const plain = await api('/health')
    expect(plain.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/)
    const injected = await api('/health', { headers: { 'X-Request-Id': 'bad id\twith spaces' } })
    expect(injected.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('sends secure headers: exactly those of hono/secure-headers’ defaults (src/middleware/secure-headers.ts)', async () => {
    const reference = new Hono().use(secureHeaders()).get('/', (c) => c.text('ok'))
    const expected = [...(await reference.request('/')).headers].filter(([name]) => name !== 'content-type')
    expect(expected.length).toBeGreaterThan(10)
    for (const path of ['/health', '/v1/no-such-route']) {
      const response = await api(path)
      for (const [name, value] of expected)
        expect([path, name, response.headers.get(name)]).toEqual([path, name, value])
      expect(response.headers.get('X-Powered-By')).toBeNull()
    }
  })
})

describe('GET /ready', () => {
  it('runs exactly one query through neon-http', async () => {
    const requestId = `ready-${crypto.randomUUID()}`
    const response = await api('/ready', { headers: { 'X-Request-Id': requestId } })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ready', database: 'ok', eventFeed: 'exact' })
    expect(await neonLocalStats(requestId)).toBe(1)
  })
})

describe('problem+json', () => {
  it('answers an unknown route with a 404 problem', async () => {
    const response = await api('/no/such/route', { headers: { 'X-Request-Id': 'problem-404-test' } })
    expect(response.status).toBe(404)
    expect(response.headers.get('Content-Type')).toContain('application/problem+json')
    expect(response.headers.get('X-Request-Id')).toBe('problem-404-test')
    expect(await response.json()).toEqual({
      type: 'https://errors.organization-api.dev/not-found',
      title: 'Not Found',
      status: 404,
      detail: 'No route matches GET /no/such/route.',
      code: 'NOT_FOUND',
      instance: '/no/such/route',
      requestId: 'problem-404-test',
    })
  })

  it('refuses a body over the size limit with 413, after the credential and before the database', async () => {
    const requestId = `too-large-${crypto.randomUUID()}`
    const huge = await api('/v1/organizations', {
      method: 'POST',
      headers: { 'X-Request-Id': requestId, 'X-Platform-Key': env.PLATFORM_API_KEY as string },
      body: { name: 'x'.repeat(70 * 1024) },
    })
    expect(huge.status).toBe(413)
    expect(huge.headers.get('Content-Type')).toContain('application/problem+json')
    expect(await json(huge)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' })
    expect(await neonLocalStats(requestId)).toBe(0)
    // Without the credential the body is not read at all (test/system/request-input.test.ts: every route).
    const anonymous = await api('/v1/organizations', {
      method: 'POST',
      body: { name: 'x'.repeat(70 * 1024) },
    })
    expect(anonymous.status).toBe(401)
  })
})

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document with the bearer scheme and problem schema', async () => {
    const response = await api('/openapi.json')
    expect(response.status).toBe(200)
    const doc = await json<{
      openapi: string
      info: { title: string }
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> }
    }>(response)
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.info.title).toBe('Organization API')
    expect(doc.components.securitySchemes.Bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(doc.components.schemas.Problem).toBeDefined()
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/ready']))
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(
          Object.keys(operation.responses).length,
          `${method} ${path} declares responses`,
        ).toBeGreaterThan(0)
      }
    }
  })

  it('serves the interactive reference at /docs', async () => {
    const response = await api('/docs')
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toContain('text/html')
    expect(await response.text()).toContain('/openapi.json')
  })
})

describe('CORS', () => {
  it('answers a preflight from a configured origin, exposing ETag and the request id', async () => {
    const response = await api('/v1/tickets', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://portal.example',
        'Access-Control-Request-Method': 'PATCH',
        'Access-Control-Request-Headers': 'authorization, if-match',
      },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('https://portal.example')
    expect(response.headers.get('Access-Control-Allow-Methods')).toContain('PATCH')
    expect(response.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toContain('if-match')
    const simple = await api('/health', { headers: { Origin: 'https://console.example' } })
    expect(simple.headers.get('Access-Control-Allow-Origin')).toBe('https://console.example')
    expect(simple.headers.get('Access-Control-Expose-Headers')).toContain('ETag')
  })

  it('lets a browser MCP client through: the MCP headers are allowed in a preflight and exposed', async () => {
    const preflight = await SELF.fetch('http://api.test/mcp', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://console.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers':
          'authorization, content-type, mcp-protocol-version, mcp-session-id, last-event-id',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBe('https://console.example')
    expect(preflight.headers.get('Access-Control-Allow-Methods')).toContain('POST')
    const allowed = (preflight.headers.get('Access-Control-Allow-Headers') ?? '')
      .toLowerCase()
      .split(/\s*,\s*/)
    for (const header of [
      'authorization',
      'content-type',
      'mcp-protocol-version',
      'mcp-session-id',
      'last-event-id',
    ]) {
      expect(allowed, header).toContain(header)
    }
    // The answer itself (here the 401 an agent without a token gets) is readable from that origin, with the
    // headers a client acts on: the challenge, and the MCP session and protocol headers.
    const response = await SELF.fetch('http://api.test/mcp', {
      method: 'POST',
      headers: {
        Origin: 'https://console.example',
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'Mcp-Protocol-Version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    })
    expect(response.status).toBe(401)
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('https://console.example')
    const exposed = (response.headers.get('Access-Control-Expose-Headers') ?? '')
      .toLowerCase()
      .split(/\s*,\s*/)
    for (const header of ['www-authenticate', 'mcp-session-id', 'mcp-protocol-version']) {
      expect(exposed, header).toContain(header)
    }
    // An origin that is not configured still gets nothing, MCP or not.
    const foreign = await SELF.fetch('http://api.test/mcp', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://evil.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'mcp-protocol-version',
      },
    })
    expect(foreign.headers.get('Access-Control-Allow-Origin')).toBeNull()
  })

  it('lets a UI read the file name of a download (Content-Disposition is exposed)', async () => {
    // A browser UI downloads an attachment with fetch (the bearer token rules out a plain link) and saves it under
    // the name the API sends; a header the response does not expose reads as null from another origin.
    const tenant = await createTenant()
    const ticket = await openTicket(tenant)
    const message = await post(tenant.tokens.CUSTOMER, ticket.id, { body: 'The invoice' })
    const path = `/v1/tickets/${ticket.id}/messages/${message.id}/attachments`
    const uploaded = await SELF.fetch(`http://api.test${path}?fileName=invoice%20march.pdf`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tenant.tokens.CUSTOMER}`, 'Content-Type': 'application/pdf' },
      body: new TextEncoder().encode('%PDF-1.4 test'),
    })
    expect(uploaded.status, await uploaded.clone().text()).toBe(201)
    const { id } = await json<{ id: string }>(uploaded)
    const download = await api(`${path}/${id}/content`, {
      token: tenant.tokens.CUSTOMER,
      headers: { Origin: 'https://portal.example' },
    })
    expect(download.status).toBe(200)
    expect(download.headers.get('Access-Control-Allow-Origin')).toBe('https://portal.example')
    expect(download.headers.get('Content-Disposition')).toContain('filename="invoice march.pdf"')
    const exposed = (download.headers.get('Access-Control-Expose-Headers') ?? '')
      .toLowerCase()
      .split(/\s*,\s*/)
    expect(exposed).toContain('content-disposition')
  })

  it('grants nothing to any other origin', async () => {
    const response = await api('/health', { headers: { Origin: 'https://evil.example' } })
    expect(response.headers.get('Access-Control-Allow-Origin')).toBeNull()
    const preflight = await api('/v1/tickets', {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' },
    })
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBeNull()
  })
})
