import { describe, expect, it } from 'vitest'
import { call } from '../events/support'
import { api, json } from '../support/api'
import { ownerSql } from '../support/db'
import { createTenant } from '../support/tenants'
import { type Delivery, endpointFor, ticketEvent, waitFor } from './support'

/*
 * POST …/deliveries/{deliveryId}/redeliver is an action POST: like every other (README, "Idempotency-Key"), a retry
 * with the same Idempotency-Key after a lost answer must not re-open the delivery a second time. Its replay reads
 * the delivery through GET …/deliveries/{deliveryId}, which answers one delivery as the list shows it.
 */

type VersionedDelivery = Delivery & { version: number }

async function settledDelivery() {
  const tenant = await createTenant()
  const { endpoint } = await endpointFor(tenant, ['ticket.*'])
  const { eventId } = await ticketEvent(tenant)
  const page = await waitFor(
    () =>
      call<{ data: VersionedDelivery[] }>(200, `/v1/webhook-endpoints/${endpoint.id}/deliveries`, {
        token: tenant.tokens.ADMIN,
      }),
    (list) => list.data[0]?.status === 'SUCCEEDED',
  )
  const delivery = page.data[0] as VersionedDelivery
  expect(delivery).toMatchObject({ eventId, status: 'SUCCEEDED' })
  return { tenant, endpointId: endpoint.id, delivery }
}

describe('one webhook delivery', () => {
  it('GET …/deliveries/{deliveryId} answers it as the list does; another endpoint’s or an unknown id is 404', async () => {
    const { tenant, endpointId, delivery } = await settledDelivery()
    const path = `/v1/webhook-endpoints/${endpointId}/deliveries/${delivery.id}`
    expect(await call(200, path, { token: tenant.tokens.ADMIN })).toEqual(delivery)

    const other = await endpointFor(tenant, ['refund.*'])
    for (const wrong of [
      `/v1/webhook-endpoints/${other.endpoint.id}/deliveries/${delivery.id}`,
      `/v1/webhook-endpoints/${endpointId}/deliveries/${crypto.randomUUID()}`,
    ]) {
      const response = await api(wrong, { token: tenant.tokens.ADMIN })
      expect(response.status).toBe(404)
      expect(await json(response)).toMatchObject({ code: 'NOT_FOUND' })
    }
    // Another tenant's ADMIN does not see it either; a REPRESENTATIVE may not read deliveries.
    const stranger = await createTenant()
    expect((await api(path, { token: stranger.tokens.ADMIN })).status).toBe(404)
    expect((await api(path, { token: tenant.tokens.REPRESENTATIVE })).status).toBe(403)
  })

  it('redeliver with an Idempotency-Key re-opens it once: the retry replays the answer (202, Idempotent-Replayed)', async () => {
    const { tenant, endpointId, delivery } = await settledDelivery()
    const path = `/v1/webhook-endpoints/${endpointId}/deliveries/${delivery.id}/redeliver`
    const key = `redeliver-${crypto.randomUUID()}`
    const request = { method: 'POST', token: tenant.tokens.ADMIN, headers: { 'Idempotency-Key': key } }

    const first = await api(path, request)
    expect(first.status, await first.clone().text()).toBe(202)
    expect(first.headers.get('Idempotent-Replayed')).toBeNull()
    const reopened = await json<VersionedDelivery>(first)
    expect(reopened).toMatchObject({ id: delivery.id, status: 'PENDING', version: delivery.version + 1 })

    const retry = await api(path, request)
    expect(retry.status, await retry.clone().text()).toBe(202)
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await json<VersionedDelivery>(retry)).toMatchObject({ id: delivery.id })

    // The key was claimed and completed with the first answer, which the retry replayed instead of re-opening.
    const claims = await ownerSql`select status_code, resource_path from idempotency_keys
      where organization_id = ${tenant.organizationId} and key = ${key}`
    expect(claims).toEqual([
      {
        status_code: 202,
        resource_path: `/v1/webhook-endpoints/${endpointId}/deliveries/${delivery.id}`,
      },
    ])
  })
})
