import { and, eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { ticketSearchTerms } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { type MessageBody, messageRows, openTicket, ticketRow } from './support'

describe(`messages under concurrency (${inject('databaseBackend')})`, () => {
  it('40 simultaneous posts on one ticket: all stored in commit order, one version each, one first response, exact search counts', async () => {
    const t = await createTenant()
    const ticket = await openTicket(t, { subject: 'Outage', description: 'Everything is down' })
    const before = await ticketRow(ticket.id)
    const authors = [t.tokens.CUSTOMER, t.tokens.REPRESENTATIVE, t.tokens.AGENT, t.tokens.ADMIN]
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        api(`/v1/tickets/${ticket.id}/messages`, {
          method: 'POST',
          token: authors[i % authors.length] as string,
          body: {
            body: `simultaneous update ${i}`,
            visibility: i % 8 === 5 ? 'INTERNAL' : 'PUBLIC',
          },
        }),
      ),
    )
    expect(responses.map((response) => response.status)).toEqual(Array(40).fill(201))
    const posted = await Promise.all(responses.map((response) => json<MessageBody>(response)))

    const rows = await messageRows(ticket.id)
    expect(rows).toHaveLength(40)
    // Each message took the ticket's lock in turn: 40 versions, and creation times strictly increasing.
    const after = await ticketRow(ticket.id)
    expect(after.version).toBe(before.version + 40)
    const times = rows.map((row) => row.createdAt.getTime())
    expect(new Set(times).size).toBe(40)
    expect([...times].sort((x, y) => x - y)).toEqual(times)
    // The first response is the earliest PUBLIC message of staff or an agent, credited once.
    const firstReply = rows.find((row) => row.visibility === 'PUBLIC' && row.authorType !== 'CUSTOMER')
    expect(after.firstResponseByType).toBe(firstReply?.authorType)
    expect(after.firstResponseById).toBe(firstReply?.authorUserId ?? firstReply?.authorAgentId)
    expect(posted.map((message) => message.id).sort()).toEqual(rows.map((row) => row.id).sort())

    // The index counts every text exactly: "simultan" (stemmed) in each public and each internal message.
    const terms = await ownerDb
      .select()
      .from(ticketSearchTerms)
      .where(and(eq(ticketSearchTerms.ticketId, ticket.id), eq(ticketSearchTerms.lexeme, 'simultan')))
    const internalCount = rows.filter((row) => row.visibility === 'INTERNAL').length
    expect(
      terms
        .map(({ internal, documents }) => ({ internal, documents }))
        .sort((a, b) => Number(a.internal) - Number(b.internal)),
    ).toEqual([
      { internal: false, documents: 40 - internalCount },
      { internal: true, documents: internalCount },
    ])
  })
})
