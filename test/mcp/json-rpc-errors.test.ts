import { SELF } from 'cloudflare:test'
import { ErrorCode, ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js'
import { describe, expect, it } from 'vitest'
import { createTenant } from '../support/tenants'
import { MCP_URL, mcpClient } from './support'

/*
 * JSON-RPC 2.0 §5.1: a request whose params are not what the method takes is -32602 Invalid params, the caller's
 * mistake; -32603 Internal error is the server's. A malformed initialize, tools/list or tools/call must not be
 * answered as the server's failure, nor with a dump of schema issues.
 */
async function rpc(token: string, message: unknown) {
  const response = await SELF.fetch(MCP_URL, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'Mcp-Protocol-Version': '2025-06-18',
    },
    body: JSON.stringify(message),
  })
  return {
    status: response.status,
    contentType: response.headers.get('Content-Type'),
    body: (await response.json()) as Record<string, unknown>,
  }
}

const clientInfo = { name: 'agent', version: '1' }

describe('MCP: malformed params are Invalid params (-32602), not Internal error', () => {
  it('initialize, tools/call and tools/list with params of the wrong shape: -32602 naming the param', async () => {
    const tenant = await createTenant()
    // Each request, and the param its message must name.
    const malformed: Array<[Record<string, unknown>, string]> = [
      [
        { method: 'initialize', params: { protocolVersion: 5, capabilities: {}, clientInfo } },
        'protocolVersion',
      ],
      [
        { method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: 'all', clientInfo } },
        'capabilities',
      ],
      [{ method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {} } }, 'clientInfo'],
      [{ method: 'initialize' }, 'params'],
      [{ method: 'tools/call' }, 'params'],
      [{ method: 'tools/call', params: { name: 5 } }, 'name'],
      [{ method: 'tools/call', params: { arguments: {} } }, 'name'],
      [{ method: 'tools/call', params: { name: 'getOrganization', arguments: [1] } }, 'arguments'],
      [{ method: 'tools/call', params: { name: 'getOrganization', arguments: 'x' } }, 'arguments'],
      [{ method: 'tools/list', params: { cursor: 5 } }, 'cursor'],
    ]
    // The status and media type of the other JSON-RPC errors this server answers (here: an unknown method).
    const unknownMethod = await rpc(tenant.tokens.ADMIN, { jsonrpc: '2.0', id: 0, method: 'resources/list' })
    expect(unknownMethod.body).toMatchObject({ id: 0, error: { code: ErrorCode.MethodNotFound } })
    for (const [index, [request, param]] of malformed.entries()) {
      const label = JSON.stringify(request)
      const { status, contentType, body } = await rpc(tenant.tokens.ADMIN, {
        jsonrpc: '2.0',
        id: index + 1,
        ...request,
      })
      console.log('CASE', label, status, contentType, JSON.stringify(body))
      expect(status, label).toBe(unknownMethod.status)
      expect(contentType, label).toBe(unknownMethod.contentType)
      expect(body, label).toMatchObject({
        jsonrpc: '2.0',
        id: index + 1,
        error: { code: ErrorCode.InvalidParams },
      })
      const { message } = body.error as { message: string }
      expect(message, label).toMatch(new RegExp(`^Invalid params: .*\\b${param}\\b`))
      // Short and readable: one line, not the schema's issues as JSON.
      expect(message, label).not.toMatch(/[\n{[]/)
      expect(message.length, label).toBeLessThan(200)
    }
    // Well-formed requests still work.
    const initialized = await rpc(tenant.tokens.ADMIN, {
      jsonrpc: '2.0',
      id: 9,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo },
    })
    expect(initialized.body).toMatchObject({ id: 9, result: { protocolVersion: '2025-06-18' } })
    const listed = await rpc(tenant.tokens.ADMIN, { jsonrpc: '2.0', id: 10, method: 'tools/list' })
    expect((listed.body.result as { tools: unknown[] }).tools.length).toBeGreaterThan(0)
    const called = await rpc(tenant.tokens.ADMIN, {
      jsonrpc: '2.0',
      id: 11,
      method: 'tools/call',
      params: { name: 'getOrganization', arguments: {} },
    })
    expect(called.body).toMatchObject({
      id: 11,
      result: { structuredContent: { id: tenant.organizationId } },
    })
  })

  it("the SDK client sees the caller's mistake as InvalidParams", async () => {
    const tenant = await createTenant()
    const { client, close } = await mcpClient(tenant.tokens.AGENT)
    try {
      const listed = client.request(
        { method: 'tools/list', params: { cursor: 5 as unknown as string } },
        ListToolsResultSchema,
      )
      await expect(listed).rejects.toMatchObject({ code: ErrorCode.InvalidParams })
    } finally {
      await close()
    }
  })
})
