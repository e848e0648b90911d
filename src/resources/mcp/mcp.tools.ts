import type { Tool } from '@modelcontextprotocol/sdk/types.js'
import { type PrincipalRole, principalRoles } from '../../auth/principal'

/**
 * MCP tools derived from the served OpenAPI document (docs/conversations.md §7), never written twice: every
 * operation a bearer token may call (`security: Bearer`, `x-permission.roles`) is a tool named by its operationId,
 * described by its summary and description, taking its path, query and body parameters as one object of arguments
 * (plus `idempotencyKey` where it takes `Idempotency-Key`, `expectedVersion` where it takes `If-Match`) and
 * answering its success response's schema. The schemas are the document's (JSON Schema 2020-12, as OpenAPI 3.1
 * writes them), made standalone: `#/components/schemas/X` becomes `#/$defs/X`.
 */

/** A JSON Schema object (OpenAPI 3.1 schemas are JSON Schema 2020-12). */
export type JsonSchema = { [keyword: string]: unknown }

/** The parts of an OpenAPI 3.1 document the derivation reads. */
export interface OpenApiDocument {
  info?: { title?: string; version?: string }
  paths?: Record<string, Record<string, unknown>>
  components?: { schemas?: Record<string, JsonSchema>; parameters?: Record<string, unknown> }
}

interface ParameterObject {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  description?: string
  schema?: JsonSchema
}

interface MediaTypeObject {
  schema?: JsonSchema
}

interface OperationObject {
  operationId?: string
  summary?: string
  description?: string
  security?: Array<Record<string, unknown>>
  'x-permission'?: { roles?: PrincipalRole[] }
  /** `false`: the operation is no tool (a route declares it, e.g. a protocol endpoint of its own). */
  'x-mcp'?: boolean
  /** `true`: a POST that writes nothing (a dry run whose input is a body), a read like a GET. */
  'x-read-only'?: boolean
  /** `true`: a POST whose repeat with the same arguments leaves the state the first call left (a recompute). */
  'x-idempotent'?: boolean
  parameters?: Array<ParameterObject | { $ref: string }>
  requestBody?: { required?: boolean; content?: Record<string, MediaTypeObject> }
  responses?: Record<string, { content?: Record<string, MediaTypeObject> }>
}

/** How a tool call becomes the operation's HTTP request (mcp.dispatch.ts). */
export interface ToolOperation {
  method: string
  /** The OpenAPI path template, `{name}` for each path parameter. */
  path: string
  pathParameters: readonly string[]
  queryParameters: readonly string[]
  /** Whether the operation takes a JSON body, and must get one. */
  body: { required: boolean } | undefined
  /** Takes `Idempotency-Key`: the `idempotencyKey` argument. */
  idempotencyKey: boolean
  /** Takes `If-Match`: the `expectedVersion` argument. */
  expectedVersion: boolean
  /** The component its success answers (`#/components/schemas/<name>`), if it names one (GraphQL types it). */
  result?: string
}

/** A tool, the roles that may call it (from `x-permission`) and the operation it runs. */
export interface OperationTool {
  tool: Tool
  roles: ReadonlySet<PrincipalRole>
  operation: ToolOperation
}

/** The tool arguments that are no parameter of the operation but one of its headers. */
export const IDEMPOTENCY_KEY_ARGUMENT = 'idempotencyKey'
export const EXPECTED_VERSION_ARGUMENT = 'expectedVersion'

/** The request headers a tool argument stands for; any other declared header is an error of the derivation. */
const HEADER_ARGUMENTS: Record<string, keyof Pick<ToolOperation, 'idempotencyKey' | 'expectedVersion'>> = {
  'idempotency-key': 'idempotencyKey',
  'if-match': 'expectedVersion',
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const

/** Cancellations and deletions (docs/conversations.md §7), and a redaction, which deletes a message's body. */
const DESTRUCTIVE = /^(cancel|delete|redact)[A-Z]/

/** What the derivation made of a document: its tools, and the operations it could not make faithful tools of. */
export interface DerivedTools {
  tools: OperationTool[]
  /** A route change MCP must learn about (a parameter name taken twice, a header no argument stands for…). */
  unfaithful: Array<{ operationId: string; reason: string }>
}

/** An operation whose tool would not be its REST call. */
class UnfaithfulOperation extends Error {}

/**
 * Every tool of the document, in document order: one per operation a bearer token may call, except file uploads
 * (a body that is not JSON: tool arguments are JSON, the file goes over REST) and operations declared
 * `'x-mcp': false`. An operation that cannot be made a
 * faithful tool is left out and reported, not guessed at, and not allowed to take the other tools down.
 */
export function operationTools(
  document: OpenApiDocument,
  excludedPaths: readonly string[] = [],
): DerivedTools {
  const derived: DerivedTools = { tools: [], unfaithful: [] }
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (excludedPaths.includes(path)) continue
    for (const method of METHODS) {
      const operation = item[method] as OperationObject | undefined
      if (!operation || !isBearerOperation(operation) || isFileUpload(operation)) continue
      if (operation['x-mcp'] === false) continue
      try {
        derived.tools.push(operationTool(document, method, path, operation))
      } catch (error) {
        if (!(error instanceof UnfaithfulOperation)) throw error
        derived.unfaithful.push({
          operationId: operation.operationId ?? `${method} ${path}`,
          reason: error.message,
        })
      }
    }
  }
  return derived
}

