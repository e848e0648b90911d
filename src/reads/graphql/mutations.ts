import {
  GraphQLBoolean,
  GraphQLError,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigArgumentMap,
  GraphQLFloat,
  GraphQLID,
  type GraphQLInputFieldConfig,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  GraphQLString,
} from 'graphql'
import {
  EXPECTED_VERSION_ARGUMENT,
  IDEMPOTENCY_KEY_ARGUMENT,
  type JsonSchema,
  type OperationTool,
} from '../../resources/mcp/mcp.tools'
import { readNodes } from '../graph'
import type { ReadNodeName } from '../relations'
import { json, pascal, type SchemaBuilder } from './schema'

/*
 * GraphQL mutations: one per REST write operation (POST, PUT, PATCH, DELETE of a tenant route) the role may call,
 * derived from the same served OpenAPI document as the MCP tools (resources/mcp/mcp.tools.ts), and run exactly as
 * those are: each mutation field is its REST request through the app (lib/operations.ts), so permissions, input
 * checks, idempotency, If-Match, events and the database are REST's and nothing is implemented twice. Named by the
 * operationId; arguments: the path parameters, `input` (the JSON body, typed from its JSON Schema), `idempotencyKey`
 * (Idempotency-Key) and `ifMatch` (If-Match: the version last read). The result: the operation's response, as the
 * resource's query type when it answers one (its relations then read like a query's), else a type derived from the
 * response's schema; `true` for a 204. A failure is a field error whose `extensions` carry the REST problem's code
 * and status.
 */

/** What a mutation's resolver asks of the request that runs it (execute.ts). */
export interface MutationContext {
  /** Runs the operation with the call's arguments (as lib/operations.ts takes them); its result or a GraphQLError. */
  mutate(entry: OperationTool, args: Record<string, unknown>, info: GraphQLResolveInfo): Promise<unknown>
}

export const IF_MATCH_ARGUMENT = 'ifMatch'
const INPUT_ARGUMENT = 'input'

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/
const isName = (name: string) => NAME.test(name) && !name.startsWith('__')
const INT32 = 2_147_483_647

/** The resource a write operation answers, when it is one the read graph knows (its query type is the result). */
export function resultNode(entry: OperationTool): ReadNodeName | undefined {
  const name = entry.operation.result
  return name !== undefined && Object.hasOwn(readNodes, name) ? (name as ReadNodeName) : undefined
}

/** A schema with its `$ref`, single `allOf`, and null alternatives unwrapped; whether null is allowed. */
function unwrap(schema: JsonSchema, defs: Record<string, JsonSchema>) {
  let current = schema
  let nullable = false
  let ref: string | undefined
  for (let depth = 0; depth < 10; depth++) {
    const { $ref, allOf, anyOf, oneOf, type, ...siblings } = current
    const alternatives = (anyOf ?? oneOf) as JsonSchema[] | undefined
    if (typeof $ref === 'string' && $ref.startsWith('#/$defs/')) {
      ref = $ref.slice('#/$defs/'.length)
      current = { ...defs[ref], ...siblings }
    } else if (Array.isArray(allOf) && allOf.length === 1) {
      current = { ...(allOf[0] as JsonSchema), ...siblings }
    } else if (Array.isArray(allOf)) {
      // An object extended by others (e.g. a resource with a secret shown once): their members together.
      const parts = (allOf as JsonSchema[]).map((part) => unwrap(part, defs).schema)
      if (!parts.every((part) => part.type === 'object')) return { schema: {}, nullable, ref }
      current = {
        ...siblings,
        type: 'object',
        properties: Object.assign({}, ...parts.map((part) => part.properties)),
        required: parts.flatMap((part) => (part.required as string[] | undefined) ?? []),
      }
    } else if (Array.isArray(alternatives) && alternatives.some((option) => option.type === 'null')) {
      nullable = true
      const others = alternatives.filter((option) => option.type !== 'null')
      if (others.length !== 1) return { schema: {}, nullable, ref }
      current = { ...(others[0] as JsonSchema), ...siblings }
    } else if (Array.isArray(type) && type.includes('null')) {
      nullable = true
      const others = type.filter((item) => item !== 'null')
      current = { ...current, type: others.length === 1 ? others[0] : others }
    } else break
  }
  return { schema: current, nullable, ref }
}

/** GraphQL types of JSON Schemas (the operations' bodies and responses), named without clashing with the queries'. */
class JsonSchemaTypes {
  readonly #inputs = new Map<string, GraphQLInputObjectType>()
  readonly #outputs = new Map<string, GraphQLObjectType>()

  constructor(
    private readonly builder: SchemaBuilder,
    private readonly taken: Set<string>,
  ) {}

