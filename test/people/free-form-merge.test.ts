import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { agentConfigurations, customerProfiles } from '../../src/db/schema'
import { graphql } from '../reads/graphql-support'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * A customer's `context` and `preferences` and an agent's `settings` and `thresholds` are JSON Merge Patches
 * (RFC 7396), merged by the UPDATE (app_json_merge_patch) as the organization's settings are: keys sent are set,
 * null deletes, absent keys stay, objects merge recursively. Each merged object holds at most 32 KiB as stored.
 */

type Body = Record<string, unknown>

const profileOf = async (tenant: TestTenant, userId = tenant.customerId) =>
  (await ownerDb.select().from(customerProfiles).where(eq(customerProfiles.userId, userId)))[0]
const agentOf = async (tenant: TestTenant) =>
  (await ownerDb.select().from(agentConfigurations).where(eq(agentConfigurations.id, tenant.agentId)))[0]

const patchCustomer = (tenant: TestTenant, body: Body, role: 'ADMIN' | 'CUSTOMER' = 'ADMIN') =>
  api(`/v1/customers/${tenant.customerId}`, { method: 'PATCH', token: tenant.tokens[role], body })
const patchAgent = (tenant: TestTenant, body: Body) =>
  api(`/v1/agents/${tenant.agentId}`, { method: 'PATCH', token: tenant.tokens.ADMIN, body })

const first = {
  timezone: 'Europe/Berlin',
  locale: 'de',
  branding: { logo: 'a.png', color: 'blue' },
  tags: ['a'],
}
const second = {
  locale: null,
  branding: { color: 'red', font: null },
  tags: ['b', 'c'],
  timezone: { name: 'UTC', offset: null },
  currency: 'EUR',
}
// Nested objects merge; arrays and scalars are replaced whole; a null is never stored.
const merged = {
  timezone: { name: 'UTC' },
  branding: { logo: 'a.png', color: 'red' },
  tags: ['b', 'c'],
  currency: 'EUR',
}

/** PATCHes `field` twice (first, second), then deletes `branding`: the answer and the stored object each time. */
async function expectMerges(
  field: string,
  patch: (body: Body) => Promise<Response>,
  stored: () => Promise<unknown>,
  answered: (body: Body) => unknown,
) {
  const one = await patch({ [field]: first })
  expect(one.status, await one.clone().text()).toBe(200)
  const two = await patch({ [field]: second })
  expect(two.status, await two.clone().text()).toBe(200)
  expect(answered(await json<Body>(two))).toEqual(merged)
  expect(await stored()).toEqual(merged)
  const three = await patch({ [field]: { branding: null } })
  const { branding: _deleted, ...rest } = merged
  expect(answered(await json<Body>(three))).toEqual(rest)
  expect(await stored()).toEqual(rest)
}

describe('PATCH /v1/customers/{id}: context and preferences merge (RFC 7396)', () => {
  it('context: one key keeps the others, null deletes, nested objects merge', async () => {
    const tenant = await createTenant()
    await expectMerges(
      'context',
      (body) => patchCustomer(tenant, body),
      async () => (await profileOf(tenant))?.context,
      (body) => (body.profile as Body).context,
    )
    // The other object is untouched.
    expect((await profileOf(tenant))?.preferences).toEqual({})
  })

  it('preferences, as the CUSTOMER itself: merged the same way', async () => {
    const tenant = await createTenant()
    await expectMerges(
      'preferences',
      (body) => patchCustomer(tenant, body, 'CUSTOMER'),
      async () => (await profileOf(tenant))?.preferences,
      (body) => (body.profile as Body).preferences,
    )
    expect((await profileOf(tenant, tenant.otherCustomerId))?.preferences).toEqual({})
  })

  it('the customer.updated event carries the whole object before and after', async () => {
    const tenant = await createTenant()
    expect((await patchCustomer(tenant, { preferences: { channel: 'sms', language: 'de' } })).status).toBe(
      200,
    )
    const requestId = `merge-event-${crypto.randomUUID()}`
    const patched = await api(`/v1/customers/${tenant.customerId}`, {
      method: 'PATCH',
      token: tenant.tokens.CUSTOMER,
      headers: { 'X-Request-Id': requestId },
      body: { preferences: { channel: 'email' } },
    })
    expect(patched.status).toBe(200)
    const events = await json<{ data: Array<{ requestId: string; data: Body }> }>(
      await api('/v1/events?type=customer.updated', { token: tenant.tokens.ADMIN }),
    )
    const event = events.data.find((e) => e.requestId === requestId)
    expect(event?.data).toMatchObject({
      object: { profile: { preferences: { channel: 'email', language: 'de' } } },
      previousAttributes: { profile: { preferences: { channel: 'sms', language: 'de' } } },
    })
  })

  it('refuses a merge past 32 KiB as stored (422 on the field), changing nothing', async () => {
    const tenant = await createTenant()
    const chunk = 'x'.repeat(15_000)
    for (const field of ['context', 'preferences']) {
      for (const key of ['a', 'b'])
        expect((await patchCustomer(tenant, { [field]: { [key]: chunk } })).status).toBe(200)
      const before = await profileOf(tenant)
      const over = await patchCustomer(tenant, { [field]: { c: chunk }, accountTier: 'PREMIUM' })
      expect(over.status).toBe(422)
      expect(await json(over)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: field }] })
      expect(await profileOf(tenant)).toEqual(before)
      // Deleting keys in the same patch makes room.
      expect((await patchCustomer(tenant, { [field]: { a: null, c: chunk } })).status).toBe(200)
    }
  })

  it('GraphQL updateCustomer merges the same way (it runs the REST handler)', async () => {
    const tenant = await createTenant()
    expect((await patchCustomer(tenant, { preferences: { channel: 'sms', language: 'de' } })).status).toBe(
      200,
    )
    const result = await graphql(
      tenant.tokens.CUSTOMER,
      'mutation ($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(customerId: $id, input: $input) { id } }',
      { id: tenant.customerId, input: { preferences: { channel: null, theme: 'dark' } } },
    )
    expect(result.body.errors).toBeUndefined()
    expect((await profileOf(tenant))?.preferences).toEqual({ language: 'de', theme: 'dark' })
  })
})

