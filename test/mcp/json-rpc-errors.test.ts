import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createTenant } from '../support/tenants'
import { MCP_URL } from './support'

/*
 * JSON-RPC 2.0 §5.1: a request whose params are not what the method takes is -32602 Invalid params, the caller's
 * mistake; -32603 Internal error is the server's. A malformed tools/call or tools/list must not be answered as the
 * server's failure.
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
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

describe('MCP: malformed params are Invalid params (-32602), not Internal error', () => {
  it('tools/call and tools/list with params of the wrong shape', async () => {
    const tenant = await createTenant()
    const malformed = [
      { method: 'tools/call' },
      { method: 'tools/call', params: { name: 5 } },
      { method: 'tools/call', params: { arguments: {} } },
      { method: 'tools/call', params: { name: 'getOrganization', arguments: [1] } },
      { method: 'tools/call', params: { name: 'getOrganization', arguments: 'x' } },
      { method: 'tools/list', params: { cursor: 5 } },
    ]
    for (const [index, request] of malformed.entries()) {
      const { status, body } = await rpc(tenant.tokens.ADMIN, { jsonrpc: '2.0', id: index + 1, ...request })
      expect(status, JSON.stringify(request)).toBe(200)
      expect(body, JSON.stringify(request)).toMatchObject({
        jsonrpc: '2.0',
        id: index + 1,
        error: { code: -32602 },
      })
    }
    // Well-formed requests still work.
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
})
