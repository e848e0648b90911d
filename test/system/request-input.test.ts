import { env, SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { api, json } from '../support/api'
import { neonLocalStats } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { callWith, errorLogsOf } from './support'

/*
 * Strict inputs on EVERY operation of the served document (so a route that lands later is covered without
 * touching this file), and in the order that costs an unwelcome caller least (lib/routes.ts): credential →
 * rate limit → permission → body (415, 413, a broken upload 400) → query and JSON checks (an unknown parameter
 * is 400, never silently ignored) → idempotency → database. A method a documented path does not support is 405
 * with Allow.
 */

type Role = keyof TestTenant['tokens']

interface Operation {
  name: string
  method: string
  path: string
  roles: Role[]
  platform: boolean
  anonymous: boolean
  queryNames: string[]
  takesBody: boolean
  /** The body's declared media types (JSON, or a file upload's allow-list) and its size limit. */
  mediaTypes: string[]
  maxBytes: number
  responses: Record<string, { content?: Record<string, unknown> }>
}

interface DocumentOperation {
  security?: Array<Record<string, string[]>>
  'x-permission'?: { roles?: Role[]; platform?: boolean }
  parameters?: Array<{ name: string; in: string }>
  requestBody?: { content: Record<string, unknown>; 'x-max-bytes'?: number }
  responses: Record<string, { content?: Record<string, unknown> }>
}

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
const problem = (response: Response) =>
  json<{ status: number; code: string; detail: string; errors?: unknown }>(response)

let tenant: TestTenant
let operations: Operation[]
let paths: Record<string, string[]>

beforeAll(async () => {
  tenant = await createTenant()
  const document = await json<{ paths: Record<string, Record<string, DocumentOperation>> }>(
    await api('/openapi.json'),
  )
  paths = Object.fromEntries(
    Object.entries(document.paths).map(([path, item]) => [
      path,
      Object.keys(item).map((m) => m.toUpperCase()),
    ]),
  )
  operations = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      name: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      path,
      roles: operation['x-permission']?.roles ?? [],
      platform: operation['x-permission']?.platform === true,
      anonymous: (operation.security ?? []).length === 0,
      queryNames: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      takesBody: operation.requestBody !== undefined,
      mediaTypes: Object.keys(operation.requestBody?.content ?? {}),
      maxBytes: operation.requestBody?.['x-max-bytes'] ?? 64 * 1024,
      responses: operation.responses,
    })),
  )
  // Guards against a silently empty sweep.
  expect(operations.length).toBeGreaterThan(40)
  expect(operations.filter((op) => op.takesBody).length).toBeGreaterThan(15)
  expect(operations.filter((op) => op.anonymous).map((op) => op.name)).toEqual(
    expect.arrayContaining(['GET /health', 'GET /ready', 'GET /openapi.json', 'GET /docs']),
  )
})

/** A body the operation takes the media type of: `{}` as JSON, or a file (an upload route). */
function acceptedBody(
  operation: Operation,
  content: string | object = {},
): { body: unknown; headers: Record<string, string> } {
  if (operation.mediaTypes.includes('application/json')) return { body: content, headers: {} }
  const text = typeof content === 'string' ? content : 'x'
  return { body: text, headers: { 'Content-Type': operation.mediaTypes[0] as string } }
}

/** The path with random ids (no check here reaches a database, so no id needs to exist). */
const concrete = (path: string) => path.replace(/\{\w+\}/g, () => crypto.randomUUID())

/** The credential an operation accepts: the platform key, none, or a token of a role it allows. */
function credentialOf(operation: Operation): { token?: string; headers: Record<string, string> } {
  if (operation.platform) return { headers: { 'X-Platform-Key': env.PLATFORM_API_KEY as string } }
  if (operation.anonymous) return { headers: {} }
  const role = operation.roles.includes('ADMIN') ? 'ADMIN' : (operation.roles[0] as Role)
  return { token: tenant.tokens[role], headers: {} }
}

