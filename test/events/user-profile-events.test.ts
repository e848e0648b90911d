import { describe, expect, it } from 'vitest'
import { api } from '../support/api'
import { neonLocalStats, ownerSql, untilEventFeedSettled } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { endpointFor } from '../webhooks/support'
import { call, storedEvents } from './support'

/*
 * A customer's and a representative's representations embed their user's name, email and isActive: a change of
 * those on the users row is a change of the customer or representative too, so their own feed (`customer.*`,
 * `representative.*`) must tell it (migration 0029), in the transaction of the change, with the user's event's
 * actor and request, and exactly once per request even when the profile row changes as well.
 */

interface EventBody {
  type: string
  objectId: string
  actor: { type: string; id: string | null; role: string | null }
  requestId: string | null
  idempotencyKey: string | null
  data: { object: Record<string, unknown>; previousAttributes: Record<string, unknown> | null }
}

const feed = async (tenant: TestTenant, query: string) =>
  (await call<{ data: EventBody[] }>(200, `/v1/events${query}`, { token: tenant.tokens.ADMIN })).data

const patchUser = (
  tenant: TestTenant,
  userId: string,
  body: object,
  requestId = `u-${crypto.randomUUID()}`,
) =>
  call(200, `/v1/users/${userId}`, {
    method: 'PATCH',
    token: tenant.tokens.ADMIN,
    body,
    headers: { 'X-Request-Id': requestId },
  })

/** The user's own event of the request: the profile's event must carry the same actor, request and key. */
async function userEvent(tenant: TestTenant, userId: string, requestId: string) {
  const events = await feed(tenant, `?type=user.*&objectId=${userId}`)
  const event = events.find((e) => e.requestId === requestId)
  expect(event?.type).toBe('user.updated')
  return event as EventBody
}

