import { beforeAll, describe, expect, it } from 'vitest'
import { api, json } from '../support/api'
import { createTenant } from '../support/tenants'
import { type Exchange, type OpenApiDocument, ResponseContract } from './response-contract'

/**
 * The check every test answer goes through (test/support/api.ts): it must refuse what the document does not
 * declare — a status, a header, a null, a media type, a replay — and accept an answer exactly as declared.
 */

let contract: ResponseContract
/** A real answer of GET /v1/tickets/{ticketId}: each refusal below changes one thing of it. */
let sample: { url: string; headers: Record<string, string>; ticket: Record<string, unknown> }

beforeAll(async () => {
  contract = new ResponseContract(await json<OpenApiDocument>(await api('/openapi.json')))
  const tenant = await createTenant()
  const created = await api('/v1/tickets', {
    method: 'POST',
    token: tenant.tokens.REPRESENTATIVE,
    body: { customerId: tenant.customerId, subject: 'Checked', description: 'By the contract.' },
  })
  const { id } = await json<{ id: string }>(created)
  const read = await api(`/v1/tickets/${id}`, { token: tenant.tokens.REPRESENTATIVE })
  sample = {
    url: `http://api.test/v1/tickets/${id}`,
    headers: Object.fromEntries(read.headers),
    ticket: await json(read),
  }
})

function exchange(
  overrides: Partial<Omit<Exchange, 'headers'>> & { headers?: Record<string, string> } = {},
): Exchange {
  return {
    method: 'GET',
    url: sample.url,
    status: 200,
    body: JSON.stringify(sample.ticket),
    ...overrides,
    headers: new Headers(overrides.headers ?? sample.headers),
  }
}

describe('the response contract check', () => {
  it('accepts a real answer exactly as declared', () => {
    expect(sample.headers['x-request-id']).toBeDefined()
    expect(contract.violationsOf(exchange())).toEqual([])
  })

  it('refuses a status the operation does not declare', () => {
    expect(contract.violationsOf(exchange({ status: 202 })).join('\n')).toContain(
      'GET /v1/tickets/{ticketId}: status 202 is not declared',
    )
  })

  it('refuses a response header the response does not declare, and a missing required one', () => {
    const headers = {
      'Content-Type': 'application/json',
      'X-Request-Id': 'req-00000001',
      'X-Undeclared': 'surprise',
    }
    const violations = contract.violationsOf(exchange({ headers })).join('\n')
    expect(violations).toContain('response header x-undeclared is not declared')
    expect(violations).toContain('required response header etag is missing')
  })

  it('refuses a null the schema does not allow, and a field of the wrong type', () => {
    const violations = contract
      .violationsOf(exchange({ body: JSON.stringify({ ...sample.ticket, subject: null, version: 'one' }) }))
      .join('\n')
    expect(violations).toContain('#/subject')
    expect(violations).toContain('#/version')
  })

  it('refuses an undeclared media type and a body where none is declared', () => {
    expect(
      contract
        .violationsOf(
          exchange({
            headers: { 'Content-Type': 'text/plain', ETag: '"1"', 'X-Request-Id': 'req-00000001' },
            body: 'hello',
          }),
        )
        .join('\n'),
    ).toContain('media type text/plain is not declared')
    expect(
      contract
        .violationsOf({
          method: 'DELETE',
          url: `http://api.test/v1/decision-rules/${crypto.randomUUID()}`,
          status: 204,
          headers: new Headers({ 'X-Request-Id': 'req-00000001', 'Content-Type': 'application/json' }),
          body: '{}',
        })
        .join('\n'),
    ).toContain('a body (application/json) where none is declared')
  })

  it('refuses a replay from an operation that does not declare Idempotency-Key', () => {
    // A read declares none (every tenant write does, since PATCH, PUT and DELETE take one too).
    const violations = contract.violationsOf({
      method: 'GET',
      url: sample.url,
      status: 200,
      headers: new Headers({
        'Content-Type': 'application/json',
        ETag: '"1"',
        'X-Request-Id': 'req-00000001',
        'Idempotent-Replayed': 'true',
      }),
      body: JSON.stringify(sample.ticket),
    })
    expect(violations.join('\n')).toContain('replayed an Idempotency-Key that the operation does not declare')
  })

  it('matches literal segments before parameters, and allows only 404/405 problems where no operation is', () => {
    expect(contract.operationOf('POST', '/v1/decision-rules/evaluate')?.name).toBe(
      'POST /v1/decision-rules/evaluate',
    )
    expect(contract.operationOf('GET', '/v1/decision-rules/evaluate')?.name).toBe(
      'GET /v1/decision-rules/{ruleId}',
    )
    const problem = { type: 'x', title: 'Not Found', status: 404, detail: 'No route.', code: 'NOT_FOUND' }
    const unrouted = (status: number) =>
      contract.violationsOf({
        method: 'GET',
        url: 'http://api.test/v1/nowhere',
        status,
        headers: new Headers({ 'Content-Type': 'application/problem+json', 'X-Request-Id': 'req-00000001' }),
        body: JSON.stringify({ ...problem, status }),
      })
    expect(unrouted(404)).toEqual([])
    expect(unrouted(200).join('\n')).toContain('only 404 (unknown path) or 405')
  })
})
