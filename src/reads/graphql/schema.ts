import type { z } from '@hono/zod-openapi'
import {
  GraphQLBoolean,
  GraphQLEnumType,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigArgumentMap,
  GraphQLFloat,
  GraphQLID,
  type GraphQLInputType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
} from 'graphql'
import type { PrincipalRole } from '../../auth/principal'
import { mayView } from '../../lib/representation'
import type { OperationTool } from '../../resources/mcp/mcp.tools'
import { nodePermission, type ReadNode, readNodes } from '../graph'
import { type ReadNodeName, readEdges, readLimits, readNodeNames } from '../relations'
import { mutationType } from './mutations'

/*
 * The GraphQL schema, derived (never written by hand): each resource's type from its response schema (the zod
 * schema its REST operations answer with), its relation fields from the read graph's edges, the root lists'
 * arguments from the list operations' query schemas. One schema per role: a field the role's REST representation
 * leaves out (`visibleTo`) and a relation to a resource the role may not read are not in that role's schema, so
 * asking for them is a validation error, and introspection shows each role what it may read. `schema.graphql`
 * (repository root) is the ADMIN schema, the widest.
 */

type ZodDef = {
  type: string
  innerType?: ZodLike
  options?: ZodLike[]
  element?: ZodLike
  entries?: Record<string, string>
  in?: ZodLike
  out?: ZodLike
  getter?: () => ZodLike
  shape?: Record<string, ZodLike>
  format?: string
}
type ZodLike = { def: ZodDef; format?: string | null; shape?: Record<string, ZodLike> }

export const json = new GraphQLScalarType({
  name: 'JSON',
  description: 'A JSON value (free-form: preferences, settings, a decision trace).',
  serialize: (value) => value,
  parseValue: (value) => value,
})

/** Relay-style page information, with the REST continuation: `endCursor` is the list route's `cursor`. */
const pageInfo = new GraphQLObjectType({
  name: 'PageInfo',
  fields: {
    hasNextPage: { type: new GraphQLNonNull(GraphQLBoolean) },
    endCursor: {
      type: GraphQLString,
      description:
        'The cursor to continue with (`after`, or the REST list route’s `cursor`); null at the end.',
    },
    nextUrl: {
      type: GraphQLString,
      description:
        'The REST list route that continues this list (same filters, and the cursor); null at the end.',
    },
  },
})

/** A list as the plan reads it (src/reads/planner.ts ReadPage). */
interface ReadPageSource {
  data: unknown[]
  nextCursor: string | null
  nextUrl?: string | null
}

export const pascal = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)
const ENUM_VALUE = /^[_A-Za-z][_0-9A-Za-z]*$/

/** Builds one role's types; enum and object types are shared within it by name. */
export class SchemaBuilder {
  readonly role: PrincipalRole
  readonly #enums = new Map<string, GraphQLEnumType>()
  readonly #objects = new Map<string, GraphQLObjectType>()
  readonly #connections = new Map<string, GraphQLObjectType>()
  readonly #enumNames: ReadonlyMap<string, string> | undefined

  /** `enumNames`: the names another role's schema gave its enums (by their values), so every role's agree. */
  constructor(role: PrincipalRole, enumNames?: ReadonlyMap<string, string>) {
    this.role = role
    this.#enumNames = enumNames
  }

