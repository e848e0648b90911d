/// <reference types="vite/client" />

import { SELF } from 'cloudflare:test'
import { McpError } from '@modelcontextprotocol/sdk/types.js'
import { asc, eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest'
import readme from '../../README.md?raw'
import { escalations, organizations, refunds, tickets } from '../../src/db/schema'
import { approveSmall, budgetState, createBudget, createRule } from '../refunds/support'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { callOk, callProblem, MCP_URL, mcpClient, operationIdsByRole } from './support'

/**
 * `/mcp` (src/resources/mcp, docs/conversations.md §7) through the official SDK client: the tools are the
 * document's operations the caller's role may call, and a tool call is its REST request — same answer, same
 * database state, same walls, same round trips.
 */

const ticketRowsOf = (tenant: TestTenant) =>
  ownerDb
    .select()
    .from(tickets)
    .where(eq(tickets.organizationId, tenant.organizationId))
    .orderBy(asc(tickets.id))

const newTicketArgs = (tenant: TestTenant) => ({
  customerId: tenant.customerId,
  subject: 'Printer on fire',
  description: 'It is on fire.',
  priority: 'HIGH',
})

interface RestCall {
  path: string
  method?: string
  body?: unknown
}

/** The fields of a created resource that differ between two creations (identity and time). */
function withoutIdentity(body: Record<string, unknown>) {
  const { id: _id, ticketNumber: _n, createdAt: _c, updatedAt: _u, ...rest } = body
  return rest
}

describe('MCP over Streamable HTTP', () => {
  it('initializes a stateless server: capabilities, instructions, no session, JSON answers', async () => {
    const tenant = await createTenant()
    const { client, exchanges, close } = await mcpClient(tenant.tokens.AGENT)
    expect(client.getServerVersion()).toMatchObject({ name: 'organization-api', version: '0.1.0' })
    expect(client.getServerCapabilities()).toEqual({ tools: { listChanged: false } })
    expect(client.getInstructions()).toContain('idempotencyKey')
    // initialize, then the initialized notification (202); the SDK's attempt at a stream (GET, in the background)
    // is 405, which it accepts.
    expect(exchanges.slice(0, 2).map(({ method, status }) => `${method} ${status}`)).toEqual([
      'POST 200',
      'POST 202',
    ])
    expect(exchanges.filter(({ method }) => method === 'GET').every(({ status }) => status === 405)).toBe(
      true,
    )
    const [initialize] = exchanges
    expect(initialize?.responseHeaders.get('Content-Type')).toContain('application/json')
    expect(initialize?.responseHeaders.get('Mcp-Session-Id')).toBeNull()
    expect(initialize?.responseHeaders.get('RateLimit-Policy')).toBeTruthy()
    await close()
  })

  it('GET and DELETE are 405 with Allow: POST (no stream, no session to end)', async () => {
    for (const method of ['GET', 'DELETE', 'PUT']) {
      const response = await SELF.fetch(MCP_URL, { method, headers: { Accept: 'text/event-stream' } })
      expect(response.status, method).toBe(405)
      expect(response.headers.get('Allow')).toBe('POST')
      expect(response.headers.get('Content-Type')).toContain('application/problem+json')
      expect(await json(response)).toMatchObject({ status: 405, code: 'METHOD_NOT_ALLOWED' })
    }
  })

  it('401 with WWW-Authenticate without a valid token; 403 for a CUSTOMER; both before any database work', async () => {
    const tenant = await createTenant()
    const initialize = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    })
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }
    for (const authorization of [undefined, 'Bearer not-a-jwt', `Bearer ${tenant.tokens.AGENT}x`]) {
      const requestId = `mcp-401-${crypto.randomUUID()}`
      const response = await SELF.fetch(MCP_URL, {
        method: 'POST',
        headers: {
          ...headers,
          'X-Request-Id': requestId,
          ...(authorization ? { Authorization: authorization } : {}),
        },
        body: initialize,
      })
      expect(response.status, authorization).toBe(401)
      expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer\b/)
      expect(response.headers.get('Content-Type')).toContain('application/problem+json')
      expect(await json(response)).toMatchObject({ status: 401 })
      expect(await neonLocalStats(requestId)).toBe(0)
    }
    const requestId = `mcp-403-${crypto.randomUUID()}`
    const customer = await SELF.fetch(MCP_URL, {
      method: 'POST',
      headers: { ...headers, Authorization: `Bearer ${tenant.tokens.CUSTOMER}`, 'X-Request-Id': requestId },
      body: initialize,
    })
    expect(customer.status).toBe(403)
    expect(await json(customer)).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
      detail: 'The role CUSTOMER may not perform this operation.',
    })
    expect(await neonLocalStats(requestId)).toBe(0)
    // The SDK client sees the same refusals.
    await expect(mcpClient(undefined)).rejects.toThrow(/401/)
    await expect(mcpClient(tenant.tokens.CUSTOMER)).rejects.toThrow(/403/)
  })

  it('HTTP-level refusals are problem+json: batches, a missing Accept, a body that is not JSON', async () => {
    const tenant = await createTenant()
    const headers = {
      Authorization: `Bearer ${tenant.tokens.AGENT}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
    }
    const ping = { jsonrpc: '2.0', id: 1, method: 'ping' }
    const cases: Array<[RequestInit, number, string]> = [
      [{ headers, body: JSON.stringify([ping, { ...ping, id: 2 }]) }, 400, 'BATCH_NOT_SUPPORTED'],
      [
        { headers: { ...headers, Accept: 'application/json' }, body: JSON.stringify(ping) },
        406,
        'NOT_ACCEPTABLE',
      ],
      [{ headers, body: '{"jsonrpc": ' }, 400, 'MALFORMED_REQUEST'],
      [{ headers, body: JSON.stringify({ hello: 'world' }) }, 400, 'INVALID_MCP_MESSAGE'],
      [{ headers: { ...headers, 'Content-Type': 'text/plain' }, body: '{}' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ]
    for (const [init, status, code] of cases) {
      const response = await SELF.fetch(MCP_URL, { method: 'POST', ...init })
      expect(response.status, code).toBe(status)
      expect(response.headers.get('Content-Type')).toContain('application/problem+json')
      expect(await json(response)).toMatchObject({ status, code })
    }
  })
})

describe('MCP-Protocol-Version (Streamable HTTP, 2025-06-18 §Protocol Version Header)', () => {
  it('an unsupported version after initialize is 400; a supported one, or none (assumed 2025-03-26), is served', async () => {
    const tenant = await createTenant()
    const post = (body: unknown, version?: string) =>
      SELF.fetch(MCP_URL, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${tenant.tokens.AGENT}`,
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          ...(version ? { 'Mcp-Protocol-Version': version } : {}),
        },
        body: JSON.stringify(body),
      })
    const ping = { jsonrpc: '2.0', id: 1, method: 'ping' }
    for (const version of ['1999-01-01', 'latest', '2025-06-18; drop table']) {
      const refused = await post(ping, version)
      expect(refused.status, version).toBe(400)
      expect(refused.headers.get('Content-Type')).toContain('application/problem+json')
      const problem = await json<{ code: string; detail: string }>(refused)
      expect(problem.code).toBe('INVALID_MCP_MESSAGE')
      expect(problem.detail).toContain('Unsupported protocol version')
    }
    for (const version of ['2025-06-18', '2025-03-26', undefined]) {
      const served = await post(ping, version)
      expect(served.status, String(version)).toBe(200)
      expect(await served.json()).toMatchObject({ jsonrpc: '2.0', id: 1, result: {} })
    }
    // initialize negotiates in its body (the header is sent only after it): a version the server does not know is
    // answered with the server's own latest one, never refused.
    const initialize = await post({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '1999-01-01', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    })
    expect(initialize.status).toBe(200)
    const { result } = (await initialize.json()) as { result: { protocolVersion: string } }
    expect(result.protocolVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(result.protocolVersion).not.toBe('1999-01-01')
  })
})

