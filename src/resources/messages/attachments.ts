/*
 * What an attachment may be (SPEC-surfaces "Messages"): an allow-listed media type whose content really is of that
 * type (signature or UTF-8 text), at most MAX_ATTACHMENT_BYTES, under a sanitized name, stored in the private R2
 * bucket under a tenant-prefixed key. Browsers never render one from our origin: downloads are `attachment`s, with
 * `nosniff` (secure headers) and no-store.
 */
import { MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_MESSAGE } from '../../db/schema'
import { errors } from '../../lib/errors'

export { MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_MESSAGE }

/** The media types an attachment may have: images, PDF, plain text and CSV. No HTML, SVG or scripts. */
export const attachmentContentTypes = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'text/csv',
] as const
export type AttachmentContentType = (typeof attachmentContentTypes)[number]

const ascii = (text: string) => Array.from(text, (char) => char.charCodeAt(0))
const startsWith = (bytes: Uint8Array, signature: number[], offset = 0) =>
  signature.every((byte, index) => bytes[offset + index] === byte)

/** Whether the content is of the declared type: the format's signature, or (text) valid UTF-8 without NUL. */
export function contentMatches(type: AttachmentContentType, bytes: Uint8Array): boolean {
  switch (type) {
    case 'image/png':
      return startsWith(bytes, [0x89, ...ascii('PNG\r\n\u001a\n')])
    case 'image/jpeg':
      return startsWith(bytes, [0xff, 0xd8, 0xff])
    case 'image/gif':
      return startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))
    case 'image/webp':
      return startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)
    case 'application/pdf':
      return startsWith(bytes, ascii('%PDF-'))
    case 'text/plain':
    case 'text/csv':
      return isUtf8Text(bytes)
  }
}

function isUtf8Text(bytes: Uint8Array): boolean {
  try {
    return !new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes).includes('\u0000')
  } catch {
    return false
  }
}

// Controls, format characters (zero-width, bidirectional marks, overrides and isolates, interlinear annotations, tag
// characters) and every other default-ignorable code point (fillers, variation selectors): a name must read as it
// is, and tag characters would spell hidden text to whoever reads the name as text (an AI agent).
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/gu
// Characters that are reserved or awkward in file names on common systems.
const RESERVED = /["*:<>?|]/g
const MAX_NAME_CHARACTERS = 255

/** The extensions of each type (lowercase): the first is given to a name that has none of them. */
const extensionsOf: Record<AttachmentContentType, readonly string[]> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg', 'jpe', 'jfif'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'text/plain': ['txt', 'text', 'log'],
  'text/csv': ['csv'],
}

/**
 * A safe display and download name from what the client sent: the last path segment only, no invisible or control
 * characters, no reserved characters, no leading dots, whitespace collapsed, at most 255 characters (the extension
 * kept); `attachment` when nothing is left. With the content type, the name ends in one of its extensions (one is
 * added otherwise): a file is saved and opened by its name, so `invoice.html` sent as text/plain would be a page
 * (or `update.bat` a script) once downloaded, whatever the type it was checked as.
 */
export function sanitizeFileName(raw: string, contentType?: AttachmentContentType): string {
  const name = cleanFileName(raw)
  if (!contentType) return name
  const extensions = extensionsOf[contentType]
  const dot = name.lastIndexOf('.')
  if (dot > 0 && extensions.includes(name.slice(dot + 1).toLowerCase())) return name
  const extension = `.${extensions[0]}`
  return (
    Array.from(name)
      .slice(0, MAX_NAME_CHARACTERS - extension.length)
      .join('') + extension
  )
}

function cleanFileName(raw: string): string {
  const lastSegment = raw.normalize('NFC').split(/[/\\]/).pop() ?? ''
  const cleaned = lastSegment
    .replace(INVISIBLE, '')
    .replace(RESERVED, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
    .trim()
  const characters = Array.from(cleaned)
  if (characters.length <= MAX_NAME_CHARACTERS) return cleaned || 'attachment'
  const dot = cleaned.lastIndexOf('.')
  const extension = dot > 0 ? Array.from(cleaned.slice(dot)).slice(0, 16).join('') : ''
  return characters.slice(0, MAX_NAME_CHARACTERS - Array.from(extension).length).join('') + extension
}

/**
 * The object's key: the tenant first, so a key can never name another tenant's object. Ids in lower case, as the
 * database writes them: a URL may spell a uuid in upper case, and the key is where `ticketId` is read back from.
 */
export function storageKeyOf(ids: {
  organizationId: string
  ticketId: string
  messageId: string
  attachmentId: string
}): string {
  return `${ids.organizationId}/tickets/${ids.ticketId}/messages/${ids.messageId}/${ids.attachmentId}`.toLowerCase()
}

/**
 * The ticket of an attachment, read from its key (storageKeyOf): the row names only its message. Lower case: keys
 * stored before 2026-12-07 kept the URL's spelling.
 */
export const ticketIdOfStorageKey = (storageKey: string): string =>
  (storageKey.split('/')[2] as string).toLowerCase()

/** `Content-Disposition: attachment` with an ASCII fallback name and the exact one (RFC 6266, RFC 8187). */
export function contentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  const exact = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes)
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('')
}

/** The attachments bucket (wrangler.toml r2_buckets); a deployment without it answers 503, never a crash. */
export function attachmentsBucket(env: { ATTACHMENTS?: R2Bucket | undefined }): R2Bucket {
  if (!env.ATTACHMENTS)
    throw errors.unavailable('Attachments are not configured (no ATTACHMENTS bucket).', 60)
  return env.ATTACHMENTS
}
