import { describe, expect, it } from 'vitest'
import { readLimits } from '../../src/reads/relations'
import { api, json } from '../support/api'
import { createTenant } from '../support/tenants'
import { expectRefused, graphql } from './graphql-support'

/*
 * SPEC-surfaces "One-request reads", at the limits themselves: `expand` depth ≤ 3 and ≤ 10 paths; GraphQL depth ≤ 6,
 * a cost that counts list sizes, a document ≤ 16 KiB. The last allowed value is served, the next one refused.
 */
describe('read limits at their edges', () => {
  it('GraphQL depth: 6 fields deep is served (connection wrappers not counted), 7 is QUERY_TOO_COMPLEX', async () => {
    const tenant = await createTenant()
    const token = tenant.tokens.ADMIN
    const id = crypto.randomUUID()
    // ticket(1) escalations(2) ticket(3) customer(4) tickets(5) id(6); `nodes` and `pageInfo` do not count.
    const six = `{ ticket(id: "${id}") { escalations { pageInfo { hasNextPage } nodes { ticket { customer { tickets { nodes { id } } } } } } } }`
    const served = await graphql(token, six)
    expect(served.status, JSON.stringify(served.body)).toBe(200)
    expect(served.body.errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND'])
    const seven = `{ ticket(id: "${id}") { escalations { nodes { ticket { customer { tickets { nodes { messages { nodes { id } } } } } } } } } }`
    expectRefused(await graphql(token, seven), 400, 'QUERY_TOO_COMPLEX')
    // Through a fragment, the same count.
    const viaFragment = `{ ticket(id: "${id}") { ...deep } } fragment deep on Ticket { escalations { nodes { ticket { customer { tickets { nodes { messages { nodes { id } } } } } } } } }`
    expectRefused(await graphql(token, viaFragment), 400, 'QUERY_TOO_COMPLEX')
  })

  it(`GraphQL cost: ${readLimits.graphqlCost} rows are served, one list item more is QUERY_TOO_COMPLEX`, async () => {
    const tenant = await createTenant()
    const token = tenant.tokens.ADMIN
    // 100 tickets + 100 × (20 messages + 20 refunds + 9 escalations) = 5,000.
    const query = (escalations: number) =>
      `{ tickets(first: 100) { nodes { messages(first: 20) { nodes { id } } refunds(first: 20) { nodes { id } } escalations(first: ${escalations}) { nodes { id } } } } }`
    const served = await graphql(token, query(9))
    expect(served.status, JSON.stringify(served.body)).toBe(200)
    expect(served.body.errors).toBeUndefined()
    expectRefused(await graphql(token, query(10)), 400, 'QUERY_TOO_COMPLEX')
    // A `one` relation under a list counts one row per parent: 100 + 100 × 49 = 5,000, then 100 more.
    const withCustomer = `{ tickets(first: 100) { nodes { customer { id } messages(first: 20) { nodes { id } } refunds(first: 20) { nodes { id } } escalations(first: 8) { nodes { id } } } } }`
    const servedOne = await graphql(token, withCustomer)
    expect(servedOne.body.errors).toBeUndefined()
    const tooMany = withCustomer.replace('customer { id }', 'customer { id } assignedRepresentative { id }')
    expectRefused(await graphql(token, tooMany), 400, 'QUERY_TOO_COMPLEX')
  })

  it(`GraphQL document: ${readLimits.graphqlDocumentBytes} bytes of UTF-8 are served, one more byte is 413`, async () => {
    const tenant = await createTenant()
    const token = tenant.tokens.ADMIN
    const head = '{ tickets { nodes { id } } }'
    // A comment of two-byte characters: the limit counts bytes, not characters.
    const pad = (bytes: number) => `${head}\n#${'é'.repeat(Math.floor(bytes / 2))}${bytes % 2 ? 'x' : ''}`
    const exact = pad(readLimits.graphqlDocumentBytes - head.length - 2)
    expect(new TextEncoder().encode(exact).byteLength).toBe(readLimits.graphqlDocumentBytes)
    const served = await graphql(token, exact)
    expect(served.status, JSON.stringify(served.body)).toBe(200)
    expect(served.body.errors).toBeUndefined()
    expectRefused(await graphql(token, `${exact}x`), 413, 'PAYLOAD_TOO_LARGE')
  })

  it('expand: 3 segments and 10 paths are served; a 4th segment or an 11th path is 400 naming `expand`', async () => {
    const tenant = await createTenant()
    const token = tenant.tokens.ADMIN
    const ticket = await json<{ id: string }>(
      await api('/v1/tickets', {
        method: 'POST',
        token,
        body: { customerId: tenant.customerId, subject: 's', description: 'd' },
      }),
    )
    const ten = [
      'customer',
      'customer.tickets',
      'customer.refunds',
      'customer.tickets.messages',
      'messages',
      'escalations',
      'escalations.ticket',
      'escalations.agent',
      'refunds',
      'assignedRepresentative.user',
    ]
    expect(ten).toHaveLength(readLimits.expandPaths)
    const served = await api(`/v1/tickets/${ticket.id}?expand=${ten.join(',')}`, { token })
    expect(served.status, await served.clone().text()).toBe(200)
    for (const expand of [[...ten, 'refunds.customer'].join(','), 'escalations.ticket.customer.tickets']) {
      const refused = await api(`/v1/tickets/${ticket.id}?expand=${expand}`, { token })
      expect(refused.status, expand).toBe(400)
      const problem = await json<{ code: string; errors: Array<{ path: string }> }>(refused)
      expect(problem.code).toBe('INVALID_PARAMETERS')
      expect(problem.errors[0]?.path).toBe('expand')
    }
  })
})
