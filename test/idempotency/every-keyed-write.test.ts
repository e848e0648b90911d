import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { events, webhookDeliveries, webhookEndpoints } from '../../src/db/schema'
import { act, newEscalation, newTicket } from '../escalations/support'
import { call } from '../events/support'
import { moveTicket, openTicket, post } from '../messages/support'
import { createBudget, requestRefund, thisMonth } from '../refunds/support'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { endpointFor, ticketEvent, waitFor } from '../webhooks/support'

/*
 * Every operation of the served OpenAPI document that declares the `Idempotency-Key` header really replays.
 *
 * A keyed route replays only if its handler declares what its work writes (`db.expectCreated`, `expectChanged`,
 * `expectDeleted` or `expectResult`, src/db/tenant.ts): the key is claimed and completed in the work's own batch
 * only then. A handler that declares nothing, or a row its work does not write, ignores the key (or, where
 * TenantDb refuses a keyed write without a declaration, fails with a 500): a client's retry after a lost answer
 * does the work twice (two refunds, two events, two webhooks) instead of getting the first answer again.
 * The keyed operations are read from the served document (a keyed route added later fails the completeness test
 * until it has a recipe here); each recipe prepares fresh targets of its own and returns a request that succeeds.
 * That request is sent twice under one key: the second must be the first answer replayed and must write nothing
 * (no event carries its request id: events.request_id is the X-Request-Id, bound by app_begin_request).
 */

type Caller = keyof TestTenant['tokens'] | 'PLATFORM'

interface KeyedRequest {
  /** Whose credential: a tenant principal's token, or the platform key (provisioning). */
  as: Caller
  /** The path, with its query if any. */
  path: string
  /** A JSON value, or a string sent as is under `contentType` (an upload's bytes). */
  body?: unknown
  contentType?: string
  headers?: Record<string, string>
  /**
   * Fields a replay legitimately answers otherwise (removed at any depth before comparing); each with why. A replay
   * reads the resource as GET shows it now, so what only the first answer shows, or what changes on its own after
   * it, differs.
   */
  ignore?: string[]
  /**
   * For an operation that records no event (webhook configuration and deliveries are not event objects): what it
   * writes, read as the owner; the replay must leave it as the first answer left it.
   */
  recordsNoEvent?: { footprint: () => Promise<unknown> }
}

/** Prepares fresh targets in `tenant` and returns a request that succeeds (2xx) on its first send. */
type Recipe = (tenant: TestTenant) => Promise<KeyedRequest>

/** The current ETag of a resource (If-Match of the retried request: a retry resends the same precondition). */
async function etagOf(token: string, path: string): Promise<string> {
  const response = await api(path, { token })
  expect(response.status, `GET ${path}: ${await response.clone().text()}`).toBe(200)
  await response.body?.cancel()
  const etag = response.headers.get('ETag')
  if (!etag) throw new Error(`GET ${path} answered no ETag`)
  return etag
}

const ifMatch = async (token: string, path: string) => ({ 'If-Match': await etagOf(token, path) })

/**
 * The tenant's webhook deliveries once the queue has attempted every one (none PENDING): what a redelivery writes.
 * A redelivery re-opens its delivery (PENDING) in the answer's transaction, so a replay that re-opened it again
 * would show here as one more attempt.
 */
async function settledDeliveries(organizationId: string) {
  const rows = await waitFor(
    () =>
      ownerDb
        .select({
          id: webhookDeliveries.id,
          status: webhookDeliveries.status,
          attempts: webhookDeliveries.attempts,
        })
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.organizationId, organizationId))
        .orderBy(webhookDeliveries.id),
    (deliveries) => deliveries.length > 0 && deliveries.every((delivery) => delivery.status !== 'PENDING'),
  )
  expect(rows.map((delivery) => delivery.status)).not.toContain('PENDING')
  return rows
}

/**
 * An endpoint on the test receiver subscribed to ticket events, and a ticket.created event delivered to it (settled:
 * the queue's first attempt is over, so the redelivery's attempt is the only one to come).
 */
