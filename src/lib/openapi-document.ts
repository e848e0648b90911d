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
      responses: {
        200: {
          description: 'The OpenAPI document of this API.',
          content: { 'application/json': { schema: z.object({}).passthrough() } },
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
