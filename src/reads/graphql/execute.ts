import {
  type DocumentNode,
  type ExecutionResult,
  execute,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  GraphQLIncludeDirective,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  GraphQLSkipDirective,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getVariableValues,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  specifiedRules,
  validate,
} from 'graphql'
import type { Principal } from '../../auth/principal'
import type { TenantDb } from '../../db/tenant'
import { ApiError } from '../../lib/errors'
import { log } from '../../lib/log'
import { fieldErrorsOf } from '../../lib/openapi'
import { toApiError } from '../../middleware/error-handler'
import type { OperationTool } from '../../resources/mcp/mcp.tools'
import { type ReadNode, readNodes } from '../graph'
import { listRoot, listRootRefusal, nestedLimit, type PlanBranch, type PlanRoot, readPlans } from '../planner'
import { type ReadEdge, type ReadNodeName, readEdges, readLimits } from '../relations'
import type { MutationContext } from './mutations'
import { schemaFor } from './schema'

/*
 * One GraphQL request: the document is parsed and validated (graphql-js) against the caller's role's schema, the
 * one operation is compiled into read plans (every root field with its selection of related resources), which
 * are read in ONE database round trip (src/reads/planner.ts: one statement per root field, one batch), and
 * graphql-js then executes the operation over what was read (selection, aliases, fragments, __typename, errors).
 * Limits: document size, depth, and a cost that counts the rows the lists may return.
 */

export interface GraphQLRequestBody {
  query?: unknown
  variables?: unknown
  operationName?: unknown
  extensions?: unknown
}

/** What the route answers: an HTTP status (400 for request errors) and the GraphQL response. */
export interface GraphQLAnswer {
  status: 200 | 400 | 405 | 413
  body: ExecutionResult
  headers?: Record<string, string>
}

/** How the request came (GET runs queries only) and how it runs the write operations (its mutations). */
export interface GraphQLOptions {
  method: 'GET' | 'POST'
  /** The tenant operations (lib/operations.ts servedOperations); without them the schema has no mutations. */
  operations?: readonly OperationTool[]
  /** Runs one operation as its REST request (lib/operations.ts runOperation). */
  run?: (
    entry: OperationTool,
    args: Record<string, unknown>,
    options: { rateLimited: boolean },
  ) => Promise<{ response: Response }>
}

/** A GraphQL error whose `extensions.code` is the REST problem code of the same failure. */
function graphqlError(code: string, message: string, options: { path?: readonly (string | number)[] } = {}) {
  return new GraphQLError(message, { path: options.path, extensions: { code } })
}

const requestError = (code: string, message: string, status: 400 | 413 = 400): GraphQLAnswer => ({
  status,
  body: { errors: [graphqlError(code, message)] },
})

class LimitError extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The fields a selection set selects (fragments spread, @skip/@include applied), by response key. */
function collectFields(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  into = new Map<string, FieldNode[]>(),
  visited = new Set<string>(),
): Map<string, FieldNode[]> {
  for (const selection of selectionSet.selections) {
    const skip = getDirectiveValues(GraphQLSkipDirective, selection, variables)
    const include = getDirectiveValues(GraphQLIncludeDirective, selection, variables)
    if (skip?.if === true || include?.if === false) continue
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value
      into.set(key, [...(into.get(key) ?? []), selection])
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      collectFields(selection.selectionSet, fragments, variables, into, visited)
    } else {
      const name = selection.name.value
      const fragment = fragments[name]
      if (fragment && !visited.has(name)) {
        visited.add(name)
        collectFields(fragment.selectionSet, fragments, variables, into, visited)
      }
    }
  }
  return into
}

interface Compiler {
  schema: GraphQLSchema
  fragments: Record<string, FragmentDefinitionNode>
  variables: Record<string, unknown>
  principal: Principal
  cost: number
}

/** The sub-fields of the FieldNodes of one response key. */
function subFields(compiler: Compiler, nodes: readonly FieldNode[]): Map<string, FieldNode[]> {
  const into = new Map<string, FieldNode[]>()
  for (const node of nodes) {
    if (node.selectionSet) collectFields(node.selectionSet, compiler.fragments, compiler.variables, into)
  }
  return into
}

/** The depth below these fields (a leaf is 1; `nodes` and `pageInfo` wrappers do not count). */
function depthOf(compiler: Compiler, nodes: readonly FieldNode[], wrapper = false): number {
  const children = subFields(compiler, nodes)
  let deepest = 0
  for (const [, childNodes] of children) {
    const name = (childNodes[0] as FieldNode).name.value
    const isWrapper = name === 'nodes' || name === 'pageInfo'
    deepest = Math.max(deepest, depthOf(compiler, childNodes, isWrapper))
  }
  return deepest + (wrapper ? 0 : 1)
}

