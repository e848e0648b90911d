import { eq, type SQL, sql } from 'drizzle-orm'
import type { PgInsertSelectQueryBuilder } from 'drizzle-orm/pg-core'
import { foundOr404 } from '../../db/crud'
import {
  type MessageAttachment,
  messageAttachments,
  messages,
  type TicketStatus,
  tickets,
} from '../../db/schema'
import type { TenantDb } from '../../db/tenant'
import { type ApiError, errors } from '../../lib/errors'
import { MAX_ATTACHMENTS_PER_MESSAGE } from './attachments'
import { inTableOrder } from './messages.data'

/*
 * Attachments of a message. An upload is two round trips around the object store: the first reads whether the
 * caller may attach to the message at all (so no byte is stored for a refused caller; it also answers a replayed
 * Idempotency-Key), the object is put, then one batch locks the ticket (shared: a close waits for it) and the
 * message, inserts the attachment only while the message still takes one (its author, not redacted, ticket not
 * CLOSED, fewer than the limit: counted after the lock, so concurrent uploads never pass it), raises the message's
 * version, and reads the state to explain a refusal. Reading an attachment is one round trip (then the object store).
 */

interface UploadState {
  authorId: string | null
  redacted: boolean
  ticketStatus: TicketStatus
  attachments: number
}

const onMessage = (ticketId: string, messageId: string) => [
  eq(messages.ticketId, ticketId),
  eq(messages.id, messageId),
]

// Subqueries about the outer message row, named in the text (`messages.id`): in a select list drizzle writes the
// columns of a single-table query unqualified, which a subquery would take for its own.
const attachmentCount = sql<number>`(select count(*)::int from ${messageAttachments} a
  where a.organization_id = messages.organization_id and a.message_id = messages.id)`
const ticketStatus = sql<TicketStatus>`(select t.status from ${tickets} t
  where t.organization_id = messages.organization_id and t.id = messages.ticket_id)`

function uploadState(db: TenantDb, ticketId: string, messageId: string) {
  return db.selectFields(
    messages,
    {
      authorId: sql<string | null>`coalesce(${messages.authorUserId}, ${messages.authorAgentId})`,
      redacted: sql<boolean>`${messages.redactedAt} is not null`,
      ticketStatus,
      attachments: attachmentCount,
    },
    ...onMessage(ticketId, messageId),
  )
}

/** Why the caller may not attach a file to the message now (undefined: it may). */
function uploadRefusal(state: UploadState | undefined, authorId: string): ApiError | undefined {
  if (!state) return errors.notFound('No such message.')
  if (state.authorId !== authorId)
    return errors.forbidden('FORBIDDEN', 'Only the author of a message attaches files to it.')
  if (state.redacted) return errors.conflict('MESSAGE_REDACTED', 'A redacted message takes no attachment.')
  if (state.ticketStatus === 'CLOSED')
    return errors.conflict('TICKET_CLOSED', 'A closed ticket takes no attachment: open a new ticket.')
  if (state.attachments >= MAX_ATTACHMENTS_PER_MESSAGE) {
    return errors.conflict(
      'ATTACHMENT_LIMIT_REACHED',
      `A message carries at most ${MAX_ATTACHMENTS_PER_MESSAGE} attachments.`,
    )
  }
  return undefined
}

/** Round trip 1 of an upload (a read: it never claims the Idempotency-Key, but answers a replay of it). */
export async function checkUpload(db: TenantDb, ticketId: string, messageId: string, authorId: string) {
  const [[state]] = (await db.read(uploadState(db, ticketId, messageId))) as [UploadState[]]
  const refusal = uploadRefusal(state, authorId)
  if (refusal) throw refusal
}

export interface StoredObject {
  id: string
  fileName: string
  contentType: string
  sizeBytes: number
  sha256: string
  storageKey: string
}

/** Round trip 2 of an upload: the attachment's row, only while the message takes one (see above). */
export async function insertAttachment(
  db: TenantDb,
  ticketId: string,
  messageId: string,
  options: { authorId: string; object: StoredObject },
): Promise<MessageAttachment> {
  const { authorId, object } = options
  const which = onMessage(ticketId, messageId)
  const takesOne: SQL[] = [
    sql`coalesce(${messages.authorUserId}, ${messages.authorAgentId}) = ${authorId}`,
    sql`${messages.redactedAt} is null`,
    sql`${ticketStatus} <> 'CLOSED'`,
  ]
  const values = inTableOrder(messageAttachments, {
    id: sql`${object.id}::uuid`,
    organizationId: sql`${messages.organizationId}`,
    messageId: sql`${messages.id}`,
    fileName: sql`${object.fileName}::text`,
    contentType: sql`${object.contentType}::text`,
    sizeBytes: sql`${object.sizeBytes}::int`,
    sha256: sql`${object.sha256}::text`,
    storageKey: sql`${object.storageKey}::text`,
    version: sql`1`,
    createdAt: sql`clock_timestamp()`,
    updatedAt: sql`clock_timestamp()`,
  })
  const [, , [inserted], , [state]] = (await db.run(
    // The ticket's, shared: a close waits for the upload, or the upload reads the ticket as closed (never both).
    db.selectFields(tickets, { id: tickets.id }, eq(tickets.id, ticketId)).for('share'),
    // The message's lock: concurrent uploads to it count one after the other (each statement below reads anew).
    db.selectFields(messages, { id: messages.id }, ...which, ...takesOne).for('update'),
    db
      .insertFrom(
        messageAttachments,
        db.selectFields(
          messages,
          values,
          ...which,
          ...takesOne,
          sql`${attachmentCount} < ${MAX_ATTACHMENTS_PER_MESSAGE}`,
        ) as unknown as PgInsertSelectQueryBuilder<typeof messageAttachments>,
      )
      .returning(),
    // The message changed (its attachments are part of it): a new version, only when the attachment was added.
    db.update(
      messages,
      {},
      ...which,
      sql`exists (select 1 from ${messageAttachments} a where a.organization_id = ${messages.organizationId}
        and a.id = ${object.id})`,
    ),
    uploadState(db, ticketId, messageId),
  )) as unknown as [unknown[], unknown[], MessageAttachment[], unknown, UploadState[]]
  if (!inserted) {
    throw (
      uploadRefusal(state, authorId) ??
      errors.conflict('CONCURRENT_UPDATE', 'The message changed concurrently; read it again and retry.')
    )
  }
  return inserted
}

/** An attachment of a message of a ticket, as the caller may read it (a CUSTOMER: the route's ownership rule). */
export async function getAttachment(
  db: TenantDb,
  ids: { ticketId: string; messageId: string; attachmentId: string },
): Promise<MessageAttachment> {
  const [rows] = await db.run(
    db.select(
      messageAttachments,
      eq(messageAttachments.id, ids.attachmentId),
      eq(messageAttachments.messageId, ids.messageId),
      sql`exists (select 1 from ${messages} where ${messages.organizationId} = ${messageAttachments.organizationId}
        and ${messages.id} = ${messageAttachments.messageId} and ${messages.ticketId} = ${ids.ticketId})`,
    ),
  )
  return foundOr404(rows as MessageAttachment[], 'attachment')
}