describe('tools/list', () => {
  it('holds exactly the operations each role may call, from the permission declarations', async () => {
    const tenant = await createTenant()
    const expected = await operationIdsByRole()
    for (const role of ['ADMIN', 'REPRESENTATIVE', 'AGENT'] as const) {
      const { client, close } = await mcpClient(tenant.tokens[role])
      const { tools } = await client.listTools()
      expect(tools.map((tool) => tool.name).sort(), role).toEqual([...(expected.get(role) ?? [])].sort())
      await close()
    }
    // Platform and public operations are no tools.
    const all = [...expected.values()].flatMap((ids) => [...ids])
    expect(all).not.toContain('createOrganization')
    expect(all).not.toContain('getHealth')
  })

  it('is what the README says each role gets', async () => {
    const tenant = await createTenant()
    const section = readme.slice(readme.indexOf('## AI agents over MCP'))
    const row = (role: string) => {
      const line = section.split('\n').find((text) => text.startsWith(`| ${role} (`)) ?? ''
      const count = Number(/\((\d+)\)/.exec(line)?.[1])
      return { count, names: [...line.matchAll(/`(\w+)`/g)].map((match) => match[1] as string) }
    }
    const agent = row('AGENT')
    const representative = row('REPRESENTATIVE')
    const admin = row('ADMIN')
    const documented = {
      AGENT: agent,
      REPRESENTATIVE: { count: representative.count, names: [...agent.names, ...representative.names] },
      ADMIN: { count: admin.count, names: [...agent.names, ...representative.names, ...admin.names] },
    }
    for (const role of ['AGENT', 'REPRESENTATIVE', 'ADMIN'] as const) {
      const { client, close } = await mcpClient(tenant.tokens[role])
      const listed = (await client.listTools()).tools.map((tool) => tool.name).sort()
      expect(documented[role].names.sort(), `README, "AI agents over MCP": ${role}`).toEqual(listed)
      expect(documented[role].count, role).toBe(listed.length)
      await close()
    }
  })

  it('derives each tool from its route: description, merged arguments, output schema, hints', async () => {
    const tenant = await createTenant()
    const { client, close } = await mcpClient(tenant.tokens.ADMIN)
    const { tools } = await client.listTools()
    const byName = new Map(tools.map((tool) => [tool.name, tool]))
    const document = await json<{
      paths: Record<string, Record<string, { operationId: string; summary?: string; description?: string }>>
    }>(await api('/openapi.json'))
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const tool = byName.get(operation.operationId)
        if (!tool) continue
        expect(tool.description).toBe([operation.summary, operation.description].filter(Boolean).join('\n\n'))
        // Reads are GETs, and the one POST that writes nothing (a dry run takes its hypothetical refund as a body).
        const read = method === 'get' || operation.operationId === 'evaluateDecisionRules'
        expect(tool.annotations?.readOnlyHint, operation.operationId).toBe(read)
        // Idempotent: the reads, PUT and DELETE (RFC 9110 §9.2.2), and the one POST whose repeat leaves the state
        // the first call left and answers 200 again (a recompute of a range); other POSTs are not, without their
        // idempotencyKey (a repeated state move is 409, a repeated create or redelivery acts again).
        const idempotent =
          read || method === 'put' || method === 'delete' || operation.operationId === 'recomputeMetrics'
        expect(tool.annotations?.idempotentHint, operation.operationId).toBe(idempotent)
        for (const parameter of path.match(/\{(\w+)\}/g) ?? []) {
          expect(tool.inputSchema.required, operation.operationId).toContain(parameter.slice(1, -1))
        }
      }
    }
    // Cancellations and deletions are destructive (docs/conversations.md §7), and a redaction, which deletes a
    // message's body; no other write is.
    const destructive = tools.filter((tool) => tool.annotations?.destructiveHint).map((tool) => tool.name)
    const deletions = tools.filter((tool) => /^delete[A-Z]/.test(tool.name)).map((tool) => tool.name)
    expect(deletions).toEqual(expect.arrayContaining(['deleteDecisionRule', 'deleteTicketAssignee']))
    expect(destructive.sort()).toEqual(
      [...deletions, 'cancelEscalation', 'cancelRefund', 'redactTicketMessage'].sort(),
    )

    // SPEC-surfaces "MCP": readOnlyHint for reads. The dry run writes nothing; calling it again changes nothing.
    expect(byName.get('evaluateDecisionRules')?.annotations).toMatchObject({
      readOnlyHint: true,
      idempotentHint: true,
    })
    expect(byName.get('evaluateDecisionRules')?.annotations).not.toHaveProperty('destructiveHint')
    // The recompute writes, but a rerun over the same range leaves the same rows (test/metrics/api.test.ts).
    expect(byName.get('recomputeMetrics')?.annotations).toEqual({
      title: expect.any(String),
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    })

    const createTicket = byName.get('createTicket')
    expect(Object.keys(createTicket?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['subject', 'description', 'customerId', 'idempotencyKey']),
    )
    expect(createTicket?.inputSchema.required).toEqual(['subject', 'description'])
    expect(createTicket?.outputSchema?.properties).toHaveProperty('ticketNumber')
    const updateTicket = byName.get('updateTicket')
    expect(updateTicket?.inputSchema.properties).toHaveProperty('expectedVersion')
    expect(updateTicket?.inputSchema.properties).toHaveProperty('idempotencyKey')
    expect(updateTicket?.inputSchema.required).toEqual(['ticketId'])
    const listTickets = byName.get('listTickets')
    expect(listTickets?.inputSchema.properties).toHaveProperty('limit')
    expect(listTickets?.inputSchema.additionalProperties).toBe(false)
    // 204: no structured content, so no output schema.
    expect(byName.get('deleteDecisionRule')?.outputSchema).toBeUndefined()
    // Schemas are standalone: every reference points into the schema's own $defs.
    for (const tool of tools) {
      for (const schema of [tool.inputSchema, tool.outputSchema]) {
        const text = JSON.stringify(schema ?? {})
        expect(text).not.toContain('#/components/')
        for (const [, name] of text.matchAll(/"#\/\$defs\/([^"]+)"/g)) {
          expect((schema as { $defs?: Record<string, unknown> }).$defs, tool.name).toHaveProperty(
            name as string,
          )
        }
      }
    }
    await close()
  })
})

