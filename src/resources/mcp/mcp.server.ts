import type { OpenAPIHono } from '@hono/zod-openapi'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ZodError } from 'zod'
import type { PrincipalRole } from '../../auth/principal'
import type { AppEnv } from '../../env'
import { ApiError } from '../../lib/errors'
import { fieldErrorsOf } from '../../lib/openapi'
import { type ServedOperations, servedOperations } from '../../lib/operations'
import { callOperation } from './mcp.dispatch'
import { toolsFor } from './mcp.tools'

/** Where the MCP server answers (mcp.index.ts mounts it); no tool stands for it. */
export const MCP_PATH = '/mcp'

const instructions = [
  'The tools are the operations of the Organization API that your role may call, on your organization’s data.',
  'Each runs exactly as its REST request: same permissions, validation and answers. A failure is a tool error ' +
    'carrying an RFC 9457 problem (`status`, `code`, `detail`, `errors`).',
  'Writing tools (all but recomputeMetrics, which a rerun leaves as it was) take an optional `idempotencyKey` ' +
    '(reuse it when retrying the same call, so it acts once and the retry answers the first result); ' +
    'tools that change a versioned resource take an optional `expectedVersion` (the `version` you last read).',
].join('\n')

/** Answers one MCP message (mcp.index.ts checked the caller and read it) with a server of its own. */
export async function serveMcp(
  c: Context<AppEnv>,
  app: OpenAPIHono<AppEnv>,
  role: PrincipalRole,
  message: unknown,
): Promise<Response> {
  // A receiver that declares no `tasks` capability processes a task-augmented request normally, ignoring its task
  // (MCP 2025-11-25, Tasks); the SDK would refuse it as an Internal error.
  const params = (message as { params?: unknown } | null)?.params
  if (typeof params === 'object' && params !== null) delete (params as { task?: unknown }).task
  const server = mcpServer(c, app, await servedOperations(app, c), role)
  const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true })
  await server.connect(transport)
  try {
    return await problemIfRefused(await transport.handleRequest(c.req.raw, { parsedBody: message }))
  } finally {
    await server.close()
  }
}

/**
 * The low-level Server validates against a JSON Schema only one thing: a client's answer to an elicitation it
 * requested (`elicitInput`, the content checked against the `requestedSchema`). This server never requests one (nor
 * sampling): it serves tools/list and tools/call, and each tool's arguments are validated by its REST route's zod
 * schemas (mcp.dispatch.ts). So no JSON Schema validator ships with the Worker (the SDK's eval-free
 * @cfworker/json-schema one was ≈6 KiB gzipped); asking for one anyway throws, which the SDK reports as an
 * InternalError instead of accepting an unchecked answer.
 */
const noElicitationValidator: jsonSchemaValidator = {
  getValidator() {
    throw new Error('This MCP server requests no elicitation, so it validates no answer to one.')
  },
}

/** One request's MCP server: the caller role's tools; a call runs its operation as REST does. */
function mcpServer(
  c: Context<AppEnv>,
  app: OpenAPIHono<AppEnv>,
  served: ServedOperations,
  role: PrincipalRole,
) {
  const { tools: all, version } = served
  const server = new Server(
    { name: 'organization-api', title: 'Organization API', version },
    {
      capabilities: { tools: { listChanged: false } },
      instructions,
      // Instead of the SDK's default validator (ajv compiles code, which Workers forbid; src/bundle/mcp-ajv-provider.ts).
      jsonSchemaValidator: noElicitationValidator,
    },
  )
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: toolsFor(all, role) }))
  server.setRequestHandler(CallToolRequestSchema, ({ params }) => {
    // Every tenant operation is known; one the role may not call is refused by its route (403), as in REST.
    const entry = all.find((candidate) => candidate.tool.name === params.name)
    if (!entry) throw invalidParams(`Unknown tool: ${params.name}`)
    return callOperation(c, app, entry, params.arguments ?? {})
  })
  answerMalformedParamsAsInvalid(server)
  return server
}

type RequestHandler = (request: unknown, extra: unknown) => Promise<unknown>

/**
 * The SDK parses every request with its handler's schema (initialize and ping, its own; tools/list and tools/call,
 * ours) before the handler runs and lets the ZodError escape, which it answers as -32603 Internal error with the
 * issues as JSON (typescript-sdk#2284). Params of the wrong shape are the caller's mistake, -32602 Invalid params
 * (JSON-RPC 2.0 §5.1): one wrapper around each registered handler says so, naming the param. The handlers are the
 * SDK's private map, there being no public hook; test/mcp/json-rpc-errors.test.ts fails should it change.
 */
function answerMalformedParamsAsInvalid(server: Server): void {
  const handlers = (server as unknown as { _requestHandlers: Map<string, RequestHandler> })._requestHandlers
  for (const [method, handler] of handlers) {
    handlers.set(method, async (request, extra) => {
      try {
        return await handler(request, extra)
      } catch (error) {
        if (!Array.isArray((error as ZodError | null)?.issues)) throw error
        const problems = fieldErrorsOf(error as ZodError).map(({ path, message }) => `${path}: ${message}`)
        throw invalidParams(problems.join('; '))
      }
    })
  }
}

/** -32602 with the message alone (an McpError would prefix it with "MCP error -32602: "). */
function invalidParams(problem: string): Error {
  return Object.assign(new Error(`Invalid params: ${problem}`), { code: ErrorCode.InvalidParams })
}

const transportRefusals: Record<number, { code: string; title: string }> = {
  400: { code: 'INVALID_MCP_MESSAGE', title: 'Bad Request' },
  406: { code: 'NOT_ACCEPTABLE', title: 'Not Acceptable' },
  // A `…+json` body, which the body wall takes and the SDK's transport does not.
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', title: 'Unsupported Media Type' },
}

/** The transport's own refusals (a JSON-RPC error body) as the problem+json every error of this API is. */
async function problemIfRefused(response: Response): Promise<Response> {
  if (response.status < 400) return response
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined
  const refusal = transportRefusals[response.status] ?? { code: 'MCP_REQUEST_REFUSED', title: 'Error' }
  throw new ApiError(
    response.status as ContentfulStatusCode,
    refusal.code,
    refusal.title,
    body?.error?.message ?? 'The MCP request was refused.',
  )
}
