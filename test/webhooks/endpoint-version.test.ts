import { describe, expect, it } from 'vitest'
import { call } from '../events/support'
import { api } from '../support/api'
import { ownerSql } from '../support/db'
import { createTenant } from '../support/tenants'
import { endpointFor, ticketEvent, waitFor } from './support'

/*
 * An endpoint's version (its ETag) changes when the endpoint changes, not with every delivery made to it: a
 * delivery that changes nothing of the endpoint (a success while it was not failing, another failure while it
 * already was) must not make the ADMIN's If-Match stale (README, "API conventions in practice").
 */

describe('an endpoint’s ETag under deliveries', () => {
  it('stays the same while deliveries change nothing of it, so a PATCH with If-Match goes through', async () => {
    const tenant = await createTenant()
    const { endpoint } = await endpointFor(tenant, ['ticket.*'])
    const read = () => api(`/v1/webhook-endpoints/${endpoint.id}`, { token: tenant.tokens.ADMIN })
    const etag = (await read()).headers.get('ETag') as string

    // Two successful deliveries (the endpoint was never failing).
    for (const subject of ['one', 'two']) {
      const { eventId } = await ticketEvent(tenant, subject)
      await waitFor(
        async () => (await ownerSql`select status from webhook_deliveries where event_id = ${eventId}`)[0],
        (row) => row?.status === 'SUCCEEDED',
      )
    }
    expect((await read()).headers.get('ETag')).toBe(etag)
    await call(200, `/v1/webhook-endpoints/${endpoint.id}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      headers: { 'If-Match': etag },
      body: { description: 'renamed' },
    })
  })
})
