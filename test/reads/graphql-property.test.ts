import fc from 'fast-check'
import { type GraphQLObjectType, getNamedType, isObjectType } from 'graphql'
import { describe, expect, it } from 'vitest'
import type { PrincipalRole } from '../../src/auth/principal'
import { schemaFor } from '../../src/reads/graphql/schema'
import { api } from '../support/api'
import { consoleScreen } from './support'

/*
 * Generated documents, valid and hostile, never get a 5xx: every answer is a GraphQL response (200, 400, 413) or
 * the API's problem for a body it refuses (422 for a body that is not one GraphQL request), and it parses.
 */

const screen = consoleScreen()

/** A random selection set of `type` from the role's schema (relations, connections, arguments), `depth` deep. */
function selectionOf(role: PrincipalRole, typeName: string, depth: number): fc.Arbitrary<string> {
  const type = schemaFor(role).getType(typeName) as GraphQLObjectType
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
      { numRuns: 120 },
    )
    // The known ticket stays readable (nothing above changed anything).
    const check = await api('/graphql', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { query: `{ ticket(id: "${ticketId}") { id } }` },
    })
    expect(await check.json()).toEqual({ data: { ticket: { id: ticketId } } })
  }, 240_000)
})
