import { dereference, type Schema, validate } from '@cfworker/json-schema'

/**
 * Checks one HTTP exchange against the served OpenAPI document: the operation (method + path template) declares
 * the status, every response header the API sent (less the transport and security headers below) and the media
 * type, and the body is valid against that response's schema. JSON Schema 2020-12 by @cfworker/json-schema: no
 * eval or `new Function`, so it runs inside workerd, where the tests run.
 */

interface HeaderObject {
  description?: string
  required?: boolean
  schema?: Schema
  $ref?: string
}

interface ResponseObject {
  description?: string
  headers?: Record<string, HeaderObject>
  content?: Record<string, { schema?: Schema }>
  $ref?: string
}

interface Parameter {
  name: string
  in: string
  required?: boolean
  schema?: Schema
}

export interface Operation {
  operationId?: string
  parameters?: Parameter[]
  responses: Record<string, ResponseObject>
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>
  components?: {
    schemas?: Record<string, Schema>
    headers?: Record<string, HeaderObject>
    responses?: Record<string, ResponseObject>
  }
}

/** What the check needs of an exchange: the request line and the whole response, its body read as text. */
export interface Exchange {
  method: string
  url: string
  status: number
  headers: Headers
  body: string
}

/**
 * Headers the document does not declare response by response, each for a reason. Everything else the API sends
 * must be declared on the response that carries it.
 */
export const UNDECLARED_HEADERS: ReadonlyMap<string, string> = new Map([
  ['content-type', 'checked against the response’s declared media types instead'],
  ['content-length', 'message framing (RFC 9110 §8.6)'],
  ['transfer-encoding', 'message framing (RFC 9112 §6.1)'],
  ['connection', 'hop-by-hop'],
  ['date', 'set by the runtime on every message (RFC 9110 §6.6.1)'],
  [
    'cache-control',
    '`no-store` on every response (middleware/no-store.ts), stated in the document’s description',
  ],
  ['vary', 'CORS (middleware/cors.ts): caches must key on Origin'],
  ['content-security-policy', 'browser security policy of the HTML page /docs'],
  // hono/secure-headers' defaults on every response (src/middleware/secure-headers.ts): browser hardening, no meaning for an API client.
  ...[
    'cross-origin-opener-policy',
    'cross-origin-resource-policy',
    'cross-origin-embedder-policy',
    'origin-agent-cluster',
    'referrer-policy',
    'strict-transport-security',
    'x-content-type-options',
    'x-dns-prefetch-control',
    'x-download-options',
    'x-frame-options',
    'x-permitted-cross-domain-policies',
    'x-xss-protection',
    'permissions-policy',
  ].map((name) => [name, 'hono/secure-headers browser hardening on every response'] as const),
])

/** Every `access-control-*` header: CORS for the configured UI origins (middleware/cors.ts), a browser protocol. */
const isCorsHeader = (name: string) => name.startsWith('access-control-')

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']
const BASE = new URL('https://contract.test/openapi.json')

const escapePointer = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1')

interface Route {
  template: string
  pattern: RegExp
  parameters: number
  operations: Record<string, Operation>
}

export interface MatchedOperation {
  name: string
  template: string
  method: string
  operation: Operation
}

export class ResponseContract {
  readonly #document: OpenApiDocument
  readonly #lookup: Record<string, Schema | boolean> = Object.create(null)
  readonly #routes: Route[]
  readonly #dereferenced = new WeakSet<object>()
  readonly #problem: Schema = { $ref: '#/components/schemas/Problem' }