  /** `wanted`, or (when a type of the schema has it) `wanted` with a suffix. */
  fresh(wanted: string, suffix: string): string {
    let name = wanted
    for (let index = 1; this.taken.has(name); index++) name = `${wanted}${suffix}${index > 1 ? index : ''}`
    this.taken.add(name)
    return name
  }

  #scalar(schema: JsonSchema, name: string, field?: string) {
    const values = schema.enum
    if (Array.isArray(values) && values.length > 0 && values.every((value) => typeof value === 'string')) {
      return this.builder.enumOf(values, this.fresh(name, 'Value')) ?? GraphQLString
    }
    switch (schema.type) {
      case 'string':
        return field === 'id' ? GraphQLID : GraphQLString
      case 'integer':
        return Number(schema.maximum ?? 0) <= INT32 && Number(schema.minimum ?? 0) >= -INT32 - 1
          ? GraphQLInt
          : GraphQLFloat
      case 'number':
        return GraphQLFloat
      case 'boolean':
        return GraphQLBoolean
      default:
        return undefined
    }
  }

  #properties(schema: JsonSchema): Record<string, JsonSchema> | undefined {
    const properties = schema.properties as Record<string, JsonSchema> | undefined
    if (schema.type !== 'object' || !properties) return undefined
    const names = Object.keys(properties)
    return names.length > 0 && names.every(isName) ? properties : undefined
  }

  /** The input type of a schema (nullable; the caller makes a required one non-null). */
  input(schema: JsonSchema, defs: Record<string, JsonSchema>, name: string): GraphQLInputType {
    const { schema: bare, ref } = unwrap(schema, defs)
    const scalar = this.#scalar(bare, name)
    if (scalar) return scalar
    if (bare.type === 'array' && bare.items) {
      const item = unwrap(bare.items as JsonSchema, defs)
      const type = this.input(bare.items as JsonSchema, defs, name)
      return new GraphQLList(item.nullable ? type : new GraphQLNonNull(type))
    }
    const properties = this.#properties(bare)
    if (!properties) return json
    const key = ref ?? name
    const known = this.#inputs.get(key)
    if (known) return known
    const required = new Set((bare.required as string[] | undefined) ?? [])
    const type: GraphQLInputObjectType = new GraphQLInputObjectType({
      name: this.fresh(ref ? (ref.endsWith('Input') ? ref : `${ref}Input`) : name, 'Input'),
      description: bare.description as string | undefined,
      fields: () =>
        Object.fromEntries(
          Object.entries(properties).map(([property, field]): [string, GraphQLInputFieldConfig] => {
            const inner = this.input(field, defs, `${type.name}${pascal(property)}`)
            const optional = unwrap(field, defs).nullable || !required.has(property) || 'default' in field
            return [
              property,
              {
                type: optional ? inner : new GraphQLNonNull(inner),
                description: field.description as string | undefined,
              },
            ]
          }),
        ),
    })
    this.#inputs.set(key, type)
    return type
  }

  /** The output type of a response schema: its fields the role may see (`x-visible-to`). */
  output(
    schema: JsonSchema,
    defs: Record<string, JsonSchema>,
    name: string,
    field?: string,
  ): GraphQLOutputType {
    const { schema: bare, ref } = unwrap(schema, defs)
    const scalar = this.#scalar(bare, name, field)
    if (scalar) return scalar
    if (bare.type === 'array' && bare.items) {
      const item = unwrap(bare.items as JsonSchema, defs)
      const type = this.output(bare.items as JsonSchema, defs, name)
      return new GraphQLList(item.nullable ? type : new GraphQLNonNull(type))
    }
    const properties = this.#properties(bare)
    if (!properties) return json
    const key = ref ?? name
    const known = this.#outputs.get(key)
    if (known) return known
    const required = new Set((bare.required as string[] | undefined) ?? [])
    const type: GraphQLObjectType = new GraphQLObjectType({
      name: this.fresh(ref ?? name, 'Result'),
      description: bare.description as string | undefined,
      fields: () =>
        Object.fromEntries(
          Object.entries(properties)
            .filter(([, member]) => {
              const roles = member['x-visible-to']
              return !Array.isArray(roles) || roles.includes(this.builder.role)
            })
            .map(([property, member]) => {
              const inner = this.output(member, defs, `${type.name}${pascal(property)}`, property)
              const optional = unwrap(member, defs).nullable || !required.has(property)
              return [
                property,
                {
                  type: optional ? inner : new GraphQLNonNull(inner),
                  description: member.description as string | undefined,
                },
              ]
            }),
        ),
    })
    this.#outputs.set(key, type)
    return type
  }
}

/**
 * The role's Mutation type (undefined when it may call no write operation): its write operations, in document
 * order. `taken` holds the names of the query schema's types.
 */
