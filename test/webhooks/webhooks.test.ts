import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { tickets } from '../../src/db/schema'
import { TenantDb } from '../../src/db/tenant'
import worker from '../../src/index'
import {
  WEBHOOK_MAX_ATTEMPTS,
  type WebhookMessage,
  webhookBody,
  webhookQueueHandler,
} from '../../src/webhooks/delivery'
import { sweepWebhookDeliveries } from '../../src/webhooks/dispatch'
import { webhookUrlRefusal } from '../../src/webhooks/url-safety'
import { call } from '../events/support'
import { neonLocalStats, ownerSql } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * Webhooks end to end in the Workers runtime: endpoints (ADMIN only, SSRF refusals), the fan-out written with the
 * change, the producer after the commit, the queue consumer invoked as Workers invoke it (createMessageBatch +
 * getQueueResult) against a real HTTP receiver (test/webhooks/receiver.ts), signatures checked by the independent
 * `standardwebhooks` implementation, retries with a stable webhook-id, 410 and long failure disabling the endpoint,
 * rotation overlap, and the sweeper's claim.
 */

interface Endpoint {
  id: string
  secret: string
  enabled: boolean
  disabledReason: string | null
}
interface Received {
  headers: Record<string, string>
  body: string
}
interface Delivery {
  id: string
  eventId: string
  status: string
  attempts: number
  attemptLog: Array<{ attempt: number; statusCode: number | null; error: string | null }>
}

const receiver = env.TEST_WEBHOOK_RECEIVER_URL
const received = async (name: string) =>
  (await (await fetch(`${receiver}/received/${name}`)).json()) as Received[]
const scriptAnswers = (name: string, statuses: number[]) =>
  fetch(`${receiver}/answers/${name}`, { method: 'PUT', body: JSON.stringify(statuses) })

async function endpointFor(tenant: TestTenant, enabledEvents: string[] = ['ticket.*']) {
  const name = crypto.randomUUID()
  const endpoint = await call<Endpoint>(201, '/v1/webhook-endpoints', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: { url: `${receiver}/hooks/${name}`, enabledEvents, description: 'test receiver' },
  })
  return { name, endpoint }
}

/** A change made by the system, not by a request: its delivery is created, but no producer sends it. */
async function changeWithoutProducer(tenant: TestTenant, ticketId: string, tag: string) {
  const db = TenantDb.forSystem(env.DATABASE_URL, tenant.organizationId, `sys-${crypto.randomUUID()}`)
  await db.run(db.update(tickets, { tags: [tag] }, eq(tickets.id, ticketId)))
}

/** A ticket created by the ADMIN, once its delivery to the endpoint has settled as SUCCEEDED. */
async function ticketDeliveredTo(tenant: TestTenant, endpointId: string) {
  const ticket = await call<{ id: string }>(201, '/v1/tickets', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: ticketBody(tenant),
  })
  await waitFor(
    () => pendingDeliveryOf(endpointId),
    (row) => row?.status === 'SUCCEEDED',
  )
  return ticket
}

async function pendingDeliveryOf(endpointId: string) {
  const [row] = await ownerSql`select id, organization_id, attempts, status from webhook_deliveries
    where endpoint_id = ${endpointId} order by created_at desc limit 1`
  return row as { id: string; organization_id: string; attempts: number; status: string }
}

/** The Worker's queue handler on one message, as Workers invoke it; the queue's view of the outcome. */
type QueueHandler = (
  batch: MessageBatch<WebhookMessage>,
  bindings: typeof env,
  ctx: ExecutionContext,
) => Promise<void>
const workerQueue: QueueHandler = async (batch, bindings, ctx) =>
  (worker.queue as unknown as QueueHandler)(batch, bindings, ctx)

async function consume(message: WebhookMessage, attempts = 1, handler: QueueHandler = workerQueue) {
  const batch = createMessageBatch<WebhookMessage>('organization-api-webhooks-local', [
    { id: `msg-${message.deliveryId}`, timestamp: new Date(), attempts, body: message },
  ])
  const ctx = createExecutionContext()
  await handler(batch, env, ctx)
  return getQueueResult(batch, ctx)
}

/** The queue's delay has passed: the delivery is due (a message that comes back earlier attempts nothing). */
const dueNow = (deliveryId: string) =>
  ownerSql`update webhook_deliveries set next_attempt_at = now() where id = ${deliveryId}`

async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > until) return value
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

interface Rotated extends Endpoint {
  previousSecretExpiresAt: string | null
  previousSecrets: Array<{ expiresAt: string }>
}
const rotate = (tenant: TestTenant, endpointId: string, body?: Record<string, unknown>) =>
  call<Rotated>(200, `/v1/webhook-endpoints/${endpointId}/rotate-secret`, {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    ...(body ? { body } : {}),
  })