function addCost(compiler: Compiler, rows: number) {
  compiler.cost += rows
  if (compiler.cost > readLimits.graphqlCost) {
    throw new LimitError(
      `The query may read more than ${readLimits.graphqlCost} rows (each list counts its page size times its ` +
        'parents’): ask for smaller pages or fewer nested lists.',
    )
  }
}

/** The branches of a resource's selection: its relation fields (a connection's relations are under `nodes`). */
function branchesOf(
  compiler: Compiler,
  nodeName: ReadNodeName,
  nodes: readonly FieldNode[],
  multiplier: number,
  path: string,
): PlanBranch[] {
  const branches: PlanBranch[] = []
  const objectType = compiler.schema.getType(nodeName)
  if (!isObjectType(objectType)) return branches
  const edges = readEdges[nodeName]
  for (const [key, selected] of subFields(compiler, nodes)) {
    // A key's relation fields (several only when `nodes` is selected under more than one alias).
    const fieldNodes = selected.filter((node) => Object.hasOwn(edges, node.name.value))
    const edgeName = fieldNodes[0]?.name.value
    if (!edgeName) continue
    const edge = edges[edgeName] as ReadEdge
    const field = objectType.getFields()[edgeName] as GraphQLField<unknown, unknown>
    const childPath = `${path}.${key}`
    const limits = fieldNodes.map((node) => {
      const { first } = getArgumentValues(field, node, compiler.variables) as { first?: number | null }
      if (typeof first === 'number' && (first < 1 || first > readLimits.nestedPage))
        throw new GraphQLError(`\`${childPath}\`: \`first\` must be 1–${readLimits.nestedPage}.`)
      return edge.kind === 'many' ? nestedLimit(first ?? undefined) : 1
    })
    const limit = limits[0] as number
    if (fieldNodes.some((node, index) => node.name.value !== edgeName || limits[index] !== limit)) {
      throw new GraphQLError(`\`${childPath}\` names different relations or page sizes: use another alias.`)
    }
    const rows = multiplier * limit
    addCost(compiler, rows)
    const inner = edge.kind === 'many' ? wrapped(compiler, fieldNodes) : fieldNodes
    branches.push({
      key: `@${key}`,
      from: nodeName,
      edgeName,
      edge,
      node: readNodes[edge.to],
      limit,
      filters: [],
      params: {},
      children: branchesOf(compiler, edge.to, inner, rows, childPath),
      path: childPath,
    })
  }
  return branches
}

/** A connection's `nodes` selections, under any alias (each alias's items are the same objects). */
function wrapped(compiler: Compiler, nodes: readonly FieldNode[]): FieldNode[] {
  return [...subFields(compiler, nodes).values()].flat().filter((field) => field.name.value === 'nodes')
}

/** REST query parameters from a root list field's arguments (lists as comma-separated values). */
function restQuery(args: Record<string, unknown>): Record<string, string> {
  const query: Record<string, string> = {}
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || value === null || key === 'first' || key === 'after') continue
    query[key] = Array.isArray(value) ? value.join(',') : String(value)
  }
  if (args.first !== undefined && args.first !== null) query.limit = String(args.first)
  if (args.after !== undefined && args.after !== null) query.cursor = String(args.after)
  return query
}

interface CompiledRoot {
  key: string
  plan: PlanRoot
  /** A root list: the REST list route and its query, for `nextUrl`. */
  rest?: { path: string; query: Record<string, string> }
}

/** One root field: a resource by id, or a page of a list (its arguments parsed by the list's own query schema). */
function compileRoot(compiler: Compiler, key: string, fieldNodes: FieldNode[]): CompiledRoot | ApiError {
  const queryType = compiler.schema.getQueryType()
  const fieldNode = fieldNodes[0] as FieldNode
  const name = fieldNode.name.value
  const field = queryType?.getFields()[name]
  if (!field) return new ApiError(400, 'INVALID_PARAMETERS', 'Bad Request', `Unknown field ${name}.`)
  const node = readNodes[getNamedType(field.type).name.replace(/Connection$/, '') as ReadNodeName]
  const args = getArgumentValues(field, fieldNode, compiler.variables)
  if (typeof args.id === 'string') {
    if (!UUID.test(args.id)) {
      return new ApiError(400, 'INVALID_PARAMETERS', 'Bad Request', '`id` must be a UUID.')
    }
    addCost(compiler, 1)
    const children = branchesOf(compiler, node.name, fieldNodes, 1, key)
    return { key, plan: { node, kind: 'one', id: args.id, children } }
  }
  return compileList(compiler, node, key, fieldNodes, args)
}