async function endpointWithEvent(tenant: TestTenant) {
  const { endpoint } = await endpointFor(tenant, ['ticket.*'])
  const { eventId } = await ticketEvent(tenant)
  const [delivery] = await settledDeliveries(tenant.organizationId)
  if (!delivery) throw new Error('the ticket.created event was never delivered')
  return { endpointId: endpoint.id, eventId, deliveryId: delivery.id }
}

/** The tenant's webhook endpoints and their versions: what an endpoint write writes. */
const endpointsOf = (organizationId: string) => async () =>
  ownerDb
    .select({ id: webhookEndpoints.id, version: webhookEndpoints.version })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.organizationId, organizationId))
    .orderBy(webhookEndpoints.id)

/** A refund awaiting a decision (no rule decides it) with a budget that covers it. */
async function pendingRefund(tenant: TestTenant) {
  await createBudget(tenant, '100.00')
  const refund = await requestRefund(tenant, { amount: '10.00' }, tenant.tokens.ADMIN)
  expect(refund.status).toBe('PENDING')
  return refund
}

/** A webhook delivery's state, which the queue changes on its own after the first answer (see the recipes). */
const deliveryState = [
  'status',
  'attempts',
  'nextAttemptAt',
  'lastAttemptAt',
  'lastStatusCode',
  'lastError',
  'attemptLog',
  'version',
  'updatedAt',
]

