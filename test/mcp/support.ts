import { SELF } from 'cloudflare:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker'
import { api, json } from '../support/api'

export const MCP_URL = 'http://api.test/mcp'

/** What the client sent and got over HTTP, for the assertions the SDK hides (statuses, headers). */
export interface Exchange {
  method: string
  requestHeaders: Headers
  status: number
  responseHeaders: Headers
}

/** An MCP client of the SDK speaking to the Worker under test (SELF.fetch), with a bearer token. */
export interface TestClient {
  client: Client
  /** Every HTTP exchange of this client, in order. */
  exchanges: Exchange[]
  /** Sends the next requests with this X-Request-Id (round-trip counts and log lines are per request id). */
  useRequestId(requestId: string | undefined): void
  close(): Promise<void>
}

export async function mcpClient(token: string | undefined): Promise<TestClient> {
  const exchanges: Exchange[] = []
  let requestId: string | undefined
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    requestInit: token ? { headers: { Authorization: `Bearer ${token}` } } : {},
    fetch: async (input, init) => {
      const headers = new Headers(init?.headers)
      if (requestId) headers.set('X-Request-Id', requestId)
      const response = await SELF.fetch(input, { ...init, headers })
      exchanges.push({
        method: init?.method ?? 'GET',
        requestHeaders: headers,
        status: response.status,
        responseHeaders: response.headers,
      })
      return response
    },
  })
  // The SDK's default validator (ajv) compiles code, which workerd forbids, as Workers do.
  const client = new Client(
    { name: 'test-agent', version: '1.0.0' },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  )
  await client.connect(transport)
  return {
    client,
    exchanges,
    useRequestId: (id) => {
      requestId = id
    },
    close: () => client.close(),
  }
}

/** A tool call that must succeed: its structured content. */
export async function callOk<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<{ body: T; result: CallToolResult }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`)
  return { body: result.structuredContent as T, result }
}

/** A tool call that must fail: the problem it carries. */
export async function callProblem(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<{ problem: Record<string, unknown>; result: CallToolResult }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult
  if (!result.isError) throw new Error(`${name} succeeded: ${JSON.stringify(result.structuredContent)}`)
  const [first] = result.content
  if (first?.type !== 'text') throw new Error(`${name}: the error carries no text`)
  return { problem: JSON.parse(first.text) as Record<string, unknown>, result }
}

interface DocumentOperation {
  operationId?: string
  security?: Array<Record<string, unknown>>
  'x-permission'?: { roles?: string[] }
  requestBody?: { content?: Record<string, unknown> }
  'x-mcp'?: boolean
}

/**
 * The operationIds each role may call, read from the served /openapi.json's permission declarations; file uploads
 * (a request body that is not JSON) are REST only, and an operation may declare itself no tool (`x-mcp: false`).
 */
export async function operationIdsByRole(): Promise<Map<string, Set<string>>> {
  const document = await json<{ paths: Record<string, Record<string, DocumentOperation>> }>(
    await api('/openapi.json'),
  )
  const byRole = new Map<string, Set<string>>()
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      if (!JSON.stringify(operation.security ?? []).includes('"Bearer"')) continue
      const content = operation.requestBody?.content
      if ((content && !('application/json' in content)) || operation['x-mcp'] === false) continue
      for (const role of operation['x-permission']?.roles ?? []) {
        const ids = byRole.get(role) ?? new Set<string>()
        ids.add(operation.operationId as string)
        byRole.set(role, ids)
      }
    }
  }
  return byRole
}
