import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { MAX_OPERATION_JSON_BYTES } from '../../src/middleware/request-body'
import { openTicket } from '../messages/support'
import { api, asciiJson, json } from '../support/api'
import { createTenant } from '../support/tenants'

/*
 * GraphQL and MCP carry an operation's JSON body inside their own (variables, tool arguments), so each accepts the
 * largest JSON body any operation does (MAX_OPERATION_JSON_BYTES: a message's, any JSON spelling of 32 KiB of text):
 * a message valid over REST is valid through them, whatever the client's JSON encoder.
 */

// 29,000 bytes of UTF-8 (a valid message), 81 KB of ASCII-escaped JSON.
const text = 'Привет мир '.repeat(1450)

describe('GraphQL and MCP accept the largest JSON body an operation takes', () => {
  it('no operation declares a larger JSON body than MAX_OPERATION_JSON_BYTES', async () => {
    const document = await json<{
      paths: Record<string, Record<string, { requestBody?: { content: object; 'x-max-bytes'?: number } }>>
    }>(await api('/openapi.json'))
    // The operations' own bodies: not /graphql's, which is set to this limit.
    const jsonBodies = Object.entries(document.paths)
      .filter(([path]) => path !== '/graphql')
      .flatMap(([, operations]) => Object.values(operations))
      .map((operation) => operation.requestBody)
      .filter((body) => body !== undefined && 'application/json' in body.content)
    expect(jsonBodies.length).toBeGreaterThan(20)
    const largest = Math.max(...jsonBodies.map((body) => body?.['x-max-bytes'] ?? 64 * 1024))
    expect(largest).toBe(MAX_OPERATION_JSON_BYTES)
  })

  it('a message posted through GraphQL in ASCII-escaped JSON over 64 KiB', async () => {
    const t = await createTenant()
    const ticket = await openTicket(t)
    const body = asciiJson({
      query: `mutation ($ticketId: ID!, $input: CreateTicketMessageInput!) {
        createTicketMessage(ticketId: $ticketId, input: $input) { id body }
      }`,
      variables: { ticketId: ticket.id, input: { body: text } },
    })
    expect(body.length).toBeGreaterThan(64 * 1024)
    const response = await api('/graphql', { method: 'POST', token: t.tokens.CUSTOMER, body })
    expect(response.status, await response.clone().text()).toBe(200)
    const result = await json<{ data: { createTicketMessage: { body: string } } }>(response)
    expect(result.data.createTicketMessage.body).toBe(text)
    const tooLarge = await api('/graphql', {
      method: 'POST',
      token: t.tokens.CUSTOMER,
      body: asciiJson({ query: '{ __typename }', variables: { pad: 'x'.repeat(MAX_OPERATION_JSON_BYTES) } }),
    })
    expect(tooLarge.status).toBe(413)
  })

  it('a message posted through an MCP tool call in ASCII-escaped JSON over 64 KiB', async () => {
    const t = await createTenant()
    const ticket = await openTicket(t)
    const body = asciiJson({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'createTicketMessage', arguments: { ticketId: ticket.id, body: text } },
    })
    expect(body.length).toBeGreaterThan(64 * 1024)
    const response = await SELF.fetch('http://api.test/mcp', {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${t.tokens.AGENT}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'MCP-Protocol-Version': '2025-06-18',
      },
      body,
    })
    expect(response.status, await response.clone().text()).toBe(200)
    const result = (await response.json()) as {
      result: { isError?: boolean; structuredContent: { body: string } }
    }
    expect(result.result.isError ?? false).toBe(false)
    expect(result.result.structuredContent.body).toBe(text)
  })
})