/** Calls the operation as an allowed caller, with a request id whose database round trips are then counted. */
async function call(
  operation: Operation,
  init: { query?: string; body?: unknown; headers?: Record<string, string>; token?: string | null } = {},
) {
  const requestId = `input-${crypto.randomUUID()}`
  const credential = credentialOf(operation)
  const token = init.token === null ? undefined : (init.token ?? credential.token)
  const response = await api(`${concrete(operation.path)}${init.query ? `?${init.query}` : ''}`, {
    method: operation.method,
    ...(token ? { token } : {}),
    headers: { ...credential.headers, 'X-Request-Id': requestId, ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
  })
  return { response, roundTrips: () => neonLocalStats(requestId) }
}

describe('unknown query parameters', () => {
  it('are refused with 400 naming them, on every operation, before any database work', async () => {
    for (const operation of operations) {
      // A declared parameter next to the unknown ones is not reported.
      const known = operation.queryNames[0]
      const query = `${known ? `${known}=x&` : ''}notAParameter=1&ticket_id=2`
      const { response, roundTrips } = await call(operation, {
        query,
        ...(operation.takesBody ? acceptedBody(operation) : {}),
      })
      expect(response.status, operation.name).toBe(400)
      expect(response.headers.get('Content-Type'), operation.name).toContain('application/problem+json')
      const body = await problem(response)
      expect(body, operation.name).toMatchObject({
        status: 400,
        code: 'UNKNOWN_PARAMETERS',
        detail: 'Unknown query parameters: notAParameter, ticket_id.',
        errors: [
          { path: 'notAParameter', message: expect.stringContaining('Not a parameter of this operation') },
          { path: 'ticket_id', message: expect.stringContaining('Not a parameter of this operation') },
        ],
      })
      expect(await roundTrips(), operation.name).toBe(0)
    }
  })

  it('say which parameters the operation takes', async () => {
    const listTickets = operations.find((op) => op.name === 'GET /v1/tickets') as Operation
    const { response } = await call(listTickets, { query: 'filter=OPEN' })
    const body = await problem(response)
    expect(body.errors).toEqual([
      {
        path: 'filter',
        message: `Not a parameter of this operation; it takes: ${listTickets.queryNames.join(', ')}.`,
      },
    ])
    const health = operations.find((op) => op.name === 'GET /health') as Operation
    const refused = await problem((await call(health, { query: 'verbose=1' })).response)
    expect(refused.errors).toEqual([
      { path: 'verbose', message: 'Not a parameter of this operation; it takes no query parameters.' },
    ])
  })

  it('leave every declared parameter to the operation (never reported as unknown)', async () => {
    for (const operation of operations.filter((op) => op.queryNames.length > 0)) {
      for (const name of operation.queryNames) {
        const { response } = await call(operation, { query: `${name}=x` })
        const text = await response.text()
        expect(text, `${operation.name} ${name}`).not.toContain('UNKNOWN_PARAMETERS')
      }
    }
  })

  it('still filter when they are known', async () => {
    for (const status of ['OPEN', 'IN_PROGRESS']) {
      const created = await api('/v1/tickets', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        body: { customerId: tenant.customerId, subject: status, description: 'filtered' },
      })
      const ticket = await json<{ id: string; version: number }>(created)
      if (status !== 'OPEN') {
        const moved = await api(`/v1/tickets/${ticket.id}`, {
          method: 'PATCH',
          token: tenant.tokens.ADMIN,
          body: { status },
        })
        expect(moved.status).toBe(200)
      }
    }
    const open = await api('/v1/tickets?status=OPEN&limit=5', { token: tenant.tokens.ADMIN })
    expect(open.status).toBe(200)
    const page = await json<{ data: Array<{ status: string }> }>(open)
    expect(page.data.length).toBeGreaterThan(0)
    expect(
      (await json<{ data: unknown[] }>(await api('/v1/tickets', { token: tenant.tokens.ADMIN }))).data.length,
    ).toBeGreaterThan(page.data.length)
    expect(page.data.every((ticket) => ticket.status === 'OPEN')).toBe(true)
  })

  it('are checked after authentication: an anonymous caller gets 401', async () => {
    const response = await api('/v1/tickets?notAParameter=1')
    expect(response.status).toBe(401)
  })
})

describe('unsupported methods', () => {
  const allowOf = (methods: string[]) =>
    ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']
      .filter((method) => methods.includes(method) || (method === 'HEAD' && methods.includes('GET')))
      .join(', ')

  it('answer 405 with Allow on every path of the document, before any database work', async () => {
    for (const [path, methods] of Object.entries(paths)) {
      for (const method of HTTP_METHODS.filter((candidate) => !methods.includes(candidate))) {
        const requestId = `405-${crypto.randomUUID()}`
        // Unchecked by the response contract (test/support/api.ts): it matches a templated path before a concrete
        // one, so it would take GET /v1/decision-rules/evaluate for GET /v1/decision-rules/{ruleId}.
        const response = await SELF.fetch(`http://api.test${concrete(path)}`, {
          method,
          headers: {
            Authorization: `Bearer ${tenant.tokens.ADMIN}`,
            'X-Request-Id': requestId,
            ...(method === 'GET' ? {} : { 'Content-Type': 'application/json' }),
          },
          ...(method === 'GET' ? {} : { body: '{}' }),
        })
        const name = `${method} ${path}`
        expect(response.status, name).toBe(405)
        expect(response.headers.get('Allow'), name).toBe(allowOf(methods))
        expect(response.headers.get('Content-Type'), name).toContain('application/problem+json')
        expect(await problem(response), name).toMatchObject({
          status: 405,
          code: 'METHOD_NOT_ALLOWED',
          detail: expect.stringContaining(allowOf(methods)),
        })
        expect(await neonLocalStats(requestId), name).toBe(0)
      }
    }
  })

  it('match a concrete path before a templated one, and leave unknown paths 404 and HEAD of a GET path', async () => {
    const evaluate = await SELF.fetch('http://api.test/v1/decision-rules/evaluate', { method: 'GET' })
    expect(evaluate.status).toBe(405)
    expect(evaluate.headers.get('Allow')).toBe(allowOf(paths['/v1/decision-rules/evaluate'] as string[]))
    const unknown = await api('/v1/nothing-here', { method: 'DELETE' })
    expect(unknown.status).toBe(404)
    expect((await problem(unknown)).code).toBe('NOT_FOUND')
    expect(unknown.headers.get('Allow')).toBeNull()
    const head = await SELF.fetch('http://api.test/health', { method: 'HEAD' })
    expect(head.status).toBe(200)
  })
})

