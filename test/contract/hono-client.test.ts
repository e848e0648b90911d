import { hc } from 'hono/client'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { AppType } from '../../src/index'
import { checkedFetch } from '../support/api'
import { createTenant } from '../support/tenants'

/**
 * The exported app type drives a `hono/client` (docs/api.md §5): paths, parameters, bodies and answers are typed from the
 * route declarations, and the calls go through the Worker's real fetch handler.
 */
const client = hc<AppType>('http://api.test', {
  fetch: (input: RequestInfo | URL, init?: RequestInit) => checkedFetch(input, init),
})

describe('hono/client typed from AppType', () => {
  it('reads the public routes', async () => {
    const response = await client.health.$get()
    expect(response.status).toBe(200)
    if (response.status !== 200) return
    const body = await response.json()
    expectTypeOf(body).toEqualTypeOf<{ status: 'ok' }>()
    expect(body).toEqual({ status: 'ok' })
  })

  it('reads and writes tenant resources with typed parameters, bodies and answers', async () => {
    const tenant = await createTenant()
    const headers = { Authorization: `Bearer ${tenant.tokens.ADMIN}` }

    const organization = await client.v1.organization.$get({}, { headers })
    expect(organization.status).toBe(200)
    if (organization.status !== 200) return
    const org = await organization.json()
    expectTypeOf(org.slug).toEqualTypeOf<string>()
    expect(org).toMatchObject({ id: tenant.organizationId, slug: tenant.slug })

    const created = await client.v1.agents.$post(
      { header: {}, json: { name: 'Typed client bot', type: 'TRIAGE', model: 'test-model' } },
      { headers },
    )
    expect(created.status).toBe(201)
    if (created.status !== 201) return
    const agent = await created.json()
    expectTypeOf(agent.id).toEqualTypeOf<string>()
    expect(agent).toMatchObject({ name: 'Typed client bot', type: 'TRIAGE', status: 'TESTING' })

    const read = await client.v1.agents[':agentId'].$get({ param: { agentId: agent.id } }, { headers })
    expect(read.status).toBe(200)
    if (read.status === 200) expect((await read.json()).id).toBe(agent.id)

    const list = await client.v1.agents.$get({ query: { status: 'TESTING', limit: '10' } }, { headers })
    expect(list.status).toBe(200)
    if (list.status === 200) expect((await list.json()).data.map((row) => row.id)).toContain(agent.id)
  })

  it('types the problem answers too', async () => {
    const response = await client.v1.organization.$get({}, {})
    expect(response.status).toBe(401)
    if (response.status !== 401) return
    const problem = await response.json()
    expectTypeOf(problem.code).toEqualTypeOf<string>()
    expect(problem).toMatchObject({ status: 401, code: 'TOKEN_MISSING' })
  })

  it('refuses, at compile time, what the routes do not accept (npm run typecheck)', () => {
    const neverCalled = () => [
      // @ts-expect-error: no such route
      client.v1.nothing.$get(),
      // @ts-expect-error: the path parameter is required
      client.v1.agents[':agentId'].$get({ param: {} }),
      // @ts-expect-error: `type` is an enum
      client.v1.agents.$post({ header: {}, json: { name: 'x', type: 'NO_SUCH_TYPE', model: 'm' } }),
    ]
    expect(neverCalled).toBeTypeOf('function')
  })
})