  /** The names of the enums built so far, by their values. */
  enumNames(): Map<string, string> {
    return new Map([...this.#enums].map(([key, type]) => [key, type.name]))
  }

  enumOf(values: readonly string[], name: string): GraphQLEnumType | undefined {
    if (!values.every((value) => ENUM_VALUE.test(value))) return undefined
    const key = values.join('|')
    const known = this.#enums.get(key)
    if (known) return known
    const type = new GraphQLEnumType({
      name: this.#enumNames?.get(key) ?? name,
      values: Object.fromEntries(values.map((value) => [value, { value }])),
    })
    this.#enums.set(key, type)
    return type
  }

  /** The GraphQL output type of a zod schema (nullable unless the schema says it is always there). */
  output(schema: ZodLike, name: string, field?: string): GraphQLOutputType {
    let current = schema
    let nullable = false
    for (let depth = 0; depth < 10; depth++) {
      const def = current.def
      if (def.type === 'optional' || def.type === 'nullable') {
        nullable = true
        current = def.innerType as ZodLike
      } else if (def.type === 'default' || def.type === 'readonly' || def.type === 'catch') {
        current = def.innerType as ZodLike
      } else if (def.type === 'lazy' && def.getter) {
        current = def.getter()
      } else if (def.type === 'pipe') {
        current = def.out as ZodLike
      } else if (def.type === 'union') {
        const options = (def.options ?? []).filter((option) => option.def.type !== 'null')
        if (options.length < (def.options ?? []).length) nullable = true
        if (options.length !== 1) return json
        current = options[0] as ZodLike
      } else break
    }
    const type = this.#bare(current, name, field)
    return nullable ? type : new GraphQLNonNull(type)
  }

  #bare(schema: ZodLike, name: string, field?: string): GraphQLOutputType {
    const def = schema.def
    switch (def.type) {
      case 'string':
        return field === 'id' ? GraphQLID : GraphQLString
      case 'number': {
        const format = schema.format ?? def.format ?? ''
        return /int/.test(format) ? GraphQLInt : GraphQLFloat
      }
      case 'boolean':
        return GraphQLBoolean
      case 'enum':
        return this.enumOf(Object.values(def.entries ?? {}), name) ?? GraphQLString
      case 'array':
        return new GraphQLList(this.output(def.element as ZodLike, name))
      case 'object':
        return this.object(schema, name)
      default:
        return json
    }
  }

  /** An object type of a zod object schema: the fields the role may see. */
  object(schema: ZodLike, name: string, extra?: () => Record<string, GraphQLFieldConfig<unknown, unknown>>) {
    const known = this.#objects.get(name)
    if (known) return known
    const shape = (schema.shape ?? schema.def.shape ?? {}) as Record<string, ZodLike>
    const type: GraphQLObjectType = new GraphQLObjectType({
      name,
      fields: () => ({
        ...Object.fromEntries(
          Object.entries(shape)
            .filter(([, field]) => mayView(field, { role: this.role }))
            .map(([key, field]) => [key, { type: this.output(field, `${name}${pascal(key)}`, key) }]),
        ),
        ...extra?.(),
      }),
    })
    this.#objects.set(name, type)
    return type
  }

  /** A resource's type: its representation's fields and the relations the role may follow. */
  node(name: ReadNodeName): GraphQLObjectType {
    const node = readNodes[name]
    return this.object(node.schema as unknown as ZodLike, name, () => this.relations(node))
  }

  relations(node: ReadNode): Record<string, GraphQLFieldConfig<unknown, unknown>> {
    const fields: Record<string, GraphQLFieldConfig<unknown, unknown>> = {}
    for (const [edgeName, edge] of Object.entries(readEdges[node.name])) {
      if (!mayFollow(this.role, node.name, edgeName)) continue
      fields[edgeName] =
        edge.kind === 'one'
          ? { type: this.node(edge.to), description: edge.description, resolve: byResponseKey }
          : {
              type: new GraphQLNonNull(this.connection(edge.to)),
              description: `${edge.description} At most ${readLimits.nestedPage} per page.`,
              args: {
                first: {
                  type: GraphQLInt,
                  description: `Page size, 1–${readLimits.nestedPage} (default ${readLimits.nestedPage}).`,
                },
              },
              resolve: byResponseKey,
            }
    }
    return fields
  }

  connection(name: ReadNodeName): GraphQLObjectType {
    const known = this.#connections.get(name)
    if (known) return known
    const type: GraphQLObjectType = new GraphQLObjectType<ReadPageSource>({
      name: `${name}Connection`,
      fields: () => ({
        nodes: {
          type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(this.node(name)))),
          resolve: (page) => page.data,
        },
        pageInfo: {
          type: new GraphQLNonNull(pageInfo),
          resolve: (page) => ({
            hasNextPage: page.nextCursor !== null,
            endCursor: page.nextCursor,
            nextUrl: page.nextUrl ?? null,
          }),
        },
      }),
    })
    this.#connections.set(name, type)
    return type
  }

  /** A root list's arguments: `first`/`after` and the list operation's own query parameters. */
  listArguments(node: ReadNode): GraphQLFieldConfigArgumentMap {
    const args: GraphQLFieldConfigArgumentMap = {
      first: { type: GraphQLInt, description: 'Page size (the list operation’s `limit`).' },
      after: { type: GraphQLString, description: 'A cursor (`pageInfo.endCursor`, or a REST `nextCursor`).' },
    }
    const shape = (node.list?.query.shape ?? {}) as unknown as Record<string, ZodLike>
    for (const [key, field] of Object.entries(shape)) {
      if (key === 'limit' || key === 'cursor' || key === 'expand') continue
      const description = (field as unknown as z.ZodType).description
      args[key] = { type: this.input(field, `${node.name}${pascal(key)}`), description }
    }
    return args
  }

  /** An argument's type: an enum (or a list of them, for comma-separated REST values), else a String. */
  input(schema: ZodLike, name: string): GraphQLInputType {
    let current = schema
    for (let depth = 0; depth < 10; depth++) {
      const def = current.def
      if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') {
        current = def.innerType as ZodLike
      } else if (def.type === 'pipe') {
        // csvOf: a string split into an array of enum values; a GraphQL list of the enum.
        current = (def.out?.def.type === 'array' ? def.out : def.in) as ZodLike
      } else break
    }
    const def = current.def
    if (def.type === 'array') {
      const element = (def.element as ZodLike).def
      const values = element.type === 'enum' ? Object.values(element.entries ?? {}) : []
      const item = this.enumOf(values, name) ?? GraphQLString
      return new GraphQLList(new GraphQLNonNull(item))
    }
    if (def.type === 'enum') return this.enumOf(Object.values(def.entries ?? {}), name) ?? GraphQLString
    if (def.type === 'number') return GraphQLInt
    return GraphQLString
  }
}

