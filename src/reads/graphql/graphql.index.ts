import { z } from '@hono/zod-openapi'
import type { Context, Hono } from 'hono'
import type { AppEnv } from '../../env'
import { createRouter } from '../../lib/openapi'
import { runOperation, servedOperations } from '../../lib/operations'
import { protectedRoute } from '../../lib/routes'
import { authorized, type Permission } from '../../middleware/authorize'
import { MAX_OPERATION_JSON_BYTES } from '../../middleware/request-body'
import { readLimits } from '../relations'
import { type GraphQLAnswer, type GraphQLRequestBody, runGraphQL } from './execute'

/*
 * GraphQL over HTTP (POST, and GET for queries) at /graphql, behind the same bearer authentication, rate limit and
 * tenant binding as every /v1 operation (protectedRoute). Failures before GraphQL runs (401, 403, 413 of the body,
 * 415, 429) are problem+json like everywhere in the API; everything GraphQL reports is a GraphQL response whose
 * errors carry `extensions.code`, the REST problem code of the same failure.
 */

/** Everyone of the organization: each role reads through GraphQL exactly what its REST reads return. */
const everyone: Permission = { roles: ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'] }

const GraphQLErrorSchema = z
  .object({
    message: z.string(),
    locations: z.array(z.object({ line: z.number().int(), column: z.number().int() })).optional(),
    path: z.array(z.union([z.string(), z.number().int()])).optional(),
    extensions: z
      .object({
        code: z.string().openapi({
          description:
            'The REST problem code of the same failure: INVALID_PARAMETERS (the document, its variables or ' +
            'arguments), QUERY_TOO_COMPLEX (depth, cost or mutations), PAYLOAD_TOO_LARGE, NOT_FOUND, ' +
            'FORBIDDEN, INVALID_CURSOR, METHOD_NOT_ALLOWED (a mutation sent with GET), INTERNAL_ERROR; a ' +
            'mutation’s failure carries its REST problem’s code (e.g. PRECONDITION_FAILED, IDEMPOTENCY_KEY_REUSED).',
        }),
        status: z.number().int().optional().openapi({
          description: 'A mutation’s failure: the HTTP status its REST request answered.',
        }),
      })
      .passthrough(),
  })
  .openapi('GraphQLError')

const GraphQLResponseSchema = z
  .object({
    data: z.record(z.string(), z.unknown()).nullable().optional(),
    errors: z.array(GraphQLErrorSchema).optional(),
  })
  .openapi('GraphQLResponse')

const GraphQLRequestSchema = z
  .object({
    query: z.string().openapi({
      description: `The document (at most ${readLimits.graphqlDocumentBytes} bytes): one query or mutation operation to run.`,
    }),
    variables: z.record(z.string(), z.unknown()).nullable().optional(),
    operationName: z.string().nullable().optional(),
    extensions: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .openapi('GraphQLRequest')

const graphqlContent = {
  'application/graphql-response+json': { schema: GraphQLResponseSchema },
  'application/json': { schema: GraphQLResponseSchema },
}

const description =
  'Queries over tickets, messages, escalations, refunds, customers, representatives, users and agents, nested ' +
  'along their relations, each read in ONE database round trip. The schema is derived from the REST ' +
  'representations and is per role: a field or relation the role’s REST reads leave out is not in its schema. ' +
  'Mutations: one per write operation the role may call, named by its operationId; each runs as its REST ' +
  'request (same permissions, idempotency, If-Match, events) and costs what it costs, one after the other, at ' +
  `most ${readLimits.graphqlMutations} per document (POST only: a mutation sent with GET is 405). ` +
  `Limits: document ${readLimits.graphqlDocumentBytes} bytes, depth ${readLimits.graphqlDepth}, at most ` +
  `${readLimits.graphqlCost} rows (each list counted at its page size times its parents’), nested lists ` +
  `${readLimits.nestedPage} per page. One operation per request (no batching). A response is ` +
  '`application/graphql-response+json` unless the client accepts only `application/json`; with the former, a ' +
  'request the server does not execute (syntax, validation, limits, variables) is 400 (413 for the size).'

const responses = {
  200: {
    description: 'The result (field errors, e.g. NOT_FOUND, in `errors` with `data`).',
    content: graphqlContent,
  },
  400: { description: 'The document was not executed (see `errors`).', content: graphqlContent },
  413: { description: 'The document is too large.', content: graphqlContent },
}

/** GET serves queries only (GraphQL over HTTP): a mutation is 405, with `Allow: POST`. */
const getResponses = {
  ...responses,
  405: {
    description: 'The document’s operation is a mutation: send it with POST.',
    headers: { Allow: { description: '`POST`.', schema: { type: 'string' as const } } },
    content: graphqlContent,
  },
}

export const postGraphql = protectedRoute(everyone, {
  method: 'post',
  path: '/graphql',
  tags: ['GraphQL'],
  summary: 'Run a GraphQL query or mutation',
  description,
  // Not an MCP tool: a tool is one REST operation (src/resources/mcp); GraphQL runs the same operations.
  'x-mcp': false,
  request: {
    body: {
      content: { 'application/json': { schema: GraphQLRequestSchema } },
      required: true,
      // A mutation carries an operation's body in its variables: the largest one any operation takes.
      'x-max-bytes': MAX_OPERATION_JSON_BYTES,
    },
  },
  responses,
})

export const getGraphql = protectedRoute(everyone, {
  method: 'get',
  path: '/graphql',
  tags: ['GraphQL'],
  summary: 'Run a GraphQL query (GraphQL over HTTP GET)',
  description,
  'x-mcp': false,
  request: {
    query: z.object({
      query: z
        .string()
        .max(readLimits.graphqlDocumentBytes * 4)
        .openapi({ description: 'The document.' }),
      variables: z.string().max(16_384).optional().openapi({ description: 'The variables, as JSON.' }),
      operationName: z.string().max(200).optional(),
    }),
  },
  responses: getResponses,
})

/** The answer in the media type the client accepts (application/json: always 200, as the spec allows). */
function answer(c: Context<AppEnv>, result: GraphQLAnswer) {
  const accept = c.req.header('Accept') ?? ''
  const legacy = accept.includes('application/json') && !accept.includes('application/graphql-response+json')
  // 405 whatever the media type: the request was not one this method serves.
  const status = legacy && result.status !== 405 ? 200 : result.status
  return c.body(JSON.stringify(result.body), status, {
    ...result.headers,
    'Content-Type': legacy
      ? 'application/json; charset=utf-8'
      : 'application/graphql-response+json; charset=utf-8',
  })
}

/**
 * The /graphql routes of `app` (the app itself runs a mutation: each is its REST request through it). The schema,
 * with its mutations, is derived once per isolate from the served document's operations (lib/operations.ts).
 */
export function graphqlRouter(app: () => Hono<AppEnv>) {
  const run = async (c: Context<AppEnv>, body: GraphQLRequestBody, method: 'GET' | 'POST') => {
    const { db, principal } = authorized(c)
    const { tools } = await servedOperations(app(), c)
    let ranOperation = false
    const result = await runGraphQL(db, principal, body, {
      method,
      operations: tools,
      run: (entry, args, options) => {
        ranOperation = true
        return runOperation(c, app(), entry, args, options)
      },
    })
    // An answer that read nothing (introspection, `__typename`) still refuses an inactive caller or organization;
    // a mutation's REST request checked the caller itself.
    if (!ranOperation && result.status < 400) await db.checkCaller()
    return result
  }
  const refuseBody = async (c: Context<AppEnv>) => {
    const body: unknown = await c.req.json() // parsed once already (hono keeps it)
    const request = typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}
    return answer(c, await run(c, request as GraphQLRequestBody, 'POST')) as never
  }
  return createRouter()
    .openapi(
      postGraphql,
      async (c) => answer(c, await run(c, c.req.valid('json') as GraphQLRequestBody, 'POST')) as never,
      // A JSON body that is not one GraphQL request (`query` not a string, `variables` not an object, a batch) is
      // refused by runGraphQL's own checks, in GraphQL's format as for GET, not as the schema's 422 problem.
      (result, c) => (result.success ? undefined : refuseBody(c)),
    )
    .openapi(getGraphql, async (c) => {
      const { query, variables, operationName } = c.req.valid('query')
      let parsed: unknown
      try {
        parsed = variables === undefined ? undefined : JSON.parse(variables)
      } catch {
        parsed = 'not JSON'
      }
      // GET runs queries only: a mutation is 405 (GraphQL over HTTP).
      return answer(c, await run(c, { query, variables: parsed, operationName }, 'GET')) as never
    })
}