function compileList(
  compiler: Compiler,
  node: ReadNode,
  key: string,
  fieldNodes: FieldNode[],
  args: Record<string, unknown>,
): CompiledRoot | ApiError {
  const list = node.list
  if (!list) return new ApiError(400, 'INVALID_PARAMETERS', 'Bad Request', `${node.name} has no list.`)
  const rest = restQuery(args)
  const parsed = list.query.safeParse(rest)
  if (!parsed.success) {
    return new ApiError(400, 'INVALID_PARAMETERS', 'Bad Request', 'The arguments are invalid.', {
      errors: fieldErrorsOf(parsed.error),
    })
  }
  const query = parsed.data as { limit: number; cursor?: string } & Record<string, unknown>
  addCost(compiler, query.limit)
  const children = branchesOf(compiler, node.name, wrapped(compiler, fieldNodes), query.limit, key)
  try {
    return {
      key,
      plan: listRoot(node, query, compiler.principal, children),
      rest: { path: list.path, query: rest },
    }
  } catch (error) {
    if (error instanceof ApiError) return error
    throw error
  }
}

function errorOf(error: ApiError, path: readonly (string | number)[]): GraphQLError {
  const detail = error.errors?.map((item) => `${item.path}: ${item.message}`).join('; ')
  return graphqlError(error.code, detail ? `${error.message} ${detail}` : error.message, { path })
}

/** A REST problem as a GraphQL error: its detail (and field errors) as the message, its code and status. */
function problemError(problem: Record<string, unknown>, status: number): GraphQLError {
  const fieldErrors = Array.isArray(problem.errors) ? (problem.errors as Array<Record<string, unknown>>) : []
  const detail = fieldErrors.map((item) => `${item.path}: ${item.message}`).join('; ')
  const message = typeof problem.detail === 'string' ? problem.detail : `HTTP ${status}`
  return new GraphQLError(detail ? `${message} ${detail}` : message, {
    extensions: {
      code: typeof problem.code === 'string' ? problem.code : status >= 500 ? 'INTERNAL_ERROR' : 'ERROR',
      status,
      ...(fieldErrors.length > 0 ? { errors: fieldErrors } : {}),
      ...(typeof problem.currentEtag === 'string' ? { currentEtag: problem.currentEtag } : {}),
    },
  })
}

/** A request member that must be a JSON object when sent (null counts as not sent). */
const isObjectOrAbsent = (value: unknown) =>
  value === undefined || value === null || (typeof value === 'object' && !Array.isArray(value))

