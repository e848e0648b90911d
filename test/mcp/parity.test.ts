import { SELF } from 'cloudflare:test'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { tickets } from '../../src/db/schema'
import { tenantB } from '../metrics/fixture'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { callOk, callProblem, MCP_URL, mcpClient } from './support'

/** Tool calls against the REST calls they mirror: the corners where a call must still be its REST request. */
describe('MCP tool calls and their REST requests', () => {
  it('idempotencyKey: a retry with the same arguments in another order replays the first call', async () => {
    const tenant = await createTenant()
    const { client, close } = await mcpClient(tenant.tokens.AGENT)
    await client.listTools()
    const idempotencyKey = `mcp-order-${crypto.randomUUID()}`
    const first = await callOk<{ id: string }>(client, 'createTicket', {
      customerId: tenant.customerId,
      subject: 'Printer on fire',
      description: 'It is on fire.',
      priority: 'HIGH',
      idempotencyKey,
    })
    // The same arguments (a JSON object has no order), as an agent's runtime may write them on a retry.
    const retry = await callOk<{ id: string }>(client, 'createTicket', {
      idempotencyKey,
      priority: 'HIGH',
      description: 'It is on fire.',
      subject: 'Printer on fire',
      customerId: tenant.customerId,
    })
    expect(retry.result._meta).toMatchObject({ status: 201, idempotentReplayed: true })
    expect(retry.body).toEqual(first.body)
    const rows = await ownerDb.select().from(tickets).where(eq(tickets.organizationId, tenant.organizationId))
    expect(rows.map((row) => row.id)).toEqual([first.body.id])
    // Other arguments are still another request.
    const { problem } = await callProblem(client, 'createTicket', {
      idempotencyKey,
      priority: 'LOW',
      description: 'It is on fire.',
      subject: 'Printer on fire',
      customerId: tenant.customerId,
    })
    expect(problem).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' })
    // A REST retry whose body lists the members as the operation declares them replays it too.
    const rest = await api('/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.AGENT,
      headers: { 'Idempotency-Key': idempotencyKey },
      body: {
        customerId: tenant.customerId,
        subject: 'Printer on fire',
        description: 'It is on fire.',
        priority: 'HIGH',
      },
    })
    expect(rest.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await json(rest)).toEqual(first.body)
    await close()
  })

  it('a JSON media type other than application/json is 415 UNSUPPORTED_MEDIA_TYPE, as on every route', async () => {
    const tenant = await createTenant()
    for (const contentType of ['application/vnd.api+json', 'application/merge-patch+json; charset=utf-8']) {
      const response = await SELF.fetch(MCP_URL, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${tenant.tokens.AGENT}`,
          'Content-Type': contentType,
          Accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      })
      expect(response.status, contentType).toBe(415)
      expect(response.headers.get('Content-Type')).toContain('application/problem+json')
      expect(await json(response)).toMatchObject({
        type: 'https://errors.organization-api.dev/unsupported-media-type',
        title: 'Unsupported Media Type',
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      })
    }
  })

  it('a task-augmented tools/call runs once and answers its result: this server declares no tasks (MCP 2025-11-25)', async () => {
    const tenant = await createTenant()
    const { client, close } = await mcpClient(tenant.tokens.AGENT)
    await client.listTools()
    expect(client.getServerCapabilities()).not.toHaveProperty('tasks')
    // "Receivers that do not declare the task capability for a request type MUST process requests of that type
    // normally, ignoring any task-augmentation metadata if present."
    const result = (await client.callTool(
      {
        name: 'createTicket',
        arguments: {
          customerId: tenant.customerId,
          subject: 'Printer on fire',
          description: 'It is on fire.',
        },
      },
      undefined,
      { task: { ttl: 60_000 } },
    )) as CallToolResult
    expect(result.isError).toBeUndefined()
    const created = result.structuredContent as { id: string }
    expect(result._meta).toMatchObject({ status: 201, location: `/v1/tickets/${created.id}` })
    const rows = await ownerDb.select().from(tickets).where(eq(tickets.organizationId, tenant.organizationId))
    expect(rows.map((row) => row.id)).toEqual([created.id])
    await close()
  })

  it('a refusal with Retry-After carries it in _meta (retryAfter), as REST carries the header', async () => {
    const { tenant } = await tenantB()
    const { client, close } = await mcpClient(tenant.tokens.ADMIN)
    await client.listTools()
    // Overlapping recomputes of one organization: all but the first are 409 RECOMPUTE_IN_PROGRESS with
    // Retry-After (test/metrics/bounds.test.ts), which tells the caller when to try again.
    const results = (await Promise.all(
      Array.from({ length: 6 }, () =>
        client.callTool({ name: 'recomputeMetrics', arguments: { from: '2026-08-18', to: '2026-11-17' } }),
      ),
    )) as CallToolResult[]
    const refused = results.filter((result) => result.isError)
    expect(refused.length).toBeGreaterThan(0)
    for (const result of refused) {
      expect(result._meta).toEqual({ status: 409, retryAfter: '5' })
      const [content] = result.content
      expect(JSON.parse(content?.type === 'text' ? content.text : '{}')).toMatchObject({
        status: 409,
        code: 'RECOMPUTE_IN_PROGRESS',
      })
    }
    await close()
  })

  it('a path parameter "." or ".." is refused as invalid, never resolved into another path', async () => {
    const tenant = await createTenant()
    const { client, close } = await mcpClient(tenant.tokens.AGENT)
    // Over REST the segment is the parameter (an invalid id: 400 naming it); a URL would resolve it away
    // (`/v1/tickets/..` is `/v1/`), so the call would be another request, answered for another path.
    const rest = await api('/v1/tickets/not-an-id', { token: tenant.tokens.AGENT })
    expect(rest.status).toBe(400)
    expect(await json(rest)).toMatchObject({ code: 'INVALID_PARAMETERS', errors: [{ path: 'ticketId' }] })
    for (const [name, ticketId] of [
      ['getTicket', '.'],
      ['getTicket', '..'],
      ['deleteTicketAssignee', '..'],
      ['listTicketMessages', '.'],
    ] as const) {
      const { problem } = await callProblem(client, name, { ticketId })
      expect(problem, `${name} ${ticketId}`).toMatchObject({
        status: 400,
        code: 'INVALID_PARAMETERS',
        errors: [{ path: 'ticketId' }],
      })
    }
    await close()
  })
})