/** Whether the role may follow the relation: its target's GET operation admits it and the reference is visible. */
export function mayFollow(role: PrincipalRole, from: ReadNodeName, edgeName: string): boolean {
  const edge = readEdges[from][edgeName]
  if (!edge) return false
  if (!nodePermission(readNodes[edge.to]).roles.includes(role)) return false
  return edge.via === undefined || mayView(readNodes[from].schema.shape[edge.via], { role })
}

/**
 * A relation field's (and a root field's) value: read by the plan under `@` and the field's response key (aliases
 * may read it twice; the `@` keeps an alias from taking the place of a field of the representation).
 */
function byResponseKey(
  source: unknown,
  _args: unknown,
  _context: unknown,
  info: { path: { key: string | number } },
) {
  return (source as Record<string, unknown>)[`@${info.path.key}`]
}

/** The root query fields: a resource by id, and the resources with a list operation, paged as REST pages them. */
function queryType(builder: SchemaBuilder): GraphQLObjectType {
  const fields: Record<string, GraphQLFieldConfig<unknown, unknown>> = {}
  for (const node of Object.values(readNodes)) {
    const field = node.name.charAt(0).toLowerCase() + node.name.slice(1)
    if (nodePermission(node).roles.includes(builder.role)) {
      fields[field] = {
        type: builder.node(node.name),
        args: { id: { type: new GraphQLNonNull(GraphQLID) } },
        description: `One ${field}, by id (null, with a NOT_FOUND error, when the caller may not read it).`,
        resolve: byResponseKey,
      }
    }
    if (node.list && nodePermission(node, true).roles.includes(builder.role)) {
      fields[`${field}s`] = {
        type: new GraphQLNonNull(builder.connection(node.name)),
        args: builder.listArguments(node),
        description: `A page of ${field}s: the filters, sorts and cursors of GET ${node.list.path}.`,
        resolve: byResponseKey,
      }
    }
  }
  return new GraphQLObjectType({ name: 'Query', fields })
}

/** A role's schema, the names of its enums, and the type names its queries and resources take. */
interface BuiltSchema {
  schema: GraphQLSchema
  enumNames: ReadonlyMap<string, string>
  reserved: ReadonlySet<string>
}

const schemas = new WeakMap<readonly OperationTool[], Map<PrincipalRole, BuiltSchema>>()
const NO_OPERATIONS: readonly OperationTool[] = []

/**
 * The role's schema, built once per isolate and set of operations: the queries, and a mutation for each write
 * operation of `operations` the role may call (mutations.ts; none without operations).
 */
export function schemaFor(
  role: PrincipalRole,
  operations: readonly OperationTool[] = NO_OPERATIONS,
): GraphQLSchema {
  return built(role, operations).schema
}

function built(role: PrincipalRole, operations: readonly OperationTool[]): BuiltSchema {
  let byRole = schemas.get(operations)
  if (!byRole) {
    byRole = new Map()
    schemas.set(operations, byRole)
  }
  const known = byRole.get(role)
  if (known) return known
  // Every role names its types as the ADMIN schema (the widest, schema.graphql) does: one name, one type.
  const admin = role === 'ADMIN' ? undefined : built('ADMIN', operations)
  const builder = new SchemaBuilder(role, admin?.enumNames)
  const query = queryType(builder)
  // The names the queries and the resources (which mutations answer with their query types) take; the types
  // derived from the operations' own schemas take others.
  const reserved =
    admin?.reserved ??
    new Set(
      Object.keys(
        new GraphQLSchema({ query, types: readNodeNames.map((name) => builder.node(name)) }).getTypeMap(),
      ),
    )
  const mutation = operations.length > 0 ? mutationType(builder, operations, new Set(reserved)) : undefined
  const schema = new GraphQLSchema({ query, mutation })
  const result = { schema, enumNames: builder.enumNames(), reserved }
  byRole.set(role, result)
  return result
}
