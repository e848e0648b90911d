import { z } from '@hono/zod-openapi'
import { etagResponseHeader, idempotencyKeyHeaderSchema } from '../../lib/etag'
import { jsonContent, problemResponses } from '../../lib/openapi'
import { protectedRoute } from '../../lib/routes'
import { attachmentContentTypes, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_MESSAGE } from './attachments'
import { conversationUsers } from './messages.routes'
import {
  AttachmentParamsSchema,
  AttachmentSchema,
  MessageParamsSchema,
  UploadAttachmentQuerySchema,
} from './messages.schemas'

/** Each allow-listed media type, with the file's bytes as its content. */
const binaryContent = Object.fromEntries(
  attachmentContentTypes.map((type) => [type, { schema: z.string().openapi({ format: 'binary' }) }]),
)

const rules =
  `At most ${MAX_ATTACHMENTS_PER_MESSAGE} per message (409 ATTACHMENT_LIMIT_REACHED), ${MAX_ATTACHMENT_BYTES} bytes ` +
  `(10 MiB) each (413), of an allow-listed type — ${attachmentContentTypes.join(', ')} — sent as the ` +
  'Content-Type (415 otherwise) and matching the content (an image or PDF its signature, text valid UTF-8: 422 ' +
  'CONTENT_TYPE_MISMATCH). Stored in a private bucket; read only through this API, by whoever may read the message.'

export const uploadAttachment = protectedRoute(conversationUsers, {
  method: 'post',
  path: '/v1/tickets/{ticketId}/messages/{messageId}/attachments',
  tags: ['Messages'],
  summary: 'Attach a file to a message (the request body is the file)',
  description:
    `Only the message’s author attaches files to it, while the message is not redacted (409 MESSAGE_REDACTED) and ` +
    `its ticket not CLOSED (409 TICKET_CLOSED); the message’s version rises. ${rules}`,
  request: {
    params: MessageParamsSchema,
    query: UploadAttachmentQuerySchema,
    headers: idempotencyKeyHeaderSchema,
    body: { content: binaryContent, required: true, 'x-max-bytes': MAX_ATTACHMENT_BYTES },
  },
  responses: {
    201: { ...jsonContent(AttachmentSchema, 'The attachment (metadata).'), headers: etagResponseHeader },
    ...problemResponses(404, 409, 422),
  },
})

export const getAttachment = protectedRoute(conversationUsers, {
  method: 'get',
  path: '/v1/tickets/{ticketId}/messages/{messageId}/attachments/{attachmentId}',
  tags: ['Messages'],
  summary: 'Get an attachment’s metadata',
  request: { params: AttachmentParamsSchema },
  responses: {
    200: { ...jsonContent(AttachmentSchema, 'The attachment (metadata).'), headers: etagResponseHeader },
    ...problemResponses(404),
  },
})

export const downloadAttachment = protectedRoute(conversationUsers, {
  method: 'get',
  path: '/v1/tickets/{ticketId}/messages/{messageId}/attachments/{attachmentId}/content',
  tags: ['Messages'],
  summary: 'Download an attachment (streamed through the API)',
  description:
    'The file, with its stored media type, as a download (`Content-Disposition: attachment`, `nosniff`, ' +
    '`no-store`): never a public URL.',
  request: { params: AttachmentParamsSchema },
  responses: {
    200: {
      description: 'The file.',
      content: binaryContent,
      headers: {
        ...etagResponseHeader,
        'Content-Disposition': {
          description: 'Always `attachment`, with the sanitized file name (RFC 6266, RFC 8187).',
          schema: { type: 'string' },
        },
      },
    },
    ...problemResponses(404),
  },
})
