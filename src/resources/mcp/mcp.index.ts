import type { OpenAPIHono } from '@hono/zod-openapi'
import { TenantDb } from '../../db/tenant'
import type { AppEnv } from '../../env'
import { errors } from '../../lib/errors'
import { authenticate } from '../../middleware/authenticate'
import { authorize, type Permission } from '../../middleware/authorize'
import { inputHygiene } from '../../middleware/input-hygiene'
import { rateLimit } from '../../middleware/rate-limit'
import { MAX_OPERATION_JSON_BYTES, requestBody } from '../../middleware/request-body'
import { MCP_PATH, serveMcp } from './mcp.server'

/** Who may speak MCP (docs/conversations.md §1): staff and AI agents; customers use the product's UI. */
export const mcpPermission: Permission = { roles: ['ADMIN', 'REPRESENTATIVE', 'AGENT'] }

/**
 * `POST /mcp`: the Model Context Protocol over Streamable HTTP (docs/conversations.md §7), stateless: a new
 * server and transport for every request (nothing is shared between callers or requests), JSON responses, no
 * sessions and no SSE streams, so `GET` (and any other method) is 405 with `Allow: POST`, as the specification
 * says for a server that offers no stream. Before the protocol, the walls of every tenant route, in their order
 * (lib/routes.ts protectedRoute): the bearer token (401 with WWW-Authenticate), the rate limit (one count per
 * HTTP request), the role (403 for CUSTOMER), then the body (415, 413, unsafe JSON 422). Errors of the HTTP
 * exchange are problem+json like everywhere else; a tool's failure is a tool result (mcp.dispatch.ts).
 * JSON-RPC batches are refused (MCP 2025-06-18 dropped them): one message, one request, one rate-limit count.
 * The protocol itself is mcp.server.ts's (the official SDK), imported statically: a lazy import() saved no
 * measurable startup time and cost 7 KiB of gzipped bundle (esbuild then wraps every module it reaches).
 */
export function mountMcp(app: OpenAPIHono<AppEnv>): void {
  app.post(
    MCP_PATH,
    authenticate(),
    rateLimit(),
    authorize(mcpPermission),
    requestBody({ mediaTypes: ['application/json'], required: true, maxBytes: MAX_OPERATION_JSON_BYTES }),
    inputHygiene({ queryNames: new Set(), jsonBody: true }),
    async (c) => {
      const principal = c.get('principal')
      if (!principal) throw errors.unauthorized('TOKEN_MISSING', 'This route requires a bearer token.')
      const message: unknown = await c.req.json().catch(() => {
        throw errors.badRequest('MALFORMED_REQUEST', 'The request body is not JSON.')
      })
      if (Array.isArray(message)) {
        throw errors.badRequest(
          'BATCH_NOT_SUPPORTED',
          'Send one JSON-RPC message per request: batches are not accepted (MCP 2025-06-18 removed them).',
        )
      }
      // A tool call is its REST request, which checks the caller; the other messages (initialize, ping, tools/list)
      // read no tenant data, so the caller and its organization are checked here (401/403 when inactive).
      if ((message as { method?: unknown } | null)?.method !== 'tools/call') {
        await TenantDb.forPrincipal(c.env.DATABASE_URL, principal, {
          requestId: c.get('requestId'),
        }).checkCaller()
      }
      return serveMcp(c, app, principal.role, message)
    },
  )
  app.all(MCP_PATH, (c) => {
    throw errors.methodNotAllowed(c.req.method, MCP_PATH, ['POST'])
  })
}