export function mutationType(
  builder: SchemaBuilder,
  tools: readonly OperationTool[],
  taken: Set<string>,
): GraphQLObjectType | undefined {
  const types = new JsonSchemaTypes(builder, taken)
  const fields: Record<string, GraphQLFieldConfig<unknown, MutationContext>> = {}
  for (const entry of tools) {
    if (entry.operation.method === 'GET' || !entry.roles.has(builder.role) || !isName(entry.tool.name))
      continue
    fields[entry.tool.name] = mutationField(types, builder, entry)
  }
  return Object.keys(fields).length > 0 ? new GraphQLObjectType({ name: 'Mutation', fields }) : undefined
}

function mutationField(
  types: JsonSchemaTypes,
  builder: SchemaBuilder,
  entry: OperationTool,
): GraphQLFieldConfig<unknown, MutationContext> {
  const { tool, operation } = entry
  const schema = tool.inputSchema as JsonSchema
  const defs = (schema.$defs ?? {}) as Record<string, JsonSchema>
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set((schema.required as string[] | undefined) ?? [])
  const parameters = new Set([...operation.pathParameters, ...operation.queryParameters])
  const headers = new Set([IDEMPOTENCY_KEY_ARGUMENT, EXPECTED_VERSION_ARGUMENT])
  const typeName = pascal(tool.name)

  const args: GraphQLFieldConfigArgumentMap = {}
  for (const name of parameters) {
    const property = properties[name] ?? {}
    const type = operation.pathParameters.includes(name)
      ? GraphQLID
      : types.input(property, defs, `${typeName}${pascal(name)}`)
    args[name] = {
      type: required.has(name) ? new GraphQLNonNull(type) : type,
      description: property.description as string | undefined,
    }
  }
  if (operation.body) {
    const body = Object.fromEntries(
      Object.entries(properties).filter(([name]) => !parameters.has(name) && !headers.has(name)),
    )
    const bodySchema = { type: 'object', properties: body, required: [...required] }
    const type =
      Object.keys(body).length === 0 ? undefined : types.input(bodySchema, defs, `${typeName}Input`)
    if (type) {
      args[INPUT_ARGUMENT] = {
        type: operation.body.required ? new GraphQLNonNull(type) : type,
        description:
          type === json
            ? `The JSON body, as this JSON Schema describes it: ${JSON.stringify(bodySchema)}`
            : 'The request body.',
      }
    }
  }
  if (operation.idempotencyKey) {
    args[IDEMPOTENCY_KEY_ARGUMENT] = {
      type: GraphQLString,
      description: properties[IDEMPOTENCY_KEY_ARGUMENT]?.description as string | undefined,
    }
  }
  if (operation.expectedVersion) {
    args[IF_MATCH_ARGUMENT] = {
      type: GraphQLInt,
      description:
        'The `version` of the resource as you last read it, sent as `If-Match: "<version>"`: the change ' +
        'applies only while the resource still has that version, else a PRECONDITION_FAILED error (412) ' +
        'with the current ETag.',
    }
  }

  const node = resultNode(entry)
  const output = tool.outputSchema as JsonSchema | undefined
  const type: GraphQLOutputType = node
    ? builder.node(node)
    : output
      ? types.output(
          output,
          (output.$defs ?? {}) as Record<string, JsonSchema>,
          operation.result ?? `${typeName}Result`,
        )
      : GraphQLBoolean
  return {
    type,
    args,
    description: [
      tool.description,
      `Runs \`${operation.method} ${operation.path}\`, and costs what that request costs.` +
        (output || node ? '' : ' Answers true when done.'),
    ]
      .filter(Boolean)
      .join('\n\n'),
    resolve: (_source, values: Record<string, unknown>, context, info) =>
      context.mutate(entry, callArguments(values), info),
  }
}

/** The GraphQL arguments as a call of the operation takes them: parameters and the body's members by name. */
function callArguments(values: Record<string, unknown>): Record<string, unknown> {
  const {
    [INPUT_ARGUMENT]: input,
    [IF_MATCH_ARGUMENT]: ifMatch,
    [IDEMPOTENCY_KEY_ARGUMENT]: key,
    ...rest
  } = values
  if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input))) {
    throw new GraphQLError('`input` must be an object.', {
      extensions: { code: 'INVALID_PARAMETERS', status: 400 },
    })
  }
  const args: Record<string, unknown> = { ...rest, ...(input as Record<string, unknown> | null | undefined) }
  if (key !== undefined && key !== null) args[IDEMPOTENCY_KEY_ARGUMENT] = key
  if (ifMatch !== undefined && ifMatch !== null) args[EXPECTED_VERSION_ARGUMENT] = ifMatch
  return args
}
