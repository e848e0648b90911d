import { env } from 'cloudflare:test'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { api, json } from '../support/api'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * Hostile input against EVERY operation of the served OpenAPI document (so a route that lands later is
 * covered without touching this file): NUL characters and lone surrogates in strings and object keys, JSON
 * nested thousands of levels deep, extreme numbers and dates, forged cursors and version headers. Whatever is
 * sent, the answer is never a 5xx and every error is problem+json with a stable code.
 */

interface Operation {
  method: string
  path: string
  parameters: Array<{ name: string; in: string; schema?: { enum?: string[] } }>
  bodyFields: string[]
}

type JsonSchema = { $ref?: string; properties?: Record<string, unknown>; allOf?: JsonSchema[] }

async function expectHandled(response: Response, label: string): Promise<void> {
  expect(response.status, label).toBeLessThan(500)
  // GraphQL over HTTP (/graphql) answers what GraphQL reports in GraphQL's format, each error with its REST code.
  if (
    response.status >= 400 &&
    response.headers.get('Content-Type')?.includes('application/graphql-response+json')
  ) {
    const answer = await json<{ errors?: Array<{ extensions?: { code?: unknown } }> }>(response)
    expect(typeof answer.errors?.[0]?.extensions?.code, label).toBe('string')
    return
  }
  if (response.status >= 400) {
    expect(response.headers.get('Content-Type'), label).toContain('application/problem+json')
    const problem = await json<{ code?: unknown; status?: unknown }>(response)
    expect(typeof problem.code, label).toBe('string')
    expect(problem.status, label).toBe(response.status)
  } else {
    await response.body?.cancel()
  }
}

const hostileConstants = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00',
  'end\ud83d',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z',
  '0000-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-11-24T24:00:00Z',
  '2026-11-24T10:00:60Z',
  '99999',
  '1e400',
  'NaN',
  '',
  'none',
  '*',
  'x'.repeat(5000),
  'ok\u0000',
  '🙂\udc00',
]
const hostileText = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...hostileConstants) },
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ maxLength: 20 }),
)
const hostileNumbers = [
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 31,
  -(2 ** 31) - 1,
  -0,
  0.1,
  5e-324,
  -1,
]
const hostileNumber = fc.constantFrom(...hostileNumbers)
const hostileScalar = fc.oneof(hostileText, hostileNumber, fc.boolean(), fc.constant(null))
const nestedDeep = (depth: number) => {
  let value: unknown = 'bottom'
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { k: value }
  return value
}
const hostileValue = fc.oneof(
  hostileScalar,
  fc.array(hostileScalar, { maxLength: 3 }),
  fc.dictionary(hostileText, hostileScalar, { maxKeys: 3 }),
  fc.constantFrom(nestedDeep(9), nestedDeep(40), { 'k\u0000': 1 }, { '\ud800': 'x' }, { a: { b: '\u0000' } }),
)

function toBase64Url(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '')
}

const forgedCursor = (sorts: string[]) =>
  fc
    .record({
      s: fc.constantFrom(...sorts, 'nope'),
      v: fc.array(fc.oneof(hostileText, hostileNumber), { minLength: 1, maxLength: 4 }),
    })
    .map((payload) => toBase64Url(JSON.stringify(payload)))

const hostileIfMatch = fc.constantFrom(
  '"99999999999999999999"',
  `"${'9'.repeat(300)}"`,
  '"+275760-09-13T00:00:00.000Z"',
  '"8640000000000001"',
  'W/"1"',
  '"1", "2", "x"',
  '*',
  '"0"',
)

function resolve(schema: JsonSchema | undefined, components: Record<string, JsonSchema>): JsonSchema {
  if (!schema) return {}
  if (schema.$ref) return resolve(components[schema.$ref.split('/').pop() as string], components)
  return schema
}

async function operations(): Promise<Operation[]> {
  const document = await json<{
    paths: Record<string, Record<string, { parameters?: Operation['parameters']; requestBody?: unknown }>>
    components: { schemas: Record<string, JsonSchema> }
  }>(await api('/openapi.json'))
  const result: Operation[] = []
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const body = operation.requestBody as { content?: Record<string, { schema?: JsonSchema }> } | undefined
      const schema = resolve(body?.content?.['application/json']?.schema, document.components.schemas)
      result.push({
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        bodyFields: Object.keys(schema.properties ?? {}),
      })
    }
  }
  return result
}