describe('PATCH /v1/agents/{id}: settings and thresholds merge (RFC 7396)', () => {
  it('settings: one key keeps the others, null deletes, nested objects merge', async () => {
    const tenant = await createTenant()
    await expectMerges(
      'settings',
      (body) => patchAgent(tenant, body),
      async () => (await agentOf(tenant))?.settings,
      (body) => body.settings,
    )
    // The last agent.updated (deleting branding) holds the whole object before and after.
    const events = await json<{ data: Array<{ data: Body }> }>(
      await api(`/v1/events?type=agent.updated&objectId=${tenant.agentId}&limit=1`, {
        token: tenant.tokens.ADMIN,
      }),
    )
    const { branding: _deleted, ...rest } = merged
    expect(events.data[0]?.data).toMatchObject({
      object: { settings: rest },
      previousAttributes: { settings: merged },
    })
  })

  it('thresholds: a key sent alone keeps the refund limit; null removes it; the merged object stays valid', async () => {
    const tenant = await createTenant()
    const set = await patchAgent(tenant, { thresholds: { minConfidence: 0.8, maxAutoRefundAmount: '50' } })
    expect(set.status, await set.clone().text()).toBe(200)
    const one = await patchAgent(tenant, { thresholds: { minConfidence: 0.9 } })
    expect(one.status, await one.clone().text()).toBe(200)
    expect((await json<Body>(one)).thresholds).toEqual({ minConfidence: 0.9, maxAutoRefundAmount: '50.00' })
    expect((await agentOf(tenant))?.thresholds).toEqual({ minConfidence: 0.9, maxAutoRefundAmount: '50.00' })
    const removed = await patchAgent(tenant, { thresholds: { maxAutoRefundAmount: null } })
    expect(removed.status, await removed.clone().text()).toBe(200)
    expect((await agentOf(tenant))?.thresholds).toEqual({ minConfidence: 0.9 })
    // The events hold the thresholds whole, before and after (a key added or removed shows): not a diff of them.
    const events = await json<{ data: Array<{ data: Body }> }>(
      await api(`/v1/events?type=agent.updated&objectId=${tenant.agentId}&limit=2`, {
        token: tenant.tokens.ADMIN,
      }),
    )
    expect(events.data.map((event) => event.data.previousAttributes)).toEqual([
      { thresholds: { minConfidence: 0.9, maxAutoRefundAmount: '50.00' } },
      { thresholds: { minConfidence: 0.8, maxAutoRefundAmount: '50.00' } },
    ])
    // Each value is still validated: the merged object is as valid as every value in it.
    for (const thresholds of [{ minConfidence: 2 }, { maxAutoRefundAmount: '-1' }, { other: 1 }]) {
      expect((await patchAgent(tenant, { thresholds })).status).toBe(422)
    }
    expect((await agentOf(tenant))?.thresholds).toEqual({ minConfidence: 0.9 })
    // GraphQL's typed input (AgentThresholdsPatchInput) passes a null on: the same merge.
    const result = await graphql(
      tenant.tokens.ADMIN,
      'mutation ($id: ID!, $input: UpdateAgentInput!) { updateAgent(agentId: $id, input: $input) { id } }',
      { id: tenant.agentId, input: { thresholds: { minConfidence: null, maxAutoRefundAmount: '20' } } },
    )
    expect(result.body.errors).toBeUndefined()
    expect((await agentOf(tenant))?.thresholds).toEqual({ maxAutoRefundAmount: '20.00' })
  })

  it('refuses settings merged past 32 KiB as stored (422 on settings), changing nothing', async () => {
    const tenant = await createTenant()
    const chunk = 'x'.repeat(15_000)
    for (const key of ['a', 'b'])
      expect((await patchAgent(tenant, { settings: { [key]: chunk } })).status).toBe(200)
    const before = await agentOf(tenant)
    const over = await patchAgent(tenant, { settings: { c: chunk }, name: 'Renamed' })
    expect(over.status).toBe(422)
    expect(await json(over)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'settings' }] })
    expect(await agentOf(tenant)).toEqual(before)
  })

  it('the OpenAPI document describes every merged object as a JSON Merge Patch', async () => {
    const document = await json<{
      components: {
        schemas: Record<
          string,
          { description?: string; properties: Record<string, { description?: string }> }
        >
      }
    }>(await api('/openapi.json'))
    const { UpdateCustomer, UpdateAgent, UpdateOrganization, AgentThresholdsPatch } =
      document.components.schemas
    expect(UpdateAgent?.properties.thresholds).toEqual({ $ref: '#/components/schemas/AgentThresholdsPatch' })
    for (const property of [
      UpdateCustomer?.properties.context,
      UpdateCustomer?.properties.preferences,
      UpdateAgent?.properties.settings,
      AgentThresholdsPatch,
      UpdateOrganization?.properties.settings,
    ]) {
      expect(property?.description).toContain(
        'JSON Merge Patch (RFC 7396): keys sent are set, null deletes, absent keys stay',
      )
    }
  })
})
