import { describe, expect, it } from 'vitest'
import redeliverSource from '../../src/resources/webhook-endpoints/webhook-endpoints.data.ts?raw'
import { call } from '../events/support'
import { api, json } from '../support/api'
import { ownerSql } from '../support/db'
import { createTenant } from '../support/tenants'
import { ticketEvent } from './support'

/*
 * Which endpoints an event goes to is ONE rule, the SQL function app_webhook_subscribes (migration webhook_subscription_rule): `*`, the
 * event's type, or its resource's wildcard (`ticket.*`). The fan-out trigger (a new event) and
 * POST /v1/events/{id}/redeliver both call it, so they cannot disagree.
 */

/** For a ticket.created event. `api: false`: a list the API refuses to save (422), but the rule still answers. */
const cases: Array<{ enabledEvents: string[]; subscribes: boolean; api?: false }> = [
  { enabledEvents: ['*'], subscribes: true },
  { enabledEvents: ['ticket.created'], subscribes: true },
  { enabledEvents: ['ticket.*'], subscribes: true },
  { enabledEvents: ['refund.approved', 'ticket.*'], subscribes: true },
  { enabledEvents: ['ticket.updated'], subscribes: false },
  { enabledEvents: ['refund.*'], subscribes: false },
  { enabledEvents: ['ticket'], subscribes: false, api: false },
  { enabledEvents: ['ticket.created.*'], subscribes: false, api: false },
  { enabledEvents: [], subscribes: false, api: false },
]

describe('the webhook subscription rule', () => {
  it('is app_webhook_subscribes: `*`, the type, or the resource wildcard', async () => {
    for (const { enabledEvents, subscribes } of cases) {
      const [row] = await ownerSql`select app_webhook_subscribes(${JSON.stringify(enabledEvents)}::jsonb,
        'ticket.created', 'ticket') as subscribes`
      expect(row?.subscribes, JSON.stringify(enabledEvents)).toBe(subscribes)
    }
  })

  it('decides the fan-out of a new event and a redelivery alike', async () => {
    const tenant = await createTenant()
    const endpoints = []
    for (const { enabledEvents, subscribes } of cases.filter((rule) => rule.api !== false)) {
      const endpoint = await call<{ id: string }>(201, '/v1/webhook-endpoints', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        // A receiver that is never reached in this test: only which deliveries exist matters.
        body: { url: 'https://hooks.example.com/rule', enabledEvents, enabled: true },
      })
      endpoints.push({ id: endpoint.id, subscribes })
    }
    const expected = endpoints.filter((endpoint) => endpoint.subscribes).map((endpoint) => endpoint.id)
    const { eventId } = await ticketEvent(tenant, 'Rule')
    const fannedOut = await ownerSql`select endpoint_id from webhook_deliveries where event_id = ${eventId}`
    expect(fannedOut.map((row) => row.endpoint_id).sort()).toEqual([...expected].sort())

    const response = await api(`/v1/events/${eventId}/redeliver`, {
      method: 'POST',
      token: tenant.tokens.ADMIN,
    })
    expect(response.status, await response.clone().text()).toBe(202)
    const redelivered = await json<{ data: Array<{ endpointId: string }> }>(response)
    expect(redelivered.data.map((delivery) => delivery.endpointId).sort()).toEqual([...expected].sort())
    // Each endpoint the rule refuses is refused by name as well.
    const refused = endpoints.find((endpoint) => !endpoint.subscribes)
    const named = await api(`/v1/events/${eventId}/redeliver`, {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { endpointId: refused?.id },
    })
    expect(named.status).toBe(409)
    expect((await json<{ code: string }>(named)).code).toBe('ENDPOINT_NOT_SUBSCRIBED')
  })

  it('is written nowhere else: the deployed fan-out trigger and the redeliver statements call the function', async () => {
    const [trigger] = await ownerSql`select prosrc from pg_proc where proname = 'app_fan_out_event'`
    expect(trigger?.prosrc).toContain('app_webhook_subscribes(')
    expect(trigger?.prosrc).not.toMatch(/enabled_events\s*\?/)
    expect(redeliverSource).toContain('app_webhook_subscribes(')
    expect(redeliverSource).not.toMatch(/enabled_events\s*\?/)
  })
})
