import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { ApiError, errors } from '../lib/errors'

/** Every request body of this API is at most this long (docs/api.md §5), unless its route declares otherwise. */
export const MAX_BODY_BYTES = 64 * 1024

/**
 * The largest JSON body an operation takes (a message's: any JSON spelling of its 32 KiB of text, messages.routes.ts).
 * GraphQL and MCP carry an operation's body inside their own (variables, tool arguments), so they accept this much;
 * the operation's own limits still apply to what it is given. test/system/projected-body-limit.test.ts fails when an
 * operation declares more, or when none reaches it any more.
 */
export const MAX_OPERATION_JSON_BYTES = 256 * 1024

/** What a route's body may be (its `request.body` in the OpenAPI route definition). */
export interface BodyDeclaration {
  /** The declared media types, e.g. `['application/json']`. */
  mediaTypes: readonly string[]
  /** False when the client may omit the body. */
  required: boolean
  /** The most bytes it may have, when not MAX_BODY_BYTES: a file upload's (the body's `x-max-bytes`). */
  maxBytes?: number | undefined
}

const tooLarge = (maxBytes: number) =>
  errors.payloadTooLarge(`Request bodies are limited to ${maxBytes} bytes.`)

/**
 * The one place a request body is read from the network, on the routes that declare one (lib/routes.ts puts it
 * after authentication and the permission check, so an anonymous or unauthorized caller never makes the Worker
 * read a byte): the media type first (415, naming the one to send, before reading), then at most MAX_BODY_BYTES
 * (413; by Content-Length without reading when it says so, else counted while reading). A body stream that fails
 * before its end — the client went away mid-upload — is the client's doing: 400 REQUEST_BODY_INCOMPLETE, not a
 * logged 500. The bytes read replace the stream, so the input checks, the idempotency fingerprint and the schema
 * validator all read the same buffer. A JSON body must be UTF-8 (RFC 8259 §8.1), whatever charset it declares: the
 * parsers would turn other bytes into U+FFFD and store that, so it is 400 here. Routes without a body never read one
 * (whatever is sent is ignored).
 */
export const requestBody = (declaration: BodyDeclaration) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const contentType = c.req.header('Content-Type')
    if (contentType !== undefined && !declaration.mediaTypes.some((type) => accepts(type, contentType))) {
      throw errors.unsupportedMediaType(declaration.mediaTypes)
    }
    const maxBytes = declaration.maxBytes ?? MAX_BODY_BYTES
    const declaredLength = c.req.header('Content-Length')
    if (declaredLength !== undefined && Number(declaredLength) > maxBytes) throw tooLarge(maxBytes)
    const bytes = await readAtMost(c.req.raw.body, maxBytes)
    // No Content-Type: acceptable only for an optional body that is really absent.
    if (contentType === undefined && (declaration.required || bytes.byteLength > 0)) {
      throw errors.unsupportedMediaType(declaration.mediaTypes)
    }
    if (contentType !== undefined && accepts('application/json', contentType) && !isUtf8(bytes)) {
      throw errors.badRequest('MALFORMED_REQUEST', 'The request body is not UTF-8, as JSON must be.')
    }
    c.req.raw = new Request(c.req.raw, { body: bytes })
    await next()
  })

/** A media type's essence (RFC 9110 §8.3.1): the type without parameters, lowercase. */
export const mediaTypeOf = (contentType: string | undefined) =>
  contentType?.split(';')[0]?.trim().toLowerCase()

/** Media types match by essence; `application/json` also takes `…+json`. */
function accepts(declared: string, contentType: string): boolean {
  const essence = mediaTypeOf(contentType) ?? ''
  if (essence === declared) return true
  return declared === 'application/json' && /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(essence)
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

function isUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes)
    return true
  } catch {
    return false
  }
}

async function readAtMost(stream: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0)
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) throw tooLarge(maxBytes)
      chunks.push(value)
    }
  } catch (error) {
    reader.cancel().catch(() => {})
    if (error instanceof ApiError) throw error
    throw new ApiError(
      400,
      'REQUEST_BODY_INCOMPLETE',
      'Bad Request',
      'The request body ended before it was complete (the connection was closed or reset); send it again.',
      { cause: error },
    )
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}
