import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { Context, ExecutionContext, Hono } from 'hono'
import type { AppEnv } from '../../env'
import { ApiError, type FieldError, toProblem } from '../../lib/errors'
import { log } from '../../lib/log'
import { subrequestEnv } from '../../lib/subrequest'
import { toApiError } from '../../middleware/error-handler'
import { parseIdempotencyKey } from '../../middleware/idempotency'
import { EXPECTED_VERSION_ARGUMENT, IDEMPOTENCY_KEY_ARGUMENT, type OperationTool } from './mcp.tools'

type Arguments = Record<string, unknown>

/**
 * Runs a tool call as the REST request it stands for, through the app itself: the same route, middleware and
 * handler, so authentication, permissions, ownership, input checks, idempotency, ETag preconditions and the
 * database are exactly REST's. It is a subrequest of the /mcp request (lib/subrequest.ts): counted once by the
 * rate limiter and logged on the /mcp line, with its database round trips. A success answers the response body
 * as structured content; a problem answers a tool error carrying it; neither is a JSON-RPC error.
 */
export async function callOperation(
  c: Context<AppEnv>,
  app: Hono<AppEnv>,
  entry: OperationTool,
  args: Arguments,
): Promise<CallToolResult> {
  try {
    const request = restRequestOf(c, entry, args)
    const response = await app.request(request, undefined, subrequestEnv(c), executionContextOf(c))
    c.set('operation', { operationId: entry.tool.name, status: response.status })
    return await toolResultOf(request.url, response)
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
 * The REST request of a tool call: path parameters into the path; the other arguments into the query of an
 * operation without a body, else the declared query parameters into the query and the rest into the JSON body
 * (the route's own checks refuse what it does not take, as for REST); `idempotencyKey` and `expectedVersion` into
 * their headers; the caller's credential and the /mcp request's id.
 */
function restRequestOf(c: Context<AppEnv>, { tool, operation }: OperationTool, args: Arguments): Request {
  const problems: FieldError[] = []
  const remaining: Arguments = { ...args }
  const take = (name: string) => {
    const value = remaining[name]
    delete remaining[name]
    return value
  }

  let path = operation.path
  for (const name of operation.pathParameters) {
    const value = take(name)
    if ((typeof value === 'string' && value !== '') || typeof value === 'number') {
      path = path.replace(`{${name}}`, encodeURIComponent(String(value)))
    } else {
      problems.push({ path: name, message: 'Required: a path parameter of this operation (a string).' })
    }
  }

  const headers = new Headers({ Accept: 'application/json', 'X-Request-Id': c.get('requestId') })
  const authorization = c.req.header('Authorization')
  if (authorization) headers.set('Authorization', authorization)
  const key = take(IDEMPOTENCY_KEY_ARGUMENT)
  if (key !== undefined) {
    if (!operation.idempotencyKey) {
      problems.push({ path: IDEMPOTENCY_KEY_ARGUMENT, message: `${tool.name} takes no idempotencyKey.` })
    } else if (typeof key !== 'string') {
      problems.push({ path: IDEMPOTENCY_KEY_ARGUMENT, message: 'A string.' })
    } else {
      // As an RFC 8941 string, so the key is taken literally; the header's own rules apply (400 otherwise).
      const header = `"${key.replaceAll(/[\\"]/g, '\\$&')}"`
      parseIdempotencyKey(header)
      headers.set('Idempotency-Key', header)
    }
  }
  const version = take(EXPECTED_VERSION_ARGUMENT)
  if (version !== undefined) {
    if (!operation.expectedVersion) {
      problems.push({ path: EXPECTED_VERSION_ARGUMENT, message: `${tool.name} takes no expectedVersion.` })
    } else if (!Number.isSafeInteger(version) || (version as number) < 1) {
      problems.push({
        path: EXPECTED_VERSION_ARGUMENT,
        message: 'A positive integer: the version last read.',
      })
    } else {
      headers.set('If-Match', `"${version}"`)
    }
  }

  const query = new URLSearchParams()
  const queryNames = operation.body ? operation.queryParameters : Object.keys(remaining)
  for (const name of queryNames) {
    const value = take(name)
    if (value === undefined || value === null) continue
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      query.set(name, String(value))
    } else {
      problems.push({ path: name, message: 'A query parameter: a string, number or boolean.' })
    }
  }

  if (problems.length > 0) {
    throw new ApiError(
      400,
      'INVALID_PARAMETERS',
      'Bad Request',
      `The arguments of ${tool.name} are invalid.`,
      {
        errors: problems,
      },
    )
  }

  let body: string | undefined
  if (operation.body && (operation.body.required || Object.keys(remaining).length > 0)) {
    headers.set('Content-Type', 'application/json')
    body = JSON.stringify(remaining)
  }
  const search = query.toString() ? `?${query}` : ''
  return new Request(new URL(`${path}${search}`, c.req.url), { method: operation.method, headers, body })
}

/**
 * A 2xx JSON answer as structured content (and its text); a file (a download) as an embedded resource with its
 * bytes in base64; anything else as a tool error with the problem.
 */
async function toolResultOf(url: string, response: Response): Promise<CallToolResult> {
  const meta = {
    status: response.status,
    ...headerMeta(response, 'ETag', 'etag'),
    ...headerMeta(response, 'Location', 'location'),
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

/** The Worker's execution context, for background work of the subrequest; app.request() in tests has none. */
function executionContextOf(c: Context<AppEnv>): ExecutionContext | undefined {
  try {
    return c.executionCtx
  } catch {
    return undefined
  }
}