describe('tools/call runs the REST operation', () => {
  it('createTicket: the REST answer and row; getTicket and listTickets read what REST reads', async () => {
    const tenant = await createTenant()
    const { client, close } = await mcpClient(tenant.tokens.AGENT)
    const { body: created, result } = await callOk<Record<string, unknown>>(
      client,
      'createTicket',
      newTicketArgs(tenant),
    )
    expect(result._meta).toMatchObject({
      status: 201,
      etag: `"${created.version}"`,
      location: `/v1/tickets/${created.id}`,
    })
    expect(result.content).toEqual([{ type: 'text', text: JSON.stringify(created) }])
    const rest = await api(`/v1/tickets/${created.id}`, { token: tenant.tokens.AGENT })
    expect(await json(rest)).toEqual(created)

    // The same request over REST creates the same ticket (but for its identity and time).
    const viaRest = await json(
      await api('/v1/tickets', { method: 'POST', token: tenant.tokens.AGENT, body: newTicketArgs(tenant) }),
    )
    expect(withoutIdentity(created)).toEqual(withoutIdentity(viaRest))
    const rows = await ticketRowsOf(tenant)
    expect(rows).toHaveLength(2)
    const row = rows.find((candidate) => candidate.id === created.id)
    expect(row).toMatchObject({ customerId: tenant.customerId, subject: 'Printer on fire', priority: 'HIGH' })

    const { body: read } = await callOk(client, 'getTicket', { ticketId: created.id })
    expect(read).toEqual(created)
    const { body: page } = await callOk<{ data: Array<{ id: string }> }>(client, 'listTickets', {
      sort: 'createdAt',
      limit: 1,
    })
    expect(page.data.map((ticket) => ticket.id)).toEqual([created.id])
    const restPage = await json(
      await api('/v1/tickets?sort=createdAt&limit=1', { token: tenant.tokens.AGENT }),
    )
    expect(page).toEqual(restPage)
    await close()
  })

  it('createRefund: decided as over REST, with the same answer to a later read', async () => {
    const tenant = await createTenant()
    const { client, close } = await mcpClient(tenant.tokens.AGENT)
    const args = {
      customerId: tenant.customerId,
      amount: '12.5',
      currency: 'USD',
      reason: 'DEFECTIVE_PRODUCT',
    }
    const { body: refund } = await callOk<{ id: string; status: string; amount: string }>(
      client,
      'createRefund',
      args,
    )
    expect(refund).toMatchObject({ status: 'PENDING', amount: '12.50' })
    expect(await json(await api(`/v1/refunds/${refund.id}`, { token: tenant.tokens.AGENT }))).toEqual(refund)
    const [row] = await ownerDb.select().from(refunds).where(eq(refunds.id, refund.id))
    expect(row).toMatchObject({
      organizationId: tenant.organizationId,
      customerId: tenant.customerId,
      amount: '12.50',
      status: 'PENDING',
      requestedByRole: 'AGENT',
      requestedById: tenant.agentId,
    })
    const viaRest = await json(
      await api('/v1/refunds', { method: 'POST', token: tenant.tokens.AGENT, body: args }),
    )
    const differing = ['id', 'createdAt', 'updatedAt', 'decision']
    const strip = (body: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(body).filter(([key]) => !differing.includes(key)))
    expect(strip(refund)).toEqual(strip(viaRest))
    await close()
  })

  it('createEscalation: the escalation REST would create, on the agent’s ticket', async () => {
    const tenant = await createTenant()
    const { client, close } = await mcpClient(tenant.tokens.AGENT)
    const { body: ticket } = await callOk<{ id: string }>(client, 'createTicket', newTicketArgs(tenant))
    const { body: escalation, result } = await callOk<{ id: string; ticketId: string; status: string }>(
      client,
      'createEscalation',
      { ticketId: ticket.id, priority: 'HIGH', reason: 'LOW_CONFIDENCE', summary: 'Needs a human.' },
    )
    expect(result._meta).toMatchObject({ status: 201, location: `/v1/escalations/${escalation.id}` })
    expect(escalation).toMatchObject({ ticketId: ticket.id })
    expect(await json(await api(`/v1/escalations/${escalation.id}`, { token: tenant.tokens.AGENT }))).toEqual(
      escalation,
    )
    const rows = await ownerDb.select().from(escalations).where(eq(escalations.ticketId, ticket.id))
    expect(rows.map((row) => [row.id, row.agentConfigurationId, row.summary])).toEqual([
      [escalation.id, tenant.agentId, 'Needs a human.'],
    ])
    await close()
  })

  it('idempotencyKey: a retry answers the first result (one row, same id); other arguments are 422', async () => {
    const tenant = await createTenant()
    const { client, close } = await mcpClient(tenant.tokens.AGENT)
    const idempotencyKey = `mcp-${crypto.randomUUID()}`
    const first = await callOk<{ id: string }>(client, 'createTicket', {
      ...newTicketArgs(tenant),
      idempotencyKey,
    })
    const retry = await callOk<{ id: string }>(client, 'createTicket', {
      ...newTicketArgs(tenant),
      idempotencyKey,
    })
    expect(retry.body).toEqual(first.body)
    expect(first.result._meta).not.toHaveProperty('idempotentReplayed')
    expect(retry.result._meta).toMatchObject({ status: 201, idempotentReplayed: true })
    expect((await ticketRowsOf(tenant)).map((row) => row.id)).toEqual([first.body.id])

    const { problem } = await callProblem(client, 'createTicket', {
      ...newTicketArgs(tenant),
      subject: 'Another request',
      idempotencyKey,
    })
    expect(problem).toMatchObject({ status: 422 })
    expect((await ticketRowsOf(tenant)).map((row) => row.id)).toEqual([first.body.id])
    // The key is REST's header: the same key over REST replays the MCP call.
    const replay = await api('/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.AGENT,
      body: newTicketArgs(tenant),
      headers: { 'Idempotency-Key': `"${idempotencyKey}"` },
    })
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await json(replay)).toEqual(first.body)
    await close()
  })

  it('expectedVersion is If-Match: a stale version is a 412 tool error naming the current one', async () => {
    const tenant = await createTenant()
    const { client, close } = await mcpClient(tenant.tokens.REPRESENTATIVE)
    const { body: ticket } = await callOk<{ id: string; version: number }>(
      client,
      'createTicket',
      newTicketArgs(tenant),
    )
    const { body: changed } = await callOk<{ version: number; priority: string }>(client, 'updateTicket', {
      ticketId: ticket.id,
      priority: 'LOW',
      expectedVersion: ticket.version,
    })
    expect(changed).toMatchObject({ priority: 'LOW', version: ticket.version + 1 })
    const { problem, result } = await callProblem(client, 'updateTicket', {
      ticketId: ticket.id,
      priority: 'URGENT',
      expectedVersion: ticket.version,
    })
    expect(problem).toMatchObject({
      status: 412,
      code: 'PRECONDITION_FAILED',
      currentEtag: `"${changed.version}"`,
    })
    expect(result._meta).toMatchObject({ status: 412 })
    const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
    expect(row).toMatchObject({ priority: 'LOW', version: changed.version })
    await close()
  })

  it('failures are tool errors with the problem, never JSON-RPC errors: validation, 404, bad arguments', async () => {
    const tenant = await createTenant()
    const { client, close } = await mcpClient(tenant.tokens.AGENT)
    const invalid = await callProblem(client, 'createTicket', { customerId: tenant.customerId, subject: '' })
    expect(invalid.problem).toMatchObject({ status: 422, code: 'VALIDATION_FAILED' })
    expect(invalid.problem.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'description' })]),
    )
    const missing = await callProblem(client, 'getTicket', { ticketId: crypto.randomUUID() })
    expect(missing.problem).toMatchObject({ status: 404, code: 'NOT_FOUND' })
    const noPath = await callProblem(client, 'getTicket', {})
    expect(noPath.problem).toMatchObject({
      status: 400,
      code: 'INVALID_PARAMETERS',
      errors: [
        {
          path: 'ticketId',
          message: 'Required: a path parameter of this operation (a string, not empty, "." or "..").',
        },
      ],
    })
    const unknownFilter = await callProblem(client, 'listTickets', { colour: 'red' })
    expect(unknownFilter.problem).toMatchObject({ status: 400, code: 'UNKNOWN_PARAMETERS' })
    const noKeyHere = await callProblem(client, 'getTicket', {
      ticketId: crypto.randomUUID(),
      idempotencyKey: 'k',
    })
    expect(noKeyHere.problem).toMatchObject({
      status: 400,
      errors: [{ path: 'idempotencyKey', message: 'getTicket takes no idempotencyKey.' }],
    })
    const badKey = await callProblem(client, 'createTicket', {
      ...newTicketArgs(tenant),
      idempotencyKey: 'é',
    })
    expect(badKey.problem).toMatchObject({ status: 400, code: 'INVALID_IDEMPOTENCY_KEY' })
    expect(await ticketRowsOf(tenant)).toEqual([])
    await close()
  })

  it('a path or query argument must have the JSON type its inputSchema declares (no string for an integer, no null)', async () => {
    const tenant = await createTenant()
    const { client, close } = await mcpClient(tenant.tokens.AGENT)
    const { tools } = await client.listTools()
    const listTickets = tools.find((tool) => tool.name === 'listTickets')
    expect(listTickets?.inputSchema.properties?.limit).toMatchObject({ type: 'integer' })
    for (const [name, args, path, message] of [
      ['listTickets', { limit: '5' }, 'limit', 'Expected integer (the type its inputSchema declares).'],
      ['listTickets', { limit: 2.5 }, 'limit', 'Expected integer (the type its inputSchema declares).'],
      ['listTickets', { limit: null }, 'limit', 'Expected integer (the type its inputSchema declares).'],
      ['listTickets', { q: 42 }, 'q', 'Expected string (the type its inputSchema declares).'],
      ['listTickets', { status: ['OPEN'] }, 'status', 'Expected string (the type its inputSchema declares).'],
      ['getTicket', { ticketId: 7 }, 'ticketId', 'Expected string (the type its inputSchema declares).'],
    ] as const) {
      const { problem } = await callProblem(client, name, args)
      expect(problem, `${name} ${JSON.stringify(args)}`).toMatchObject({
        status: 400,
        code: 'INVALID_PARAMETERS',
        errors: [{ path, message }],
      })
    }
    // The declared types pass: an integer for `limit`, a string for a filter.
    const { body } = await callOk<{ data: unknown[] }>(client, 'listTickets', { limit: 5, status: 'OPEN' })
    expect(body.data).toEqual(expect.any(Array))
    await close()
  })

  it('a tool the role may not call is not listed, and calling it is a 403 tool error that changes nothing', async () => {
    const tenant = await createTenant()
    const { client, useRequestId, close } = await mcpClient(tenant.tokens.AGENT)
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name)).not.toContain('updateOrganization')
    const organizationRow = () =>
      ownerDb.select().from(organizations).where(eq(organizations.id, tenant.organizationId))
    const before = await organizationRow()
    const requestId = `mcp-forbidden-${crypto.randomUUID()}`
    useRequestId(requestId)
    const { problem } = await callProblem(client, 'updateOrganization', { name: 'Taken over' })
    expect(problem).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
      detail: 'The role AGENT may not perform this operation.',
      requestId,
    })
    expect(await organizationRow()).toEqual(before)
    // Refused before the database, as over REST.
    expect(await neonLocalStats(requestId)).toBe(0)
    await close()
  })

  it('an unknown tool (or a platform operation) is a JSON-RPC InvalidParams error', async () => {
    const tenant = await createTenant()
    const { client, close } = await mcpClient(tenant.tokens.ADMIN)
    for (const name of ['noSuchTool', 'createOrganization', 'getHealth']) {
      const call = client.callTool({ name, arguments: {} })
      await expect(call, name).rejects.toBeInstanceOf(McpError)
      await expect(call, name).rejects.toMatchObject({ code: -32602 })
    }
    await close()
  })
})

