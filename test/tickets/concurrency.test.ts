import { describe, expect, inject, it } from 'vitest'
import { api, json } from '../support/api'
import { createTenant } from '../support/tenants'

describe('ticket numbers under concurrency', () => {
  it(`50 concurrent creations in one organization get 50 distinct, consecutive numbers (${inject('databaseBackend')})`, async () => {
    const tenant = await createTenant()
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api('/v1/tickets', {
          method: 'POST',
          token: tenant.tokens.AGENT,
          body: { customerId: tenant.customerId, subject: `Concurrent ${i}`, description: 'load' },
        }),
      ),
    )
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201))
    const numbers = await Promise.all(
      responses.map(async (r) => (await json<{ ticketNumber: string }>(r)).ticketNumber),
    )
    const sequence = numbers.map((n) => Number(n.replace('TICKET-', ''))).sort((x, y) => x - y)
    expect(sequence).toEqual(Array.from({ length: 50 }, (_, i) => 1001 + i))
  })
})
