import { describe, expect, it } from 'vitest'
import { MAX_MESSAGE_BODY_BYTES } from '../../src/db/schema'
import { api, asciiJson, json } from '../support/api'
import { createTenant } from '../support/tenants'
import { type MessageBody, messageRows, openTicket } from './support'

describe('POST /v1/tickets/{ticketId}/messages: the body limit is the message’s, whatever the JSON encoding', () => {
  it('accepts a body within 32 KiB of UTF-8 sent as ASCII-escaped JSON (201, stored as sent)', async () => {
    const t = await createTenant()
    const ticket = await openTicket(t)
    // 29,000 bytes of UTF-8 (Cyrillic: 2 bytes a letter) — a valid message — is 81 KB of ASCII-escaped JSON.
    const text = 'Привет мир '.repeat(1450)
    expect(new TextEncoder().encode(text).byteLength).toBeLessThanOrEqual(MAX_MESSAGE_BODY_BYTES)
    const request = asciiJson({ body: text })
    expect(request.length).toBeGreaterThan(64 * 1024)
    const response = await api(`/v1/tickets/${ticket.id}/messages`, {
      method: 'POST',
      token: t.tokens.CUSTOMER,
      body: request,
    })
    expect(response.status, await response.clone().text()).toBe(201)
    expect((await json<MessageBody>(response)).body).toBe(text)
    const [row] = await messageRows(ticket.id)
    expect(row?.body).toBe(text)

    // An AI agent's longest answer, every character escaped, with its sources: accepted too.
    const emoji = '🙂'.repeat(MAX_MESSAGE_BODY_BYTES / 4)
    const sources = Array.from({ length: 20 }, (_, i) => ({
      title: `Статья ${i}`,
      url: `https://help.example/articles/${i}`,
    }))
    const agent = await api(`/v1/tickets/${ticket.id}/messages`, {
      method: 'POST',
      token: t.tokens.AGENT,
      body: asciiJson({ body: emoji, metadata: { confidence: 0.8, sources, model: 'm' } }),
    })
    expect(agent.status, await agent.clone().text()).toBe(201)

    // Over 32 KiB of UTF-8 stays a 422, however it is encoded.
    const over = await api(`/v1/tickets/${ticket.id}/messages`, {
      method: 'POST',
      token: t.tokens.CUSTOMER,
      body: asciiJson({ body: 'é'.repeat(MAX_MESSAGE_BODY_BYTES / 2 + 1) }),
    })
    expect(over.status).toBe(422)
    expect(await messageRows(ticket.id)).toHaveLength(2)
  })
})