const recipes: Record<string, Recipe> = {
  'PATCH /v1/organization': async (t) => ({
    as: 'ADMIN',
    path: '/v1/organization',
    body: { name: 'Renamed once' },
    headers: await ifMatch(t.tokens.ADMIN, '/v1/organization'),
  }),
  'POST /v1/organizations': async () => {
    const slug = `k-${crypto.randomUUID().slice(0, 8)}`
    return {
      as: 'PLATFORM',
      path: '/v1/organizations',
      body: { name: 'Keyed Inc', slug, admin: { email: `admin@${slug}.example`, name: 'Admin' } },
    }
  },
  'PUT /v1/me/status': async (t) => ({
    as: 'REPRESENTATIVE',
    path: '/v1/me/status',
    body: { status: 'AWAY' },
    headers: await ifMatch(t.tokens.ADMIN, `/v1/representatives/${t.representativeId}`),
  }),
  'POST /v1/users': async () => ({
    as: 'ADMIN',
    path: '/v1/users',
    body: { email: `${crypto.randomUUID()}@keyed.example`, name: 'New', role: 'CUSTOMER' },
  }),
  'PATCH /v1/users/{userId}': async (t) => {
    const path = `/v1/users/${t.customerId}`
    return { as: 'ADMIN', path, body: { name: 'Renamed' }, headers: await ifMatch(t.tokens.ADMIN, path) }
  },
  'PATCH /v1/representatives/{representativeId}': async (t) => {
    const path = `/v1/representatives/${t.representativeId}`
    return { as: 'ADMIN', path, body: { skills: ['billing'] }, headers: await ifMatch(t.tokens.ADMIN, path) }
  },
  'PATCH /v1/customers/{customerId}': async (t) => {
    const path = `/v1/customers/${t.customerId}`
    return {
      as: 'CUSTOMER',
      path,
      body: { preferences: { channel: 'sms' } },
      headers: await ifMatch(t.tokens.CUSTOMER, path),
    }
  },
  'POST /v1/agents': async () => ({
    as: 'ADMIN',
    path: '/v1/agents',
    body: { name: 'Keyed bot', type: 'TRIAGE', model: 'm' },
  }),
  'PATCH /v1/agents/{agentId}': async (t) => {
    const path = `/v1/agents/${t.pausedAgentId}`
    return { as: 'ADMIN', path, body: { model: 'm2' }, headers: await ifMatch(t.tokens.ADMIN, path) }
  },
  'POST /v1/decision-rules': async () => ({
    as: 'ADMIN',
    path: '/v1/decision-rules',
    body: { name: 'Keyed rule', action: 'REQUIRE_APPROVAL', conditions: { all: [] } },
  }),
  'PATCH /v1/decision-rules/{ruleId}': async (t) => {
    const rule = await call<{ id: string }>(201, '/v1/decision-rules', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: { name: 'To edit', action: 'REQUIRE_APPROVAL', conditions: { all: [] } },
    })
    const path = `/v1/decision-rules/${rule.id}`
    return { as: 'ADMIN', path, body: { priority: 5 }, headers: await ifMatch(t.tokens.ADMIN, path) }
  },
  'DELETE /v1/decision-rules/{ruleId}': async (t) => {
    const rule = await call<{ id: string }>(201, '/v1/decision-rules', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: { name: 'To delete', action: 'REQUIRE_APPROVAL', conditions: { all: [] } },
    })
    const path = `/v1/decision-rules/${rule.id}`
    return { as: 'ADMIN', path, headers: await ifMatch(t.tokens.ADMIN, path) }
  },
  'POST /v1/refunds': async (t) => {
    await createBudget(t, '100.00')
    return {
      as: 'AGENT',
      path: '/v1/refunds',
      body: { customerId: t.customerId, amount: '10.00', currency: 'USD', reason: 'LATE_DELIVERY' },
    }
  },
  'POST /v1/refunds/{refundId}/approve': async (t) => {
    const refund = await pendingRefund(t)
    return {
      as: 'ADMIN',
      path: `/v1/refunds/${refund.id}/approve`,
      body: { notes: 'Goodwill.' },
      headers: { 'If-Match': `"${refund.version}"` },
    }
  },
  'POST /v1/refunds/{refundId}/reject': async (t) => {
    const refund = await pendingRefund(t)
    return {
      as: 'ADMIN',
      path: `/v1/refunds/${refund.id}/reject`,
      body: { notes: 'Not eligible.' },
      headers: { 'If-Match': `"${refund.version}"` },
    }
  },
  'POST /v1/refunds/{refundId}/cancel': async (t) => {
    const refund = await pendingRefund(t)
    return {
      as: 'ADMIN',
      path: `/v1/refunds/${refund.id}/cancel`,
      headers: { 'If-Match': `"${refund.version}"` },
    }
  },
  'POST /v1/refunds/{refundId}/process': async (t) => {
    const refund = await pendingRefund(t)
    const approved = await call<{ version: number }>(200, `/v1/refunds/${refund.id}/approve`, {
      method: 'POST',
      token: t.tokens.ADMIN,
    })
    return {
      as: 'ADMIN',
      path: `/v1/refunds/${refund.id}/process`,
      headers: { 'If-Match': `"${approved.version}"` },
    }
  },
  'POST /v1/budgets': async () => ({
    as: 'ADMIN',
    path: '/v1/budgets',
    body: {
      name: `Keyed ${crypto.randomUUID().slice(0, 6)}`,
      amount: '50.00',
      currency: 'USD',
      ...thisMonth(),
    },
  }),
  'PATCH /v1/budgets/{budgetId}': async (t) => {
    const budget = await createBudget(t, '100.00')
    const path = `/v1/budgets/${budget.id}`
    return { as: 'ADMIN', path, body: { name: 'Renamed' }, headers: await ifMatch(t.tokens.ADMIN, path) }
  },
  'POST /v1/budgets/{budgetId}/next-period': async (t) => {
    const budget = await createBudget(t, '100.00')
    return { as: 'ADMIN', path: `/v1/budgets/${budget.id}/next-period` }
  },
  'POST /v1/tickets': async (t) => ({
    as: 'AGENT',
    path: '/v1/tickets',
    body: { customerId: t.customerId, subject: 'Keyed', description: 'Once.' },
  }),
  'PATCH /v1/tickets/{ticketId}': async (t) => {
    const ticket = await newTicket(t)
    return {
      as: 'ADMIN',
      path: `/v1/tickets/${ticket.id}`,
      body: { priority: 'HIGH' },
      headers: { 'If-Match': `"${ticket.version}"` },
    }
  },
  'PUT /v1/tickets/{ticketId}/assignee': async (t) => {
    const ticket = await newTicket(t)
    return {
      as: 'ADMIN',
      path: `/v1/tickets/${ticket.id}/assignee`,
      body: { representativeId: t.representativeId },
      headers: { 'If-Match': `"${ticket.version}"` },
    }
  },
  'DELETE /v1/tickets/{ticketId}/assignee': async (t) => {
    const ticket = await newTicket(t, { assignedRepresentativeId: t.representativeId })
    return {
      as: 'ADMIN',
      path: `/v1/tickets/${ticket.id}/assignee`,
      headers: { 'If-Match': `"${ticket.version}"` },
    }
  },
  'PUT /v1/tickets/{ticketId}/satisfaction': async (t) => {
    const ticket = await openTicket(t)
    await moveTicket(t, ticket.id, 'IN_PROGRESS', 'RESOLVED')
    const path = `/v1/tickets/${ticket.id}`
    return {
      as: 'CUSTOMER',
      path: `${path}/satisfaction`,
      body: { rating: 5, comment: 'Thanks' },
      headers: await ifMatch(t.tokens.CUSTOMER, path),
    }
  },
  'POST /v1/tickets/{ticketId}/messages': async (t) => {
    const ticket = await openTicket(t)
    return { as: 'CUSTOMER', path: `/v1/tickets/${ticket.id}/messages`, body: { body: 'Hello' } }
  },
  'POST /v1/tickets/{ticketId}/messages/{messageId}/redact': async (t) => {
    const ticket = await openTicket(t)
    const note = await post(t.tokens.REPRESENTATIVE, ticket.id, { body: 'A note', visibility: 'INTERNAL' })
    const path = `/v1/tickets/${ticket.id}/messages/${note.id}`
    return { as: 'REPRESENTATIVE', path: `${path}/redact`, headers: { 'If-Match': `"${note.version}"` } }
  },
  'POST /v1/tickets/{ticketId}/messages/{messageId}/attachments': async (t) => {
    const ticket = await openTicket(t)
    const reply = await post(t.tokens.CUSTOMER, ticket.id, { body: 'See attached' })
    return {
      as: 'CUSTOMER',
      path: `/v1/tickets/${ticket.id}/messages/${reply.id}/attachments?fileName=notes.txt`,
      body: 'id,amount\n1,10.00\n',
      contentType: 'text/plain',
    }
  },
  'POST /v1/escalations': async (t) => {
    const ticket = await newTicket(t)
    return {
      as: 'AGENT',
      path: '/v1/escalations',
      body: { ticketId: ticket.id, priority: 'HIGH', reason: 'LOW_CONFIDENCE', summary: 'Unsure.' },
    }
  },
  'PATCH /v1/escalations/{escalationId}': async (t) => {
    const escalation = await newEscalation(t)
    return {
      as: 'REPRESENTATIVE',
      path: `/v1/escalations/${escalation.id}`,
      body: { summary: 'Edited.', priority: 'CRITICAL' },
      headers: { 'If-Match': `"${escalation.version}"` },
    }
  },
  'POST /v1/escalations/{escalationId}/assign': async (t) => {
    const escalation = await newEscalation(t)
    return {
      as: 'REPRESENTATIVE',
      path: `/v1/escalations/${escalation.id}/assign`,
      body: { representativeId: t.representativeId },
      headers: { 'If-Match': `"${escalation.version}"` },
    }
  },
  'POST /v1/escalations/{escalationId}/start': async (t) => {
    const escalation = await assignedEscalation(t)
    return {
      as: 'REPRESENTATIVE',
      path: `/v1/escalations/${escalation.id}/start`,
      headers: { 'If-Match': `"${escalation.version}"` },
    }
  },
  'POST /v1/escalations/{escalationId}/resolve': async (t) => {
    const assigned = await assignedEscalation(t)
    const started = await act(t, assigned.id, 'start')
    expect(started.status, await started.clone().text()).toBe(200)
    const escalation = await json<{ id: string; version: number }>(started)
    return {
      as: 'REPRESENTATIVE',
      path: `/v1/escalations/${escalation.id}/resolve`,
      body: { resolutionNotes: 'Done.' },
      headers: { 'If-Match': `"${escalation.version}"` },
    }
  },
  'POST /v1/escalations/{escalationId}/cancel': async (t) => {
    const escalation = await newEscalation(t)
    return {
      as: 'REPRESENTATIVE',
      path: `/v1/escalations/${escalation.id}/cancel`,
      headers: { 'If-Match': `"${escalation.version}"` },
    }
  },
  'POST /v1/webhook-endpoints': async (t) => ({
    as: 'ADMIN',
    path: '/v1/webhook-endpoints',
    body: {
      url: `${env.TEST_WEBHOOK_RECEIVER_URL}/hooks/${crypto.randomUUID()}`,
      enabledEvents: ['ticket.*'],
    },
    // The signing secret is in the first answer only; the replay answers the endpoint as GET shows it (documented).
    ignore: ['secret'],
    recordsNoEvent: { footprint: endpointsOf(t.organizationId) },
  }),
  'PATCH /v1/webhook-endpoints/{endpointId}': async (t) => {
    const { endpoint } = await endpointFor(t, ['ticket.*'])
    const path = `/v1/webhook-endpoints/${endpoint.id}`
    return {
      as: 'ADMIN',
      path,
      body: { description: 'Edited', enabledEvents: ['*'] },
      headers: await ifMatch(t.tokens.ADMIN, path),
      recordsNoEvent: { footprint: endpointsOf(t.organizationId) },
    }
  },
  'DELETE /v1/webhook-endpoints/{endpointId}': async (t) => {
    const { endpoint } = await endpointFor(t, ['ticket.*'])
    const path = `/v1/webhook-endpoints/${endpoint.id}`
    return {
      as: 'ADMIN',
      path,
      headers: await ifMatch(t.tokens.ADMIN, path),
      recordsNoEvent: { footprint: endpointsOf(t.organizationId) },
    }
  },
  'POST /v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/redeliver': async (t) => {
    const { endpointId, deliveryId } = await endpointWithEvent(t)
    return {
      as: 'ADMIN',
      path: `/v1/webhook-endpoints/${endpointId}/deliveries/${deliveryId}/redeliver`,
      // The replay answers the delivery as it is then (documented): the queue attempts it meanwhile.
      ignore: deliveryState,
      recordsNoEvent: { footprint: () => settledDeliveries(t.organizationId) },
    }
  },
  'POST /v1/events/{eventId}/redeliver': async (t) => {
    const { eventId } = await endpointWithEvent(t)
    return {
      as: 'ADMIN',
      path: `/v1/events/${eventId}/redeliver`,
      // The replay answers the event's deliveries as they are then (documented): the queue attempts them meanwhile.
      ignore: deliveryState,
      recordsNoEvent: { footprint: () => settledDeliveries(t.organizationId) },
    }
  },
}

