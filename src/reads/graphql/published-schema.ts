import {
  extendSchema,
  GraphQLObjectType,
  type GraphQLSchema,
  isIntrospectionType,
  isSpecifiedScalarType,
  parse,
  printType,
} from 'graphql'
import { principalRoles } from '../../auth/principal'
import type { OperationTool } from '../../resources/mcp/mcp.tools'
import { schemaFor } from './schema'

/**
 * The schema published as schema.graphql (for clients' generated types; not used by the Worker): the ADMIN role's,
 * the widest, extended with the mutations only other roles may call (a CUSTOMER's `replaceTicketSatisfaction`) and
 * the input types only they use. Their results name the ADMIN schema's types (every role names its types as the
 * ADMIN schema does), so each role's schema is a subset of this one: fewer fields, fewer mutations.
 */
export function publishedSchema(operations: readonly OperationTool[]): GraphQLSchema {
  const admin = schemaFor('ADMIN', operations)
  const adminMutations = admin.getMutationType()?.getFields() ?? {}
  const types = new Map<string, string>()
  const mutations = new Map<string, ReturnType<GraphQLObjectType['toConfig']>['fields'][string]>()
  for (const role of principalRoles) {
    const schema = schemaFor(role, operations)
    for (const type of Object.values(schema.getTypeMap())) {
      const own = type.name === 'Mutation' || isIntrospectionType(type) || isSpecifiedScalarType(type)
      if (!own && !admin.getType(type.name)) types.set(type.name, printType(type))
    }
    for (const [name, field] of Object.entries(schema.getMutationType()?.toConfig().fields ?? {})) {
      if (!adminMutations[name]) mutations.set(name, field)
    }
  }
  if (mutations.size === 0) return admin
  // Printed with the other role's types, parsed against the ADMIN schema's types of the same names.
  const extra = printType(new GraphQLObjectType({ name: 'Mutation', fields: Object.fromEntries(mutations) }))
  return extendSchema(admin, parse([...types.values(), `extend ${extra}`].join('\n\n')))
}