describe('request bodies', () => {
  it('in another media type are 415 naming application/json, declared on every operation that takes one', async () => {
    for (const operation of operations) {
      expect(Object.keys(operation.responses).includes('415'), operation.name).toBe(operation.takesBody)
      if (!operation.takesBody) continue
      expect(operation.responses['415']?.content, operation.name).toHaveProperty(['application/problem+json'])
      expect(operation.responses['413']?.content, operation.name).toHaveProperty(['application/problem+json'])
      const { response, roundTrips } = await call(operation, {
        body: 'name=x',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      })
      expect(response.status, operation.name).toBe(415)
      expect(response.headers.get('Content-Type'), operation.name).toContain('application/problem+json')
      expect(await problem(response), operation.name).toMatchObject({
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        detail: `Send the request body as ${operation.mediaTypes.join(' or ')} (with that Content-Type header).`,
      })
      expect(await roundTrips(), operation.name).toBe(0)
    }
  })

  it('without a Content-Type are 415; JSON with parameters or a +json type is accepted', async () => {
    const noType = await SELF.fetch('http://api.test/v1/budgets', {
      method: 'POST',
      headers: { Authorization: `Bearer ${tenant.tokens.ADMIN}` },
      body: new TextEncoder().encode('{"name":"x"}'),
    })
    expect(noType.status).toBe(415)
    expect((await problem(noType)).code).toBe('UNSUPPORTED_MEDIA_TYPE')
    const budget = {
      name: `Typed ${crypto.randomUUID()}`,
      amount: '10.00',
      periodStart: '2026-11-01',
      periodEnd: '2026-11-30',
    }
    for (const type of ['application/json; charset=utf-8', 'application/merge-patch+json']) {
      const response = await api('/v1/budgets', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        headers: { 'Content-Type': type },
        body: { ...budget, name: `${budget.name} ${type}` },
      })
      expect(response.status, type).toBe(201)
    }
  })

  it('are read only after authentication and the permission check: 401, then 403, then 413', async () => {
    const huge = {
      name: 'x'.repeat(70 * 1024),
      amount: '1.00',
      periodStart: '2026-11-01',
      periodEnd: '2026-11-30',
    }
    const budgets = operations.find((op) => op.name === 'POST /v1/budgets') as Operation
    expect(budgets.roles).toEqual(['ADMIN'])
    const anonymous = await call(budgets, { body: huge, token: null })
    expect(anonymous.response.status).toBe(401)
    expect((await problem(anonymous.response)).code).toBe('TOKEN_MISSING')
    const customer = await call(budgets, { body: huge, token: tenant.tokens.CUSTOMER })
    expect(customer.response.status).toBe(403)
    expect((await problem(customer.response)).code).toBe('FORBIDDEN')
    const admin = await call(budgets, { body: huge })
    expect(admin.response.status).toBe(413)
    expect(await problem(admin.response)).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      detail: 'Request bodies are limited to 65536 bytes.',
    })
    for (const attempt of [anonymous, customer, admin]) expect(await attempt.roundTrips()).toBe(0)
  })

  it('over the limit are 413 on every operation that takes one, and 401 without a credential', async () => {
    for (const operation of operations.filter((op) => op.takesBody)) {
      // One byte over the operation's limit (64 KiB; a file upload declares its own, `x-max-bytes`).
      const { body, headers } = acceptedBody(operation, {
        padding: 'x'.repeat(operation.maxBytes - '{"padding":""}'.length + 1),
      })
      const oversized =
        typeof body === 'string' ? { body: 'x'.repeat(operation.maxBytes + 1), headers } : { body, headers }
      if (!operation.anonymous) {
        const refused = await call(operation, {
          ...oversized,
          token: null,
          headers: { ...headers, 'X-Platform-Key': '' },
        })
        expect(refused.response.status, operation.name).toBe(401)
        await refused.response.body?.cancel()
      }
      const { response, roundTrips } = await call(operation, oversized)
      expect(response.status, operation.name).toBe(413)
      expect((await problem(response)).code, operation.name).toBe('PAYLOAD_TOO_LARGE')
      expect(await roundTrips(), operation.name).toBe(0)
    }
  })

  it('streamed without a Content-Length are counted while read: 413 past the limit', async () => {
    const chunk = new TextEncoder().encode(`{"name":"${'x'.repeat(1000)}`)
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 80) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const response = await callWith({}, '/v1/budgets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      headers: { 'Content-Type': 'application/json' },
      body: stream,
    })
    expect(response.status).toBe(413)
    expect((await problem(response)).code).toBe('PAYLOAD_TOO_LARGE')
    expect(sent).toBeLessThan(80)
  })

  it('that break off mid-upload are a 400, not a logged 500', async () => {
    const brokenBody = () => {
      let pulls = 0
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulls++ === 0) controller.enqueue(new TextEncoder().encode('{"name":"half a bo'))
          else controller.error(new TypeError('Network connection lost.'))
        },
      })
    }
    const { result, logs } = await errorLogsOf(() =>
      callWith({}, '/v1/budgets', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        headers: { 'Content-Type': 'application/json', 'X-Request-Id': `aborted-${crypto.randomUUID()}` },
        body: brokenBody(),
      }),
    )
    expect(result.status).toBe(400)
    expect(result.headers.get('Content-Type')).toContain('application/problem+json')
    expect(await problem(result)).toMatchObject({ status: 400, code: 'REQUEST_BODY_INCOMPLETE' })
    expect(logs.filter((line) => line.level === 'error')).toEqual([])
  })
})

