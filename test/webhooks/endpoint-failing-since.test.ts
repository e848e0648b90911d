import { describe, expect, it } from 'vitest'
import { call } from '../events/support'
import { ownerSql } from '../support/db'
import { createTenant } from '../support/tenants'
import { endpointFor } from './support'

/*
 * failingSince is "since when every attempt has failed": enabling a disabled endpoint starts it afresh, but a PATCH
 * that repeats enabled=true on an endpoint that is already enabled (an edit form sending every field) enables
 * nothing, so it must not erase the failure streak (which would also restart the 3-day clock that disables it).
 * A new URL is another receiver: its attempts have not been failing (else one failure at the corrected URL would
 * disable the endpoint for the old URL's 3 days); the same URL sent again keeps the streak.
 */

interface Endpoint {
  enabled: boolean
  disabledReason: string | null
  failingSince: string | null
}

describe('PATCH enabled=true', () => {
  it('keeps the failure streak of an endpoint that was already enabled, and clears it when it enables one', async () => {
    const tenant = await createTenant()
    const { endpoint } = await endpointFor(tenant, ['ticket.*'])
    await ownerSql`update webhook_endpoints set failing_since = now() - interval '2 days' where id = ${endpoint.id}`
    const [row] = await ownerSql`select failing_since from webhook_endpoints where id = ${endpoint.id}`
    const since = new Date(row?.failing_since as string).toISOString()
    const patch = (body: Record<string, unknown>) =>
      call<Endpoint>(200, `/v1/webhook-endpoints/${endpoint.id}`, {
        method: 'PATCH',
        token: tenant.tokens.ADMIN,
        body,
      })

    expect(await patch({ enabled: true, description: 'edited' })).toMatchObject({
      enabled: true,
      failingSince: since,
    })

    await ownerSql`update webhook_endpoints set enabled = false, disabled_reason = 'FAILING' where id = ${endpoint.id}`
    expect(await patch({ enabled: true })).toMatchObject({
      enabled: true,
      disabledReason: null,
      failingSince: null,
    })
  })

  it('a new URL starts the streak afresh; the same URL sent again keeps it', async () => {
    const tenant = await createTenant()
    const { endpoint } = await endpointFor(tenant, ['ticket.*'])
    await ownerSql`update webhook_endpoints set failing_since = now() - interval '3 days' where id = ${endpoint.id}`
    const [row] = await ownerSql`select url, failing_since from webhook_endpoints where id = ${endpoint.id}`
    const since = new Date(row?.failing_since as string).toISOString()
    const patch = (body: Record<string, unknown>) =>
      call<Endpoint & { url: string }>(200, `/v1/webhook-endpoints/${endpoint.id}`, {
        method: 'PATCH',
        token: tenant.tokens.ADMIN,
        body,
      })

    expect(await patch({ url: row?.url, description: 'same receiver' })).toMatchObject({
      failingSince: since,
    })
    expect(await patch({ url: 'https://hooks.example.com/corrected' })).toMatchObject({
      url: 'https://hooks.example.com/corrected',
      enabled: true,
      failingSince: null,
    })
  })
})
