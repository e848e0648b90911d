import { z } from '@hono/zod-openapi'
import {
  MAX_MESSAGE_BODY_BYTES,
  type Message,
  messageAuthorTypeValues,
  messageFormatValues,
  messageVisibilityValues,
} from '../../db/schema'
import { pageSizeQuery } from '../../lib/pagination'
import { represent, staffRoles, type Viewer, visibleTo } from '../../lib/representation'
import { idParams, isoTimestamp } from '../../lib/schemas'
import { ticketIdOfStorageKey } from './attachments'

const visibility = z.enum(messageVisibilityValues)
const format = z.enum(messageFormatValues)

const utf8Bytes = (text: string) => new TextEncoder().encode(text).byteLength

const body = z
  .string()
  .refine((text) => text.trim().length > 0, { message: 'The body must not be blank.' })
  .refine((text) => utf8Bytes(text) <= MAX_MESSAGE_BODY_BYTES, {
    message: `At most ${MAX_MESSAGE_BODY_BYTES} bytes (UTF-8).`,
  })
  .openapi({ description: `The text, at most ${MAX_MESSAGE_BODY_BYTES} bytes in UTF-8 (32 KiB).` })

const source = z.strictObject({
  title: z.string().trim().min(1).max(300),
  url: z.url({ protocol: /^https?$/ }).max(2048),
})

/** What an AI agent says about its message (docs/conversations.md §2). */
export const MessageMetadataInputSchema = z
  .strictObject({
    confidence: z.number().min(0).max(1).optional().openapi({ description: 'The agent’s confidence, 0–1.' }),
    sources: z.array(source).max(20).optional().openapi({ description: 'What the answer rests on (≤ 20).' }),
    model: z.string().trim().min(1).max(200).optional(),
  })
  .openapi('MessageMetadataInput')

export const CreateMessageSchema = z
  .strictObject({
    body,
    visibility: visibility.default('PUBLIC').openapi({
      description: 'PUBLIC (the default): the customer sees it. INTERNAL: a note for staff only.',
    }),
    format: format.default('TEXT'),
    metadata: MessageMetadataInputSchema.optional().openapi({
      description: 'Only an AI agent’s messages carry it (403 FORBIDDEN_FIELD from anyone else).',
    }),
  })
  .openapi('CreateMessage')

export const AttachmentSchema = z
  .object({
    id: z.uuid(),
    messageId: z.uuid(),
    ticketId: z.uuid().openapi({
      description:
        'With `messageId`, where it is read: `GET /v1/tickets/{ticketId}/messages/{messageId}/attachments/{id}`.',
    }),
    fileName: z.string().nullable().openapi({
      description:
        'Null only in the events of a redacted message’s attachment (the redaction deletes the file).',
    }),
    contentType: z.string(),
    sizeBytes: z.number().int(),
    sha256: z
      .string()
      .nullable()
      .openapi({ description: 'Hex SHA-256 of the content; null as `fileName` is.' }),
    createdAt: isoTimestamp,
  })
  .openapi('Attachment')

export const MessageSchema = z
  .object({
    id: z.uuid(),
    ticketId: z.uuid(),
    authorType: z.enum(messageAuthorTypeValues).openapi({
      description:
        'CUSTOMER (the ticket’s customer), REPRESENTATIVE (a person of the team, admins included), AGENT (an AI ' +
        'agent), SYSTEM.',
    }),
    authorId: z.uuid().nullable().openapi({
      description:
        'The author’s user id (CUSTOMER, REPRESENTATIVE) or agent configuration id (AGENT); null for SYSTEM.',
    }),
    visibility,
    format,
    body: z.string().nullable().openapi({ description: 'Null once the message is redacted.' }),
    metadata: z
      .object({
        confidence: visibleTo(staffRoles, z.number(), 'The agent’s confidence, 0–1.'),
        sources: z.array(z.object({ title: z.string(), url: z.string() })).optional(),
        model: z.string().optional(),
      })
      .nullable()
      .openapi({
        description:
          'An AI agent’s message: its sources (removed by a redaction) and model (and, for staff, its confidence).',
      }),
    attachments: z.array(AttachmentSchema),
    redactedAt: isoTimestamp
      .nullable()
      .openapi({ description: 'When the body was removed (null: not redacted).' }),
    redactedById: visibleTo(staffRoles, z.uuid().nullable(), 'The user who redacted it.'),
    version: z.number().int(),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  })
  .openapi('Message')

