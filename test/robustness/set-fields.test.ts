import { describe, expect, it } from 'vitest'
import { api, json } from '../support/api'
import { createTenant } from '../support/tenants'

/*
 * Fields that are sets (a ticket's tags, a representative's skills and languages, an endpoint's enabled events)
 * keep each value once: a duplicate in the request is dropped, in the order first given.
 */
describe('set-like arrays', () => {
  it('store each value once: tags, skills, languages (case-insensitive) and enabled events', async () => {
    const t = await createTenant()
    const ticket = await api('/v1/tickets', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: { customerId: t.customerId, subject: 'Sets', description: 'd', tags: ['vip', 'billing', 'vip'] },
    })
    expect(ticket.status).toBe(201)
    expect(await json(ticket)).toMatchObject({ tags: ['vip', 'billing'] })

    const representative = await api(`/v1/representatives/${t.representativeId}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { skills: ['refunds', 'refunds'], languages: ['EN', 'en', 'pt-BR'] },
    })
    expect(representative.status, await representative.clone().text()).toBe(200)
    expect(await json(representative)).toMatchObject({ skills: ['refunds'], languages: ['en', 'pt-br'] })

    const endpoint = await api('/v1/webhook-endpoints', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: {
        url: 'https://hooks.example.com/sets',
        enabledEvents: ['ticket.created', 'ticket.created', 'refund.*'],
      },
    })
    expect(endpoint.status, await endpoint.clone().text()).toBe(201)
    expect(await json(endpoint)).toMatchObject({ enabledEvents: ['ticket.created', 'refund.*'] })
  })
})
