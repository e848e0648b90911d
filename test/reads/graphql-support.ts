import {
  type GraphQLObjectType,
  type GraphQLOutputType,
  getNamedType,
  isEnumType,
  isObjectType,
  isScalarType,
} from 'graphql'
import { expect } from 'vitest'
import { createApp, openApiInfo } from '../../src/app'
import type { PrincipalRole } from '../../src/auth/principal'
import { documentOperations } from '../../src/lib/operations'
import { schemaFor } from '../../src/reads/graphql/schema'
import { readEdges, readNodeNames } from '../../src/reads/relations'
import type { OpenApiDocument } from '../../src/resources/mcp/mcp.tools'
import { api, json } from '../support/api'
import { neonLocalStats } from '../support/db'

/** The tenant operations as /graphql derives its mutations from them (the document the app serves). */
export const operations = documentOperations(
  createApp().getOpenAPI31Document(openApiInfo) as unknown as OpenApiDocument,
)

export interface GraphQLBody {
  data?: Record<string, unknown> | null
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: { code?: string } }>
}

/** POSTs a document; the status, body and the request's database round trips. */
export async function graphql(
  token: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const requestId = `gql-${crypto.randomUUID()}`
  const response = await api('/graphql', {
    method: 'POST',
    token,
    headers: { 'X-Request-Id': requestId, ...headers },
    body: { query, ...(variables ? { variables } : {}) },
  })
  const body = await json<GraphQLBody>(response)
  return { status: response.status, body, roundTrips: await neonLocalStats(requestId), response }
}

const isNode = (name: string) => (readNodeNames as readonly string[]).includes(name)

/** Every representation field of a type (nested objects too), none of its relations: what REST's GET returns. */
export function allFields(role: PrincipalRole, typeName: string): string {
  const type = schemaFor(role).getType(typeName) as GraphQLObjectType
  const relations = isNode(typeName) ? Object.keys(readEdges[typeName as keyof typeof readEdges]) : []
  return Object.values(type.getFields())
    .filter((field) => !relations.includes(field.name))
    .map((field) => selection(field.name, field.type))
    .join(' ')
}

function selection(name: string, type: GraphQLOutputType): string {
  const named = getNamedType(type)
  if (isScalarType(named) || isEnumType(named)) return name
  if (isObjectType(named)) {
    const inner = Object.values(named.getFields())
      .map((field) => selection(field.name, field.type))
      .join(' ')
    return `${name} { ${inner} }`
  }
  return name
}

/** A value without its null and absent members (REST leaves optional members out, GraphQL answers null). */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, member]) => member !== null && member !== undefined)
        .map(([key, member]) => [key, withoutNulls(member)]),
    )
  }
  return value
}

/** Expects a request error: its status and the code of its first error. */
export function expectRefused(result: { status: number; body: GraphQLBody }, status: number, code: string) {
  expect(result.status, JSON.stringify(result.body)).toBe(status)
  expect(result.body.errors?.[0]?.extensions?.code, JSON.stringify(result.body)).toBe(code)
  expect(result.body.data).toBeUndefined()
}
