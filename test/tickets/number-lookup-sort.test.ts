import { describe, expect, it } from 'vitest'
import { openTicket } from '../messages/support'
import { api, json } from '../support/api'
import { createTenant } from '../support/tenants'

/*
 * A search box sends what the user typed as `q`, with `sort=relevance` (the sort of a search). When the text is a
 * ticket number, `q` looks that ticket up (README, "Search"): the sort has one ticket to order, and must not turn
 * the lookup into a 400 that says `q` is missing.
 */
describe('GET /v1/tickets?q=TICKET-n&sort=relevance (a number typed in a search box)', () => {
  it('looks the ticket up, over REST and with expand', async () => {
    const t = await createTenant()
    const ticket = await openTicket(t)
    await openTicket(t)
    const rest = await api(`/v1/tickets?q=${ticket.ticketNumber}&sort=relevance`, { token: t.tokens.ADMIN })
    expect(rest.status, await rest.clone().text()).toBe(200)
    expect((await json<{ data: Array<{ id: string }> }>(rest)).data.map((row) => row.id)).toEqual([ticket.id])

    const expanded = await api(
      `/v1/tickets?q=${ticket.ticketNumber.toLowerCase()}&sort=relevance&expand=customer`,
      { token: t.tokens.REPRESENTATIVE },
    )
    expect(expanded.status, await expanded.clone().text()).toBe(200)
    expect((await json<{ data: Array<{ id: string }> }>(expanded)).data.map((row) => row.id)).toEqual([
      ticket.id,
    ])

    // Without a text to rank, `sort=relevance` is still refused.
    expect((await api('/v1/tickets?sort=relevance', { token: t.tokens.ADMIN })).status).toBe(400)
  })
})
