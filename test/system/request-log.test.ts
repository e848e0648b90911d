import { env } from 'cloudflare:test'
import { Hono } from 'hono'
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest'
import { createApp } from '../../src/app'
import type { AppEnv } from '../../src/env'
import { subrequestEnv } from '../../src/lib/subrequest'
import { databaseDeadline } from '../../src/middleware/database-deadline'
import { requestId as requestIdMiddleware } from '../../src/middleware/request-id'
import { requestLog } from '../../src/middleware/request-log'
import { api } from '../support/api'
import { createTenant, tokenFor } from '../support/tenants'
import { callWith } from './support'

/**
 * One JSON `request` line per request (src/middleware/request-log.ts): who (organization, role), what (method,
 * route pattern), how it went (status, duration, database round trips). Never the token, a secret, the body or
 * the raw URL. Failures add the error handler's `request failed` line; the request line is still there, once.
 */

type Line = Record<string, unknown>
let spies: MockInstance[] = []
let raw: string[] = []

beforeEach(() => {
  raw = []
  spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      raw.push(args.map(String).join(' '))
    }),
  )
})
afterEach(() => {
  for (const spy of spies) spy.mockRestore()
})

function lines(): Line[] {
  return raw.flatMap((text) => {
    try {
      return [JSON.parse(text) as Line]
    } catch {
      return []
    }
  })
}

const requestLines = (requestId: string) =>
  lines().filter((line) => line.message === 'request' && line.requestId === requestId)

function expectNothingSecret(...secrets: string[]) {
  for (const text of raw) {
    for (const secret of secrets) expect(text).not.toContain(secret)
    expect(text).not.toMatch(/bearer /i)
  }
}

describe('request logs', () => {
  it('log one line per request with its fields, and neither the token nor the body', async () => {
    const tenant = await createTenant()
    const marker = `body-marker-${crypto.randomUUID()}`
    const requestId = `log-${crypto.randomUUID()}`
    const response = await api('/v1/agents', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      headers: { 'X-Request-Id': requestId },
      body: { name: marker, description: marker, type: 'TRIAGE', model: 'test-model' },
    })
    expect(response.status).toBe(201)

    const [line, ...more] = requestLines(requestId)
    expect(more).toEqual([])
    expect(line).toEqual({
      level: 'info',
      message: 'request',
      time: expect.any(String),
      requestId,
      organizationId: tenant.organizationId,
      role: 'ADMIN',
      method: 'POST',
      route: '/v1/agents',
      status: 201,
      durationMs: expect.any(Number),
      databaseRoundTrips: 1,
    })
    expect(line?.durationMs as number).toBeGreaterThanOrEqual(0)
    expectNothingSecret(tenant.tokens.ADMIN, marker, env.AUTH_JWT_SECRET as string)
  })

  it('name the route pattern, never the raw path or query', async () => {
    const tenant = await createTenant()
    const missing = crypto.randomUUID()
    const requestId = `log-${crypto.randomUUID()}`
    const response = await api(`/v1/agents/${missing}`, {
      token: tenant.tokens.ADMIN,
      headers: { 'X-Request-Id': requestId },
    })
    expect(response.status).toBe(404)
    expect(requestLines(requestId)).toEqual([
      expect.objectContaining({ route: '/v1/agents/:agentId', status: 404, databaseRoundTrips: 1 }),
    ])
    const filtered = crypto.randomUUID()
    const listId = `log-${crypto.randomUUID()}`
    const list = await api(`/v1/tickets?customerId=${filtered}`, {
      token: tenant.tokens.ADMIN,
      headers: { 'X-Request-Id': listId },
    })
    expect(list.status).toBe(200)
    expect(requestLines(listId)).toEqual([expect.objectContaining({ route: '/v1/tickets', status: 200 })])
    expectNothingSecret(missing, filtered, tenant.tokens.ADMIN)
  })

  it('log refusals before any database work: unauthenticated, unknown routes', async () => {
    const noToken = `log-${crypto.randomUUID()}`
    expect((await api('/v1/agents', { headers: { 'X-Request-Id': noToken } })).status).toBe(401)
    expect(requestLines(noToken)).toEqual([
      expect.objectContaining({
        organizationId: null,
        role: null,
        method: 'GET',
        route: '/v1/agents',
        status: 401,
        databaseRoundTrips: 0,
      }),
    ])

    const unknown = `log-${crypto.randomUUID()}`
    expect((await api('/v1/no-such-thing', { headers: { 'X-Request-Id': unknown } })).status).toBe(404)
    expect(requestLines(unknown)).toEqual([expect.objectContaining({ route: null, status: 404 })])
  })

  it('keep the error details in their own error line, and the request line once, on a 5xx', async () => {
    const token = await tokenFor(crypto.randomUUID(), crypto.randomUUID(), 'ADMIN')
    const requestId = `log-${crypto.randomUUID()}`
    const response = await callWith(
      { DATABASE_URL: env.TEST_BLACKHOLE_URL, DATABASE_TIMEOUT_MS: '200' },
      '/v1/organization',
      { token, headers: { 'X-Request-Id': requestId } },
    )
    expect(response.status).toBe(503)
    const body = await response.text()
    expect(body).not.toContain('stack')
    expect(requestLines(requestId)).toEqual([
      expect.objectContaining({
        route: '/v1/organization',
        status: 503,
        databaseRoundTrips: 1,
        role: 'ADMIN',
      }),
    ])
    const failed = lines().filter((line) => line.message === 'request failed' && line.requestId === requestId)
    expect(failed).toEqual([
      expect.objectContaining({
        level: 'error',
        error: expect.objectContaining({ stack: expect.any(String) }),
      }),
    ])
    expectNothingSecret(token)
  })

  it('count a subrequest (the app calling itself, e.g. a replay) in the line of the request it serves', async () => {
    const tenant = await createTenant()
    const app = createApp()
    const outer = new Hono<AppEnv>()
    outer.use('*', requestIdMiddleware(), requestLog(), databaseDeadline())
    outer.get('/outer', async (c) => {
      const inner = await app.request(
        '/v1/me',
        { headers: { Authorization: `Bearer ${tenant.tokens.ADMIN}`, 'X-Request-Id': c.get('requestId') } },
        subrequestEnv(c),
      )
      return c.json({ inner: inner.status })
    })
    const requestId = `log-${crypto.randomUUID()}`
    const response = await outer.request('/outer', { headers: { 'X-Request-Id': requestId } }, env)
    expect(await response.json()).toEqual({ inner: 200 })
    expect(requestLines(requestId)).toEqual([
      expect.objectContaining({ route: '/outer', status: 200, databaseRoundTrips: 1 }),
    ])
  })
})