describe('a change of the user is a change of its customer', () => {
  it('a new name: customer.updated in the customer’s feed, fresh object, the name’s previous value, same actor', async () => {
    const tenant = await createTenant()
    const requestId = `name-${crypto.randomUUID()}`
    await patchUser(tenant, tenant.customerId, { name: 'Carla Customer' }, requestId)
    // Still the request's one round trip.
    expect(await neonLocalStats(requestId)).toBe(1)

    const events = await feed(tenant, `?type=customer.*&objectId=${tenant.customerId}`)
    // Newest first: the change, then the fixture's creation.
    expect(events.map((e) => e.type)).toEqual(['customer.updated', 'customer.created'])
    const [event] = events as [EventBody]
    expect(event.objectId).toBe(tenant.customerId)
    expect(event.data.object).toMatchObject({
      id: tenant.customerId,
      name: 'Carla Customer',
      email: `carl.customer@${tenant.slug}.example`,
      isActive: true,
      profile: { accountTier: 'PREMIUM' },
    })
    expect(event.data.previousAttributes).toEqual({ name: 'Carl Customer' })
    const user = await userEvent(tenant, tenant.customerId, requestId)
    expect([event.actor, event.requestId, event.idempotencyKey]).toEqual([
      user.actor,
      user.requestId,
      user.idempotencyKey,
    ])
    expect(event.actor).toEqual({ type: 'USER', id: tenant.adminId, role: 'ADMIN' })
    // The customer's representation now is what its GET answers.
    const current = await call(200, `/v1/customers/${tenant.customerId}`, { token: tenant.tokens.ADMIN })
    expect(event.data.object).toEqual(current)
  })

  it('a new email (no route changes one; an operator’s SQL): customer.updated by the SYSTEM', async () => {
    const tenant = await createTenant()
    await ownerSql`update users set email = 'carl@new.example' where id = ${tenant.customerId}`
    const events = await feed(tenant, `?type=customer.*&objectId=${tenant.customerId}`)
    expect(events.map((e) => [e.type, e.actor.type, e.data.previousAttributes])).toEqual([
      ['customer.updated', 'SYSTEM', { email: `carl.customer@${tenant.slug}.example` }],
      ['customer.created', 'SYSTEM', null],
    ])
    expect(events[0]?.data.object).toMatchObject({ email: 'carl@new.example', name: 'Carl Customer' })
  })

  it('deactivated and reactivated: customer.updated with isActive each time', async () => {
    const tenant = await createTenant()
    await patchUser(tenant, tenant.customerId, { isActive: false })
    await patchUser(tenant, tenant.customerId, { isActive: true })
    await untilEventFeedSettled()
    const events = await feed(tenant, `?type=customer.*&objectId=${tenant.customerId}&sort=createdAt`)
    expect(events.map((e) => [e.type, e.data.object.isActive, e.data.previousAttributes])).toEqual([
      ['customer.created', true, null],
      ['customer.updated', false, { isActive: true }],
      ['customer.updated', true, { isActive: false }],
    ])
  })

  it('nothing the customer shows changed (the same name, the last login): no customer event', async () => {
    const tenant = await createTenant()
    await patchUser(tenant, tenant.customerId, { name: 'Carl Customer' })
    await ownerSql`update users set last_login_at = now() where id = ${tenant.customerId}`
    // A change of last_login_at alone is no change of the user's either (migration 0060): no user.updated.
    expect((await storedEvents(tenant.organizationId, tenant.customerId)).map((e) => e.type)).toEqual([
      'user.created',
      'customer.created',
    ])
  })

  it('rolls back with the user’s change: a refused PATCH leaves no customer event', async () => {
    const tenant = await createTenant()
    const response = await api(`/v1/users/${tenant.customerId}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { name: 'Carla Customer', role: 'ADMIN' },
    })
    expect(response.status).toBe(409)
    expect((await storedEvents(tenant.organizationId, tenant.customerId)).map((e) => e.type)).toEqual([
      'user.created',
      'customer.created',
    ])
  })
})

describe('a change of the user is a change of its representative', () => {
  it('a new name: representative.updated with the name’s previous value and the user’s actor', async () => {
    const tenant = await createTenant()
    const requestId = `rep-${crypto.randomUUID()}`
    await patchUser(tenant, tenant.representativeUserId, { name: 'Rita Renamed' }, requestId)
    expect(await neonLocalStats(requestId)).toBe(1)
    const events = await feed(tenant, `?type=representative.*&objectId=${tenant.representativeId}`)
    expect(events.map((e) => e.type)).toEqual(['representative.updated', 'representative.created'])
    const [event] = events as [EventBody]
    expect(event.data.object).toMatchObject({
      id: tenant.representativeId,
      userId: tenant.representativeUserId,
      name: 'Rita Renamed',
      status: 'ONLINE',
      isActive: true,
    })
    expect(event.data.previousAttributes).toEqual({ name: 'Rita Rep' })
    const user = await userEvent(tenant, tenant.representativeUserId, requestId)
    expect([event.actor, event.requestId, event.idempotencyKey]).toEqual([
      user.actor,
      user.requestId,
      user.idempotencyKey,
    ])
    const current = await call(200, `/v1/representatives/${tenant.representativeId}`, {
      token: tenant.tokens.ADMIN,
    })
    expect(event.data.object).toEqual(current)
  })

  it('a role change (not shown by the representative): no representative event', async () => {
    const tenant = await createTenant()
    await patchUser(tenant, tenant.representativeUserId, { role: 'ADMIN' })
    const events = await feed(tenant, `?type=representative.*&objectId=${tenant.representativeId}`)
    expect(events.map((e) => e.type)).toEqual(['representative.created'])
  })

  it('deactivating an OFFLINE representative (only the user row changes): one representative.updated', async () => {
    const tenant = await createTenant()
    const [offline] =
      await ownerSql`select user_id from representatives where id = ${tenant.offlineRepresentativeId}`
    await patchUser(tenant, offline?.user_id as string, { isActive: false })
    const events = await feed(tenant, `?type=representative.*&objectId=${tenant.offlineRepresentativeId}`)
    expect(events.map((e) => [e.type, e.data.object.isActive, e.data.previousAttributes])).toEqual([
      ['representative.updated', false, { isActive: true }],
      ['representative.created', true, null],
    ])
  })

  it('deactivating an ONLINE representative changes the user, then the profile: two events, one per change', async () => {
    const tenant = await createTenant()
    const { endpoint } = await endpointFor(tenant, ['representative.*'])
    const requestId = `deact-${crypto.randomUUID()}`
    await patchUser(tenant, tenant.representativeUserId, { isActive: false }, requestId)
    expect(await neonLocalStats(requestId)).toBe(1)
    const events = await feed(tenant, `?type=representative.*&objectId=${tenant.representativeId}`)
    expect(events.map((e) => e.type)).toEqual([
      'representative.status_changed',
      'representative.updated',
      'representative.created',
    ])
    const [offline, inactive] = events as [EventBody, EventBody]
    expect(inactive.data.previousAttributes).toEqual({ isActive: true })
    expect(offline.data.previousAttributes).toEqual({ status: 'ONLINE' })
    expect(offline.data.object).toMatchObject({ status: 'OFFLINE', isActive: false })
    expect([offline.requestId, inactive.requestId]).toEqual([requestId, requestId])
    // The subscriber gets both, in the order they happened.
    const deliveries = await ownerSql`select e.type from webhook_deliveries d
      join events e on e.id = d.event_id where d.endpoint_id = ${endpoint.id} order by e.ordinal`
    expect(deliveries.map((d) => d.type)).toEqual(['representative.updated', 'representative.status_changed'])
  })
})

describe('the profile event and the user event of one change carry one actor, request and key', () => {
  it('for every context (a user, an agent, the platform, none): the same actor, request id and Idempotency-Key', async () => {
    const tenant = await createTenant()
    // Set as app_begin_request sets them (an agent renames no user through the API; the rule is the same).
    const contexts = [
      { role: 'ADMIN', principal: tenant.adminId, actorType: '', key: 'key-admin' },
      { role: 'AGENT', principal: tenant.agentId, actorType: '', key: '' },
      { role: '', principal: '', actorType: 'PLATFORM', key: 'key-platform' },
      { role: '', principal: tenant.adminId, actorType: '', key: '' },
    ]
    const expected = [
      ['USER', 'ADMIN', tenant.adminId, 'key-admin'],
      ['AGENT', 'AGENT', tenant.agentId, null],
      ['PLATFORM', null, null, 'key-platform'],
      ['SYSTEM', null, null, null],
    ]
    for (const [index, context] of contexts.entries()) {
      const requestId = `ctx-${index}-${crypto.randomUUID()}`
      await ownerSql.transaction([
        ownerSql`select set_config('app.principal_role', ${context.role}, true),
          set_config('app.principal_id', ${context.principal}, true),
          set_config('app.actor_type', ${context.actorType}, true),
          set_config('app.request_id', ${requestId}, true),
          set_config('app.idempotency_key', ${context.key}, true)`,
        ownerSql`update users set name = ${`Carl ${index}`} where id = ${tenant.customerId}`,
      ])
      const events = (await storedEvents(tenant.organizationId, tenant.customerId)).filter(
        (event) => event.request_id === requestId,
      )
      // Both found by the request id; then the same actor and key, and the ones the context calls for.
      const carried = events.map((e) => [e.type, e.actor_type, e.actor_role, e.actor_id, e.idempotency_key])
      const actor = expected[index] as unknown[]
      expect(carried).toEqual([
        ['user.updated', ...actor],
        ['customer.updated', ...actor],
      ])
    }
  })
})

describe('a change of the user is a new version of its profiles', () => {
  const read = async (tenant: TestTenant, path: string) => {
    const response = await api(path, { token: tenant.tokens.ADMIN })
    expect(response.status, path).toBe(200)
    const body = (await response.json()) as Record<string, unknown>
    const etag = response.headers.get('ETag') ?? ''
    expect(etag).toMatch(/^"\d+"$/)
    return { body, version: Number(etag.slice(1, -1)) }
  }

  /** The profiles' updated_at (the representations do not show it), in ms. */
  const updatedAts = async (tenant: TestTenant) => {
    const [rep] = await ownerSql`select updated_at from representatives where id = ${tenant.representativeId}`
    const [customer] =
      await ownerSql`select updated_at from customer_profiles where user_id = ${tenant.customerId}`
    return [new Date(rep?.updated_at).getTime(), new Date(customer?.updated_at).getTime()]
  }

  it('a rename moves the representative’s and the customer’s version, ETag and updatedAt; the old ETag is stale', async () => {
    const tenant = await createTenant()
    const representative = `/v1/representatives/${tenant.representativeId}`
    const customer = `/v1/customers/${tenant.customerId}`
    const [repBefore, customerBefore] = [await read(tenant, representative), await read(tenant, customer)]
    const [repUpdatedBefore, customerUpdatedBefore] = await updatedAts(tenant)
    await patchUser(tenant, tenant.representativeUserId, { name: 'Rita Renamed' })
    await patchUser(tenant, tenant.customerId, { name: 'Carla Customer' })
    const [repAfter, customerAfter] = [await read(tenant, representative), await read(tenant, customer)]
    expect(repAfter.body).toMatchObject({ name: 'Rita Renamed' })
    expect(customerAfter.body).toMatchObject({ name: 'Carla Customer' })
    expect([repAfter.version, customerAfter.version]).toEqual([
      repBefore.version + 1,
      customerBefore.version + 1,
    ])
    const [repUpdatedAfter, customerUpdatedAfter] = await updatedAts(tenant)
    expect(repUpdatedAfter).toBeGreaterThan(repUpdatedBefore as number)
    expect(customerUpdatedAfter).toBeGreaterThan(customerUpdatedBefore as number)
    // The event of the change carries the new representation (as GET answers it now).
    const [event] = await feed(tenant, `?type=representative.*&objectId=${tenant.representativeId}`)
    expect(event?.data.object).toEqual(repAfter.body)
    // A write against the representation read before the rename is refused.
    const stale = await api(representative, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      headers: { 'If-Match': `"${repBefore.version}"` },
      body: { maxConcurrentTickets: 4 },
    })
    expect(stale.status).toBe(412)
  })

  it('nothing the profiles show changed (the same name, a role): the same version', async () => {
    const tenant = await createTenant()
    const representative = `/v1/representatives/${tenant.representativeId}`
    const before = await read(tenant, representative)
    await patchUser(tenant, tenant.representativeUserId, { name: 'Rita Rep' })
    await patchUser(tenant, tenant.representativeUserId, { role: 'ADMIN' })
    expect(await read(tenant, representative)).toEqual(before)
  })
})
