import { describe, expect, it } from 'vitest'
import { call } from '../events/support'
import { createTenant } from '../support/tenants'
import { type Delivery, endpointFor, ticketEvent, waitFor } from './support'

/*
 * Re-opening a delivery is a write of the delivery like any other: POST /v1/events/{id}/redeliver re-opens it
 * "exactly as the per-delivery redeliver does", and both raise its version and move its updatedAt (README, "API
 * conventions in practice": every write raises the version).
 */

type VersionedDelivery = Delivery & { version: number; updatedAt: string }

describe('a re-opened delivery', () => {
  it('gets a new version and updatedAt through either redeliver route', async () => {
    const tenant = await createTenant()
    const { endpoint } = await endpointFor(tenant, ['ticket.*'])
    const { eventId } = await ticketEvent(tenant)
    const deliveries = () =>
      call<{ data: VersionedDelivery[] }>(200, `/v1/events/${eventId}/deliveries`, {
        token: tenant.tokens.ADMIN,
      })
    const settled = async () =>
      (await waitFor(deliveries, (list) => list.data[0]?.status === 'SUCCEEDED')).data[0] as VersionedDelivery
    const before = await settled()

    const byEvent = await call<{ data: VersionedDelivery[] }>(202, `/v1/events/${eventId}/redeliver`, {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { endpointId: endpoint.id },
    })
    const reopened = byEvent.data[0] as VersionedDelivery
    expect(reopened).toMatchObject({ id: before.id, status: 'PENDING' })
    expect(reopened.version).toBeGreaterThan(before.version)
    expect(Date.parse(reopened.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt))

    // The per-delivery route, for comparison: the same write.
    const again = await settled()
    const byDelivery = await call<VersionedDelivery>(
      202,
      `/v1/webhook-endpoints/${endpoint.id}/deliveries/${again.id}/redeliver`,
      { method: 'POST', token: tenant.tokens.ADMIN },
    )
    expect(byDelivery.version).toBeGreaterThan(again.version)
    expect(Date.parse(byDelivery.updatedAt)).toBeGreaterThan(Date.parse(again.updatedAt))
  })
})