/** An operation whose request body is a file, in one of the media types it takes, not JSON. */
export function isFileUpload(operation: { requestBody?: { content?: Record<string, unknown> } }): boolean {
  const content = operation.requestBody?.content
  return content !== undefined && !('application/json' in content)
}

/** A tenant operation: a bearer token's, with the roles it allows (platform and public routes are no tools). */
function isBearerOperation(operation: OperationObject): boolean {
  const bearer = (operation.security ?? []).some((requirement) => 'Bearer' in requirement)
  return bearer && Array.isArray(operation['x-permission']?.roles)
}

function operationTool(
  document: OpenApiDocument,
  method: (typeof METHODS)[number],
  path: string,
  operation: OperationObject,
): OperationTool {
  const name = operation.operationId
  if (!name) throw new UnfaithfulOperation('it has no operationId to name its tool')
  const definitions = new Definitions(document.components?.schemas ?? {})
  const properties: Record<string, JsonSchema> = {}
  const required: string[] = []
  const add = (property: string, schema: JsonSchema, isRequired: boolean) => {
    if (property in properties) throw new UnfaithfulOperation(`the argument ${property} is declared twice`)
    properties[property] = schema
    if (isRequired) required.push(property)
  }

  const headers = { idempotencyKey: false, expectedVersion: false }
  const pathParameters: string[] = []
  const queryParameters: string[] = []
  for (const parameter of (operation.parameters ?? []).map((entry) => parameterOf(document, entry))) {
    const schema = definitions.standalone({
      ...(parameter.schema ?? {}),
      ...(parameter.description ? { description: parameter.description } : {}),
    })
    if (parameter.in === 'path') {
      pathParameters.push(parameter.name)
      add(parameter.name, schema, true)
    } else if (parameter.in === 'query') {
      queryParameters.push(parameter.name)
      add(parameter.name, schema, parameter.required === true)
    } else if (parameter.in === 'header' && HEADER_ARGUMENTS[parameter.name.toLowerCase()]) {
      headers[HEADER_ARGUMENTS[parameter.name.toLowerCase()] as keyof typeof headers] = true
    } else {
      throw new UnfaithfulOperation(
        `no tool argument stands for its ${parameter.in} parameter ${parameter.name}`,
      )
    }
  }
  if (headers.idempotencyKey) add(IDEMPOTENCY_KEY_ARGUMENT, idempotencyKeySchema, false)
  if (headers.expectedVersion) add(EXPECTED_VERSION_ARGUMENT, expectedVersionSchema, false)

  const content = operation.requestBody?.content
  const bodyRequired = operation.requestBody?.required === true
  let closed = true
  if (content) {
    const declared = content['application/json']?.schema
    const body = declared ? definitions.resolve(declared) : {}
    if (body.type !== 'object' || typeof body.properties !== 'object' || body.properties === null) {
      throw new UnfaithfulOperation('its JSON body is not an object of named properties')
    }
    const bodyRequiredNames = new Set(Array.isArray(body.required) ? (body.required as string[]) : [])
    for (const [property, schema] of Object.entries(body.properties as Record<string, JsonSchema>)) {
      add(property, definitions.standalone(schema), bodyRequired && bodyRequiredNames.has(property))
    }
    // A body that ignores unknown members takes unknown arguments too (the route's own schema decides).
    closed = body.additionalProperties === false
  }

  const inputSchema: Tool['inputSchema'] = {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    ...(closed ? { additionalProperties: false } : {}),
    ...definitions.defs(),
  }
  const outputSchema = outputSchemaOf(document, operation)
  // MCP's readOnlyHint: the tool does not modify its environment (docs/conversations.md §7: reads are marked).
  const readOnly = method === 'get' || operation['x-read-only'] === true
  const roles = new Set(
    (operation['x-permission']?.roles ?? []).filter((role) => principalRoles.includes(role)),
  )
  return {
    tool: {
      name,
      ...(operation.summary ? { title: operation.summary } : {}),
      description: [operation.summary, operation.description].filter(Boolean).join('\n\n'),
      inputSchema,
      ...(outputSchema ? { outputSchema } : {}),
      annotations: {
        ...(operation.summary ? { title: operation.summary } : {}),
        readOnlyHint: readOnly,
        ...(readOnly ? {} : { destructiveHint: method === 'delete' || DESTRUCTIVE.test(name) }),
        // RFC 9110 §9.2.2: GET, PUT and DELETE are idempotent; a POST is when retried with its idempotencyKey,
        // or by nature when its route declares `'x-idempotent': true`.
        idempotentHint:
          readOnly || method === 'put' || method === 'delete' || operation['x-idempotent'] === true,
        // The tools act on this organization's data only.
        openWorldHint: false,
      },
    },
    roles,
    operation: {
      method: method.toUpperCase(),
      path,
      pathParameters,
      queryParameters,
      body: content ? { required: bodyRequired } : undefined,
      ...headers,
      ...resultComponentOf(operation),
    },
  }
}

