import fc from 'fast-check'
import {
  type GraphQLInputType,
  type GraphQLObjectType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql'
import { describe, expect, it } from 'vitest'
import type { PrincipalRole } from '../../src/auth/principal'
import { schemaFor } from '../../src/reads/graphql/schema'
import { api } from '../support/api'
import { operations } from './graphql-support'
import { consoleScreen } from './support'

/*
 * Generated documents, valid and hostile, queries and mutations, never get a 5xx: every answer is a GraphQL
 * response (200, 400, 405, 413; also for a JSON body that is not one GraphQL request) or the API's problem for a
 * request GraphQL never sees (a body that is not JSON), and it parses.
 */

const screen = consoleScreen()

const schemaOf = (role: PrincipalRole) => schemaFor(role, operations)

/** A random selection set of `type` from the role's schema (relations, connections, arguments), `depth` deep. */
function selectionOf(role: PrincipalRole, typeName: string, depth: number): fc.Arbitrary<string> {
  const type = schemaOf(role).getType(typeName) as GraphQLObjectType
  const fields = Object.values(type.getFields())
  const field = fc.constantFrom(...fields).chain((chosen) => {
    const named = getNamedType(chosen.type)
    const args = chosen.args.length
      ? fc
          .subarray(chosen.args.map((arg) => arg.name))
          .chain((names) =>
            fc.tuple(
              ...names.map((name) =>
                fc
                  .oneof(
                    fc.integer({ min: -5, max: 200 }).map(String),
                    fc.string({ maxLength: 12 }).map((text) => JSON.stringify(text)),
                    fc.constant('"00000000-0000-4000-8000-000000000000"'),
                    fc.constantFrom('[OPEN]', '[PENDING, APPROVED]', 'null', 'true'),
                  )
                  .map((value) => `${name}: ${value}`),
              ),
            ),
          )
          .map((parts) => (parts.length ? `(${parts.join(', ')})` : ''))
      : fc.constant('')
    const alias = fc.option(fc.constantFrom('a', 'b', 'x_1'), { nil: undefined })
    const sub =
      isObjectType(named) && depth > 0
        ? selectionOf(role, named.name, depth - 1).map((inner) => ` { ${inner} }`)
        : isObjectType(named)
          ? fc.constant(' { __typename }')
          : fc.constant('')
    return fc.tuple(alias, args, sub).map(([a, g, s]) => `${a ? `${a}: ` : ''}${chosen.name}${g}${s}`)
  })
  return fc.array(field, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(' '))
}

const roles = ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'] as const

/** Ids a mutation may name: the screen's (real), a stranger's, and not ids at all. */
function idsOf(known: readonly string[]) {
  return fc.constantFrom(...known, '00000000-0000-4000-8000-000000000000', 'not-a-uuid', '')
}

/** A literal of an input type: mostly well-typed (required members always), sometimes anything. */
function literalOf(type: GraphQLInputType, ids: fc.Arbitrary<string>, depth = 0): fc.Arbitrary<string> {
  const anything = fc.oneof(
    fc.integer({ min: -5, max: 2_000_000_000 }).map(String),
    fc.string({ maxLength: 12 }).map((text) => JSON.stringify(text)),
    fc.constantFrom('null', 'true', '1.5', '[]', '{}', 'OPEN'),
  )
  const typed = (): fc.Arbitrary<string> => {
    if (isNonNullType(type)) return literalOf(type.ofType, ids, depth)
    if (isListType(type)) {
      return fc
        .array(literalOf(type.ofType, ids, depth + 1), { maxLength: depth > 2 ? 0 : 2 })
        .map((items) => `[${items.join(', ')}]`)
    }
    if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((value) => value.name))
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields())
      const required = fields.filter((field) => isNonNullType(field.type))
      const optional = fields.filter((field) => !isNonNullType(field.type))
      return fc
        .subarray(depth > 2 ? [] : optional)
        .chain((chosen) =>
          fc.tuple(
            ...[...required, ...chosen].map((field) =>
              literalOf(field.type, ids, depth + 1).map((value) => `${field.name}: ${value}`),
            ),
          ),
        )
        .map((members) => `{ ${members.join(', ')} }`)
    }
    switch (type.name) {
      case 'ID':
        return ids.map((id) => JSON.stringify(id))
      case 'Int':
        return fc.integer({ min: -2, max: 1000 }).map(String)
      case 'Float':
        return fc.double({ min: 0, max: 1000, noNaN: true }).map(String)
      case 'Boolean':
        return fc.boolean().map(String)
      case 'JSON':
        return fc.constantFrom('{ all: [] }', '{ theme: "dark" }', '"x"', '1')
      default:
        return fc.oneof(
          ids.map((id) => JSON.stringify(id)),
          fc.constantFrom('"12.50"', '"USD"', '"Hello"', '"https://hooks.example.com/x"'),
          fc.string({ maxLength: 20 }).map((text) => JSON.stringify(text)),
        )
    }
  }
  return fc.oneof({ arbitrary: typed(), weight: 19 }, { arbitrary: anything, weight: 1 })
}

