import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { call } from '../events/support'
import { api, json } from '../support/api'
import { neonLocalStats, ownerSql } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { type Delivery, endpointFor, received, ticketEvent, waitFor } from './support'

/*
 * POST /v1/events/{id}/redeliver in the Workers runtime: the event's deliveries queued again (re-opened, or created
 * for an endpoint that subscribed after the event) go through the producer, the real queue and the consumer to a
 * real HTTP receiver (test/webhooks/receiver.ts) under the same webhook-id, recorded as further attempts; one
 * endpoint only with endpointId; Idempotency-Key; the refusals (404, 409, 422) and tenant isolation.
 */

const redeliver = (tenant: TestTenant, eventId: string, init: Parameters<typeof api>[1] = {}) =>
  api(`/v1/events/${eventId}/redeliver`, { method: 'POST', token: tenant.tokens.ADMIN, ...init })

describe('POST /v1/events/{id}/redeliver', () => {
  it('queues the event again to every enabled subscribed endpoint (re-opened or new), delivered under the same webhook-id', async () => {
    const tenant = await createTenant()
    const early = await endpointFor(tenant, ['ticket.*'])
    const { eventId } = await ticketEvent(tenant)
    await waitFor(
      () => received(early.name),
      (list) => list.length > 0,
    )
    const first = await waitFor(
      () =>
        call<{ data: Delivery[] }>(200, `/v1/events/${eventId}/deliveries`, { token: tenant.tokens.ADMIN }),
      (list) => list.data[0]?.status === 'SUCCEEDED',
    )
    expect(first.data).toMatchObject([{ endpointId: early.endpoint.id, attempts: 1, status: 'SUCCEEDED' }])
    // Subscribed after the event; disabled; subscribed to something else: only `late` is added.
    const late = await endpointFor(tenant, ['ticket.created'])
    const disabled = await endpointFor(tenant, ['*'], false)
    const other = await endpointFor(tenant, ['refund.*'])

    const requestId = `redeliver-${crypto.randomUUID()}`
    const response = await redeliver(tenant, eventId, {
      headers: { 'Idempotency-Key': `again-${eventId}`, 'X-Request-Id': requestId },
    })
    expect(response.status, await response.clone().text()).toBe(202)
    expect(await neonLocalStats(requestId)).toBe(1)
    const queued = await json<{ data: Delivery[] }>(response)
    expect(queued.data.map((d) => d.endpointId).sort()).toEqual([early.endpoint.id, late.endpoint.id].sort())
    for (const delivery of queued.data) expect(delivery).toMatchObject({ eventId, status: 'PENDING' })
    // The existing delivery is the same row, re-opened (attempts continue from its count).
    expect(queued.data.find((d) => d.endpointId === early.endpoint.id)).toMatchObject({
      id: first.data[0]?.id,
      attempts: 1,
    })

    // Through the producer, the queue and the consumer: each receiver gets the event, signed, webhook-id = event id.
    const earlyHooks = await waitFor(
      () => received(early.name),
      (list) => list.length > 1,
    )
    const lateHooks = await waitFor(
      () => received(late.name),
      (list) => list.length > 0,
    )
    expect(earlyHooks.map((hook) => hook.headers['webhook-id'])).toEqual([eventId, eventId])
    expect(lateHooks.map((hook) => hook.headers['webhook-id'])).toEqual([eventId])
    for (const [hooks, endpoint] of [
      [earlyHooks, early.endpoint],
      [lateHooks, late.endpoint],
    ] as const) {
      for (const hook of hooks) {
        expect(new Webhook(endpoint.secret).verify(hook.body, hook.headers)).toMatchObject({
          id: eventId,
          type: 'ticket.created',
        })
      }
    }
    expect(await received(disabled.name)).toEqual([])
    expect(await received(other.name)).toEqual([])
    // Recorded: the early delivery's second attempt, the late one's first.
    const after = await waitFor(
      () =>
        call<{ data: Delivery[] }>(200, `/v1/events/${eventId}/deliveries`, { token: tenant.tokens.ADMIN }),
      (list) => list.data.length === 2 && list.data.every((d) => d.status === 'SUCCEEDED'),
    )
    expect(after.data).toMatchObject([
      {
        endpointId: early.endpoint.id,
        attempts: 2,
        attemptLog: [
          { attempt: 1, statusCode: 200 },
          { attempt: 2, statusCode: 200 },
        ],
      },
      { endpointId: late.endpoint.id, attempts: 1, attemptLog: [{ attempt: 1, statusCode: 200 }] },
    ])

    // The same Idempotency-Key again: replayed (the deliveries as they are now), nothing queued again.
    const replayId = `replay-${crypto.randomUUID()}`
    const replay = await redeliver(tenant, eventId, {
      headers: { 'Idempotency-Key': `again-${eventId}`, 'X-Request-Id': replayId },
    })
    expect(replay.status).toBe(202)
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true')
    expect((await json<{ data: Delivery[] }>(replay)).data).toEqual(after.data)
    const [pending] = await ownerSql`select count(*)::int as n from webhook_deliveries
      where event_id = ${eventId} and status = 'PENDING'`
    expect(pending?.n).toBe(0)

    // endpointId: that endpoint only.
    const one = await call<{ data: Delivery[] }>(202, `/v1/events/${eventId}/redeliver`, {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { endpointId: late.endpoint.id },
    })
    expect(one.data).toMatchObject([{ endpointId: late.endpoint.id, status: 'PENDING', attempts: 1 }])
    const lateTwice = await waitFor(
      () => received(late.name),
      (list) => list.length > 1,
    )
    expect(lateTwice.map((hook) => hook.headers['webhook-id'])).toEqual([eventId, eventId])
    expect((await received(early.name)).length).toBe(2)
  })

  it('refuses what cannot be delivered: 409 (no subscribed endpoint, disabled, not subscribed), 422 (unknown endpoint)', async () => {
    const tenant = await createTenant()
    const { eventId } = await ticketEvent(tenant)
    const problem = async (response: Response, status: number, code: string) => {
      expect(response.status, await response.clone().text()).toBe(status)
      expect(response.headers.get('Content-Type')).toContain('application/problem+json')
      expect(await json(response)).toMatchObject({ status, code })
    }
    await problem(await redeliver(tenant, eventId), 409, 'NO_SUBSCRIBED_ENDPOINT')
    const disabled = await endpointFor(tenant, ['ticket.*'], false)
    const other = await endpointFor(tenant, ['refund.*'])
    const body = (endpointId: string) => ({ body: { endpointId } })
    await problem(await redeliver(tenant, eventId, body(disabled.endpoint.id)), 409, 'ENDPOINT_DISABLED')
    await problem(await redeliver(tenant, eventId, body(other.endpoint.id)), 409, 'ENDPOINT_NOT_SUBSCRIBED')
    await problem(
      await redeliver(tenant, eventId, body(crypto.randomUUID())),
      422,
      'UNKNOWN_WEBHOOK_ENDPOINT',
    )
    await problem(await redeliver(tenant, crypto.randomUUID()), 404, 'NOT_FOUND')
    await problem(await redeliver(tenant, eventId, { body: { endpointId: 'x' } }), 422, 'VALIDATION_FAILED')
    // Nothing was written.
    const [count] =
      await ownerSql`select count(*)::int as n from webhook_deliveries where event_id = ${eventId}`
    expect(count?.n).toBe(0)
  })

  it('is an ADMIN’s, within its tenant: other roles 403, another tenant’s event 404, its endpoint unknown', async () => {
    const tenant = await createTenant()
    const mine = await endpointFor(tenant, ['ticket.*'])
    const { eventId } = await ticketEvent(tenant)
    for (const role of ['REPRESENTATIVE', 'AGENT', 'CUSTOMER'] as const) {
      await call(403, `/v1/events/${eventId}/redeliver`, { method: 'POST', token: tenant.tokens[role] })
      await call(403, `/v1/events/${eventId}/deliveries`, { token: tenant.tokens[role] })
    }
    const other = await createTenant()
    const theirs = await endpointFor(other, ['*'])
    await call(404, `/v1/events/${eventId}/redeliver`, { method: 'POST', token: other.tokens.ADMIN })
    await call(404, `/v1/events/${eventId}/redeliver`, {
      method: 'POST',
      token: other.tokens.ADMIN,
      body: { endpointId: theirs.endpoint.id },
    })
    await call(404, `/v1/events/${eventId}/deliveries`, { token: other.tokens.ADMIN })
    // My event to their endpoint: no such endpoint here.
    await call(422, `/v1/events/${eventId}/redeliver`, {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { endpointId: theirs.endpoint.id },
    })
    const [theirRows] =
      await ownerSql`select count(*)::int as n from webhook_deliveries where endpoint_id = ${theirs.endpoint.id}`
    expect(theirRows?.n).toBe(0)
    await waitFor(
      () => received(mine.name),
      (list) => list.length > 0,
    )
    expect(await received(theirs.name)).toEqual([])
  })
})
