import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { Context, Hono } from 'hono'
import type { AppEnv } from '../../env'
import { toProblem } from '../../lib/errors'
import { log } from '../../lib/log'
import { runOperation } from '../../lib/operations'
import { toApiError } from '../../middleware/error-handler'
import type { OperationTool } from './mcp.tools'

type Arguments = Record<string, unknown>

/**
 * Runs a tool call as the REST request it stands for, through the app itself (lib/operations.ts, shared with
 * GraphQL's mutations): the same route, middleware and handler, so authentication, permissions, ownership, input
 * checks, idempotency, ETag preconditions and the database are exactly REST's. It is a subrequest of the /mcp
 * request (lib/subrequest.ts): counted once by the rate limiter and logged on the /mcp line, with its database
 * round trips. A success answers the response body as structured content; a problem answers a tool error
 * carrying it; neither is a JSON-RPC error.
 */
export async function callOperation(
  c: Context<AppEnv>,
  app: Hono<AppEnv>,
  entry: OperationTool,
  args: Arguments,
): Promise<CallToolResult> {
  try {
    const { url, response } = await runOperation(c, app, entry, args)
    return await toolResultOf(url, response)
  } catch (error) {
    const apiError = toApiError(error)
    if (apiError.status >= 500) {
      log('error', 'tool call failed', {
        requestId: c.get('requestId'),
        tool: entry.tool.name,
        error:
          error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : error,
      })
    }
    c.set('operation', { operationId: entry.tool.name, status: apiError.status })
    return problemResult(toProblem(apiError, c.get('requestId')), apiError.status)
  }
}

/**
 * A 2xx JSON answer as structured content (and its text); a file (a download) as an embedded resource with its
 * bytes in base64; anything else as a tool error with the problem. `_meta` holds what REST says in headers.
 */
async function toolResultOf(url: string, response: Response): Promise<CallToolResult> {
  const meta = {
    status: response.status,
    ...headerMeta(response, 'ETag', 'etag'),
    ...headerMeta(response, 'Location', 'location'),
    ...headerMeta(response, 'Retry-After', 'retryAfter'),
    ...(response.headers.get('Idempotent-Replayed') === 'true' ? { idempotentReplayed: true } : {}),
  }
  const mediaType = response.headers.get('Content-Type')?.split(';')[0]?.trim().toLowerCase()
  if (response.ok && mediaType && !JSON_MEDIA_TYPE.test(mediaType)) {
    const blob = base64Of(new Uint8Array(await response.arrayBuffer()))
    return { content: [{ type: 'resource', resource: { uri: url, mimeType: mediaType, blob } }], _meta: meta }
  }
  const text = await response.text()
  if (!response.ok) {
    return {
      isError: true,
      content: [{ type: 'text', text: text || `HTTP ${response.status}` }],
      _meta: meta,
    }
  }
  const payload = text ? (JSON.parse(text) as unknown) : undefined
  const structured = typeof payload === 'object' && payload !== null && !Array.isArray(payload)
  return {
    content: [{ type: 'text', text: text || `Done (HTTP ${response.status}, no content).` }],
    ...(structured ? { structuredContent: payload as Record<string, unknown> } : {}),
    _meta: meta,
  }
}

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.!#$&^_-]+\+)?json$/

function base64Of(bytes: Uint8Array): string {
  let binary = ''
  // In chunks: String.fromCharCode takes its arguments on the stack.
  for (let offset = 0; offset < bytes.length; offset += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000))
  }
  return btoa(binary)
}

function headerMeta(response: Response, header: string, key: string): Record<string, string> {
  const value = response.headers.get(header)
  return value === null ? {} : { [key]: value }
}

function problemResult(problem: ReturnType<typeof toProblem>, status: number): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: JSON.stringify(problem) }], _meta: { status } }
}
