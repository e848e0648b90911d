import { SELF } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { agentConfigurations, organizations, users } from '../../src/db/schema'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb } from '../support/db'
import { createTenant, type TestTenant, tokenFor } from '../support/tenants'

/*
 * SPEC §3 and SPEC-domain §1: a deactivated user's (or a non-ACTIVE agent's) next request is refused, and so is
 * every request of a SUSPENDED or CANCELLED organization. The answers that need no data of the tenant (MCP's
 * initialize, ping and tools/list; a GraphQL document of introspection or `__typename` only) must refuse them
 * too: a token that verifies is not enough, the caller is checked in the database (app_begin_request).
 */

const mcp = (token: string, method: string, requestId = `mcp-${crypto.randomUUID()}`) =>
  SELF.fetch('http://api.test/mcp', {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'Mcp-Protocol-Version': '2025-06-18',
      'X-Request-Id': requestId,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      ...(method === 'initialize'
        ? {
            params: {
              protocolVersion: '2025-06-18',
              capabilities: {},
              clientInfo: { name: 'probe', version: '1' },
            },
          }
        : {}),
    }),
  })

const graphql = (token: string, query: string) => api('/graphql', { method: 'POST', token, body: { query } })

/** Every answer a refused caller gets here: the problem, its code, and for a 401 the Bearer challenge. */
async function expectRefused(response: Response, status: number, code: string, what: string) {
  const text = await response.clone().text()
  expect(response.status, `${what}: ${text}`).toBe(status)
  expect(response.headers.get('Content-Type'), what).toContain('application/problem+json')
  expect(await json(response), what).toMatchObject({ status, code })
  if (status === 401) {
    expect(response.headers.get('WWW-Authenticate'), what).toMatch(/^Bearer realm=.*error="invalid_token"/)
  }
}

async function expectEveryAnswerRefused(token: string, status: number, code: string) {
  for (const method of ['initialize', 'ping', 'tools/list']) {
    await expectRefused(await mcp(token, method), status, code, `MCP ${method}`)
  }
  for (const query of ['{ __typename }', '{ __schema { queryType { name } } }']) {
    await expectRefused(await graphql(token, query), status, code, `GraphQL ${query}`)
  }
}

async function secondAdmin(tenant: TestTenant) {
  const response = await api('/v1/users', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: { email: `second-${crypto.randomUUID()}@example.com`, name: 'Second Admin', role: 'ADMIN' },
  })
  expect(response.status, await response.clone().text()).toBe(201)
  return (await json<{ id: string }>(response)).id
}

describe('a caller refused by the database is refused where no tenant data is read', () => {
  it('a deactivated user: 401 PRINCIPAL_INACTIVE on MCP initialize, ping, tools/list and GraphQL introspection', async () => {
    const tenant = await createTenant()
    await secondAdmin(tenant)
    const deactivated = await api(`/v1/users/${tenant.adminId}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { isActive: false },
    })
    expect(deactivated.status, await deactivated.clone().text()).toBe(200)
    await expectEveryAnswerRefused(tenant.tokens.ADMIN, 401, 'PRINCIPAL_INACTIVE')
  })

  it('a user whose role changed since the token was issued, and a paused agent: 401 PRINCIPAL_INACTIVE', async () => {
    const tenant = await createTenant()
    await ownerDb.update(users).set({ role: 'ADMIN' }).where(eq(users.id, tenant.representativeUserId))
    await expectEveryAnswerRefused(tenant.tokens.REPRESENTATIVE, 401, 'PRINCIPAL_INACTIVE')
    await ownerDb
      .update(agentConfigurations)
      .set({ status: 'PAUSED' })
      .where(eq(agentConfigurations.id, tenant.agentId))
    await expectEveryAnswerRefused(tenant.tokens.AGENT, 401, 'PRINCIPAL_INACTIVE')
  })

  it('a suspended organization: 403 ORGANIZATION_INACTIVE; an organization that does not exist: 403 ORGANIZATION_NOT_FOUND', async () => {
    const tenant = await createTenant()
    await ownerDb
      .update(organizations)
      .set({ status: 'SUSPENDED' })
      .where(eq(organizations.id, tenant.organizationId))
    await expectEveryAnswerRefused(tenant.tokens.ADMIN, 403, 'ORGANIZATION_INACTIVE')
    const nowhere = await tokenFor(crypto.randomUUID(), crypto.randomUUID(), 'ADMIN')
    await expectEveryAnswerRefused(nowhere, 403, 'ORGANIZATION_NOT_FOUND')
  })

  it('an active caller still gets its answers, for one round trip (the caller check)', async () => {
    const tenant = await createTenant()
    const requestId = `mcp-list-${crypto.randomUUID()}`
    const listed = await mcp(tenant.tokens.AGENT, 'tools/list', requestId)
    expect(listed.status).toBe(200)
    expect((await json<{ result: { tools: unknown[] } }>(listed)).result.tools.length).toBeGreaterThan(0)
    expect(await neonLocalStats(requestId)).toBe(1)
    const typename = await graphql(tenant.tokens.CUSTOMER, '{ __typename }')
    expect(typename.status).toBe(200)
    expect(await json(typename)).toEqual({ data: { __typename: 'Query' } })
  })
})
