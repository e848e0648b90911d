import type { OpenAPIHono } from '@hono/zod-openapi'
import { z } from '@hono/zod-openapi'
import type { Context, Handler } from 'hono'
import type { AppEnv } from '../env'
import { DOCS_ASSETS_PATH } from '../resources/docs/docs-assets'
import { ApiError } from './errors'
import { log } from './log'
import { problemResponses, responseHeaderComponents } from './openapi'
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
 * The document as the build step writes it into the Workers Static Assets directory (scripts/lib/openapi-asset.ts,
 * run by wrangler.toml's [build] command before every `wrangler dev`, deploy and dry run, and by vitest.config.ts):
 * the generator's output for the routes with `servers: []`, which `GET /openapi.json` fills with the origin it
 * answers on. Public like every asset (Cloudflare's asset router answers this path before the Worker runs).
 */
export const OPENAPI_DOCUMENT_ASSET_PATH = `${DOCS_ASSETS_PATH}/openapi.json`

/** The build's document, read through the ASSETS binding. */
async function builtDocument(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const assets = c.env.ASSETS
  const response = assets ? await assets.fetch(new URL(OPENAPI_DOCUMENT_ASSET_PATH, c.req.url)) : undefined
  const document = response?.ok ? ((await response.json().catch(() => undefined)) as unknown) : undefined
  if (response && !response.ok) await response.body?.cancel()
  if (!document || typeof document !== 'object' || !('openapi' in document)) {
    // A deployment without its assets (the build step did not run).
    log('error', 'OpenAPI document missing from the assets', {
      requestId: c.get('requestId'),
      asset: OPENAPI_DOCUMENT_ASSET_PATH,
    })
    throw new ApiError(
      503,
      'OPENAPI_DOCUMENT_MISSING',
      'Service Unavailable',
      'The OpenAPI document is missing from this deployment’s assets.',
      { headers: { 'Retry-After': '60' } },
    )
  }
  return document as Record<string, unknown>
}

/**
 * `GET /openapi.json`. The document is generated at build time (the generator is not part of the Worker bundle:
 * src/bundle/zod-to-openapi.ts), read from the assets once per isolate on the first request that asks (not at
 * startup; a failure is retried by the next request); each origin it is reached by gets it with its own `servers`,
 * serialized and hashed once. The ETag is strong (a digest of the exact bytes), so `If-None-Match` with it answers
 * 304. test/system/openapi-etag.test.ts checks that the served document is what the generator makes of the routes.
 */
export function openApiDocumentHandler(): Handler<AppEnv> {
  let document: Promise<Record<string, unknown>> | undefined
  const byOrigin = new Map<string, Promise<ServedDocument>>()
  return async (c) => {
    const origin = new URL(c.req.url).origin
    let entry = byOrigin.get(origin)
    if (!entry) {
      document ??= builtDocument(c)
      const base = document
      if (byOrigin.size >= MAX_CACHED_ORIGINS) byOrigin.clear()
      entry = base.then((read) => served({ ...read, servers: openApiDocumentConfig(origin).servers }))
      byOrigin.set(origin, entry)
      entry.catch(() => {
        if (document === base) document = undefined
        if (byOrigin.get(origin) === entry) byOrigin.delete(origin)
      })
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
        'Generated when the deployment is built, read once per server instance and served with a strong `ETag`; ' +
        'send it back in `If-None-Match` to get 304 while the document is unchanged. `Cache-Control: no-cache`: ' +
        'caches may keep it, and revalidate.',
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
        503: {
          ...problemResponses(503)[503],
          description: 'The document is missing from this deployment’s assets (its build step did not run).',
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
