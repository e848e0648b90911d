import { and, eq, inArray } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { ticketSearchTerms } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { openTicket, post } from './support'

describe(`redactions under concurrency (${inject('databaseBackend')})`, () => {
  it('two messages with the same word redacted at once: the word leaves the search index', async () => {
    const t = await createTenant()
    const tickets = await Promise.all(Array.from({ length: 8 }, () => openTicket(t)))
    const pairs = []
    for (const ticket of tickets) {
      const first = await post(t.tokens.ADMIN, ticket.id, { body: 'my password is xylograph' })
      const second = await post(t.tokens.ADMIN, ticket.id, { body: 'again: xylograph' })
      pairs.push([ticket.id, first.id, second.id] as const)
    }
    const responses = await Promise.all(
      pairs.flatMap(([ticketId, ...messageIds]) =>
        messageIds.map((messageId) =>
          api(`/v1/tickets/${ticketId}/messages/${messageId}/redact`, {
            method: 'POST',
            token: t.tokens.ADMIN,
          }),
        ),
      ),
    )
    expect(responses.map((response) => response.status)).toEqual(Array(16).fill(200))

    const left = await ownerDb
      .select({ ticketId: ticketSearchTerms.ticketId, documents: ticketSearchTerms.documents })
      .from(ticketSearchTerms)
      .where(
        and(
          inArray(
            ticketSearchTerms.ticketId,
            tickets.map((ticket) => ticket.id),
          ),
          eq(ticketSearchTerms.lexeme, 'xylograph'),
        ),
      )
    expect(left).toEqual([])
    const search = await api('/v1/tickets?q=xylograph', { token: t.tokens.ADMIN })
    expect(search.status).toBe(200)
    expect((await json<{ data: unknown[] }>(search)).data).toEqual([])
  })
})