/** Runs one GraphQL request for `principal` (its role's schema), reading through `db` in one round trip. */
export async function runGraphQL(
  db: TenantDb,
  principal: Principal,
  request: GraphQLRequestBody,
  options: GraphQLOptions = { method: 'POST' },
): Promise<GraphQLAnswer> {
  const { query, variables, operationName, extensions } = request
  if (typeof query !== 'string' || query.trim() === '') {
    return requestError('INVALID_PARAMETERS', 'Send the document as `query` (a string).')
  }
  if (new TextEncoder().encode(query).byteLength > readLimits.graphqlDocumentBytes) {
    return requestError(
      'PAYLOAD_TOO_LARGE',
      `The document is larger than ${readLimits.graphqlDocumentBytes} bytes.`,
      413,
    )
  }
  if (!isObjectOrAbsent(variables))
    return requestError('INVALID_PARAMETERS', '`variables` must be an object.')
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    return requestError('INVALID_PARAMETERS', '`operationName` must be a string.')
  }
  if (!isObjectOrAbsent(extensions))
    return requestError('INVALID_PARAMETERS', '`extensions` must be an object.')
  let document: DocumentNode
  try {
    document = parse(query, { maxTokens: 4_000 })
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : 'The document does not parse.'
    return requestError('INVALID_PARAMETERS', message)
  }
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  )
  const operation = operationName
    ? operations.find((candidate) => candidate.name?.value === operationName)
    : operations.length === 1
      ? operations[0]
      : undefined
  // GraphQL over HTTP: a mutation is never run for a GET (which must be safe).
  if (operation?.operation === 'mutation' && options.method === 'GET') {
    return {
      ...requestError('METHOD_NOT_ALLOWED', 'Mutations are sent with POST.'),
      status: 405,
      headers: { Allow: 'POST' },
    }
  }
  const schema = schemaFor(principal.role, options.operations)
  const invalid = validate(schema, document, specifiedRules, { maxErrors: 20 })
  if (invalid.length > 0) {
    return {
      status: 400,
      body: {
        errors: invalid.map(
          (error) =>
            new GraphQLError(error.message, {
              nodes: error.nodes,
              extensions: { code: 'INVALID_PARAMETERS' },
            }),
        ),
      },
    }
  }
  if (!operation) {
    return requestError(
      'INVALID_PARAMETERS',
      operationName ? `No operation named ${operationName}.` : 'Name the operation to run (`operationName`).',
    )
  }
  if (operation.operation === 'subscription') {
    return requestError('INVALID_PARAMETERS', 'Subscriptions are not served (see the events and webhooks).')
  }
  const coerced = getVariableValues(
    schema,
    operation.variableDefinitions ?? [],
    (variables ?? {}) as Record<string, unknown>,
    {
      maxErrors: 20,
    },
  )
  if (coerced.errors) {
    return {
      status: 400,
      body: {
        errors: coerced.errors.map(
          (error) =>
            new GraphQLError(error.message, {
              nodes: error.nodes,
              extensions: { code: 'INVALID_PARAMETERS' },
            }),
        ),
      },
    }
  }
  const fragments = Object.fromEntries(
    document.definitions
      .filter(
        (definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION,
      )
      .map((fragment) => [fragment.name.value, fragment]),
  )
  const compiler: Compiler = { schema, fragments, variables: coerced.coerced, principal, cost: 0 }
  if (operation.operation === 'mutation') {
    return runMutations(db, compiler, document, operation, options)
  }
  const rootValue: Record<string, unknown> = {}
  const compiled: CompiledRoot[] = []
  try {
    for (const [key, fieldNodes] of collectFields(operation.selectionSet, fragments, coerced.coerced)) {
      const name = (fieldNodes[0] as FieldNode).name.value
      if (name.startsWith('__')) continue
      const depth = depthOf(compiler, fieldNodes)
      if (depth > readLimits.graphqlDepth) {
        throw new LimitError(`\`${key}\` is ${depth} fields deep; at most ${readLimits.graphqlDepth}.`)
      }
      const root = compileRoot(compiler, key, fieldNodes)
      const refused = root instanceof ApiError ? root : listRootRefusal(root.plan)
      if (refused) rootValue[`@${key}`] = errorOf(refused, [key])
      else compiled.push(root as CompiledRoot)
    }
  } catch (error) {
    if (error instanceof LimitError) return requestError('QUERY_TOO_COMPLEX', error.message)
    if (error instanceof GraphQLError) {
      return { status: 400, body: { errors: [graphqlError('INVALID_PARAMETERS', error.message)] } }
    }
    throw error
  }
  try {
    const results = await readPlans(
      db,
      principal,
      compiled.map((root) => root.plan),
    )
    compiled.forEach((root, index) => {
      const result = results[index]
      if (!result) return
      if (root.plan.kind === 'one') {
        rootValue[`@${root.key}`] =
          result.items[0] ??
          graphqlError('NOT_FOUND', `No such ${root.plan.node.name.toLowerCase()}.`, { path: [root.key] })
        return
      }
      const rest = root.rest as NonNullable<CompiledRoot['rest']>
      const nextUrl = result.nextCursor
        ? `${rest.path}?${new URLSearchParams({ ...rest.query, limit: String(root.plan.limit), cursor: result.nextCursor })}`
        : null
      rootValue[`@${root.key}`] = { data: result.items, nextCursor: result.nextCursor, nextUrl }
    })
  } catch (error) {
    if (!(error instanceof ApiError) || error.status >= 500) throw error
    // A request error found while reading (each root's arguments were checked before): every root field fails.
    for (const root of compiled) rootValue[`@${root.key}`] = errorOf(error, [root.key])
  }
  const result = (await execute({
    schema,
    document,
    rootValue,
    operationName: operation.name?.value,
    variableValues: coerced.coerced,
  })) as ExecutionResult
  return { status: 200, body: { ...result, errors: result.errors?.map(withCode) } }
}

/** A mutation's result that is a resource, and the relations its selection reads after the write. */
interface MutationReads {
  node: ReadNode
  children: PlanBranch[]
}