/** An escalation assigned to the tenant's representative (who may start it), through the API. */
async function assignedEscalation(tenant: TestTenant) {
  const escalation = await newEscalation(tenant)
  const assigned = await act(tenant, escalation.id, 'assign', {
    body: { representativeId: tenant.representativeId },
  })
  expect(assigned.status, await assigned.clone().text()).toBe(200)
  return json<{ id: string; version: number }>(assigned)
}

/** `METHOD /path` of every operation of the served document that declares the Idempotency-Key header. */
async function keyedOperations(): Promise<string[]> {
  const document = await json<{
    paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>>
  }>(await api('/openapi.json'))
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, operation]) =>
        (operation.parameters ?? []).some(
          (parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key',
        ),
      )
      .map(([method]) => `${method.toUpperCase()} ${path}`),
  )
}

/** `value` without the named fields, at any depth. */
function without(value: unknown, fields: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => without(item, fields))
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([field]) => !fields.includes(field))
      .map(([field, item]) => [field, without(item, fields)]),
  )
}

function send(method: string, tenant: TestTenant, request: KeyedRequest, headers: Record<string, string>) {
  return api(request.path, {
    method,
    ...(request.as === 'PLATFORM' ? {} : { token: tenant.tokens[request.as] }),
    headers: {
      ...(request.as === 'PLATFORM' ? { 'X-Platform-Key': env.PLATFORM_API_KEY as string } : {}),
      ...(request.contentType ? { 'Content-Type': request.contentType } : {}),
      ...request.headers,
      ...headers,
    },
    ...(request.body === undefined ? {} : { body: request.body }),
  })
}