export const MessagePageSchema = z
  .object({
    data: z.array(MessageSchema),
    nextCursor: z.string().nullable().openapi({
      description: 'Continues toward newer messages (`direction=forward`); null when there are none now.',
    }),
    previousCursor: z.string().nullable().openapi({
      description: 'Continues toward older messages (`direction=backward`); null when there are none.',
    }),
  })
  .openapi('MessagePage')

export const ListMessagesQuerySchema = z.object({
  limit: pageSizeQuery,
  cursor: z
    .string()
    .max(1024)
    .optional()
    .openapi({
      description:
        'A `nextCursor` (with `direction=forward`) or `previousCursor` (with `direction=backward`), or the id of a ' +
        'message of the ticket the caller may read: the messages after it (or before it, backward). A chat client ' +
        'polls with the last message it shows, since `nextCursor` is null at the end.',
    }),
  direction: z
    .enum(['forward', 'backward'])
    .default('forward')
    .openapi({
      description:
        '`forward` (the default): the messages after the cursor, or the oldest without one. `backward`: the ' +
        'messages before the cursor, or the newest without one. Every page is oldest first.',
    }),
  visibility: visibility.optional().openapi({
    description: 'Only PUBLIC replies or only INTERNAL notes (a CUSTOMER never gets INTERNAL ones).',
  }),
})

export const TicketMessagesParamsSchema = idParams('ticketId')
export const MessageParamsSchema = idParams('ticketId').extend(idParams('messageId').shape)

export type CreateMessageInput = z.output<typeof CreateMessageSchema>
export type ListMessagesQuery = z.output<typeof ListMessagesQuerySchema>

/** A message row as read, with its attachments (messages.data.ts). */
export type MessageRow = Message & { attachments: Array<z.output<typeof AttachmentSchema>> }

/** The reader's representation: what its role may see of the message (MessageSchema). */
export function toMessage(row: MessageRow, viewer: Viewer): z.output<typeof MessageSchema> {
  return represent(
    MessageSchema,
    { ...row, authorId: row.authorUserId ?? row.authorAgentId, redactedById: row.redactedByUserId },
    viewer,
  )
}

export const AttachmentParamsSchema = MessageParamsSchema.extend(idParams('attachmentId').shape)

export const UploadAttachmentQuerySchema = z.object({
  fileName: z
    .string()
    .min(1)
    .max(1024)
    .openapi({
      description:
        'The file’s name. Stored sanitized: the last path segment, without control, invisible or reserved ' +
        'characters or leading dots, at most 255 characters, ending in an extension of the Content-Type (one is ' +
        'added otherwise: `invoice.html` sent as text/plain is stored as `invoice.html.txt`).',
      example: 'receipt.pdf',
    }),
})

/** The representation of an attachment (metadata; the content is read at `…/content`). */
export function toAttachment(row: {
  id: string
  messageId: string
  storageKey: string
  fileName: string | null
  contentType: string
  sizeBytes: number
  sha256: string | null
  createdAt: Date
}): z.output<typeof AttachmentSchema> {
  return {
    id: row.id,
    messageId: row.messageId,
    ticketId: ticketIdOfStorageKey(row.storageKey),
    fileName: row.fileName,
    contentType: row.contentType,
    sizeBytes: row.sizeBytes,
    sha256: row.sha256,
    createdAt: row.createdAt.toISOString(),
  }
}
