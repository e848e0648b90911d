import { MAX_MESSAGE_BODY_BYTES, messageAttachments, messages, tickets } from '../../db/schema'
import { actionHeadersSchema, etagResponseHeader, idempotencyKeyHeaderSchema } from '../../lib/etag'
import { jsonBody, jsonContent, problemResponses } from '../../lib/openapi'
import { protectedRoute } from '../../lib/routes'
import type { Permission } from '../../middleware/authorize'
import { MAX_BODY_BYTES } from '../../middleware/request-body'
import { customerAttachments, customerMessages } from './messages.data'
import {
  CreateMessageSchema,
  ListMessagesQuerySchema,
  MessagePageSchema,
  MessageParamsSchema,
  MessageSchema,
  TicketMessagesParamsSchema,
} from './messages.schemas'

/** A CUSTOMER: its own tickets, and of their messages the PUBLIC ones (the database's policies say the same). */
const customerOwnsConversation = {
  CUSTOMER: {
    description: 'only the PUBLIC messages of tickets whose customer is the caller',
    rules: [
      { table: tickets, key: 'customerId' },
      { table: messages, rows: customerMessages },
      { table: messageAttachments, rows: customerAttachments },
    ],
  },
}

/** docs/conversations.md §1: everyone of the organization reads and posts, a CUSTOMER on its own tickets. */
export const conversationUsers: Permission = {
  roles: ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'],
  ownership: customerOwnsConversation,
}
/** Redaction: an ADMIN any message, a REPRESENTATIVE its own (checked by the write itself). */
const redactors: Permission = { roles: ['ADMIN', 'REPRESENTATIVE'] }

/**
 * The request-body limit of a message: any valid message in any valid JSON encoding. The body's limit is 32 KiB of
 * UTF-8, and JSON may spell each of those bytes in up to 6 (`\u00XX` for a control character; ASCII-escaped text,
 * as Python's `json.dumps` writes by default: 6 bytes for a 2-byte letter, 12 for a 4-byte emoji), so the usual 64 KiB
 * would refuse valid messages (413); the rest of a message (metadata) keeps the usual 64 KiB.
 */
const MAX_MESSAGE_REQUEST_BYTES = 6 * MAX_MESSAGE_BODY_BYTES + MAX_BODY_BYTES

const lifecycle =
  'Ticket effects, in the same transaction as the message: every message raises the ticket’s `version` and ' +
  '`updatedAt`; the first PUBLIC message by a REPRESENTATIVE or an AGENT sets `firstResponseAt`, ' +
  '`firstResponseByType` (REPRESENTATIVE: a person, AGENT: an AI agent) and `firstResponseById`; a CUSTOMER’s ' +
  'message moves a RESOLVED ticket to OPEN (no longer resolved) and a WAITING_ON_CUSTOMER ticket to IN_PROGRESS. ' +
  'A CLOSED ticket takes no message: 409 TICKET_CLOSED (open a new ticket).'

export const listMessages = protectedRoute(conversationUsers, {
  method: 'get',
  path: '/v1/tickets/{ticketId}/messages',
  tags: ['Messages'],
  summary: 'List a ticket’s messages, oldest first (cursors both ways, visibility filter)',
  description:
    'Pages read forward from the oldest message (or after `cursor`) or backward from the newest (or before ' +
    '`cursor`); every page is oldest first, with `nextCursor` toward newer and `previousCursor` toward older ' +
    'messages. A CUSTOMER reads the PUBLIC messages of its own tickets only; INTERNAL notes never reach it.',
  request: { params: TicketMessagesParamsSchema, query: ListMessagesQuerySchema },
  responses: {
    200: jsonContent(MessagePageSchema, 'A page of the conversation.'),
    ...problemResponses(404),
  },
})

export const createMessage = protectedRoute(conversationUsers, {
  method: 'post',
  path: '/v1/tickets/{ticketId}/messages',
  tags: ['Messages'],
  summary: 'Post a reply or an internal note on a ticket',
  description:
    'The author is the caller: a CUSTOMER (PUBLIC messages on its own tickets only), a person of the team ' +
    '(REPRESENTATIVE, admins included) or an AI agent (AGENT: the agent configuration; only it may send ' +
    `\`metadata\`). INTERNAL notes are for staff. ${lifecycle}`,
  request: {
    params: TicketMessagesParamsSchema,
    headers: idempotencyKeyHeaderSchema,
    body: { ...jsonBody(CreateMessageSchema), 'x-max-bytes': MAX_MESSAGE_REQUEST_BYTES },
  },
  responses: {
    201: { ...jsonContent(MessageSchema, 'The message.'), headers: etagResponseHeader },
    ...problemResponses(404, 409, 422),
  },
})

export const getMessage = protectedRoute(conversationUsers, {
  method: 'get',
  path: '/v1/tickets/{ticketId}/messages/{messageId}',
  tags: ['Messages'],
  summary: 'Get a message',
  request: { params: MessageParamsSchema },
  responses: {
    200: { ...jsonContent(MessageSchema, 'The message.'), headers: etagResponseHeader },
    ...problemResponses(404),
  },
})

export const redactMessage = protectedRoute(redactors, {
  method: 'post',
  path: '/v1/tickets/{ticketId}/messages/{messageId}/redact',
  tags: ['Messages'],
  summary: 'Redact a message: its body (sources, attachments) go, the fact, who and when stay',
  description:
    'A REPRESENTATIVE redacts its own messages (403 otherwise), an ADMIN any. An AI message’s metadata loses its ' +
    'sources (they can quote or link the body) and keeps its model and confidence. A redacted message no longer ' +
    'matches a search. 409 ALREADY_REDACTED when it is. Allowed on a CLOSED ticket (removing data always is).',
  request: { params: MessageParamsSchema, headers: actionHeadersSchema },
  responses: {
    200: { ...jsonContent(MessageSchema, 'The redacted message.'), headers: etagResponseHeader },
    ...problemResponses(404, 409, 412),
  },
})