/** The endpoint's stored secrets: the current one and those rotated out, newest first. */
async function storedSecrets(endpointId: string) {
  const [row] =
    await ownerSql`select secret, previous_secrets from webhook_endpoints where id = ${endpointId}`
  return {
    secret: row?.secret as string,
    previous: ((row?.previous_secrets ?? []) as Array<{ secret: string }>).map((entry) => entry.secret),
  }
}

/** The delivery of a change of the ticket's priority, as the receiver got it. */
async function nextDelivery(tenant: TestTenant, name: string, ticketId: string, priority: string) {
  const count = (await received(name)).length
  await call(200, `/v1/tickets/${ticketId}`, {
    method: 'PATCH',
    token: tenant.tokens.ADMIN,
    body: { priority },
  })
  const list = await waitFor(
    () => received(name),
    (all) => all.length > count,
  )
  return list[count] as Received
}
const signatureCount = (message: Received) => message.headers['webhook-signature']?.split(' ').length
const verify = (secret: string, message: Received) =>
  new Webhook(secret).verify(message.body, message.headers)

const ticketBody = (tenant: TestTenant) => ({
  customerId: tenant.customerId,
  subject: 'Hook',
  description: 'd',
})

describe('webhook endpoints', () => {
  it('are an ADMIN’s: the secret is shown once, never read back; other roles and tenants are refused', async () => {
    const tenant = await createTenant()
    const { endpoint } = await endpointFor(tenant)
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/)
    const read = await call<Record<string, unknown>>(200, `/v1/webhook-endpoints/${endpoint.id}`, {
      token: tenant.tokens.ADMIN,
    })
    expect(read).not.toHaveProperty('secret')
    expect(read).toMatchObject({ enabled: true, enabledEvents: ['ticket.*'], disabledReason: null })
    for (const role of ['REPRESENTATIVE', 'AGENT', 'CUSTOMER'] as const) {
      await call(403, '/v1/webhook-endpoints', { token: tenant.tokens[role] })
      await call(403, `/v1/webhook-endpoints/${endpoint.id}/deliveries`, { token: tenant.tokens[role] })
    }
    const other = await createTenant()
    await call(404, `/v1/webhook-endpoints/${endpoint.id}`, { token: other.tokens.ADMIN })
    const patched = await call<Endpoint>(200, `/v1/webhook-endpoints/${endpoint.id}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { enabled: false },
    })
    expect(patched).toMatchObject({ enabled: false, disabledReason: 'MANUAL' })
    await call(204, `/v1/webhook-endpoints/${endpoint.id}`, { method: 'DELETE', token: tenant.tokens.ADMIN })
    await call(404, `/v1/webhook-endpoints/${endpoint.id}`, { token: tenant.tokens.ADMIN })
  })

  it('refuses URLs that are not https to a public host (SSRF), when saved and again at delivery', async () => {
    const tenant = await createTenant()
    const refused = [
      'http://hooks.example.com/x',
      'ftp://hooks.example.com/x',
      'https://10.0.0.8/x',
      'https://172.16.3.4/x',
      'https://192.168.1.1/x',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/x',
      'https://0.0.0.0/x',
      'https://[::1]/x',
      'https://[fd00::1]/x',
      'https://[fe80::1]/x',
      'https://[::ffff:10.0.0.1]/x',
      'https://metadata.google.internal/x',
      'https://printer.local/x',
      'https://intranet/x',
      'https://user:secret@hooks.example.com/x',
      'not a url',
    ]
    for (const url of refused) {
      const problem = await call<{ code: string }>(422, '/v1/webhook-endpoints', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        body: { url, enabledEvents: ['*'] },
      })
      expect(problem.code, url).toBe('WEBHOOK_URL_REFUSED')
    }
    await call(201, '/v1/webhook-endpoints', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { url: 'https://hooks.example.com/x', enabledEvents: ['*'] },
    })
    // A local receiver only outside production.
    expect(webhookUrlRefusal('http://127.0.0.1:9000/hooks', 'test')).toBeUndefined()
    expect(webhookUrlRefusal('http://127.0.0.1:9000/hooks', 'production')).toBeDefined()
    expect(webhookUrlRefusal('https://localhost/hooks', 'production')).toBeDefined()
    expect(webhookUrlRefusal('https://2130706433/hooks', 'production')).toBeDefined()

    // Checked again at delivery: a URL that became private (here, changed behind the API's back) is not called.
    const { endpoint } = await endpointFor(tenant)
    const ticket = await ticketDeliveredTo(tenant, endpoint.id)
    await ownerSql`update webhook_endpoints set url = 'https://10.1.2.3/hooks' where id = ${endpoint.id}`
    await changeWithoutProducer(tenant, ticket.id, 'private')
    const delivery = await pendingDeliveryOf(endpoint.id)
    let called = false
    const result = await consume(
      { deliveryId: delivery.id, organizationId: tenant.organizationId },
      1,
      webhookQueueHandler({
        fetch: async () => {
          called = true
          return new Response('')
        },
      }),
    )
    expect(called).toBe(false)
    expect(result.explicitAcks).toEqual([`msg-${delivery.id}`])
    const [attempt] =
      await ownerSql`select status_code, error from webhook_delivery_attempts where delivery_id = ${delivery.id}`
    expect(attempt).toEqual({
      status_code: null,
      error: 'URL refused: Webhook URLs must point to a public address.',
    })
  })
})

describe('delivery', () => {
  it('a change reaches the receiver after its commit, signed (verified by the standardwebhooks package), at no round trip', async () => {
    const tenant = await createTenant()
    const { name, endpoint } = await endpointFor(tenant, ['ticket.created'])
    const requestId = `hook-${crypto.randomUUID()}`
    const ticket = await call<{ id: string }>(201, '/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: ticketBody(tenant),
      headers: { 'X-Request-Id': requestId },
    })
    expect(await neonLocalStats(requestId)).toBe(1)
    // Not subscribed: a status change sends nothing to this endpoint.
    await call(200, `/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { priority: 'HIGH' },
    })

    const [delivered, ...more] = await waitFor(
      () => received(name),
      (list) => list.length > 0,
    )
    expect(more).toEqual([])
    const headers = delivered?.headers as Record<string, string>
    const payload = new Webhook(endpoint.secret).verify(delivered?.body as string, headers) as Record<
      string,
      unknown
    >
    expect(payload).toMatchObject({
      type: 'ticket.created',
      objectId: ticket.id,
      organizationId: tenant.organizationId,
      data: { object: { id: ticket.id }, previousAttributes: null },
    })
    expect(headers['webhook-id']).toBe(payload.id)
    expect(headers['content-type']).toBe('application/json')
    // The payload is the event as GET /v1/events/{id} shows it to an ADMIN.
    const event = await call(200, `/v1/events/${payload.id}`, { token: tenant.tokens.ADMIN })
    expect(payload).toEqual(event)
    // A wrong secret or a changed body fails verification.
    expect(() =>
      new Webhook(`whsec_${btoa('x'.repeat(32))}`).verify(delivered?.body as string, headers),
    ).toThrow()
    expect(() => new Webhook(endpoint.secret).verify(`${delivered?.body} `, headers)).toThrow()

    const deliveries = await waitFor(
      () =>
        call<{ data: Delivery[] }>(200, `/v1/webhook-endpoints/${endpoint.id}/deliveries`, {
          token: tenant.tokens.ADMIN,
        }),
      (page) => page.data[0]?.status === 'SUCCEEDED',
    )
    expect(deliveries.data).toMatchObject([
      {
        eventId: payload.id,
        status: 'SUCCEEDED',
        attempts: 1,
        attemptLog: [{ attempt: 1, statusCode: 200, error: null }],
      },
    ])

    // Redelivery: the same webhook-id again, recorded as attempt 2.
    const again = await call<Delivery>(
      202,
      `/v1/webhook-endpoints/${endpoint.id}/deliveries/${deliveries.data[0]?.id}/redeliver`,
      { method: 'POST', token: tenant.tokens.ADMIN },
    )
    expect(again.status).toBe('PENDING')
    const twice = await waitFor(
      () => received(name),
      (list) => list.length > 1,
    )
    expect(twice.map((hook) => hook.headers['webhook-id'])).toEqual([payload.id, payload.id])
  })

  it('retries failures with exponential backoff and jitter under the same webhook-id, then succeeds', async () => {
    const tenant = await createTenant()
    const { name, endpoint } = await endpointFor(tenant)
    const ticket = await call<{ id: string }>(201, '/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: ticketBody(tenant),
    })
    await waitFor(
      () => received(name),
      (list) => list.length > 0,
    )
    await scriptAnswers(name, [500, 502])
    await changeWithoutProducer(tenant, ticket.id, 'retry')
    const delivery = await pendingDeliveryOf(endpoint.id)
    const message = { deliveryId: delivery.id, organizationId: tenant.organizationId }

    // The delay asked of the queue is the one recorded as next_attempt_at (the test harness does not report it).
    const delay = async () => {
      const [row] =
        await ownerSql`select extract(epoch from next_attempt_at - last_attempt_at)::float8 as seconds
        from webhook_deliveries where id = ${delivery.id}`
      return row?.seconds as number
    }
    const first = await consume(message, 1)
    expect(first.explicitAcks).toEqual([])
    expect(first.retryMessages).toEqual([expect.objectContaining({ msgId: `msg-${delivery.id}` })])
    expect(await delay()).toBeGreaterThanOrEqual(15)
    expect(await delay()).toBeLessThanOrEqual(30)
    await dueNow(delivery.id)
    const second = await consume(message, 2)
    expect(second.retryMessages).toHaveLength(1)
    expect(await delay()).toBeGreaterThanOrEqual(30)
    expect(await delay()).toBeLessThanOrEqual(60)
    await dueNow(delivery.id)
    const third = await consume(message, 3)
    expect(third.explicitAcks).toEqual([`msg-${delivery.id}`])

    const hooks = (await received(name)).slice(1)
    expect(hooks).toHaveLength(3)
    const ids = new Set(hooks.map((hook) => hook.headers['webhook-id']))
    expect(ids.size).toBe(1)
    for (const hook of hooks) new Webhook(endpoint.secret).verify(hook.body, hook.headers)
    const [row] =
      await ownerSql`select status, attempts, last_status_code from webhook_deliveries where id = ${delivery.id}`
    expect(row).toEqual({ status: 'SUCCEEDED', attempts: 3, last_status_code: 200 })
    const attempts = await ownerSql`select attempt, status_code from webhook_delivery_attempts
      where delivery_id = ${delivery.id} order by attempt`
    expect(attempts).toEqual([
      { attempt: 1, status_code: 500 },
      { attempt: 2, status_code: 502 },
      { attempt: 3, status_code: 200 },
    ])
    const [state] = await ownerSql`select failing_since from webhook_endpoints where id = ${endpoint.id}`
    expect(state?.failing_since).toBeNull()
  })

  it('a message that comes back before its delivery is due attempts nothing: a redelivery’s schedule is not run twice', async () => {
    const tenant = await createTenant()
    const { name, endpoint } = await endpointFor(tenant)
    const ticket = await ticketDeliveredTo(tenant, endpoint.id)
    await scriptAnswers(name, [500, 500, 500])
    await changeWithoutProducer(tenant, ticket.id, 'twice')
    const delivery = await pendingDeliveryOf(endpoint.id)
    const message = { deliveryId: delivery.id, organizationId: tenant.organizationId }
    // The queue's message fails its first attempt and is to come back in 15–30 s.
    expect((await consume(message, 1)).retryMessages).toHaveLength(1)
    // Meanwhile an ADMIN redelivers: a second message, through the real queue, fails attempt 2 and schedules attempt 3.
    await call(202, `/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivery.id}/redeliver`, {
      method: 'POST',
      token: tenant.tokens.ADMIN,
    })
    await waitFor(
      () => pendingDeliveryOf(endpoint.id),
      (row) => row?.attempts === 2,
    )
    const [scheduled] =
      await ownerSql`select next_attempt_at from webhook_deliveries where id = ${delivery.id}`

    // The first message comes back before attempt 3 is due: acknowledged, nothing sent, the schedule unchanged.
    const early = await consume(message, 2)
    expect(early.explicitAcks).toEqual([`msg-${delivery.id}`])
    expect(early.retryMessages).toEqual([])
    expect(await received(name)).toHaveLength(3)
    expect(await pendingDeliveryOf(endpoint.id)).toMatchObject({ status: 'PENDING', attempts: 2 })
    const [after] = await ownerSql`select next_attempt_at from webhook_deliveries where id = ${delivery.id}`
    expect(after?.next_attempt_at).toEqual(scheduled?.next_attempt_at)

    // Once due, a message attempts it (attempt 3).
    await dueNow(delivery.id)
    expect((await consume(message, 3)).retryMessages).toHaveLength(1)
    expect(await received(name)).toHaveLength(4)
    expect(await pendingDeliveryOf(endpoint.id)).toMatchObject({ status: 'PENDING', attempts: 3 })
  })

  it('a redelivery asked while the last attempt is in flight is not undone by that attempt’s outcome', async () => {
    const tenant = await createTenant()
    const { name, endpoint } = await endpointFor(tenant)
    const ticket = await ticketDeliveredTo(tenant, endpoint.id)
    await changeWithoutProducer(tenant, ticket.id, 'last')
    const delivery = await pendingDeliveryOf(endpoint.id)
    await ownerSql`update webhook_deliveries set attempts = ${WEBHOOK_MAX_ATTEMPTS - 1} where id = ${delivery.id}`
    const message = { deliveryId: delivery.id, organizationId: tenant.organizationId }
    // The ADMIN redelivers while the last attempt waits for the receiver (its message recorded, not yet consumed).
    const sent: WebhookMessage[] = []
    const recordingQueue = {
      sendBatch: async (batch: Array<{ body: WebhookMessage }>) =>
        void sent.push(...batch.map((m) => m.body)),
    }
    const redeliverMeanwhile = webhookQueueHandler({
      fetch: async () => {
        const ctx = createExecutionContext()
        const response = await worker.fetch(
          new Request(
            `http://api.test/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivery.id}/redeliver`,
            {
              method: 'POST',
              headers: { Authorization: `Bearer ${tenant.tokens.ADMIN}` },
            },
          ),
          { ...env, WEBHOOK_QUEUE: recordingQueue } as unknown as typeof env,
          ctx,
        )
        await waitOnExecutionContext(ctx)
        expect(response.status).toBe(202)
        return new Response('down', { status: 503 })
      },
    })
    expect((await consume(message, 1, redeliverMeanwhile)).explicitAcks).toEqual([`msg-${delivery.id}`])
    expect(sent).toEqual([message])
    // The failed attempt is recorded, but the delivery stays re-opened: the redelivery's message delivers it.
    expect(await pendingDeliveryOf(endpoint.id)).toMatchObject({
      status: 'PENDING',
      attempts: WEBHOOK_MAX_ATTEMPTS,
    })
    const before = (await received(name)).length
    expect((await consume(message, 1)).explicitAcks).toEqual([`msg-${delivery.id}`])
    expect(await received(name)).toHaveLength(before + 1)
    expect(await pendingDeliveryOf(endpoint.id)).toMatchObject({
      status: 'SUCCEEDED',
      attempts: WEBHOOK_MAX_ATTEMPTS + 1,
    })
    const attempts = await ownerSql`select attempt, status_code from webhook_delivery_attempts
      where delivery_id = ${delivery.id} order by attempt`
    expect(attempts).toEqual([
      { attempt: WEBHOOK_MAX_ATTEMPTS, status_code: 503 },
      { attempt: WEBHOOK_MAX_ATTEMPTS + 1, status_code: 200 },
    ])
  })

  it('a new URL saved while an attempt at the old one is in flight: that attempt’s failure neither disables the endpoint nor restores the old streak', async () => {
    const tenant = await createTenant()
    for (const streak of ['3 days 1 minute', '71 hours']) {
      const { endpoint } = await endpointFor(tenant)
      const ticket = await ticketDeliveredTo(tenant, endpoint.id)
      await changeWithoutProducer(tenant, ticket.id, `moved ${streak}`)
      const delivery = await pendingDeliveryOf(endpoint.id)
      await ownerSql`update webhook_endpoints set failing_since = now() - ${streak}::interval where id = ${endpoint.id}`
      const movedMeanwhile = webhookQueueHandler({
        fetch: async () => {
          const ctx = createExecutionContext()
          const response = await worker.fetch(
            new Request(`http://api.test/v1/webhook-endpoints/${endpoint.id}`, {
              method: 'PATCH',
              headers: { Authorization: `Bearer ${tenant.tokens.ADMIN}`, 'Content-Type': 'application/json' },
              body: JSON.stringify({ url: `https://hooks.example.com/moved-${crypto.randomUUID()}` }),
            }),
            env,
            ctx,
          )
          await waitOnExecutionContext(ctx)
          expect(response.status).toBe(200)
          return new Response('old receiver down', { status: 500 })
        },
      })
      await consume({ deliveryId: delivery.id, organizationId: tenant.organizationId }, 1, movedMeanwhile)
      // The failure was the old URL's: the new URL has not failed yet.
      const [row] = await ownerSql`select enabled, disabled_reason, failing_since from webhook_endpoints
        where id = ${endpoint.id}`
      expect(row, streak).toEqual({ enabled: true, disabled_reason: null, failing_since: null })
    }
  })

  it('honours Retry-After, gives up after the last attempt, and leaves an unprocessable message to the queue (dead letter)', async () => {
    const tenant = await createTenant()
    const { endpoint } = await endpointFor(tenant)
    const ticket = await ticketDeliveredTo(tenant, endpoint.id)
    await changeWithoutProducer(tenant, ticket.id, 'later')
    const delivery = await pendingDeliveryOf(endpoint.id)
    const message = { deliveryId: delivery.id, organizationId: tenant.organizationId }
    const busy = webhookQueueHandler({
      fetch: async () => new Response('busy', { status: 503, headers: { 'Retry-After': '900' } }),
    })
    const later = await consume(message, 1, busy)
    expect(later.retryMessages).toHaveLength(1)
    const [row] =
      await ownerSql`select extract(epoch from next_attempt_at - last_attempt_at)::float8 as seconds
      from webhook_deliveries where id = ${delivery.id}`
    expect(row?.seconds).toBe(900)

    await ownerSql`update webhook_deliveries set attempts = ${WEBHOOK_MAX_ATTEMPTS - 1} where id = ${delivery.id}`
    await dueNow(delivery.id)
    const last = await consume(message, 2, busy)
    expect(last.explicitAcks).toEqual([`msg-${delivery.id}`])
    expect(await pendingDeliveryOf(endpoint.id)).toMatchObject({
      status: 'FAILED',
      attempts: WEBHOOK_MAX_ATTEMPTS,
    })

    // The database unreachable: the message is retried by the queue (its retry_delay), and after max_retries kept by
    // the dead-letter queue (wrangler.toml).
    const unreachable = { ...env, DATABASE_URL: env.TEST_BLACKHOLE_URL, DATABASE_TIMEOUT_MS: '300' }
    const batch = createMessageBatch<WebhookMessage>('organization-api-webhooks-local', [
      { id: 'msg-down', timestamp: new Date(), attempts: 1, body: message },
    ])
    const ctx = createExecutionContext()
    await webhookQueueHandler()(batch, unreachable, ctx)
    const down = await getQueueResult(batch, ctx)
    expect(down.retryMessages).toEqual([expect.objectContaining({ msgId: 'msg-down' })])
    expect(down.explicitAcks).toEqual([])
  })

  it('a 410 disables the endpoint at once, and 3 days of failures do too; a disabled endpoint gets no deliveries', async () => {
    const tenant = await createTenant()
    const gone = await endpointFor(tenant)
    const failing = await endpointFor(tenant)
    const ticket = await call<{ id: string }>(201, '/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: ticketBody(tenant),
    })
    // Settled, not merely received: the first delivery's success writes failing_since = null after the receiver has
    // answered, and would undo the backdated failing_since below if it landed after it.
    for (const { endpoint } of [gone, failing])
      await waitFor(
        () => pendingDeliveryOf(endpoint.id),
        (row) => row?.status === 'SUCCEEDED',
      )
    await scriptAnswers(gone.name, [410])
    await scriptAnswers(failing.name, [500])
    await ownerSql`update webhook_endpoints set failing_since = now() - interval '3 days 1 minute' where id = ${failing.endpoint.id}`
    await changeWithoutProducer(tenant, ticket.id, 'gone')
    for (const { endpoint } of [gone, failing]) {
      const delivery = await pendingDeliveryOf(endpoint.id)
      const result = await consume({ deliveryId: delivery.id, organizationId: tenant.organizationId })
      expect(result.explicitAcks).toEqual([`msg-${delivery.id}`])
      expect(await pendingDeliveryOf(endpoint.id)).toMatchObject({ status: 'FAILED', attempts: 1 })
    }
    const read = (id: string) =>
      call<Endpoint>(200, `/v1/webhook-endpoints/${id}`, { token: tenant.tokens.ADMIN })
    expect(await read(gone.endpoint.id)).toMatchObject({ enabled: false, disabledReason: 'GONE' })
    expect(await read(failing.endpoint.id)).toMatchObject({ enabled: false, disabledReason: 'FAILING' })
    await changeWithoutProducer(tenant, ticket.id, 'after')
    const [count] =
      await ownerSql`select count(*)::int as n from webhook_deliveries where endpoint_id = ${gone.endpoint.id}`
    expect(count?.n).toBe(2)
    // Enabled again, it receives again.
    await call(200, `/v1/webhook-endpoints/${gone.endpoint.id}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { enabled: true },
    })
    expect(await read(gone.endpoint.id)).toMatchObject({ enabled: true, disabledReason: null })
  })

  it('rotation: for 24 hours both secrets sign; then only the new one', async () => {
    const tenant = await createTenant()
    const { name, endpoint } = await endpointFor(tenant)
    const ticket = await call<{ id: string }>(201, '/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: ticketBody(tenant),
    })
    await waitFor(
      () => received(name),
      (list) => list.length > 0,
    )
    const rotated = await call<Endpoint & { previousSecretExpiresAt: string }>(
      200,
      `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`,
      { method: 'POST', token: tenant.tokens.ADMIN },
    )
    expect(rotated.secret).not.toBe(endpoint.secret)
    expect(Date.parse(rotated.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000)
    await call(200, `/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { priority: 'HIGH' },
    })
    const [, during] = await waitFor(
      () => received(name),
      (list) => list.length > 1,
    )
    expect(during?.headers['webhook-signature']?.split(' ')).toHaveLength(2)
    for (const secret of [endpoint.secret, rotated.secret])
      new Webhook(secret).verify(during?.body as string, during?.headers as Record<string, string>)

    await ownerSql`update webhook_endpoints set previous_secrets = jsonb_set(previous_secrets, '{0,expiresAt}',
      to_jsonb(now() - interval '1 second')) where id = ${endpoint.id}`
    await call(200, `/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { priority: 'LOW' },
    })
    const [, , after] = await waitFor(
      () => received(name),
      (list) => list.length > 2,
    )
    expect(after?.headers['webhook-signature']?.split(' ')).toHaveLength(1)
    new Webhook(rotated.secret).verify(after?.body as string, after?.headers as Record<string, string>)
    expect(() =>
      new Webhook(endpoint.secret).verify(after?.body as string, after?.headers as Record<string, string>),
    ).toThrow()
  })

  it('rotating again within the overlap ends no other secret’s 24 hours: each signs until its own expiry', async () => {
    const tenant = await createTenant()
    const { name, endpoint } = await endpointFor(tenant)
    const ticket = await ticketDeliveredTo(tenant, endpoint.id)
    const first = await rotate(tenant, endpoint.id)
    // A retry after a lost answer: the second rotation keeps the original secret signing too.
    const second = await rotate(tenant, endpoint.id)
    expect(second.previousSecrets).toHaveLength(2)
    const [newest, oldest] = second.previousSecrets
    expect(second.previousSecretExpiresAt).toBe(newest?.expiresAt)
    expect(Date.parse(oldest?.expiresAt as string)).toBeLessThanOrEqual(
      Date.parse(newest?.expiresAt as string),
    )
    expect(Date.parse(oldest?.expiresAt as string) - Date.now()).toBeGreaterThan(23 * 3600_000)
    expect(JSON.stringify(second)).not.toContain(endpoint.secret)
    expect(await storedSecrets(endpoint.id)).toEqual({
      secret: second.secret,
      previous: [first.secret, endpoint.secret],
    })
    expect(
      await call(200, `/v1/webhook-endpoints/${endpoint.id}`, { token: tenant.tokens.ADMIN }),
    ).toMatchObject({
      previousSecrets: second.previousSecrets,
      previousSecretExpiresAt: newest?.expiresAt,
    })

    const during = await nextDelivery(tenant, name, ticket.id, 'HIGH')
    expect(signatureCount(during)).toBe(3)
    for (const secret of [second.secret, first.secret, endpoint.secret]) verify(secret, during)

    // The original secret's 24 hours end; the first rotation's do not.
    await ownerSql`update webhook_endpoints set previous_secrets = jsonb_set(previous_secrets, '{1,expiresAt}',
      to_jsonb(now() - interval '1 second')) where id = ${endpoint.id}`
    const later = await nextDelivery(tenant, name, ticket.id, 'LOW')
    expect(signatureCount(later)).toBe(2)
    for (const secret of [second.secret, first.secret]) verify(secret, later)
    expect(() => verify(endpoint.secret, later)).toThrow()
    // Listed until the next rotation drops it, its expiry past.
    const listed = await call<Rotated>(200, `/v1/webhook-endpoints/${endpoint.id}`, {
      token: tenant.tokens.ADMIN,
    })
    expect(listed.previousSecrets[0]).toEqual(newest)
    expect(Date.parse(listed.previousSecrets[1]?.expiresAt as string)).toBeLessThan(Date.now())

    await ownerSql`update webhook_endpoints set previous_secrets = jsonb_set(previous_secrets, '{0,expiresAt}',
      to_jsonb(now() - interval '1 second')) where id = ${endpoint.id}`
    const after = await nextDelivery(tenant, name, ticket.id, 'MEDIUM')
    expect(signatureCount(after)).toBe(1)
    verify(second.secret, after)
  })

  it('at most 4 rotated-out secrets sign: a fifth rotation within their 24 hours is 409; revokePrevious ends them', async () => {
    const tenant = await createTenant()
    const { name, endpoint } = await endpointFor(tenant)
    const ticket = await ticketDeliveredTo(tenant, endpoint.id)
    let last = { secret: endpoint.secret } as Rotated
    for (let i = 0; i < 4; i++) last = await rotate(tenant, endpoint.id)
    expect(last.previousSecrets).toHaveLength(4)
    const before = await storedSecrets(endpoint.id)
    const oldestExpiry = last.previousSecrets[3]?.expiresAt as string

    const refused = await call<{ status: number; code: string; detail: string }>(
      409,
      `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`,
      { method: 'POST', token: tenant.tokens.ADMIN },
    )
    expect(refused).toMatchObject({ status: 409, code: 'TOO_MANY_SIGNING_SECRETS' })
    expect(refused.detail).toContain(oldestExpiry)
    expect(refused.detail).toContain('revokePrevious')
    expect(await storedSecrets(endpoint.id)).toEqual(before)

    // Once the oldest has expired, a rotation is allowed again and drops the expired one.
    await ownerSql`update webhook_endpoints set previous_secrets = jsonb_set(previous_secrets, '{3,expiresAt}',
      to_jsonb(now() - interval '1 second')) where id = ${endpoint.id}`
    const fifth = await rotate(tenant, endpoint.id)
    expect(fifth.previousSecrets).toHaveLength(4)
    expect(await storedSecrets(endpoint.id)).toEqual({
      secret: fifth.secret,
      previous: [last.secret, ...before.previous.slice(0, 3)],
    })
    expect(signatureCount(await nextDelivery(tenant, name, ticket.id, 'HIGH'))).toBe(5)

    // A leaked secret: a rotation that ends every overlap at once, the secret it rotates out included.
    const revoked = await rotate(tenant, endpoint.id, { revokePrevious: true })
    expect(revoked).toMatchObject({ previousSecrets: [], previousSecretExpiresAt: null })
    expect(await storedSecrets(endpoint.id)).toEqual({ secret: revoked.secret, previous: [] })
    const only = await nextDelivery(tenant, name, ticket.id, 'LOW')
    expect(signatureCount(only)).toBe(1)
    verify(revoked.secret, only)
    expect(() => verify(fifth.secret, only)).toThrow()
    await call(422, `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { revokePrevious: 'yes' },
    })
  })

  it('sends a payload over 64 KiB thin: id, type and the object to fetch', async () => {
    const tenant = await createTenant()
    const ticket = await call<{ id: string }>(201, '/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: ticketBody(tenant),
    })
    const [event] = await ownerSql`select * from events where object_id = ${ticket.id}`
    const row = {
      id: event?.id,
      organizationId: tenant.organizationId,
      ordinal: 1,
      type: 'ticket.created',
      objectType: 'ticket',
      objectId: ticket.id,
      object: { ...(event?.object as object), description: 'x'.repeat(70_000) },
      previous: null,
      ownerId: null,
      actorType: 'USER',
      actorRole: 'ADMIN',
      actorId: tenant.adminId,
      requestId: null,
      idempotencyKey: null,
      createdAt: new Date(),
    }
    const body = JSON.parse(webhookBody(row as Parameters<typeof webhookBody>[0]))
    expect(body).toEqual({
      id: event?.id,
      type: 'ticket.created',
      createdAt: row.createdAt.toISOString(),
      organizationId: tenant.organizationId,
      objectType: 'ticket',
      objectId: ticket.id,
      thin: true,
    })
  })
})

