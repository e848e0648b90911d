import { beforeAll, describe, expect, it } from 'vitest'
import { api, json } from './support/api'

/** The OpenAPI document as served: every /v1 operation states who may call it and how it refuses. */

interface Operation {
  description?: string
  security?: Array<Record<string, string[]>>
  'x-permission'?: { roles?: string[]; ownership?: Record<string, string>; platform?: boolean }
  parameters?: Array<{ name: string; in: string }>
  responses: Record<
    string,
    { headers?: Record<string, unknown>; content?: Record<string, { schema?: { $ref?: string } }> }
  >
}
interface Document {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> }
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'])
const PROBLEM_REF = '#/components/schemas/Problem'

let document: Document
let operations: Array<{ name: string; operation: Operation }>

beforeAll(async () => {
  const response = await api('/openapi.json')
  expect(response.status).toBe(200)
  document = await json<Document>(response)
  operations = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
  )
})

const v1 = () => operations.filter(({ name }) => name.split(' ')[1]?.startsWith('/v1/'))
const schemesOf = (operation: Operation) => (operation.security ?? []).flatMap((entry) => Object.keys(entry))

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document with the Bearer and PlatformKey schemes and the Problem schema', () => {
    expect(document.openapi).toBe('3.1.0')
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['Bearer', 'PlatformKey'])
    expect(document.components.schemas).toHaveProperty('Problem')
    expect(v1().length).toBeGreaterThanOrEqual(9)
  })

  it('declares security and x-permission on every /v1 operation', () => {
    for (const { name, operation } of v1()) {
      const schemes = schemesOf(operation)
      expect(schemes.length, name).toBeGreaterThan(0)
      for (const scheme of schemes) expect(['Bearer', 'PlatformKey'], name).toContain(scheme)
      expect(operation['x-permission'], name).toBeTypeOf('object')
      if (schemes.includes('Bearer')) {
        expect(operation['x-permission']?.roles?.length, name).toBeGreaterThan(0)
      } else {
        expect(operation['x-permission'], name).toEqual({ platform: true })
      }
    }
  })

  it('documents 401 and 403 as problem+json with the Problem schema on every /v1 operation', () => {
    for (const { name, operation } of v1()) {
      for (const status of ['401', '403']) {
        const content = operation.responses[status]?.content
        expect(Object.keys(content ?? {}), `${name} ${status}`).toEqual(['application/problem+json'])
        expect(content?.['application/problem+json']?.schema?.$ref, `${name} ${status}`).toBe(PROBLEM_REF)
      }
    }
  })

  it('names the allowed roles (and ownership rules) in every Bearer operation’s description', () => {
    for (const { name, operation } of v1().filter(({ operation }) =>
      schemesOf(operation).includes('Bearer'),
    )) {
      const permission = operation['x-permission']
      const roles = permission?.roles ?? []
      expect(operation.description, name).toContain(`Allowed roles: ${roles.join(', ')}.`)
      for (const role of Object.keys(permission?.ownership ?? {})) {
        expect(operation.description, name).toContain(`Ownership — ${role}:`)
      }
    }
  })

  it('declares on every response the headers the middleware sends with it', () => {
    const headersOf = (operation: Operation, status: string) =>
      Object.keys(operation.responses[status]?.headers ?? {}).map((name) => name.toLowerCase())
    for (const { name, operation } of operations) {
      const rateLimited = schemesOf(operation).includes('Bearer')
      for (const status of Object.keys(operation.responses)) {
        const where = `${name} ${status}`
        const headers = headersOf(operation, status)
        expect(headers, where).toContain('x-request-id')
        if (rateLimited) expect(headers, where).toContain('ratelimit-policy')
        if (status === '401') expect(headers, where).toContain('www-authenticate')
        if (status === '412') expect(headers, where).toContain('etag')
        const problem = operation.responses[status]?.content?.['application/problem+json'] !== undefined
        if (problem && (status === '429' || status === '503')) expect(headers, where).toContain('retry-after')
        if (status === '201' && rateLimited) expect(headers, where).toContain('location')
      }
      const takesKey = (operation.parameters ?? []).some(
        (parameter) => parameter.in === 'header' && parameter.name === 'idempotency-key',
      )
      for (const status of Object.keys(operation.responses).filter((status) => status.startsWith('2'))) {
        expect(headersOf(operation, status).includes('idempotent-replayed'), `${name} ${status}`).toBe(
          takesKey,
        )
      }
    }
  })

  it('declares 422 on every operation that takes an Idempotency-Key (IDEMPOTENCY_KEY_REUSED), with or without a body', () => {
    for (const { name, operation } of operations) {
      const takesKey = (operation.parameters ?? []).some(
        (parameter) => parameter.in === 'header' && parameter.name === 'idempotency-key',
      )
      if (!takesKey) continue
      const content = operation.responses['422']?.content
      expect(content?.['application/problem+json']?.schema?.$ref, `${name} 422`).toBe(PROBLEM_REF)
    }
  })

  it('declares no component schema nullable: a resource is never null, the fields that may be null say so', () => {
    const nullable = Object.entries(document.components.schemas).filter(([, schema]) => {
      const type = (schema as { type?: string | string[] }).type
      return Array.isArray(type) && type.includes('null')
    })
    expect(nullable.map(([name]) => name)).toEqual([])
  })

  it('types what the database constrains: calendar dates as dates, the requester role and first responder as enums', () => {
    type Property = { type?: string | string[]; format?: string; enum?: string[] }
    const schemas = document.components.schemas as Record<string, { properties: Record<string, Property> }>
    const property = (component: string, name: string) => schemas[component]?.properties[name]
    for (const component of ['Budget', 'PerformanceMetrics', 'TeamPerformance'])
      for (const name of ['periodStart', 'periodEnd'])
        expect(property(component, name)?.format, `${component}.${name}`).toBe('date')
    expect(property('Refund', 'requestedByRole')?.enum).toEqual([
      'CUSTOMER',
      'REPRESENTATIVE',
      'ADMIN',
      'AGENT',
    ])
    expect(property('Ticket', 'firstResponseByType')?.enum).toEqual(['REPRESENTATIVE', 'AGENT', null])
  })

  it('declares no cookie parameter (the Worker bundle carries no cookie reader: src/bundle/hono-cookie.ts)', () => {
    expect(JSON.stringify(document)).not.toMatch(/"in":"cookie"/)
  })

  it('has no description with leading or trailing blank space', () => {
    for (const { name, operation } of operations) {
      if (operation.description !== undefined)
        expect(operation.description, name).toBe(operation.description.trim())
    }
  })
})

