import { describe, expect, inject, it } from 'vitest'
import type { PrincipalRole } from '../../src/auth/principal'
import { principalRoles } from '../../src/auth/principal'
import { eventObjects, ownedObjectTypes, readableObjectTypes } from '../../src/resources/events/event-objects'
import { type MessageBody, openTicket, post } from '../messages/support'
import { api, checkedFetch, json } from '../support/api'
import { neonLocalStats, ownerSql, untilEventFeedSettled } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { endpointFor, received, waitFor } from '../webhooks/support'
import { call, storedEvents } from './support'

/*
 * Attachments have events of their own (migration 0074_attachment_events_trigger): the upload records
 * `attachment.created`, the redaction of its message (which deletes the message's attachments) `attachment.deleted`,
 * by the same trigger function as every other event, in the change's transaction. Who reads them is derived from the
 * attachment GET's permission, which is the message GET's: an INTERNAL note's file reaches exactly who reads the note.
 * A redaction clears the file name and digest from every stored attachment event of the message, as it clears the
 * message's body from the message's own events.
 */

interface Attachment {
  id: string
  fileName: string | null
  contentType: string
  sizeBytes: number
  sha256: string | null
  createdAt: string
}
interface EventBody {
  id: string
  type: string
  objectType: string
  objectId: string
  actor: { type: string; id: string | null; role: string | null }
  requestId: string | null
  idempotencyKey: string | null
  data: { object: Record<string, unknown>; previousAttributes: Record<string, unknown> | null }
}

/** A small valid PNG: its signature, then bytes. */
function png(seed = 7): Uint8Array {
  const bytes = new Uint8Array(64)
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  for (let i = 8; i < bytes.length; i++) bytes[i] = (i * seed) % 256
  return bytes
}

async function upload(
  token: string,
  messagePath: string,
  fileName: string,
  headers: Record<string, string> = {},
  bytes = png(),
): Promise<Attachment> {
  const response = await checkedFetch(
    `http://api.test${messagePath}/attachments?fileName=${encodeURIComponent(fileName)}`,
    {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/png', ...headers },
      body: bytes,
    },
  )
  expect(response.status, await response.clone().text()).toBe(201)
  return json<Attachment>(response)
}

const feed = (tenant: TestTenant, query: string, role: keyof TestTenant['tokens'] = 'ADMIN') =>
  call<{ data: EventBody[] }>(200, `/v1/events${query}`, { token: tenant.tokens[role] })

const pathOf = (ticketId: string, message: MessageBody) => `/v1/tickets/${ticketId}/messages/${message.id}`