  constructor(document: OpenApiDocument) {
    // A private copy: the validator annotates the schemas it dereferences.
    this.#document = structuredClone(document)
    for (const [name, schema] of Object.entries(this.#document.components?.schemas ?? {})) {
      dereference(schema, this.#lookup, BASE, `/components/schemas/${escapePointer(name)}`)
    }
    this.#routes = Object.entries(this.#document.paths)
      .map(([template, item]) => ({
        template,
        pattern: new RegExp(
          `^${template
            .split(/(\{[^}]+\})/)
            .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
            .join('')}$`,
        ),
        parameters: (template.match(/\{/g) ?? []).length,
        operations: Object.fromEntries(
          Object.entries(item).filter(([method]) => METHODS.includes(method)),
        ) as Record<string, Operation>,
      }))
      // Literal segments win over parameters (`/v1/decision-rules/evaluate` before `/v1/decision-rules/{ruleId}`).
      .sort((a, b) => a.parameters - b.parameters)
  }

  /** The operation a request reaches: the first template (fewest parameters first) with this method. */
  operationOf(method: string, pathname: string): MatchedOperation | undefined {
    const verb = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase()
    for (const route of this.#routes) {
      const operation = route.operations[verb]
      if (operation && route.pattern.test(pathname)) {
        return {
          name: `${method.toUpperCase()} ${route.template}`,
          template: route.template,
          method: verb,
          operation,
        }
      }
    }
    return undefined
  }

  /** True when the document has the path (with any method). */
  hasPath(pathname: string): boolean {
    return this.#routes.some((route) => route.pattern.test(pathname))
  }

  /** Validates `instance` against a schema of the document (its `$ref`s resolve to the document’s components). */
  validate(instance: unknown, schema: Schema | boolean, pointer: string): string[] {
    if (typeof schema === 'object' && !this.#dereferenced.has(schema)) {
      dereference(schema, this.#lookup, BASE, pointer)
      this.#dereferenced.add(schema)
    }
    const result = validate(instance, schema, '2020-12', this.#lookup, false)
    return result.errors
      .filter((error) => error.keyword !== '$ref' && !error.error.startsWith('A subschema had errors'))
      .slice(0, 8)
      .map((error) => `${error.instanceLocation || '#'}: ${error.error} (${error.keywordLocation})`)
  }

  /** Every way `exchange` departs from the document; empty when it is exactly as declared. */
  violationsOf(exchange: Exchange): string[] {
    const url = new URL(exchange.url)
    const matched = this.operationOf(exchange.method, url.pathname)
    if (!matched) return this.#unroutedViolations(exchange, url.pathname)
    const { name, template, method, operation } = matched
    const statusKey = String(exchange.status)
    const responseKey = [statusKey, `${statusKey[0]}XX`, 'default'].find((key) => operation.responses[key])
    if (!responseKey) {
      return [
        `${name}: status ${exchange.status} is not declared (declared: ${Object.keys(operation.responses).join(', ')})`,
      ]
    }
    const response = this.#resolveResponse(operation.responses[responseKey] as ResponseObject)
    const pointer = `/paths/${escapePointer(template)}/${method}/responses/${responseKey}`
    const where = `${name} → ${exchange.status}`
    return [
      ...this.#headerViolations(where, response, exchange.headers, pointer),
      ...this.#bodyViolations(where, response, exchange, pointer),
      ...this.#replayViolations(where, operation, exchange.headers),
    ]
  }

  #resolveResponse(response: ResponseObject): ResponseObject {
    const name = response.$ref?.split('/').pop()
    return name ? (this.#document.components?.responses?.[name] ?? response) : response
  }

  /** The header object and its JSON pointer (a `$ref` to `components/headers` resolved). */
  #resolveHeader(header: HeaderObject, pointer: string): { header: HeaderObject; pointer: string } {
    const name = header.$ref?.split('/').pop()
    const component = name ? this.#document.components?.headers?.[name] : undefined
    return component
      ? { header: component, pointer: `/components/headers/${escapePointer(name as string)}` }
      : { header, pointer }
  }

  #headerViolations(where: string, response: ResponseObject, headers: Headers, pointer: string): string[] {
    const declared = new Map(
      Object.entries(response.headers ?? {}).map(([name, header]) => [
        name.toLowerCase(),
        this.#resolveHeader(header, `${pointer}/headers/${escapePointer(name)}`),
      ]),
    )
    const violations: string[] = []
    headers.forEach((value, name) => {
      if (UNDECLARED_HEADERS.has(name) || isCorsHeader(name)) return
      const found = declared.get(name)
      if (!found) {
        violations.push(`${where}: response header ${name} is not declared`)
        return
      }
      const schema = found.header.schema
      if (schema) {
        const instance = schema.type === 'integer' || schema.type === 'number' ? Number(value) : value
        for (const error of this.validate(instance, schema, `${found.pointer}/schema`)) {
          violations.push(`${where}: response header ${name}: ${JSON.stringify(value)}: ${error}`)
        }
      }
    })
    for (const [name, { header }] of declared) {
      if (header.required && !headers.has(name))
        violations.push(`${where}: required response header ${name} is missing`)
    }
    return violations
  }

  #bodyViolations(where: string, response: ResponseObject, exchange: Exchange, pointer: string): string[] {
    const content = response.content ?? {}
    const mediaType = exchange.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
    if (exchange.method.toUpperCase() === 'HEAD') return []
    if (Object.keys(content).length === 0) {
      return exchange.body === ''
        ? []
        : [`${where}: a body (${mediaType ?? 'no media type'}) where none is declared`]
    }
    if (!mediaType || !content[mediaType]) {
      return [
        `${where}: media type ${mediaType ?? '(none)'} is not declared (declared: ${Object.keys(content).join(', ')})`,
      ]
    }
    const schema = content[mediaType]?.schema
    if (!schema) return []
    let instance: unknown = exchange.body
    if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
      try {
        instance = JSON.parse(exchange.body)
      } catch {
        return [`${where}: the ${mediaType} body is not JSON: ${exchange.body.slice(0, 120)}`]
      }
    }
    const schemaPointer = `${pointer}/content/${escapePointer(mediaType)}/schema`
    return this.validate(instance, schema, schemaPointer).map((error) => `${where}: body ${error}`)
  }

  /** A replayed answer comes from an operation that declares the Idempotency-Key it honoured. */
  #replayViolations(where: string, operation: Operation, headers: Headers): string[] {
    if (!headers.has('idempotent-replayed')) return []
    const declares = (operation.parameters ?? []).some(
      (parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key',
    )
    return declares ? [] : [`${where}: replayed an Idempotency-Key that the operation does not declare`]
  }

  /**
   * A request no operation declares: a CORS preflight (a browser protocol), or the app's own refusal of an
   * unknown path (404) or method (405): problem+json, with `Allow` on a 405.
   */
  #unroutedViolations(exchange: Exchange, pathname: string): string[] {
    const where = `${exchange.method.toUpperCase()} ${pathname} (no operation) → ${exchange.status}`
    if (exchange.method.toUpperCase() === 'OPTIONS') return []
    const allowed = exchange.status === 404 || (exchange.status === 405 && this.hasPath(pathname))
    if (!allowed)
      return [`${where}: only 404 (unknown path) or 405 (known path, other method) may answer here`]
    const violations: string[] = []
    exchange.headers.forEach((_value, name) => {
      if (UNDECLARED_HEADERS.has(name) || isCorsHeader(name) || name === 'x-request-id') return
      if (name === 'allow' && exchange.status === 405) return
      violations.push(`${where}: response header ${name} is not declared`)
    })
    const mediaType = exchange.headers.get('content-type')?.split(';')[0]?.trim()
    if (mediaType !== 'application/problem+json') {
      return [
        ...violations,
        `${where}: media type ${mediaType ?? '(none)'} instead of application/problem+json`,
      ]
    }
    let problem: unknown
    try {
      problem = JSON.parse(exchange.body)
    } catch {
      return [...violations, `${where}: the problem+json body is not JSON`]
    }
    return [
      ...violations,
      ...this.validate(problem, this.#problem, '/x-unrouted-problem').map(
        (error) => `${where}: body ${error}`,
      ),
    ]
  }
}