describe('deny by default', () => {
  it('answers a /v1 route without a token with 401', async () => {
    const response = await api('/v1/tickets')
    expect(response.status).toBe(401)
    expect(response.headers.get('Content-Type')).toContain('application/problem+json')
    expect(response.headers.get('WWW-Authenticate')).toBe('Bearer realm="organization-api"')
    expect(await json(response)).toMatchObject({ status: 401, code: 'TOKEN_MISSING' })
  })

  it('answers every documented Bearer operation without a token with 401', async () => {
    const bearerOperations = v1().filter(({ operation }) => schemesOf(operation).includes('Bearer'))
    for (const { name } of bearerOperations) {
      const [method, template] = name.split(' ') as [string, string]
      const path = template.replaceAll(/\{[^}]+\}/g, crypto.randomUUID())
      const response = await api(path, { method, body: method === 'GET' ? undefined : {} })
      expect(response.status, name).toBe(401)
    }
  })

  it('answers an unknown /v1 path with 404 problem+json', async () => {
    for (const path of ['/v1/nothing-here', '/v1/tickets/x/y/z', '/v1/no-such-resource']) {
      const response = await api(path)
      expect(response.status, path).toBe(404)
      expect(response.headers.get('Content-Type'), path).toContain('application/problem+json')
      expect(await json(response), path).toMatchObject({ status: 404, code: 'NOT_FOUND' })
    }
  })
})