/**
 * A mutation operation: its fields run in order (graphql-js executes mutation fields serially), each one the REST
 * request of its operation (mutations.ts, lib/operations.ts), so it costs what that request costs: its own
 * database round trips, and a rate-limit count for each mutation after the document's first (the /graphql request
 * counted once). None runs in the read planner's round trip; the relations a resource result selects are read
 * after its write, in one more round trip. Limits before anything runs: mutations per document, depth, cost.
 */
async function runMutations(
  db: TenantDb,
  compiler: Compiler,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  options: GraphQLOptions,
): Promise<GraphQLAnswer> {
  const mutationType = compiler.schema.getMutationType()
  const reads = new Map<string, MutationReads>()
  try {
    let count = 0
    for (const [key, fieldNodes] of collectFields(
      operation.selectionSet,
      compiler.fragments,
      compiler.variables,
    )) {
      const name = (fieldNodes[0] as FieldNode).name.value
      if (name.startsWith('__')) continue
      if (++count > readLimits.graphqlMutations) {
        throw new LimitError(`At most ${readLimits.graphqlMutations} mutations per document.`)
      }
      const depth = depthOf(compiler, fieldNodes)
      if (depth > readLimits.graphqlDepth) {
        throw new LimitError(`\`${key}\` is ${depth} fields deep; at most ${readLimits.graphqlDepth}.`)
      }
      const resultType = mutationType?.getFields()[name]?.type
      const nodeName = resultType ? getNamedType(resultType).name : ''
      if (!Object.hasOwn(readNodes, nodeName)) continue
      addCost(compiler, 1)
      const children = branchesOf(compiler, nodeName as ReadNodeName, fieldNodes, 1, key)
      if (children.length > 0) reads.set(key, { node: readNodes[nodeName as ReadNodeName], children })
    }
  } catch (error) {
    if (error instanceof LimitError) return requestError('QUERY_TOO_COMPLEX', error.message)
    if (error instanceof GraphQLError) {
      return { status: 400, body: { errors: [graphqlError('INVALID_PARAMETERS', error.message)] } }
    }
    throw error
  }
  let calls = 0
  const context: MutationContext = {
    mutate: async (entry, args, info: GraphQLResolveInfo) => {
      if (!options.run) throw graphqlError('INTERNAL_ERROR', 'Mutations are not served here.')
      let response: Response
      try {
        ;({ response } = await options.run(entry, args, { rateLimited: calls++ > 0 }))
      } catch (error) {
        const apiError = toApiError(error)
        if (apiError.status >= 500) {
          log('error', 'a GraphQL mutation failed', {
            operationId: entry.tool.name,
            error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
          })
        }
        throw problemError({ ...apiError, detail: apiError.message, code: apiError.code }, apiError.status)
      }
      const text = await response.text()
      let body: unknown
      try {
        body = text ? JSON.parse(text) : undefined
      } catch {
        body = undefined
      }
      if (!response.ok) throw problemError((body ?? {}) as Record<string, unknown>, response.status)
      if (body === undefined) return true
      const read = reads.get(String(info.path.key))
      const id = (body as { id?: unknown }).id
      if (read && typeof id === 'string') {
        const [result] = await readPlans(db, compiler.principal, [
          { node: read.node, kind: 'one', id, children: read.children },
        ])
        const item = result?.items[0]
        for (const child of read.children) {
          ;(body as Record<string, unknown>)[child.key] =
            item?.[child.key] ?? (child.edge.kind === 'many' ? { data: [], nextCursor: null } : null)
        }
      }
      return body
    },
  }
  const result = (await execute({
    schema: compiler.schema,
    document,
    contextValue: context,
    operationName: operation.name?.value,
    variableValues: compiler.variables,
  })) as ExecutionResult
  return { status: 200, body: { ...result, errors: result.errors?.map(withCode) } }
}

/**
 * Errors of execution keep their code; anything unexpected is INTERNAL_ERROR without details, and logged (as the
 * REST error handler logs a 500): the answer is a 200 with an error, so nothing else would leave a trace.
 */
export function withCode(error: GraphQLError): GraphQLError {
  if (error.extensions?.code) return error
  const original = error.originalError
  if (original instanceof GraphQLError && original.extensions?.code) {
    return new GraphQLError(original.message, {
      path: error.path,
      nodes: error.nodes,
      extensions: original.extensions,
    })
  }
  const cause = original ?? error
  log('error', 'a GraphQL field failed', {
    path: error.path,
    error: { name: cause.name, message: cause.message, stack: cause.stack },
  })
  return new GraphQLError('An unexpected error occurred.', {
    path: error.path,
    nodes: error.nodes,
    extensions: { code: 'INTERNAL_ERROR' },
  })
}
