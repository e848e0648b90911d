import { messages } from '../../db/schema'
import { errors } from '../../lib/errors'
import { etagOf, ifMatchVersions } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { authorized } from '../../middleware/authorize'
import { attachmentsBucket } from './attachments'
import * as data from './messages.data'
import * as routes from './messages.routes'
import { toMessage } from './messages.schemas'

export const messagesRouter = createRouter()
  .openapi(routes.listMessages, async (c) => {
    const { db, principal } = authorized(c)
    const page = await data.listMessages(db, c.req.valid('param').ticketId, c.req.valid('query'))
    return c.json({ ...page, data: page.data.map((row) => toMessage(row, principal)) }, 200)
  })
  .openapi(routes.getMessage, async (c) => {
    const { db, principal } = authorized(c)
    const { ticketId, messageId } = c.req.valid('param')
    const message = await data.getMessage(db, ticketId, messageId)
    return c.json(toMessage(message, principal), 200, { ETag: etagOf(message) })
  })
  .openapi(routes.createMessage, async (c) => {
    const input = c.req.valid('json')
    const { db, principal } = authorized(c)
    const author = data.authorOf(principal)
    if (author.type === 'CUSTOMER' && input.visibility === 'INTERNAL') {
      throw errors.forbidden('FORBIDDEN_FIELD', 'A customer may post PUBLIC messages only.')
    }
    if (author.type !== 'AGENT' && input.metadata) {
      throw errors.forbidden('FORBIDDEN_FIELD', 'Only an AI agent’s messages carry metadata.')
    }
    const { ticketId } = c.req.valid('param')
    const id = db.expectCreated(messages, `/v1/tickets/${ticketId}/messages`)
    const message = await data.createMessage(db, ticketId, input, { author, id })
    return c.json(toMessage(message, principal), 201, {
      ETag: etagOf(message),
      Location: `/v1/tickets/${ticketId}/messages/${message.id}`,
    })
  })
  .openapi(routes.redactMessage, async (c) => {
    const { db, principal } = authorized(c)
    const { ticketId, messageId } = c.req.valid('param')
    db.expectChanged(messages, `/v1/tickets/${ticketId}/messages/${messageId}`, messageId)
    const { message, storageKeys } = await data.redactMessage(db, ticketId, messageId, {
      redactorId: principal.subject,
      ownMessagesOnly: principal.role !== 'ADMIN',
      versions: ifMatchVersions(c.req.valid('header')['if-match']),
    })
    // The attachments' rows went with the redaction; their objects go after the commit.
    if (storageKeys.length > 0) c.executionCtx.waitUntil(attachmentsBucket(c.env).delete(storageKeys))
    return c.json(toMessage(message, principal), 200, { ETag: etagOf(message) })
  })
