import { describe, expect, it } from 'vitest'
import { type OpenApiDocument, operationTools, toolsFor } from '../../src/resources/mcp/mcp.tools'

/** The derivation of tools from an OpenAPI document (src/resources/mcp/mcp.tools.ts), on small documents. */

const bearer = [{ Bearer: [] }]
const ok = (schema: Record<string, unknown>) => ({
  200: { description: 'ok', content: { 'application/json': { schema } } },
})

function documentWith(paths: Record<string, Record<string, unknown>>): OpenApiDocument {
  return {
    info: { version: '1.2.3' },
    paths,
    components: {
      schemas: {
        Node: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            children: { type: 'array', items: { $ref: '#/components/schemas/Node' } },
          },
        },
        CreateNode: {
          type: 'object',
          properties: { name: { type: 'string' }, parent: { $ref: '#/components/schemas/Node' } },
          required: ['name'],
          additionalProperties: false,
        },
      },
      parameters: { Limit: { name: 'limit', in: 'query', schema: { type: 'integer' } } },
    },
  }
}

describe('operationTools', () => {
  it('merges path, query and body parameters, resolving references into standalone $defs', () => {
    const {
      tools: [list, create],
      unfaithful,
    } = operationTools(
      documentWith({
        '/v1/nodes/{nodeId}/children': {
          get: {
            operationId: 'listNodeChildren',
            summary: 'Children',
            security: bearer,
            'x-permission': { roles: ['ADMIN', 'AGENT'] },
            parameters: [
              { name: 'nodeId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
              { $ref: '#/components/parameters/Limit' },
            ],
            responses: ok({ $ref: '#/components/schemas/Node' }),
          },
          post: {
            operationId: 'createNodeChild',
            security: bearer,
            'x-permission': { roles: ['ADMIN'] },
            parameters: [
              { name: 'nodeId', in: 'path', required: true, schema: { type: 'string' } },
              { name: 'Idempotency-Key', in: 'header', schema: { type: 'string' } },
              { name: 'if-match', in: 'header', schema: { type: 'string' } },
            ],
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateNode' } } },
            },
            responses: { 204: { description: 'done' } },
          },
        },
      }),
    )
    expect(list?.tool).toMatchObject({
      name: 'listNodeChildren',
      title: 'Children',
      description: 'Children',
      inputSchema: {
        type: 'object',
        properties: { nodeId: { type: 'string', format: 'uuid' }, limit: { type: 'integer' } },
        required: ['nodeId'],
        additionalProperties: false,
      },
      outputSchema: {
        type: 'object',
        properties: { children: { items: { $ref: '#/$defs/Node' } } },
        $defs: { Node: { properties: { children: { items: { $ref: '#/$defs/Node' } } } } },
      },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    })
    expect(list?.operation).toEqual({
      method: 'GET',
      path: '/v1/nodes/{nodeId}/children',
      pathParameters: ['nodeId'],
      queryParameters: ['limit'],
      body: undefined,
      idempotencyKey: false,
      expectedVersion: false,
      // The component the success answers (GraphQL types a mutation's result by it).
      result: 'Node',
    })
    expect(create?.tool.inputSchema).toMatchObject({
      properties: {
        nodeId: { type: 'string' },
        idempotencyKey: { type: 'string' },
        expectedVersion: { type: 'integer', minimum: 1 },
        name: { type: 'string' },
        parent: { $ref: '#/$defs/Node' },
      },
      required: ['nodeId', 'name'],
      additionalProperties: false,
      $defs: { Node: { type: 'object' } },
    })
    expect(create?.tool.outputSchema).toBeUndefined()
    expect(create?.tool.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false })
    expect(create?.operation).toMatchObject({
      body: { required: true },
      idempotencyKey: true,
      expectedVersion: true,
    })
    expect(JSON.stringify([list?.tool, create?.tool])).not.toContain('#/components/')
    expect(unfaithful).toEqual([])
  })

  it('a body that ignores unknown members leaves the arguments open; bearer operations are tools, unless files or x-mcp: false', () => {
    const { tools } = operationTools(
      documentWith({
        '/v1/things': {
          patch: {
            operationId: 'updateThings',
            security: bearer,
            'x-permission': { roles: ['ADMIN'] },
            requestBody: {
              content: {
                'application/json': { schema: { type: 'object', properties: { a: { type: 'string' } } } },
              },
            },
            responses: ok({ type: 'object' }),
          },
          delete: {
            operationId: 'deleteThings',
            security: bearer,
            'x-permission': { roles: ['ADMIN'] },
            responses: ok({ type: 'object' }),
          },
        },
        '/v1/things/{thingId}/cancel': {
          post: {
            operationId: 'cancelThing',
            security: bearer,
            'x-permission': { roles: ['AGENT'] },
            parameters: [{ name: 'thingId', in: 'path', required: true, schema: { type: 'string' } }],
            responses: ok({ type: 'object' }),
          },
        },
        '/v1/platform': {
          post: { operationId: 'createPlatform', security: [{ PlatformKey: [] }], responses: {} },
        },
        '/health': { get: { operationId: 'getHealth', security: [], responses: {} } },
        '/v1/protocol': {
          post: {
            operationId: 'createProtocol',
            security: bearer,
            'x-permission': { roles: ['ADMIN'] },
            'x-mcp': false,
            responses: ok({ type: 'object' }),
          },
        },
      }),
    )
    expect(tools.map((entry) => entry.tool.name)).toEqual(['deleteThings', 'updateThings', 'cancelThing'])
    const [remove, update, cancel] = tools
    // An optional body: none of its members is required; unknown ones go to the route's own schema.
    expect(update?.tool.inputSchema).toEqual({ type: 'object', properties: { a: { type: 'string' } } })
    expect(update?.operation.body).toEqual({ required: false })
    expect(remove?.tool.annotations).toMatchObject({ destructiveHint: true, idempotentHint: true })
    expect(cancel?.tool.annotations).toMatchObject({ destructiveHint: true, idempotentHint: false })
    expect(toolsFor(tools, 'AGENT').map((tool) => tool.name)).toEqual(['cancelThing'])
    expect(toolsFor(tools, 'CUSTOMER')).toEqual([])
  })

  it('marks a POST idempotent when it declares x-idempotent (a repeat leaves the same state) or x-read-only', () => {
    const post = (operationId: string, extensions: Record<string, unknown> = {}) => ({
      post: {
        operationId,
        security: bearer,
        'x-permission': { roles: ['ADMIN'] },
        ...extensions,
        responses: ok({ type: 'object' }),
      },
    })
    const { tools } = operationTools(
      documentWith({
        '/v1/things': post('createThing'),
        '/v1/things/recompute': post('recomputeThings', { 'x-idempotent': true }),
        '/v1/things/evaluate': post('evaluateThings', { 'x-read-only': true }),
      }),
    )
    const annotations = Object.fromEntries(tools.map((entry) => [entry.tool.name, entry.tool.annotations]))
    expect(annotations).toEqual({
      createThing: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
      recomputeThings: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
      evaluateThings: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    })
  })

  it('leaves out and reports what it cannot make a faithful tool of; the other tools stay', () => {
    const path = { name: 'thingId', in: 'path', required: true, schema: { type: 'string' } }
    const operation = (operationId: string, parameters: unknown[], body?: Record<string, unknown>) => ({
      operationId,
      security: bearer,
      'x-permission': { roles: ['ADMIN'] },
      parameters,
      ...(body ? { requestBody: { content: { 'application/json': { schema: body } } } } : {}),
      responses: ok({ type: 'object' }),
    })
    const { tools, unfaithful } = operationTools(
      documentWith({
        '/v1/things/{thingId}': {
          get: operation('getThing', [path]),
          put: operation('replaceThing', [path], {
            type: 'object',
            properties: { thingId: { type: 'string' } },
          }),
          post: operation('traceThing', [path, { name: 'X-Trace', in: 'header' }]),
          patch: operation('updateThing', [path], { type: 'array', items: {} }),
          delete: operation('deleteThing', [path], { $ref: '#/components/schemas/Missing' }),
        },
      }),
    )
    expect(tools.map((entry) => entry.tool.name)).toEqual(['getThing'])
    expect(unfaithful).toEqual([
      { operationId: 'replaceThing', reason: 'the argument thingId is declared twice' },
      { operationId: 'traceThing', reason: 'no tool argument stands for its header parameter X-Trace' },
      { operationId: 'deleteThing', reason: 'unresolved schema reference #/components/schemas/Missing' },
      { operationId: 'updateThing', reason: 'its JSON body is not an object of named properties' },
    ])
  })
})
