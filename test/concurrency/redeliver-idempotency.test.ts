import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, inject, it } from 'vitest'
import worker from '../../src/index'
import type { WebhookMessage } from '../../src/webhooks/delivery'
import { call } from '../events/support'
import { checkContract, json } from '../support/api'
import { ownerSql } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { type Delivery, endpointFor, received, ticketEvent, waitFor } from '../webhooks/support'

/*
 * POST /v1/events/{id}/redeliver with one Idempotency-Key sent 20 times at once: the redelivery runs once. The
 * claim is in the work's own transaction (app_claim_idempotency_key): a concurrent duplicate waits on the key until
 * the first commits, then replays it (README "Idempotency-Key": never 409 in progress). Proven where concurrency is
 * real, on the PostgreSQL server (`npm run test:pg`); PGlite runs the same requests one at a time.
 *
 * The requests go through the Worker's fetch handler with a recording WEBHOOK_QUEUE, so every enqueue is counted
 * (a replay must enqueue nothing); the one recorded batch is then sent to the real queue, and the consumer delivers
 * it to the receiver (test/webhooks/receiver.ts): each delivery's attempts advance once.
 */
const DUPLICATES = 20

const deliveriesOf = (tenant: TestTenant, eventId: string) =>
  call<{ data: Delivery[] }>(200, `/v1/events/${eventId}/deliveries`, { token: tenant.tokens.ADMIN })

describe(`POST /v1/events/{id}/redeliver under ${DUPLICATES} concurrent duplicates (${inject('databaseBackend')})`, () => {
  it('one Idempotency-Key → one redelivery (one batch enqueued, attempts advance once), 1 answer + 19 replays of it', async () => {
    const tenant = await createTenant()
    // `early` has the event's delivery (re-opened by the redelivery); `late` subscribes after it (one is created).
    const early = await endpointFor(tenant, ['ticket.*'])
    const { eventId } = await ticketEvent(tenant, 'Once')
    const delivered = await waitFor(
      () => deliveriesOf(tenant, eventId),
      (list) => list.data[0]?.status === 'SUCCEEDED',
    )
    expect(delivered.data).toMatchObject([
      { endpointId: early.endpoint.id, attempts: 1, status: 'SUCCEEDED' },
    ])
    const late = await endpointFor(tenant, ['ticket.created'])

    const sent: WebhookMessage[][] = []
    const recordingQueue = {
      send: async (body: WebhookMessage) => void sent.push([body]),
      sendBatch: async (batch: Iterable<{ body: WebhookMessage }>) =>
        void sent.push([...batch].map((message) => message.body)),
    }
    const workerEnv = { ...env, WEBHOOK_QUEUE: recordingQueue } as unknown as typeof env
    const key = `redeliver-${crypto.randomUUID()}`
    const url = `http://api.test/v1/events/${eventId}/redeliver`
    const redeliver = async () => {
      const ctx = createExecutionContext()
      const response = await worker.fetch(
        new Request(url, {
          method: 'POST',
          headers: { Authorization: `Bearer ${tenant.tokens.ADMIN}`, 'Idempotency-Key': key },
        }),
        workerEnv,
        ctx,
      )
      // The producer's send runs in waitUntil, after the response.
      await waitOnExecutionContext(ctx)
      return checkContract('POST', url, response)
    }
    const responses = await Promise.all(Array.from({ length: DUPLICATES }, redeliver))

    // Every answer is 202; exactly one ran the work, the others replayed it.
    expect(responses.map((response) => response.status)).toEqual(Array(DUPLICATES).fill(202))
    const original = responses.filter((response) => response.headers.get('Idempotent-Replayed') === null)
    const replays = responses.filter((response) => response.headers.get('Idempotent-Replayed') === 'true')
    expect(original).toHaveLength(1)
    expect(replays).toHaveLength(DUPLICATES - 1)
    const bodies = await Promise.all(responses.map((response) => json<{ data: Delivery[] }>(response)))
    const first = bodies[responses.indexOf(original[0] as Response)]
    // The original lists the two deliveries queued: early's re-opened (attempts continue from 1), late's new.
    expect(first?.data.map((d) => d.endpointId).sort()).toEqual([early.endpoint.id, late.endpoint.id].sort())
    expect(first?.data.find((d) => d.endpointId === early.endpoint.id)).toMatchObject({
      id: delivered.data[0]?.id,
      status: 'PENDING',
      attempts: 1,
    })
    expect(first?.data.find((d) => d.endpointId === late.endpoint.id)).toMatchObject({
      status: 'PENDING',
      attempts: 0,
    })
    // A replay answers the event's deliveries as they are then: nothing was delivered meanwhile (the queue only
    // records), so each is the original answer.
    for (const body of bodies) expect(body).toEqual(first)

    // One enqueue: one batch holding the two deliveries; the 19 replays sent nothing.
    expect(sent).toHaveLength(1)
    expect(sent[0]?.map((message) => message.deliveryId).sort()).toEqual(first?.data.map((d) => d.id).sort())
    expect(sent[0]?.every((message) => message.organizationId === tenant.organizationId)).toBe(true)
    // The database: one row per endpoint (no duplicate delivery), one completed key, no attempt recorded yet.
    const rows = await ownerSql`select endpoint_id, status, attempts from webhook_deliveries
      where event_id = ${eventId} order by endpoint_id`
    expect(rows).toHaveLength(2)
    expect(rows.every((row) => row.status === 'PENDING')).toBe(true)
    const keys =
      await ownerSql`select status_code, completed_at is not null as completed from idempotency_keys
      where organization_id = ${tenant.organizationId} and key = ${key}`
    expect(keys).toEqual([{ status_code: 202, completed: true }])
    const [attempts] = await ownerSql`select count(*)::int as n from webhook_delivery_attempts a
      join webhook_deliveries d on d.organization_id = a.organization_id and d.id = a.delivery_id
      where d.event_id = ${eventId}`
    expect(attempts?.n).toBe(1)

    // The one batch through the real queue and consumer: early is delivered a second time, late a first.
    await (env.WEBHOOK_QUEUE as Queue<WebhookMessage>).sendBatch(
      (sent[0] ?? []).map((message) => ({ body: message })),
    )
    const after = await waitFor(
      () => deliveriesOf(tenant, eventId),
      (list) => list.data.length === 2 && list.data.every((d) => d.status === 'SUCCEEDED'),
    )
    expect(after.data).toMatchObject([
      { endpointId: early.endpoint.id, attempts: 2, status: 'SUCCEEDED' },
      { endpointId: late.endpoint.id, attempts: 1, status: 'SUCCEEDED' },
    ])
    expect((await received(early.name)).map((hook) => hook.headers['webhook-id'])).toEqual([eventId, eventId])
    expect((await received(late.name)).map((hook) => hook.headers['webhook-id'])).toEqual([eventId])
  })
})
