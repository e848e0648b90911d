import { describe, expect, it } from 'vitest'
import { api, json } from '../support/api'
import { neonLocalStats } from '../support/db'
import { createTenant } from '../support/tenants'
import { type MessagePage, openTicket, post } from './support'

/*
 * A chat client opens a conversation at its end and then asks "what came after the last message I show": `cursor`
 * also takes a message id of the ticket, a position as good as an opaque cursor (nextCursor is null at the end, as
 * every list's, so it cannot serve as that anchor).
 */

async function list(token: string, path: string, requestId = `poll-${crypto.randomUUID()}`) {
  const response = await api(path, { token, headers: { 'X-Request-Id': requestId } })
  expect(response.status, await response.clone().text()).toBe(200)
  return json<MessagePage>(response)
}

describe('cursor = a message id', () => {
  it('polls forward after the last message shown, and reads backward before one; one round trip', async () => {
    const t = await createTenant()
    const ticket = await openTicket(t)
    const path = `/v1/tickets/${ticket.id}/messages`
    const first = await post(t.tokens.CUSTOMER, ticket.id, { body: 'Hello' })
    const second = await post(t.tokens.REPRESENTATIVE, ticket.id, { body: 'Hi, how can I help?' })
    const third = await post(t.tokens.CUSTOMER, ticket.id, { body: 'My printer jams.' })

    const opened = await list(t.tokens.CUSTOMER, `${path}?direction=backward&limit=2`)
    expect(opened.data.map((m) => m.id)).toEqual([second.id, third.id])
    expect(opened.nextCursor).toBeNull()
    const last = opened.data.at(-1)?.id as string

    // Nothing new: no page ahead, but the conversation goes on behind the position (the cursor sent is its cursor).
    const quiet = await list(t.tokens.CUSTOMER, `${path}?cursor=${last}`)
    expect(quiet).toEqual({ data: [], nextCursor: null, previousCursor: last })
    const behind = await list(t.tokens.CUSTOMER, `${path}?direction=backward&cursor=${quiet.previousCursor}`)
    expect(behind.data.map((m) => m.id)).toEqual([first.id, second.id])
    // Backward from the first message: nothing that way; the conversation goes on after it.
    expect(await list(t.tokens.CUSTOMER, `${path}?direction=backward&cursor=${first.id}`)).toEqual({
      data: [],
      nextCursor: first.id,
      previousCursor: null,
    })

    const fourth = await post(t.tokens.REPRESENTATIVE, ticket.id, { body: 'Which model?' })
    await post(t.tokens.REPRESENTATIVE, ticket.id, { body: 'Checking its warranty', visibility: 'INTERNAL' })
    const fifth = await post(t.tokens.REPRESENTATIVE, ticket.id, { body: 'And since when?' })
    const requestId = `poll-${crypto.randomUUID()}`
    const news = await list(t.tokens.CUSTOMER, `${path}?cursor=${last.toUpperCase()}&limit=1`, requestId)
    expect(news.data.map((m) => m.id)).toEqual([fourth.id])
    expect(news.previousCursor).not.toBeNull()
    expect(await neonLocalStats(requestId)).toBe(1)
    const more = await list(
      t.tokens.CUSTOMER,
      `${path}?cursor=${encodeURIComponent(news.nextCursor as string)}`,
    )
    expect(more.data.map((m) => m.id)).toEqual([fifth.id])

    const before = await list(t.tokens.CUSTOMER, `${path}?direction=backward&cursor=${third.id}`)
    expect(before.data.map((m) => m.id)).toEqual([first.id, second.id])
    expect(before.nextCursor).not.toBeNull()
    expect(before.previousCursor).toBeNull()

    // An opaque cursor at the end (the last page's previousCursor, read forward): an empty page whose previousCursor
    // is that position.
    const atEnd = more.previousCursor as string
    expect(await list(t.tokens.CUSTOMER, `${path}?cursor=${encodeURIComponent(atEnd)}`)).toEqual({
      data: [],
      nextCursor: null,
      previousCursor: atEnd,
    })
    const past = await list(t.tokens.CUSTOMER, `${path}?cursor=${fifth.id}`)
    expect(past).toEqual({ data: [], nextCursor: null, previousCursor: fifth.id })
  })

  it('a message the caller cannot read, of another ticket or unknown, is 400 INVALID_CURSOR', async () => {
    const t = await createTenant()
    const ticket = await openTicket(t)
    const other = await openTicket(t)
    const note = await post(t.tokens.REPRESENTATIVE, ticket.id, { body: 'Internal', visibility: 'INTERNAL' })
    const elsewhere = await post(t.tokens.REPRESENTATIVE, other.id, { body: 'Other ticket' })
    const path = `/v1/tickets/${ticket.id}/messages`
    for (const [token, cursor] of [
      [t.tokens.CUSTOMER, note.id],
      [t.tokens.ADMIN, elsewhere.id],
      [t.tokens.ADMIN, crypto.randomUUID()],
    ] as const) {
      const response = await api(`${path}?cursor=${cursor}`, { token })
      expect(response.status, cursor).toBe(400)
      expect(await json(response)).toMatchObject({ code: 'INVALID_CURSOR' })
    }
    // Staff may anchor on the note, the ticket's only message: nothing either way but the note itself.
    expect(await list(t.tokens.ADMIN, `${path}?cursor=${note.id}`)).toEqual({
      data: [],
      nextCursor: null,
      previousCursor: null,
    })
  })
})
