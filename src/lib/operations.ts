import type { Context, ExecutionContext, Hono } from 'hono'
import type { AppEnv } from '../env'
import { parseIdempotencyKey } from '../middleware/idempotency'
import {
  EXPECTED_VERSION_ARGUMENT,
  IDEMPOTENCY_KEY_ARGUMENT,
  type OpenApiDocument,
  type OperationTool,
  operationTools,
} from '../resources/mcp/mcp.tools'
import { ApiError, type FieldError } from './errors'
import { log } from './log'
import { subrequestEnv } from './subrequest'

/*
 * The tenant operations as protocols other than REST run them (MCP tools, GraphQL mutations): derived once from the
 * served OpenAPI document (resources/mcp/mcp.tools.ts), and each call run as the REST request it stands for,
 * through the app itself: the same route, middleware and handler, so authentication, permissions, ownership,
 * input checks, idempotency, ETag preconditions, events and the database are exactly REST's. No rule is written a
 * second time here: this module only builds the request.
 */

type Arguments = Record<string, unknown>

/** Every tenant operation, and the API's version. */
export interface ServedOperations {
  tools: OperationTool[]
  version: string
}

/** Derived once per isolate and app, on its first use (a failure is retried by the next one). */
const served = new WeakMap<Hono<AppEnv>, Promise<ServedOperations>>()

/**
 * The operations of the served OpenAPI document (GET /openapi.json through the app: the very document clients read,
 * generated once per isolate), without those under `excludedPaths` (a protocol's own endpoint).
 */
export function servedOperations(app: Hono<AppEnv>, c: Context<AppEnv>): Promise<ServedOperations> {
  let known = served.get(app)
  if (!known) {
    known = loadOperations(app, c).catch((error: unknown) => {
      served.delete(app)
      throw error
    })
    served.set(app, known)
  }
  return known
}

async function loadOperations(app: Hono<AppEnv>, c: Context<AppEnv>): Promise<ServedOperations> {
  const response = await app.request(
    new URL('/openapi.json', c.req.url),
    { headers: { 'X-Request-Id': c.get('requestId') } },
    subrequestEnv(c),
  )
  if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`)
  const document = (await response.json()) as OpenApiDocument
  return { tools: documentOperations(document), version: document.info?.version ?? '0' }
}

/** The operations of a document (the MCP endpoint is none); one that cannot be run faithfully is left out, logged. */
export function documentOperations(document: OpenApiDocument): OperationTool[] {
  const { tools, unfaithful } = operationTools(document, ['/mcp'])
  for (const { operationId, reason } of unfaithful) {
    log('error', 'an operation is not served outside REST: its call would not be its REST call', {
      operationId,
      reason,
    })
  }
  return tools
}

/**
 * Runs one call of `entry` with `args` (path, query and body parameters by name, `idempotencyKey`,
 * `expectedVersion`) as its REST request, a subrequest of the request of `c` (lib/subrequest.ts: logged on its line,
 * its database round trips counted there; rate-limited again only with `rateLimited`). Arguments that cannot make
 * the request are a 400 ApiError; everything else is the REST response, whatever its status, and its URL.
 */
export async function runOperation(
  c: Context<AppEnv>,
  app: Hono<AppEnv>,
  entry: OperationTool,
  args: Arguments,
  options: { rateLimited?: boolean } = {},
): Promise<{ url: string; response: Response }> {
  const request = restRequestOf(c, entry, args)
  const response = await app.request(request, undefined, subrequestEnv(c, options), executionContextOf(c))
  c.set('operation', { operationId: entry.tool.name, status: response.status })
  return { url: request.url, response }
}

/**
 * The REST request of a call: path parameters into the path; the other arguments into the query of an operation
 * without a body, else the declared query parameters into the query and the rest into the JSON body (the route's
 * own checks refuse what it does not take, as for REST); `idempotencyKey` and `expectedVersion` into their headers;
 * the caller's credential and the outer request's id.
 */
function restRequestOf(c: Context<AppEnv>, { tool, operation }: OperationTool, args: Arguments): Request {
  const problems: FieldError[] = []
  const remaining: Arguments = { ...args }
  const take = (name: string) => {
    const value = remaining[name]
    delete remaining[name]
    return value
  }

  const declared = tool.inputSchema.properties ?? {}
  const typeProblem = (name: string, value: unknown) => {
    const expected = jsonTypesOf(declared[name])
    if (expected.length === 0 || expected.some((type) => hasJsonType(value, type))) return false
    problems.push({
      path: name,
      message: `Expected ${expected.join(' or ')} (the type its inputSchema declares).`,
    })
    return true
  }

  let path = operation.path
  for (const name of operation.pathParameters) {
    const value = take(name)
    if (value !== undefined && typeProblem(name, value)) continue
    // Not '', '.' or '..': a URL resolves those away (`/v1/tickets/..` is `/v1/`), making it another request.
    if ((typeof value === 'string' && !/^\.{0,2}$/.test(value)) || typeof value === 'number') {
      path = path.replace(`{${name}}`, encodeURIComponent(String(value)))
    } else {
      problems.push({
        path: name,
        message: 'Required: a path parameter of this operation (a string, not empty, "." or "..").',
      })
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
    if (value === undefined || typeProblem(name, value)) continue
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
    // In the order the operation declares its members (unknown ones last), not the caller's: a JSON object has no
    // order, and the Idempotency-Key fingerprint is the body's bytes, so a retry that orders them otherwise replays.
    const order = Object.keys(declared)
    const rank = (name: string) => order.indexOf(name) >>> 0
    body = JSON.stringify(Object.fromEntries(Object.entries(remaining).sort(([a], [b]) => rank(a) - rank(b))))
  }
  const search = query.toString() ? `?${query}` : ''
  return new Request(new URL(`${path}${search}`, c.req.url), { method: operation.method, headers, body })
}

/**
 * The JSON types a parameter's schema admits (its `type`, or its alternatives'), none when it says nothing. A path or
 * query argument becomes text in the URL, where `"5"` and `5` read alike, so its JSON type is checked here, as a
 * client validating against the tool's inputSchema would; the route checks the text as it checks REST's.
 */
function jsonTypesOf(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null) return []
  const { type, anyOf, oneOf } = schema as { type?: unknown; anyOf?: unknown; oneOf?: unknown }
  if (typeof type === 'string') return [type]
  if (Array.isArray(type)) return type.filter((item): item is string => typeof item === 'string')
  const alternatives = Array.isArray(anyOf) ? anyOf : Array.isArray(oneOf) ? oneOf : []
  const types = alternatives.map(jsonTypesOf)
  return types.length > 0 && types.every((each) => each.length > 0) ? [...new Set(types.flat())] : []
}

function hasJsonType(value: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(value)
  if (type === 'null') return value === null
  if (type === 'array') return Array.isArray(value)
  if (type === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value)
  return typeof value === type
}

/** The Worker's execution context, for background work of the subrequest; app.request() in tests has none. */
function executionContextOf(c: Context<AppEnv>): ExecutionContext | undefined {
  try {
    return c.executionCtx
  } catch {
    return undefined
  }
}
