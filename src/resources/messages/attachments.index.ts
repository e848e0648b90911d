import { messageAttachments } from '../../db/schema'
import { ApiError, errors } from '../../lib/errors'
import { etagOf } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { authorized } from '../../middleware/authorize'
import { mediaTypeOf } from '../../middleware/request-body'
import {
  type AttachmentContentType,
  attachmentContentTypes,
  attachmentsBucket,
  contentDisposition,
  contentMatches,
  sanitizeFileName,
  sha256Hex,
  storageKeyOf,
} from './attachments'
import * as data from './attachments.data'
import * as routes from './attachments.routes'
import { toAttachment } from './messages.schemas'

/** The declared media type (the request body middleware already refused any other: 415). */
function contentTypeOf(header: string | undefined): AttachmentContentType {
  const essence = mediaTypeOf(header)
  const type = attachmentContentTypes.find((candidate) => candidate === essence)
  if (!type) throw errors.unsupportedMediaType(attachmentContentTypes)
  return type
}

export const attachmentsRouter = createRouter()
  .openapi(routes.uploadAttachment, async (c) => {
    const { db, principal } = authorized(c)
    const { ticketId, messageId } = c.req.valid('param')
    const contentType = contentTypeOf(c.req.header('Content-Type'))
    const bytes = new Uint8Array(await c.req.arrayBuffer())
    if (bytes.byteLength === 0) throw errors.validation([{ path: '(body)', message: 'The file is empty.' }])
    if (!contentMatches(contentType, bytes)) {
      throw new ApiError(
        422,
        'CONTENT_TYPE_MISMATCH',
        'Unprocessable Content',
        `The content is not ${contentType}.`,
      )
    }
    // Nothing is stored for a caller who may not attach to this message (one read round trip).
    await data.checkUpload(db, ticketId, messageId, principal.subject)
    const id = db.expectCreated(
      messageAttachments,
      `/v1/tickets/${ticketId}/messages/${messageId}/attachments`,
    )
    const object = {
      id,
      fileName: sanitizeFileName(c.req.valid('query').fileName, contentType),
      contentType,
      sizeBytes: bytes.byteLength,
      sha256: await sha256Hex(bytes),
      storageKey: storageKeyOf({ organizationId: db.organizationId, ticketId, messageId, attachmentId: id }),
    }
    await attachmentsBucket(c.env).put(object.storageKey, bytes, {
      httpMetadata: { contentType },
      sha256: object.sha256,
    })
    try {
      const attachment = await data.insertAttachment(db, ticketId, messageId, {
        authorId: principal.subject,
        object,
      })
      return c.json(toAttachment(attachment), 201, {
        ETag: etagOf(attachment),
        Location: `/v1/tickets/${ticketId}/messages/${messageId}/attachments/${attachment.id}`,
      })
    } catch (error) {
      // Refused (or failed) after the object was stored: it belongs to no message, so it goes.
      c.executionCtx.waitUntil(attachmentsBucket(c.env).delete(object.storageKey))
      throw error
    }
  })
  .openapi(routes.getAttachment, async (c) => {
    const attachment = await data.getAttachment(authorized(c).db, c.req.valid('param'))
    return c.json(toAttachment(attachment), 200, { ETag: etagOf(attachment) })
  })
  .openapi(routes.downloadAttachment, async (c) => {
    const attachment = await data.getAttachment(authorized(c).db, c.req.valid('param'))
    const object = await attachmentsBucket(c.env).get(attachment.storageKey)
    if (!object) throw errors.notFound('The attachment’s content is gone.')
    return c.body(object.body, 200, {
      'Content-Type': attachment.contentType,
      'Content-Length': String(attachment.sizeBytes),
      'Content-Disposition': contentDisposition(attachment.fileName),
      ETag: etagOf(attachment),
    }) as never
  })
