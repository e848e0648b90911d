/// <reference types="vite/client" />

import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { parse } from 'smol-toml'
import { describe, expect, it } from 'vitest'
import { organizations } from '../../src/db/schema'
import {
  PLAN_WHEN_UNKNOWN,
  PLANS,
  type Plan,
  RATE_LIMITS,
  type RateLimitTable,
  rateLimitBindingName,
  rateLimitPolicyHeader,
} from '../../src/lib/rate-limits'
import wranglerToml from '../../wrangler.toml?raw'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { callWith } from './support'

/**
 * Per-caller and per-tenant rate limits (src/lib/rate-limits.ts) through the Rate Limiting binding as Miniflare
 * emulates it, with the test numbers of vitest.config.ts (FREE: 3 per caller, 5 per organization, per
 * 60 s). The emulator's windows are aligned to the clock: each test starts well inside one.
 */

/** The test runtime's table (vitest.config.ts), which its bindings enforce. */
const TEST_RATE_LIMITS = JSON.parse(env.TEST_RATE_LIMITS) as RateLimitTable
const policy = (plan: Plan) => rateLimitPolicyHeader(TEST_RATE_LIMITS[plan])

async function tenantOn(plan: Plan) {
  const tenant = await createTenant()
  await ownerDb.update(organizations).set({ plan }).where(eq(organizations.id, tenant.organizationId))
  return tenant
}

/** Waits for the next window when fewer than 15 s of this one remain (a test takes a few seconds). */
async function insideOneWindow(): Promise<void> {
  const remaining = 60_000 - (Date.now() % 60_000)
  if (remaining < 15_000) await new Promise((resolve) => setTimeout(resolve, remaining + 250))
}