/** A mutation document of the role's schema: one to three of its mutations, arguments and selections. */
function mutationOf(role: PrincipalRole, ids: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const fields = Object.values(schemaOf(role).getMutationType()?.getFields() ?? {})
  const field = fc.constantFrom(...fields).chain((chosen) => {
    const args = fc
      .tuple(
        ...chosen.args.map((arg) =>
          isNonNullType(arg.type)
            ? literalOf(arg.type, ids)
            : fc.option(literalOf(arg.type, ids), { freq: 3, nil: undefined }),
        ),
      )
      .map((values) =>
        values.flatMap((value, index) =>
          value === undefined ? [] : [`${chosen.args[index]?.name}: ${value}`],
        ),
      )
      .map((parts) => (parts.length ? `(${parts.join(', ')})` : ''))
    const named = getNamedType(chosen.type)
    const scalars = isObjectType(named)
      ? Object.values(named.getFields())
          .filter((member) => !isObjectType(getNamedType(member.type)))
          .map((member) => member.name)
      : []
    const related = (): fc.Arbitrary<string> =>
      selectionOf(role, named.name, 2).map((inner) => ` { ${inner} }`)
    // Its own fields (mostly valid documents, so that most run), or a generated selection with relations; a payload
    // with no scalar field of its own (e.g. one that only wraps objects) has only the latter.
    const selection = !isObjectType(named)
      ? fc.constant('')
      : scalars.length === 0
        ? related()
        : fc.oneof(
            fc.subarray(scalars, { minLength: 1 }).map((names) => ` { ${names.join(' ')} }`),
            related(),
          )
    return fc.tuple(args, selection).map(([a, s]) => `${chosen.name}${a}${s}`)
  })
  return fc
    .array(field, { minLength: 1, maxLength: 3 })
    .map((parts) => `mutation { ${parts.map((part, index) => `m${index}: ${part}`).join(' ')} }`)
}

const hostile = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.integer({ min: 1, max: 3000 }).map((depth) => `${'{ a '.repeat(depth)}${'}'.repeat(depth)}`),
  fc
    .integer({ min: 1, max: 3000 })
    .map(
      (width) =>
        `{ ${Array.from({ length: width }, (_, i) => `a${i}: tickets { nodes { id } }`).join(' ')} }`,
    ),
  fc
    .integer({ min: 1, max: 40 })
    .map(
      (count) =>
        `{ ...F0 } ${Array.from({ length: count }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F${count} on Query { tickets { nodes { id } } }`,
    ),
  fc.constantFrom(
    '{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }',
    'subscription { tickets { nodes { id } } }',
    'mutation { createTicket }',
    'mutation { __typename }',
    'mutation A { __typename } query A { __typename }',
    `mutation { ${Array.from({ length: 50 }, (_, i) => `a${i}: createTicket(input: { subject: "s", description: "d" }) { id }`).join(' ')} }`,
    'mutation ($i: CreateTicketInput!) { createTicket(input: $i) { id } }',
    '{ ticket(id: "x") { nope } }',
    '{ tickets(first: 100000) { nodes { id } } }',
    'query ($a: Int) { tickets(first: $a) { nodes { id } } }',
    '{ ...Missing }',
    'fragment F on Query { ...F } { ...F }',
    `{ ${'x'.repeat(20_000)} }`,
  ),
)

describe('GraphQL under generated documents', () => {
  it('answers every valid and hostile document without a 5xx', async () => {
    const { tenant, ticketId } = await screen
    const ids = idsOf([ticketId, tenant.customerId, tenant.representativeId, tenant.agentId, tenant.adminId])
    const mutations = fc
      .constantFrom(...roles)
      .chain((role) => mutationOf(role, ids).map((query) => ({ role, query })))
    const valid = fc
      .constantFrom(...roles)
      .chain((role) =>
        fc
          .integer({ min: 1, max: 7 })
          .chain((depth) =>
            selectionOf(role, 'Query', depth).map((selection) => ({ role, query: `{ ${selection} }` })),
          ),
      )
    const request = fc.oneof(
      valid.map((document) => ({ ...document, body: { query: document.query } as unknown })),
      mutations.map((document) => ({ ...document, body: { query: document.query } as unknown })),
      fc
        .tuple(fc.constantFrom(...roles), hostile, fc.option(fc.jsonValue(), { nil: undefined }))
        .map(([role, query, variables]) => ({ role, query, body: { query, variables } as unknown })),
      fc.tuple(fc.constantFrom(...roles), fc.jsonValue()).map(([role, body]) => ({ role, query: '', body })),
    )
    await fc.assert(
      fc.asyncProperty(request, async ({ role, body }) => {
        const response = await api('/graphql', { method: 'POST', token: tenant.tokens[role], body })
        expect(response.status, JSON.stringify(body).slice(0, 500)).toBeLessThan(500)
        const answer = (await response.json()) as { data?: unknown; errors?: unknown; code?: string }
        expect(answer.data !== undefined || answer.errors !== undefined || answer.code !== undefined).toBe(
          true,
        )
      }),
      { numRuns: 160 },
    )
    // The known ticket stays readable (the mutations above changed it, within the API's rules).
    const check = await api('/graphql', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { query: `{ ticket(id: "${ticketId}") { id } }` },
    })
    expect(await check.json()).toEqual({ data: { ticket: { id: ticketId } } })
  }, 240_000)
})
