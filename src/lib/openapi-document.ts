import type { OpenAPIHono } from '@hono/zod-openapi'
import { z } from '@hono/zod-openapi'
import type { Handler } from 'hono'
import type { AppEnv } from '../env'
import { responseHeaderComponents } from './openapi'
import { RATE_LIMITS } from './rate-limits'
import { mountRoute, publicRoute } from './routes'

const rateLimitTable = Object.entries(RATE_LIMITS)
  .map(
    ([plan, { caller, tenant }]) =>
      `| ${plan} | ${caller.limit} / ${caller.period} s | ${tenant.limit} / ${tenant.period} s |`,
  )
  .join('\n')

/**
 * The document's top level: info (with the license), and `servers`: the origin that serves the document, so
 * `/docs` and generated clients talk to the deployment they were read from.
 */
export function openApiDocumentConfig(origin: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Organization API',
      version: '0.1.0',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
      description: [
        'Multi-tenant backend of an AI-first customer-support platform. Errors are RFC 9457 problem+json.',
        '## Rate limits',
        'Every request with a bearer token counts against two limits of the organization’s plan: one for the ' +
          'caller (the token’s subject) and one for the whole organization. Past either, the answer is 429 ' +
          'problem+json (`RATE_LIMITED`) with `Retry-After`; every response of a rate-limited operation states ' +
          'the policies in `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers). The limits are counted ' +
          'per Cloudflare location and are approximate: they protect the service, they are no billing quota.',
        `| plan | per caller | per organization |\n|---|---|---|\n${rateLimitTable}`,
      ].join('\n\n'),
    },
    servers: [{ url: origin, description: 'The deployment serving this document.' }],
  }
}

const documentRequestHeaders = z.object({
  'if-none-match': z.string().optional().openapi({
    description: 'The ETag of a copy the client holds: 304 (no body) when it is still the current document.',
  }),
})

const documentEtagHeader = {
  ETag: {
    description: 'Strong validator of the document’s bytes (a SHA-256 digest), for If-None-Match.',
    required: true,
    schema: { type: 'string' as const, examples: ['"3q2-7bWxJcDkzvVGK4Zl2g"'] },
  },
}

/** How many origins' serializations an isolate keeps (one per hostname it is reached by, normally one or two). */
const MAX_CACHED_ORIGINS = 8

/** A serialized document and its strong ETag. */
interface ServedDocument {
  body: string
  etag: string
}

async function served(document: unknown): Promise<ServedDocument> {
  const body = JSON.stringify(document)
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body))
  const tag = btoa(String.fromCharCode(...new Uint8Array(digest).slice(0, 16)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '')
  return { body, etag: `"${tag}"` }
}

/** RFC 9110 §13.1.2: `*`, or any listed tag equal to ours under the weak comparison (`W/` ignored). */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  return header.split(',').some((candidate) => {
    const tag = candidate.trim()
    return tag === '*' || tag.replace(/^W\//, '') === etag
  })
}

/**
 * `GET /openapi.json`. Generating the document walks every route's schemas (≈14 ms of CPU), so an isolate does it
 * once, on the first request that asks (not at startup); each origin it is reached by gets the same document with
 * its own `servers`, serialized and hashed once. The ETag is strong (a digest of the exact bytes), so
 * `If-None-Match` with it answers 304.
 */
export function openApiDocumentHandler(app: OpenAPIHono<AppEnv>): Handler<AppEnv> {
  let document: object | undefined
  const byOrigin = new Map<string, Promise<ServedDocument>>()
  return async (c) => {
    const origin = new URL(c.req.url).origin
    let entry = byOrigin.get(origin)
    if (!entry) {
      document ??= { ...app.getOpenAPI31Document(openApiDocumentConfig(origin)) }
      if (byOrigin.size >= MAX_CACHED_ORIGINS) byOrigin.clear()
      entry = served({ ...document, servers: openApiDocumentConfig(origin).servers })
      byOrigin.set(origin, entry)
    }
    const { body, etag } = await entry
    c.header('ETag', etag)
    c.header('Cache-Control', 'no-cache')
    if (noneMatch(c.req.header('If-None-Match'), etag)) return c.body(null, 304)
    return c.body(body, 200, { 'Content-Type': 'application/json' })
  }
}

/**
 * `GET /openapi.json` and `GET /docs` in the document itself: public, like `/health`; and the response headers
 * every route references (`components/headers`, lib/openapi.ts).
 */
export function registerDocumentRoutes(
  app: OpenAPIHono<AppEnv>,
  handlers: { document: Handler<AppEnv>; docs: Handler<AppEnv> },
): void {
  for (const [name, header] of Object.entries(responseHeaderComponents)) {
    app.openAPIRegistry.registerComponent('headers', name, header)
  }
  mountRoute(
    app,
    publicRoute({
      method: 'get',
      path: '/openapi.json',
      tags: ['System'],
      summary: 'This OpenAPI 3.1 document',
      description:
        'Built once per server instance and served with a strong `ETag`; send it back in `If-None-Match` to get ' +
        '304 while the document is unchanged. `Cache-Control: no-cache`: caches may keep it, and revalidate.',
      request: { headers: documentRequestHeaders },
      responses: {
        200: {
          description: 'The OpenAPI document of this API.',
          headers: documentEtagHeader,
          content: { 'application/json': { schema: z.object({}).passthrough() } },
        },
        304: {
          description: 'If-None-Match named the current ETag: the document is unchanged (no body).',
          headers: documentEtagHeader,
        },
      },
    }),
    handlers.document,
  )
  mountRoute(
    app,
    publicRoute({
      method: 'get',
      path: '/docs',
      tags: ['System'],
      summary: 'Interactive reference documentation (HTML)',
      responses: {
        200: {
          description:
            'An HTML page rendering this document with a script served from this origin (no CDN), and a link to ' +
            '`/openapi.json` for browsers that cannot run it.',
          content: { 'text/html': { schema: z.string() } },
        },
        503: {
          description:
            'The reference UI’s files are missing from this deployment: an HTML page linking `/openapi.json`.',
          content: { 'text/html': { schema: z.string() } },
        },
      },
    }),
    handlers.docs,
  )
}