describe('the same walls as REST', () => {
  let spies: MockInstance[] = []
  let raw: string[] = []
  beforeEach(() => {
    raw = []
    spies = (['log', 'info'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        raw.push(args.map(String).join(' '))
      }),
    )
  })
  afterEach(() => {
    for (const spy of spies) spy.mockRestore()
  })
  const requestLines = (requestId: string) =>
    raw.flatMap((text) => {
      try {
        const line = JSON.parse(text) as Record<string, unknown>
        return line.message === 'request' && line.requestId === requestId ? [line] : []
      } catch {
        return []
      }
    })

  it('a tool call costs the round trips of its REST call, logged once on the /mcp line', async () => {
    const tenant = await createTenant()
    const testClient = await mcpClient(tenant.tokens.AGENT)
    const listId = `mcp-rt-list-${crypto.randomUUID()}`
    testClient.useRequestId(listId)
    await testClient.client.listTools()
    // tools/list reads no tenant data; its one round trip checks the caller (an inactive one is refused).
    expect(await neonLocalStats(listId)).toBe(1)

    /** Each tool with its arguments, and the same request over REST, on a ticket of its own. */
    const refund = { customerId: tenant.customerId, amount: '5.00', currency: 'USD', reason: 'LATE_DELIVERY' }
    const escalation = (ticketId: string) => ({
      ticketId,
      priority: 'LOW',
      reason: 'LOW_CONFIDENCE',
      summary: 's',
    })
    const calls: Array<
      [string, (ticketId: string) => Record<string, unknown>, (ticketId: string) => RestCall]
    > = [
      [
        'createTicket',
        () => newTicketArgs(tenant),
        () => ({ path: '/v1/tickets', body: newTicketArgs(tenant) }),
      ],
      ['getTicket', (id) => ({ ticketId: id }), (id) => ({ path: `/v1/tickets/${id}` })],
      [
        'listTickets',
        () => ({ status: 'OPEN', limit: 5 }),
        () => ({ path: '/v1/tickets?status=OPEN&limit=5' }),
      ],
      [
        'updateTicket',
        (id) => ({ ticketId: id, status: 'IN_PROGRESS' }),
        (id) => ({ path: `/v1/tickets/${id}`, method: 'PATCH', body: { status: 'IN_PROGRESS' } }),
      ],
      ['createRefund', () => refund, () => ({ path: '/v1/refunds', body: refund })],
      ['createEscalation', escalation, (id) => ({ path: '/v1/escalations', body: escalation(id) })],
    ]
    const { body: ticket } = await callOk<{ id: string }>(
      testClient.client,
      'createTicket',
      newTicketArgs(tenant),
    )
    const { body: other } = await callOk<{ id: string }>(
      testClient.client,
      'createTicket',
      newTicketArgs(tenant),
    )
    for (const [tool, args, restOf] of calls) {
      const mcpId = `mcp-rt-${tool}-${crypto.randomUUID()}`
      testClient.useRequestId(mcpId)
      await callOk(testClient.client, tool, args(ticket.id))
      const restId = `rest-rt-${tool}-${crypto.randomUUID()}`
      const { path, method, body } = restOf(other.id)
      const rest = await api(path, {
        method: method ?? (body ? 'POST' : 'GET'),
        token: tenant.tokens.AGENT,
        body,
        headers: { 'X-Request-Id': restId },
      })
      expect(rest.ok).toBe(true)
      const [mcpTrips, restTrips] = [await neonLocalStats(mcpId), await neonLocalStats(restId)]
      expect(mcpTrips, tool).toBe(restTrips)
      expect(mcpTrips, tool).toBeGreaterThan(0)
      // One line for the /mcp request, with the tool, its REST status and the round trips.
      const [mcpLine, ...more] = requestLines(mcpId)
      expect(more).toEqual([])
      expect(mcpLine).toMatchObject({
        route: '/mcp',
        method: 'POST',
        status: 200,
        role: 'AGENT',
        organizationId: tenant.organizationId,
        operationId: tool,
        operationStatus: tool.startsWith('create') ? 201 : 200,
        databaseRoundTrips: restTrips,
      })
      expect(requestLines(restId)).toMatchObject([{ databaseRoundTrips: restTrips }])
    }

    // A replayed key reads the stored answer through the app (middleware/idempotency.ts): those round trips are
    // the /mcp line's too.
    const idempotencyKey = `mcp-rt-${crypto.randomUUID()}`
    await callOk(testClient.client, 'createTicket', { ...newTicketArgs(tenant), idempotencyKey })
    const replayId = `mcp-rt-replay-${crypto.randomUUID()}`
    testClient.useRequestId(replayId)
    const replay = await callOk(testClient.client, 'createTicket', {
      ...newTicketArgs(tenant),
      idempotencyKey,
    })
    expect(replay.result._meta).toMatchObject({ idempotentReplayed: true })
    expect(requestLines(replayId)).toMatchObject([
      { route: '/mcp', operationId: 'createTicket', databaseRoundTrips: await neonLocalStats(replayId) },
    ])
    await testClient.close()
  })

  it('20 simultaneous retries of one refund request (one idempotencyKey): one refund, one charge, one answer', async () => {
    const tenant = await createTenant()
    await createRule(tenant, approveSmall)
    const budget = await createBudget(tenant, '100.00')
    const { client, close } = await mcpClient(tenant.tokens.AGENT)
    const args = {
      customerId: tenant.customerId,
      amount: '10.00',
      currency: 'USD',
      reason: 'LATE_DELIVERY',
      idempotencyKey: crypto.randomUUID(),
    }
    const results = await Promise.all(Array.from({ length: 20 }, () => callOk(client, 'createRefund', args)))
    expect(new Set(results.map(({ body }) => JSON.stringify(body))).size).toBe(1)
    expect(results[0]?.body).toMatchObject({ status: 'APPROVED', amount: '10.00' })
    expect(results.filter(({ result }) => result._meta?.idempotentReplayed)).toHaveLength(19)
    const rows = await ownerDb.select().from(refunds).where(eq(refunds.organizationId, tenant.organizationId))
    expect(rows).toHaveLength(1)
    const { budget: after, usage } = await budgetState(budget.id)
    expect(usage).toHaveLength(1)
    expect(after?.spent).toBe('10.00')
    await close()
  })

  it('rate limits count one per /mcp request; the tool call inside is not counted again', async () => {
    const tenant = await createTenant()
    await ownerDb
      .update(organizations)
      .set({ plan: 'FREE' })
      .where(eq(organizations.id, tenant.organizationId))
    // Wait for a fresh window when this one is nearly over (the emulator's windows follow the clock).
    const remaining = 60_000 - (Date.now() % 60_000)
    if (remaining < 15_000) await new Promise((resolve) => setTimeout(resolve, remaining + 250))
    // The first request teaches this isolate the plan (FREE: 3 per caller, vitest.config.ts).
    expect((await api('/v1/me', { token: tenant.tokens.AGENT })).status).toBe(200)
    // initialize (1) and the initialized notification (2); the SDK's GET is 405 before any limit.
    const { client, exchanges, close } = await mcpClient(tenant.tokens.AGENT)
    await callOk(client, 'getMe', {})
    await expect(client.callTool({ name: 'getMe', arguments: {} })).rejects.toThrow(/429/)
    const refused = exchanges.at(-1)
    expect(refused?.status).toBe(429)
    expect(refused?.responseHeaders.get('Retry-After')).toBe('60')
    await close()
  })
})