describe('the sweeper', () => {
  it('claims due deliveries no one enqueued, once (FOR UPDATE SKIP LOCKED, a lease), and sends them', async () => {
    const tenant = await createTenant()
    const { endpoint } = await endpointFor(tenant)
    const ticket = await ticketDeliveredTo(tenant, endpoint.id)
    for (const tag of ['a', 'b', 'c']) await changeWithoutProducer(tenant, ticket.id, tag)
    // Lost after the commit: born enqueued, the lease (10 minutes) has passed.
    await ownerSql`update webhook_deliveries set enqueued_at = now() - interval '11 minutes'
      where endpoint_id = ${endpoint.id} and status = 'PENDING'`
    const pending = (
      await ownerSql`select id from webhook_deliveries where endpoint_id = ${endpoint.id} and status = 'PENDING'`
    ).map((r) => r.id)
    expect(pending).toHaveLength(3)

    const sent: WebhookMessage[] = []
    const capture = {
      ...env,
      WEBHOOK_QUEUE: {
        sendBatch: async (batch: Array<{ body: WebhookMessage }>) =>
          void sent.push(...batch.map((m) => m.body)),
      },
    } as unknown as typeof env
    const [one, two] = await Promise.all([
      sweepWebhookDeliveries(capture, `sweep-${crypto.randomUUID()}`),
      sweepWebhookDeliveries(capture, `sweep-${crypto.randomUUID()}`),
    ])
    const mine = sent.filter((message) => pending.includes(message.deliveryId))
    expect(new Set(mine.map((m) => m.deliveryId))).toEqual(new Set(pending))
    expect(mine).toHaveLength(3)
    expect((one?.claimed ?? 0) + (two?.claimed ?? 0)).toBeGreaterThanOrEqual(3)
    // Within the lease, a second sweep leaves them alone.
    await sweepWebhookDeliveries(capture, `sweep-${crypto.randomUUID()}`)
    expect(sent.filter((message) => pending.includes(message.deliveryId))).toHaveLength(3)
  })
})