describe('rate limits', () => {
  it('refuses a caller past its plan’s limit with 429, Retry-After and RateLimit-Policy; others go on', async () => {
    const [free, other] = await Promise.all([tenantOn('FREE'), tenantOn('FREE')])
    await insideOneWindow()

    // The isolate does not know these tenants yet: the most generous plan applies, and the first batch of each
    // tenant teaches it the plan (same round trip).
    for (const tenant of [free, other]) {
      const first = await api('/v1/me', { token: tenant.tokens.ADMIN })
      expect(first.status).toBe(200)
      expect(first.headers.get('RateLimit-Policy')).toBe(policy(PLAN_WHEN_UNKNOWN))
    }

    for (let i = 0; i < 3; i++) {
      const response = await api('/v1/me', { token: free.tokens.ADMIN })
      expect(response.status, `request ${i + 1}`).toBe(200)
      expect(response.headers.get('RateLimit-Policy')).toBe(policy('FREE'))
    }
    const requestId = `rl-${crypto.randomUUID()}`
    const refused = await api('/v1/me', { token: free.tokens.ADMIN, headers: { 'X-Request-Id': requestId } })
    expect(refused.status).toBe(429)
    expect(refused.headers.get('Content-Type')).toContain('application/problem+json')
    expect(refused.headers.get('Retry-After')).toBe('60')
    expect(refused.headers.get('RateLimit-Policy')).toBe('"caller";q=3;w=60, "tenant";q=5;w=60')
    expect(refused.headers.get('X-Request-Id')).toBe(requestId)
    expect(await json(refused)).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      detail: 'This caller has sent more than 3 requests in 60 seconds (FREE plan); retry later.',
    })
    // Refused before the database.
    expect(await neonLocalStats(requestId)).toBe(0)

    // Another caller of the same organization still gets the rest of the organization's budget (5)…
    for (let i = 0; i < 2; i++) {
      expect((await api('/v1/me', { token: free.tokens.REPRESENTATIVE })).status, `rep ${i + 1}`).toBe(200)
    }
    // … and then the organization is refused as a whole, whoever calls.
    for (const token of [free.tokens.REPRESENTATIVE, free.tokens.CUSTOMER, free.tokens.AGENT]) {
      const response = await api('/v1/me', { token })
      expect(response.status).toBe(429)
      expect((await json(response)).detail).toBe(
        'This organization has sent more than 5 requests in 60 seconds (FREE plan); retry later.',
      )
    }

    // Another tenant on the same plan is unaffected.
    for (let i = 0; i < 3; i++) {
      const response = await api('/v1/me', { token: other.tokens.ADMIN })
      expect(response.status, `other tenant ${i + 1}`).toBe(200)
    }
  })

  it('follows each tenant’s plan once the isolate read it (no round trip of its own)', async () => {
    const [starter, professional] = await Promise.all([tenantOn('STARTER'), createTenant()])
    await insideOneWindow()
    for (const [tenant, plan] of [
      [starter, 'STARTER'],
      [professional, 'PROFESSIONAL'],
    ] as const) {
      const requestId = `rl-${crypto.randomUUID()}`
      const first = await api('/v1/organization', {
        token: tenant.tokens.ADMIN,
        headers: { 'X-Request-Id': requestId },
      })
      expect(first.status).toBe(200)
      expect(await neonLocalStats(requestId), 'the plan comes in the request’s own batch').toBe(1)
      const next = await api('/v1/organization', { token: tenant.tokens.ADMIN })
      expect(next.headers.get('RateLimit-Policy'), plan).toBe(policy(plan))
    }
  })

  it('a GraphQL document’s mutations count as their REST requests: each after the first is one more', async () => {
    const tenant = await tenantOn('FREE')
    await insideOneWindow()
    expect((await api('/v1/me', { token: tenant.tokens.ADMIN })).status).toBe(200) // the isolate learns the plan
    const create = (alias: string) =>
      `${alias}: createTicket(input: { customerId: "${tenant.customerId}", subject: "s", description: "d" }) { id }`
    // The /graphql request counts 1 (its first mutation is that request), m1 and m2 bring the caller to its 3,
    // m3 is refused as its REST request would be; the others ran.
    const response = await api('/graphql', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { query: `mutation { ${['m0', 'm1', 'm2', 'm3'].map(create).join(' ')} }` },
    })
    expect(response.status).toBe(200)
    const body = await json<{
      data: Record<string, { id: string } | null>
      errors: Array<{ path: string[]; extensions: { code: string; status: number } }>
    }>(response)
    expect(Object.entries(body.data).map(([key, value]) => [key, value !== null])).toEqual([
      ['m0', true],
      ['m1', true],
      ['m2', true],
      ['m3', false],
    ])
    expect(body.errors).toMatchObject([{ path: ['m3'], extensions: { code: 'RATE_LIMITED', status: 429 } }])
    expect((await api('/v1/me', { token: tenant.tokens.ADMIN })).status).toBe(429)
  })

  it('can be turned off for local load tests (RATE_LIMITS=off), never in a deployment', async () => {
    const tenant = await tenantOn('FREE')
    await insideOneWindow()
    const me = (overrides: Parameters<typeof callWith>[0]) =>
      callWith(overrides, '/v1/me', { token: tenant.tokens.ADMIN })
    expect((await me({})).status).toBe(200) // the isolate learns the plan
    for (let i = 0; i < 6; i++) {
      const response = await me({ RATE_LIMITS: 'off' })
      expect(response.status, `request ${i + 1}`).toBe(200)
      expect(response.headers.get('RateLimit-Policy')).toBeNull()
    }
    const statuses: number[] = []
    for (let i = 0; i < 6; i++)
      statuses.push((await me({ RATE_LIMITS: 'off', APP_ENV: 'production' })).status)
    expect(statuses).toContain(429)
  })

  it('does not limit public routes, and documents the 429 on every tenant operation', async () => {
    for (let i = 0; i < 8; i++) expect((await api('/health')).status).toBe(200)
    const document = await json<{
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>
    }>(await api('/openapi.json'))
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const bearer = JSON.stringify(operation.security ?? []).includes('Bearer')
        expect(Boolean(operation.responses['429']), `${method} ${path}`).toBe(bearer)
      }
    }
  })
})

describe('wrangler.toml', () => {
  interface RateLimitBinding {
    name: string
    namespace_id: string
    simple: { limit: number; period: number }
  }
  type Environment = { ratelimits?: RateLimitBinding[] }
  const config = parse(wranglerToml) as Environment & { env?: Record<string, Environment> }
  const environments: Array<[string, Environment]> = [
    ['(top level)', config],
    ...Object.entries(config.env ?? {}),
  ]

  it('declares every binding of the plan table, with its numbers, in every environment', () => {
    expect(environments.length).toBeGreaterThanOrEqual(3)
    const expected = PLANS.flatMap((plan) =>
      (['tenant', 'caller'] as const).map((scope) => ({
        name: rateLimitBindingName(plan, scope),
        simple: RATE_LIMITS[plan][scope],
      })),
    ).sort((a, b) => a.name.localeCompare(b.name))
    for (const [name, environment] of environments) {
      const declared = (environment.ratelimits ?? [])
        .map(({ name, simple }) => ({ name, simple }))
        .sort((a, b) => a.name.localeCompare(b.name))
      expect(declared, name).toEqual(expected)
    }
  })

  it('gives every binding of every environment a namespace of its own', () => {
    const ids = environments.flatMap(([, environment]) =>
      (environment.ratelimits ?? []).map((binding) => binding.namespace_id),
    )
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^[1-9][0-9]*$/)
  })
})
