import { describe, expect, it } from 'vitest'
import { api, json } from '../support/api'
import { createTenant } from '../support/tenants'
import type { RefundBody } from './support'

/*
 * A uuid is the same id in either case (RFC 9562 §4: input is case-insensitive); the API accepts upper case
 * wherever it takes an id, and Postgres compares uuids by value. Requesting or evaluating a refund must not refuse
 * a customer's own id or a ticket of the customer because of how the client spelled them (Swift's
 * `UUID.uuidString`, for one, is upper case).
 */
describe('refund requests with upper-case ids', () => {
  it('a ticket of the customer is accepted whatever the case of customerId (request and dry run)', async () => {
    const t = await createTenant()
    const ticket = await json<{ id: string }>(
      await api('/v1/tickets', {
        method: 'POST',
        token: t.tokens.CUSTOMER,
        body: { subject: 'Broken', description: 'It arrived broken.' },
      }),
    )
    const body = {
      customerId: t.customerId.toUpperCase(),
      ticketId: ticket.id.toUpperCase(),
      amount: '5.00',
      currency: 'USD',
      reason: 'DEFECTIVE_PRODUCT',
    }
    const created = await api('/v1/refunds', { method: 'POST', token: t.tokens.AGENT, body })
    expect(created.status, await created.clone().text()).toBe(201)
    expect(await json<RefundBody>(created)).toMatchObject({ ticketId: ticket.id })
    const evaluated = await api('/v1/decision-rules/evaluate', {
      method: 'POST',
      token: t.tokens.REPRESENTATIVE,
      body,
    })
    expect(evaluated.status, await evaluated.clone().text()).toBe(200)
  })

  it('a CUSTOMER naming itself in upper case requests for itself (another customer is still 403)', async () => {
    const t = await createTenant()
    const own = await api('/v1/refunds', {
      method: 'POST',
      token: t.tokens.CUSTOMER,
      body: { customerId: t.customerId.toUpperCase(), amount: '5.00', currency: 'USD', reason: 'OTHER' },
    })
    expect(own.status, await own.clone().text()).toBe(201)
    expect(await json<{ customerId: string }>(own)).toMatchObject({ customerId: t.customerId })
    const other = await api('/v1/refunds', {
      method: 'POST',
      token: t.tokens.CUSTOMER,
      body: { customerId: t.otherCustomerId.toUpperCase(), amount: '5.00', currency: 'USD', reason: 'OTHER' },
    })
    expect(other.status).toBe(403)
  })
})

describe('ticket creation with an upper-case id', () => {
  it('a CUSTOMER naming itself in upper case opens its own ticket (another customer is still 403)', async () => {
    const t = await createTenant()
    const own = await api('/v1/tickets', {
      method: 'POST',
      token: t.tokens.CUSTOMER,
      body: { customerId: t.customerId.toUpperCase(), subject: 'Broken', description: 'It arrived broken.' },
    })
    expect(own.status, await own.clone().text()).toBe(201)
    expect(await json<{ customerId: string }>(own)).toMatchObject({ customerId: t.customerId })
    const other = await api('/v1/tickets', {
      method: 'POST',
      token: t.tokens.CUSTOMER,
      body: {
        customerId: t.otherCustomerId.toUpperCase(),
        subject: 'Broken',
        description: 'It arrived broken.',
      },
    })
    expect(other.status).toBe(403)
  })
})