const eventTypesOf = async (requestId: string) =>
  (await ownerDb.select({ type: events.type }).from(events).where(eq(events.requestId, requestId))).map(
    (event) => event.type,
  )

describe(`every keyed write replays under its Idempotency-Key (${inject('databaseBackend')})`, () => {
  it('every operation that declares Idempotency-Key has a recipe here (a new keyed route must add one)', async () => {
    const keyed = await keyedOperations()
    // Guards against a silently empty sweep: these declare it today.
    expect(keyed).toEqual(expect.arrayContaining(['POST /v1/tickets', 'PATCH /v1/organization']))
    const missing = keyed.filter((operation) => !(operation in recipes))
    expect(missing, 'keyed operations without a recipe').toEqual([])
    const stale = Object.keys(recipes).filter((operation) => !keyed.includes(operation))
    expect(stale, 'recipes of operations that no longer declare the key').toEqual([])
  })

  it.each(Object.keys(recipes))(
    '%s: a retry under the same key replays and writes nothing',
    async (operation) => {
      const method = operation.slice(0, operation.indexOf(' '))
      const tenant = await createTenant()
      const request = await (recipes[operation] as Recipe)(tenant)
      const key = crypto.randomUUID()
      const [firstId, againId] = [crypto.randomUUID(), crypto.randomUUID()]

      const first = await send(method, tenant, request, { 'Idempotency-Key': key, 'X-Request-Id': firstId })
      expect(first.status, `first answer: ${await first.clone().text()}`).toBeGreaterThanOrEqual(200)
      expect(first.status, `first answer: ${await first.clone().text()}`).toBeLessThan(300)
      expect(first.headers.get('Idempotent-Replayed')).toBeNull()
      const firstBody = first.status === 204 ? undefined : await json(first)
      const firstEvents = await eventTypesOf(firstId)
      // The contrast of the check below: the request's events are found by its X-Request-Id.
      if (!request.recordsNoEvent) {
        expect(firstEvents.length, 'events of the first request').toBeGreaterThan(0)
      }
      const footprint = await request.recordsNoEvent?.footprint()

      const again = await send(method, tenant, request, { 'Idempotency-Key': key, 'X-Request-Id': againId })
      expect(again.status, `replay: ${await again.clone().text()}`).toBe(first.status)
      expect(again.headers.get('Idempotent-Replayed')).toBe('true')
      if (first.status === 201) expect(again.headers.get('Location')).toBe(first.headers.get('Location'))
      if (first.status === 204) {
        expect(await again.text()).toBe('')
      } else {
        const ignore = request.ignore ?? []
        expect(without(await json(again), ignore)).toEqual(without(firstBody, ignore))
      }
      expect(await eventTypesOf(againId), 'events the replay recorded').toEqual([])
      expect(await eventTypesOf(firstId), 'events of the first request').toEqual(firstEvents)
      if (request.recordsNoEvent) {
        expect(await request.recordsNoEvent.footprint(), 'what it writes').toEqual(footprint)
      }
    },
  )
})
