import { describe, expect, it } from 'vitest'
import { api, checkedFetch, json } from '../support/api'
import { createTenant } from '../support/tenants'
import { callOk, mcpClient } from './support'

/**
 * Files over MCP: an upload's body is the file, not JSON arguments, so it is REST only; reading an attachment is a
 * tool like any other, and its download answers the bytes as an embedded resource (base64).
 */
describe('attachments over MCP', () => {
  it('no upload tool; the download tool answers the file’s bytes, the metadata tool what REST answers', async () => {
    const tenant = await createTenant()
    const { client, close } = await mcpClient(tenant.tokens.AGENT)
    const names = (await client.listTools()).tools.map((tool) => tool.name)
    expect(names).not.toContain('createTicketMessageAttachment')
    expect(names).toEqual(
      expect.arrayContaining(['getTicketMessageAttachment', 'getTicketMessageAttachmentContent']),
    )

    const { body: ticket } = await callOk<{ id: string }>(client, 'createTicket', {
      customerId: tenant.customerId,
      subject: 'Broken screen',
      description: 'See the photo.',
    })
    const { body: message } = await callOk<{ id: string }>(client, 'createTicketMessage', {
      ticketId: ticket.id,
      body: 'Here is what the customer sent.',
    })
    const bytes = new Uint8Array(300)
    bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    for (let i = 8; i < bytes.length; i++) bytes[i] = (i * 31) % 256
    const uploaded = await checkedFetch(
      `http://api.test/v1/tickets/${ticket.id}/messages/${message.id}/attachments?fileName=photo.png`,
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${tenant.tokens.AGENT}`, 'Content-Type': 'image/png' },
        body: bytes,
      },
    )
    expect(uploaded.status, await uploaded.clone().text()).toBe(201)
    const attachment = await json<{ id: string }>(uploaded)
    const ids = { ticketId: ticket.id, messageId: message.id, attachmentId: attachment.id }

    const { body: metadata } = await callOk(client, 'getTicketMessageAttachment', ids)
    const path = `/v1/tickets/${ticket.id}/messages/${message.id}/attachments/${attachment.id}`
    expect(metadata).toEqual(await json(await api(path, { token: tenant.tokens.AGENT })))

    const download = await client.callTool({ name: 'getTicketMessageAttachmentContent', arguments: ids })
    expect(download.isError).toBeFalsy()
    expect(download._meta).toMatchObject({ status: 200 })
    const [content] = download.content as Array<{ type: string; resource?: Record<string, string> }>
    expect(content).toMatchObject({
      type: 'resource',
      resource: { uri: `http://api.test${path}/content`, mimeType: 'image/png' },
    })
    const blob = atob(content?.resource?.blob ?? '')
    expect(Uint8Array.from(blob, (character) => character.charCodeAt(0))).toEqual(bytes)
    await close()
  })
})