const idempotencyKeySchema: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  description:
    'Makes a retry safe (the Idempotency-Key header): the same key with the same arguments within 24 h ' +
    'answers the first result again instead of acting twice; with other arguments it is a 422 error. ' +
    '1–255 printable ASCII (space to ~) characters, e.g. a UUID.',
}

const expectedVersionSchema: JsonSchema = {
  type: 'integer',
  minimum: 1,
  description:
    'The `version` of the resource as you last read it (the If-Match precondition): the change applies only ' +
    'while the resource still has that version, else a 412 error names the current one.',
}

/** The declared JSON body of the operation's success (its lowest 2xx status); none for 204. */
function successSchemaOf(operation: OperationObject): JsonSchema | undefined {
  const success = Object.keys(operation.responses ?? {})
    .filter((status) => /^2\d\d$/.test(status))
    .sort()[0]
  return success ? operation.responses?.[success]?.content?.['application/json']?.schema : undefined
}

function resultComponentOf(operation: OperationObject): { result?: string } {
  const ref = successSchemaOf(operation)?.$ref
  return typeof ref === 'string' && ref.startsWith(COMPONENT) ? { result: ref.slice(COMPONENT.length) } : {}
}

/** The JSON body of the operation's success, as an object schema; none for 204. */
function outputSchemaOf(document: OpenApiDocument, operation: OperationObject): Tool['outputSchema'] {
  const schema = successSchemaOf(operation)
  if (!schema) return undefined
  const definitions = new Definitions(document.components?.schemas ?? {})
  const root = definitions.standalone(definitions.resolve(schema))
  // MCP's structured content is an object; a schema that admits something else is no output schema.
  if (root.type !== undefined && root.type !== 'object') return undefined
  return { ...root, type: 'object', ...definitions.defs() }
}

function parameterOf(document: OpenApiDocument, entry: ParameterObject | { $ref: string }): ParameterObject {
  if (!('$ref' in entry)) return entry
  const name = entry.$ref.replace('#/components/parameters/', '')
  const parameter = document.components?.parameters?.[name] as ParameterObject | undefined
  if (!parameter) throw new UnfaithfulOperation(`unresolved parameter reference ${entry.$ref}`)
  return parameter
}

const COMPONENT = '#/components/schemas/'

/** The components a schema refers to, collected as the `$defs` of a standalone schema. */
class Definitions {
  private readonly collected: Record<string, JsonSchema> = {}

  constructor(private readonly components: Record<string, JsonSchema>) {}

  /** The schema a reference names (one level), else the schema itself. */
  resolve(schema: JsonSchema): JsonSchema {
    const ref = schema.$ref
    if (typeof ref !== 'string' || !ref.startsWith(COMPONENT)) return schema
    const { $ref: _, ...siblings } = schema
    return { ...this.component(ref), ...siblings }
  }

  /** The schema with its component references rewritten to `#/$defs/…`, collecting those components. */
  standalone(schema: JsonSchema): JsonSchema {
    return this.rewrite(schema) as JsonSchema
  }

  /** `{ $defs }` of the components collected so far, or nothing. */
  defs(): { $defs?: Record<string, JsonSchema> } {
    return Object.keys(this.collected).length > 0 ? { $defs: { ...this.collected } } : {}
  }

  private component(ref: string): JsonSchema {
    const schema = this.components[ref.slice(COMPONENT.length)]
    if (!schema) throw new UnfaithfulOperation(`unresolved schema reference ${ref}`)
    return schema
  }

  private rewrite(node: unknown): unknown {
    if (Array.isArray(node)) return node.map((item) => this.rewrite(item))
    if (typeof node !== 'object' || node === null) return node
    const rewritten: JsonSchema = {}
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(COMPONENT)) {
        const name = value.slice(COMPONENT.length)
        if (!(name in this.collected)) {
          this.collected[name] = {}
          this.collected[name] = this.standalone(this.component(value))
        }
        rewritten.$ref = `#/$defs/${name}`
      } else {
        rewritten[key] = this.rewrite(value)
      }
    }
    return rewritten
  }
}

/** The tools a role may call. A CUSTOMER gets no MCP at all (docs/conversations.md §1): /mcp refuses it first. */
export function toolsFor(tools: readonly OperationTool[], role: PrincipalRole): Tool[] {
  return tools.filter((entry) => entry.roles.has(role)).map((entry) => entry.tool)
}