describe('hostile input on every operation of the OpenAPI document', () => {
  let tenant: TestTenant
  let ids: Record<string, string>
  let all: Operation[]

  beforeAll(async () => {
    tenant = await createTenant()
    const created = await api('/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { customerId: tenant.customerId, subject: 'target', description: 'of hostile input' },
    })
    const ticket = await json<{ id: string }>(created)
    // A user of its own for the users routes, so hostile PATCHes cannot deactivate the callers' accounts.
    const target = await api('/v1/users', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { email: `target-${crypto.randomUUID()}@example.com`, name: 'Target', role: 'REPRESENTATIVE' },
    })
    const targetUser = await json<{ id: string }>(target)
    const post = async (path: string, body: unknown) =>
      json<{ id: string }>(await api(path, { method: 'POST', token: tenant.tokens.ADMIN, body }))
    const rule = await post('/v1/decision-rules', {
      name: 'R',
      action: 'REQUIRE_APPROVAL',
      conditions: { all: [] },
    })
    const budget = await post('/v1/budgets', {
      name: 'B',
      amount: '99.00',
      periodStart: '2026-11-01',
      periodEnd: '2026-11-30',
    })
    const refund = await post('/v1/refunds', {
      customerId: tenant.customerId,
      amount: '5.00',
      currency: 'USD',
      reason: 'OTHER',
    })
    const escalation = await json<{ id: string }>(
      await api('/v1/escalations', {
        method: 'POST',
        token: tenant.tokens.AGENT,
        body: { ticketId: ticket.id, priority: 'HIGH', reason: 'LOW_CONFIDENCE', summary: 'Target' },
      }),
    )
    // Real ids of the caller's tenant for the path parameters this suite knows; any other gets a random uuid.
    ids = {
      ticketId: ticket.id,
      userId: targetUser.id,
      customerId: tenant.customerId,
      representativeId: tenant.representativeId,
      agentId: tenant.agentId,
      ruleId: rule.id,
      budgetId: budget.id,
      refundId: refund.id,
      escalationId: escalation.id,
    }
    all = await operations()
    // Guards against a silently empty sweep: these operations exist today and take bodies/queries.
    expect(all.filter((op) => op.bodyFields.length > 0).map((op) => `${op.method} ${op.path}`)).toEqual(
      expect.arrayContaining(['POST /v1/tickets', 'PATCH /v1/tickets/{ticketId}', 'PATCH /v1/organization']),
    )
    expect(all.filter((op) => op.parameters.some((p) => p.in === 'query')).length).toBeGreaterThan(0)
  })

  // An override is sent as written (it may hold its own percent-escapes); known ids are ordinary segments.
  /** Known-valid bodies per operation; the property tests make one or two of their fields hostile. */
  const validBodies = (): Record<string, Record<string, unknown>> => ({
    'POST /v1/tickets': { customerId: tenant.customerId, subject: 'Subject', description: 'Description' },
    'PATCH /v1/tickets/{ticketId}': { priority: 'HIGH' },
    'POST /graphql': { query: '{ tickets(first: 1) { nodes { id customer { name } } } }' },
    'POST /v1/tickets/{ticketId}/messages': { body: 'Hello', visibility: 'PUBLIC', format: 'MARKDOWN' },
    'PUT /v1/tickets/{ticketId}/assignee': { representativeId: tenant.representativeId },
    'PUT /v1/tickets/{ticketId}/satisfaction': { rating: 5, comment: 'Thanks' },
    'PATCH /v1/organization': { name: 'Renamed' },
    'PUT /v1/me/status': { status: 'AWAY' },
    'POST /v1/users': { email: `${crypto.randomUUID()}@hostile.example`, name: 'New', role: 'CUSTOMER' },
    'PATCH /v1/users/{userId}': { name: 'Renamed' },
    'PATCH /v1/representatives/{representativeId}': { maxConcurrentTickets: 3 },
    'PATCH /v1/customers/{customerId}': { preferences: { channel: 'email' } },
    'POST /v1/agents': { name: 'Bot', type: 'TRIAGE', model: 'm' },
    'PATCH /v1/agents/{agentId}': { model: 'm2' },
    'POST /v1/decision-rules': { name: 'Rule', action: 'REQUIRE_APPROVAL', conditions: { all: [] } },
    'PATCH /v1/decision-rules/{ruleId}': { priority: 5 },
    'POST /v1/decision-rules/evaluate': {
      customerId: tenant.customerId,
      amount: '5.00',
      currency: 'USD',
      reason: 'OTHER',
    },
    'POST /v1/refunds': { customerId: tenant.customerId, amount: '5.00', currency: 'USD', reason: 'OTHER' },
    'POST /v1/refunds/{refundId}/approve': { notes: 'Goodwill.' },
    'POST /v1/refunds/{refundId}/reject': { notes: 'No.' },
    'POST /v1/budgets': {
      name: `B ${crypto.randomUUID()}`,
      amount: '10.00',
      periodStart: '2026-11-01',
      periodEnd: '2026-11-30',
    },
    'PATCH /v1/budgets/{budgetId}': { name: 'Renamed' },
    'POST /v1/escalations': {
      ticketId: ids.ticketId,
      priority: 'HIGH',
      reason: 'LOW_CONFIDENCE',
      summary: 'Hostile',
      aiConfidence: 0.5,
    },
    'PATCH /v1/escalations/{escalationId}': { summary: 'Edited', priority: 'CRITICAL' },
    'POST /v1/escalations/{escalationId}/assign': { representativeId: 'auto' },
    'POST /v1/escalations/{escalationId}/resolve': { resolutionNotes: 'Done.' },
    'POST /v1/metrics/recompute': { from: '2026-11-16', to: '2026-11-17' },
    'POST /v1/webhook-endpoints': { url: 'https://hooks.example.com/hostile', enabledEvents: ['ticket.*'] },
    'PATCH /v1/webhook-endpoints/{endpointId}': { description: 'Edited', enabledEvents: ['*'] },
    'POST /v1/webhook-endpoints/{endpointId}/rotate-secret': { revokePrevious: false },
    'POST /v1/events/{eventId}/redeliver': {},
    'POST /v1/organizations': {
      name: 'Hostile Inc',
      slug: `h-${crypto.randomUUID().slice(0, 8)}`,
      admin: { email: `${crypto.randomUUID().slice(0, 8)}@hostile.example`, name: 'Admin' },
    },
    'PATCH /v1/organizations/{organizationId}': { plan: 'PROFESSIONAL' },
  })

  const pathOf = (operation: Operation, override?: string) =>
    operation.path.replace(/\{(\w+)\}/g, (_, name: string) => override ?? ids[name] ?? crypto.randomUUID())

  const send = (
    operation: Operation,
    init: {
      path?: string
      query?: string
      body?: unknown
      headers?: Record<string, string>
      role?: 'ADMIN' | 'CUSTOMER'
    },
  ) =>
    api(`${init.path ?? pathOf(operation)}${init.query ? `?${init.query}` : ''}`, {
      method: operation.method,
      token: tenant.tokens[init.role ?? 'ADMIN'],
      headers: { 'X-Platform-Key': env.PLATFORM_API_KEY as string, ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
    })

  it('every operation that takes a body has a valid sample here (a new route must add one)', () => {
    const missing = all
      .filter((op) => op.bodyFields.length > 0)
      .map((op) => `${op.method} ${op.path}`)
      .filter((key) => !(key in validBodies()))
    expect(missing).toEqual([])
  })

  it('bodies: every declared field of a valid body gets every hostile value class in turn', async () => {
    const classes = [
      ...hostileConstants,
      ...hostileNumbers,
      [hostileConstants[0]],
      { nested: { deeper: hostileConstants[1] } },
      { 'k\u0000': 1 },
      { '\ud800': 'x' },
      nestedDeep(9),
      nestedDeep(40),
    ]
    for (const operation of all.filter((op) => op.bodyFields.length > 0)) {
      for (const field of operation.bodyFields) {
        for (const value of classes) {
          // A fresh valid body each time (provisioning needs a new slug, or it stops at 409).
          const body = { ...validBodies()[`${operation.method} ${operation.path}`], [field]: value }
          const response = await send(operation, { body })
          await expectHandled(
            response,
            `${operation.method} ${operation.path} ${field}=${JSON.stringify(value).slice(0, 80)}`,
          )
        }
      }
    }
  }, 240_000) // Sequential: every field of every body × every hostile class (~3,000 requests), not a timing claim.

  it('bodies: a valid body with one or two fields made hostile (so it reaches the database), any role', async () => {
    for (const operation of all.filter((op) => op.bodyFields.length > 0)) {
      const valid = validBodies()[`${operation.method} ${operation.path}`] ?? {}
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(fc.constantFrom(...operation.bodyFields), hostileValue, {
            minKeys: 1,
            maxKeys: 2,
          }),
          fc.constantFrom('ADMIN', 'CUSTOMER') as fc.Arbitrary<'ADMIN' | 'CUSTOMER'>,
          fc.option(hostileIfMatch, { nil: undefined }),
          async (overrides, role, ifMatch) => {
            const body = { ...valid, ...overrides }
            const response = await send(operation, {
              body,
              role,
              ...(ifMatch ? { headers: { 'If-Match': ifMatch } } : {}),
            })
            await expectHandled(
              response,
              `${operation.method} ${operation.path} ${JSON.stringify(body).slice(0, 300)}`,
            )
          },
        ),
        { numRuns: 25 },
      )
    }
  })

  it('bodies: JSON nested thousands of levels deep, at the top and inside each field', async () => {
    const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`
    const deepObject = (depth: number) => `${'{"k":'.repeat(depth)}1${'}'.repeat(depth)}`
    for (const operation of all.filter((op) => op.bodyFields.length > 0)) {
      const bodies = [
        deep(5000),
        deepObject(5000),
        ...operation.bodyFields.map((field) => `{${JSON.stringify(field)}:${deep(3000)}}`),
        ...operation.bodyFields.map((field) => `{${JSON.stringify(field)}:${deepObject(3000)}}`),
        ...operation.bodyFields.map(
          (field) => `{${JSON.stringify(field)}:${JSON.stringify(nestedDeep(200))}}`,
        ),
      ]
      for (const body of bodies) {
        const response = await send(operation, { body })
        await expectHandled(response, `${operation.method} ${operation.path} deep ${body.slice(0, 40)}`)
        expect(response.status, `${operation.method} ${operation.path}`).toBeGreaterThanOrEqual(400)
      }
    }
  })

  it('query parameters: hostile values and forged cursors for every declared parameter', async () => {
    for (const operation of all.filter((op) => op.parameters.some((p) => p.in === 'query'))) {
      const names = operation.parameters.filter((p) => p.in === 'query').map((p) => p.name)
      const sorts = operation.parameters.find((p) => p.name === 'sort')?.schema?.enum ?? ['-createdAt']
      const value = fc.oneof(hostileText, hostileNumber.map(String), forgedCursor(sorts))
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom(...names, 'cursor'), value), { minLength: 1, maxLength: 4 }),
          async (pairs) => {
            const query = new URLSearchParams(pairs).toString()
            await expectHandled(
              await send(operation, { query }),
              `${operation.method} ${operation.path}?${query}`,
            )
          },
        ),
        { numRuns: 40 },
      )
    }
  })

  it('path parameters: hostile segments are 4xx, never a database error', async () => {
    for (const operation of all.filter((op) => op.path.includes('{'))) {
      // '%ED%A0%80' is a lone surrogate's UTF-8-like encoding, '%C0%80' an overlong NUL: both invalid UTF-8.
      for (const segment of [
        '\u0000',
        '%00',
        '%ED%A0%80',
        '%C0%80',
        'x'.repeat(2000),
        '00000000-0000-0000-0000-000000000000',
        '-1',
      ]) {
        const body = ['GET', 'HEAD'].includes(operation.method) ? undefined : {}
        const response = await send(operation, { path: pathOf(operation, segment), body })
        await expectHandled(response, `${operation.method} ${operation.path} ${JSON.stringify(segment)}`)
        expect(response.status).toBeGreaterThanOrEqual(400)
      }
    }
  })
})