describe('JSON bodies that are not UTF-8', () => {
  // "caf\xE9": Latin-1, not UTF-8 (RFC 8259 §8.1: JSON exchanged between systems is UTF-8).
  const latin1 = (json: string) => {
    const [before, after] = json.split('CAFE')
    return new Uint8Array([
      ...new TextEncoder().encode(`${before}caf`),
      0xe9,
      ...new TextEncoder().encode(after),
    ])
  }
  const post = (path: string, body: Uint8Array, contentType = 'application/json') =>
    SELF.fetch(`http://api.test${path}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${tenant.tokens.ADMIN}`,
        'Content-Type': contentType,
        Accept: 'application/json, text/event-stream',
      },
      body,
    })

  it('are 400 on REST, GraphQL and MCP alike, whatever charset they declare, and write nothing', async () => {
    const subject = `Latin-1 ${crypto.randomUUID()}`
    const ticket = `{"customerId":"${tenant.customerId}","subject":"${subject} CAFE","description":"d"}`
    const responses = [
      await post('/v1/tickets', latin1(ticket)),
      await post('/v1/tickets', latin1(ticket), 'application/json; charset=iso-8859-1'),
      await post(
        '/graphql',
        latin1(
          JSON.stringify({
            query: 'mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }',
            variables: {
              input: { customerId: tenant.customerId, subject: `${subject} CAFE`, description: 'd' },
            },
          }),
        ),
      ),
      await post(
        '/mcp',
        latin1(
          JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: {
              name: 'createTicket',
              arguments: { customerId: tenant.customerId, subject: `${subject} CAFE`, description: 'd' },
            },
          }),
        ),
      ),
    ]
    for (const response of responses) {
      expect(response.status).toBe(400)
      expect(response.headers.get('Content-Type')).toContain('application/problem+json')
      expect(await problem(response)).toMatchObject({ status: 400, code: 'MALFORMED_REQUEST' })
    }
    const list = await api(`/v1/tickets?q=${encodeURIComponent(subject)}`, { token: tenant.tokens.ADMIN })
    expect((await json<{ data: unknown[] }>(list)).data).toEqual([])
  })
})

describe('integer query parameters', () => {
  it('are decimal digits: 0x10, 1e1, 10.0, a blank or a repeated limit is 400 on every list, 10 is 200', async () => {
    for (const path of ['/v1/tickets', '/v1/refunds', `/v1/tickets/${crypto.randomUUID()}/messages`]) {
      for (const limit of ['0x10', '1e1', '10.0', '%2010', '', '2&limit=3']) {
        const response = await api(`${path}?limit=${limit}`, { token: tenant.tokens.ADMIN })
        expect(response.status, `${path}?limit=${limit}`).toBe(400)
        expect(await problem(response)).toMatchObject({ errors: [{ path: 'limit' }] })
      }
    }
    const ok = await api('/v1/tickets?limit=10', { token: tenant.tokens.ADMIN })
    expect(ok.status).toBe(200)
  })
})