describe(`attachment events (${inject('databaseBackend')})`, () => {
  it('an upload records attachment.created with the request’s actor, ids and key, in its own round trips', async () => {
    const t = await createTenant()
    const ticket = await openTicket(t)
    const reply = await post(t.tokens.CUSTOMER, ticket.id, { body: 'See the screenshot' })
    const requestId = `upload-${crypto.randomUUID()}`
    const key = `key-${crypto.randomUUID()}`
    const attachment = await upload(t.tokens.CUSTOMER, pathOf(ticket.id, reply), 'order 5521.png', {
      'X-Request-Id': requestId,
      'Idempotency-Key': key,
    })
    // No round trip more than an upload costs (the check, then the write): the event is the write's trigger.
    expect(await neonLocalStats(requestId)).toBe(2)

    const [event, ...others] = await storedEvents(t.organizationId, attachment.id)
    expect(others).toEqual([])
    expect(event).toMatchObject({
      type: 'attachment.created',
      object_type: 'attachment',
      object_id: attachment.id,
      previous: null,
      actor_type: 'USER',
      actor_role: 'CUSTOMER',
      actor_id: t.customerId,
      request_id: requestId,
      idempotency_key: key,
    })
    expect(event?.object).toMatchObject({
      id: attachment.id,
      message_id: reply.id,
      file_name: 'order 5521.png',
      sha256: attachment.sha256,
    })
    // The message's new version (its attachments changed) is still no message event of its own.
    expect((await storedEvents(t.organizationId, reply.id)).map((e) => e.type)).toEqual(['message.created'])
    // A replay of the key answers the first upload and records nothing more.
    const replay = await upload(t.tokens.CUSTOMER, pathOf(ticket.id, reply), 'order 5521.png', {
      'Idempotency-Key': key,
    })
    expect(replay).toEqual(attachment)
    expect(await storedEvents(t.organizationId, attachment.id)).toHaveLength(1)

    // The feed's object is the attachment as its own GET returns it.
    const got = await call<Attachment>(200, `${pathOf(ticket.id, reply)}/attachments/${attachment.id}`, {
      token: t.tokens.ADMIN,
    })
    expect(got).toEqual(attachment)
    const page = await feed(t, `?objectId=${attachment.id}`)
    expect(page.data).toMatchObject([
      {
        type: 'attachment.created',
        objectType: 'attachment',
        objectId: attachment.id,
        actor: { type: 'USER', id: t.customerId, role: 'CUSTOMER' },
        requestId,
        idempotencyKey: key,
        data: { previousAttributes: null },
      },
    ])
    expect(page.data[0]?.data.object).toEqual(got)
    // The event says where the file is: its message and ticket, so a consumer can read it (GET …/attachments/{id}).
    expect(got).toMatchObject({ messageId: reply.id, ticketId: ticket.id })
    const message = await call<MessageBody & { attachments: Attachment[] }>(200, pathOf(ticket.id, reply), {
      token: t.tokens.ADMIN,
    })
    expect(message.attachments).toEqual([got])
    // Filters by type and object type, as every other type.
    expect((await feed(t, '?type=attachment.created')).data.map((e) => e.objectId)).toEqual([attachment.id])
    expect((await feed(t, '?type=attachment.*')).data.map((e) => e.objectId)).toEqual([attachment.id])
    expect((await feed(t, '?type=message.*')).data.map((e) => e.type)).toEqual(['message.created'])
  })

  it('a change of the row made outside the API (an operator’s SQL) is attachment.updated, as SYSTEM', async () => {
    const t = await createTenant()
    const ticket = await openTicket(t)
    const reply = await post(t.tokens.CUSTOMER, ticket.id, { body: 'Here' })
    const attachment = await upload(t.tokens.CUSTOMER, pathOf(ticket.id, reply), 'scan.png')
    await ownerSql`update message_attachments set file_name = 'renamed.png', version = version + 1
      where id = ${attachment.id}`
    const events = await storedEvents(t.organizationId, attachment.id)
    expect(events.map((e) => [e.type, e.actor_type, e.previous])).toEqual([
      ['attachment.created', 'USER', null],
      ['attachment.updated', 'SYSTEM', { file_name: 'scan.png' }],
    ])
    await untilEventFeedSettled()
    const page = await feed(t, `?objectId=${attachment.id}&sort=createdAt`)
    expect(page.data[1]?.data).toEqual({
      object: { ...attachment, fileName: 'renamed.png' },
      previousAttributes: { fileName: 'scan.png' },
    })
  })

  it('who reads them is who reads the message: the attachment GET’s permission is the message GET’s', () => {
    expect(eventObjects.attachment.readRoute['x-permission']).toEqual(
      eventObjects.message.readRoute['x-permission'],
    )
    for (const role of principalRoles as readonly PrincipalRole[]) {
      expect(readableObjectTypes(role).includes('attachment'), role).toBe(
        readableObjectTypes(role).includes('message'),
      )
      expect(
        ownedObjectTypes(role).filter(({ type }) => type === 'attachment' || type === 'message'),
      ).toEqual([])
    }
  })

  it('an INTERNAL note’s file reaches the roles that read the note (ADMIN, REPRESENTATIVE, AGENT), never a CUSTOMER', async () => {
    const t = await createTenant()
    const ticket = await openTicket(t)
    const note = await post(t.tokens.REPRESENTATIVE, ticket.id, {
      body: 'Internal log',
      visibility: 'INTERNAL',
    })
    const attachment = await upload(t.tokens.REPRESENTATIVE, pathOf(ticket.id, note), 'internal-log.png')
    const [event] = await storedEvents(t.organizationId, attachment.id)
    for (const role of ['ADMIN', 'REPRESENTATIVE', 'AGENT'] as const) {
      // Each role that reads the note's own event reads its file's, in the attachment GET's representation.
      const noteEvents = await feed(t, `?objectId=${note.id}`, role)
      expect(
        noteEvents.data.map((e) => e.type),
        role,
      ).toEqual(['message.created'])
      await call(200, `${pathOf(ticket.id, note)}/attachments/${attachment.id}`, { token: t.tokens[role] })
      const page = await feed(t, `?objectId=${attachment.id}`, role)
      expect(
        page.data.map((e) => [e.type, e.data.object]),
        role,
      ).toEqual([['attachment.created', attachment]])
      const one = await call<EventBody>(200, `/v1/events/${event?.id}`, { token: t.tokens[role] })
      expect(one.data.object, role).toEqual(attachment)
    }
    // A CUSTOMER reads neither the note, nor its file, nor any event of them.
    await call(404, pathOf(ticket.id, note), { token: t.tokens.CUSTOMER })
    await call(404, `${pathOf(ticket.id, note)}/attachments/${attachment.id}`, { token: t.tokens.CUSTOMER })
    await call(403, `/v1/events?objectId=${attachment.id}`, { token: t.tokens.CUSTOMER })
    await call(403, `/v1/events/${event?.id}`, { token: t.tokens.CUSTOMER })
  })

  it('a redaction records attachment.deleted per file and leaves no event holding a file name or digest', async () => {
    const t = await createTenant()
    const ticket = await openTicket(t)
    const reply = await post(t.tokens.CUSTOMER, ticket.id, { body: 'My passport' })
    const path = pathOf(ticket.id, reply)
    const passport = await upload(t.tokens.CUSTOMER, path, 'passport-X1234567.png', {}, png(7))
    const visa = await upload(t.tokens.CUSTOMER, path, 'visa-X1234567.png', {}, png(11))
    // Another message's file, not redacted: untouched.
    const other = await post(t.tokens.CUSTOMER, ticket.id, { body: 'And my receipt' })
    const receipt = await upload(
      t.tokens.CUSTOMER,
      pathOf(ticket.id, other),
      'receipt-X1234567.png',
      {},
      png(13),
    )

    const requestId = `redact-${crypto.randomUUID()}`
    const response = await api(`${path}/redact`, {
      method: 'POST',
      token: t.tokens.ADMIN,
      headers: { 'X-Request-Id': requestId },
    })
    expect(response.status, await response.clone().text()).toBe(200)
    expect((await json<MessageBody>(response)).attachments).toEqual([])
    expect(await neonLocalStats(requestId)).toBe(1)

    // Each file's history: created by its author, deleted by the redaction (same request, same actor).
    for (const attachment of [passport, visa]) {
      const events = await storedEvents(t.organizationId, attachment.id)
      expect(events.map((e) => [e.type, e.actor_role, e.actor_id, e.request_id === requestId])).toEqual([
        ['attachment.created', 'CUSTOMER', t.customerId, false],
        ['attachment.deleted', 'ADMIN', t.adminId, true],
      ])
      // Stored scrubbed: no name or digest, the rest kept (id, message, type, size).
      for (const event of events) {
        expect(event.object).toMatchObject({
          id: attachment.id,
          message_id: reply.id,
          file_name: null,
          sha256: null,
          content_type: 'image/png',
          size_bytes: 64,
        })
      }
    }
    // No event row of the tenant holds a redacted name or digest, in its object or previous values.
    const holding = await ownerSql`select type from events where organization_id = ${t.organizationId}
      and (object::text like '%passport-X1234567%' or object::text like '%visa-X1234567%'
        or object::text like ${`%${passport.sha256}%`} or object::text like ${`%${visa.sha256}%`}
        or coalesce(previous::text, '') ~ ${`passport-X1234567|visa-X1234567|${passport.sha256}|${visa.sha256}`})`
    expect(holding).toEqual([])
    // The other message's file keeps its name.
    expect((await storedEvents(t.organizationId, receipt.id))[0]?.object).toMatchObject({
      file_name: 'receipt-X1234567.png',
      sha256: receipt.sha256,
    })

    // The feed shows both events of each file without the name or digest.
    await untilEventFeedSettled()
    const page = await feed(t, `?type=attachment.*&sort=createdAt`)
    expect(page.data.map((e) => [e.type, e.objectId, e.data.object.fileName, e.data.object.sha256])).toEqual([
      ['attachment.created', passport.id, null, null],
      ['attachment.created', visa.id, null, null],
      ['attachment.created', receipt.id, 'receipt-X1234567.png', receipt.sha256],
      ['attachment.deleted', passport.id, null, null],
      ['attachment.deleted', visa.id, null, null],
    ])
    expect(page.data[3]?.data.object).toEqual({ ...passport, fileName: null, sha256: null })
  })

  it('webhooks deliver attachment events to the endpoints subscribed to them; once redacted, scrubbed', async () => {
    const t = await createTenant()
    const files = await endpointFor(t, ['attachment.*'])
    const created = await endpointFor(t, ['attachment.created'])
    const messagesOnly = await endpointFor(t, ['message.*'])
    const ticket = await openTicket(t)
    const reply = await post(t.tokens.CUSTOMER, ticket.id, { body: 'Photo' })
    const attachment = await upload(t.tokens.CUSTOMER, pathOf(ticket.id, reply), 'photo-of-card.png')
    const [first] = await waitFor(
      () => received(files.name),
      (list) => list.length > 0,
    )
    const createdPayload = JSON.parse(first?.body as string) as EventBody
    expect(createdPayload).toMatchObject({ type: 'attachment.created', objectId: attachment.id })
    expect(createdPayload.data.object).toEqual(attachment)
    // The other subscriber's first delivery too, so the redelivery below is the second one it receives.
    await waitFor(
      () => received(created.name),
      (list) => list.length > 0,
    )

    await call(200, `${pathOf(ticket.id, reply)}/redact`, { method: 'POST', token: t.tokens.ADMIN })
    const deliveries = async (endpointId: string) =>
      (
        await ownerSql`select e.type from webhook_deliveries d join events e on e.id = d.event_id
        where d.endpoint_id = ${endpointId} order by e.ordinal`
      ).map((row) => row.type as string)
    expect(await deliveries(files.endpoint.id)).toEqual(['attachment.created', 'attachment.deleted'])
    expect(await deliveries(created.endpoint.id)).toEqual(['attachment.created'])
    expect(await deliveries(messagesOnly.endpoint.id)).toEqual(['message.created', 'message.redacted'])
    const [, deleted] = await waitFor(
      () => received(files.name),
      (list) => list.length > 1,
    )
    const deletedPayload = JSON.parse(deleted?.body as string) as EventBody
    expect(deletedPayload).toMatchObject({ type: 'attachment.deleted', objectId: attachment.id })
    expect(deletedPayload.data.object).toEqual({ ...attachment, fileName: null, sha256: null })
    // A payload is built from the stored event when sent: the created event, sent again, no longer names the file.
    await call(202, `/v1/events/${createdPayload.id}/redeliver`, { method: 'POST', token: t.tokens.ADMIN })
    const [, again] = await waitFor(
      () => received(created.name),
      (list) => list.length > 1,
    )
    expect(again?.headers['webhook-id']).toBe(createdPayload.id)
    expect(again?.body).not.toContain('photo-of-card')
    expect((JSON.parse(again?.body as string) as EventBody).data.object).toEqual({
      ...attachment,
      fileName: null,
      sha256: null,
    })
  })
})
