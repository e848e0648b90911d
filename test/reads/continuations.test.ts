import { describe, expect, it } from 'vitest'
import { continuations } from '../../src/reads/graph'
import { readLimits } from '../../src/reads/relations'
import { api } from '../support/api'
import { createTenant } from '../support/tenants'
import { getJson } from './support'

type Body = Record<string, unknown>
type Page = { data: Body[]; nextCursor: string | null; nextUrl?: string | null }

async function created(path: string, token: string, body: unknown): Promise<Body> {
  const response = await api(path, { method: 'POST', token, body })
  expect(response.status, await response.clone().text()).toBe(201)
  return (await response.json()) as Body
}

/*
 * SPEC-surfaces "One-request reads": nested lists are capped at 20 per branch, "with a cursor to continue through
 * the nested resource's own list route". Every `many` edge's nextUrl, followed, gives exactly the rest of its list.
 */
describe('every nested list continues through its own list route', () => {
  it('Ticket.escalations, Ticket.refunds, Customer.tickets, Customer.refunds: first 20, then nextUrl gives the rest, for every role', async () => {
    const tenant = await createTenant()
    const extra = 3
    const count = readLimits.nestedPage + extra
    const tickets: Body[] = []
    for (let index = 0; index < count; index++) {
      tickets.push(
        await created('/v1/tickets', tenant.tokens.CUSTOMER, { subject: `T${index}`, description: 'd' }),
      )
    }
    const ticketId = tickets[0]?.id as string
    const priorities = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']
    for (let index = 0; index < count; index++) {
      await created('/v1/escalations', tenant.tokens.AGENT, {
        ticketId,
        priority: priorities[index % priorities.length],
        reason: 'LOW_CONFIDENCE',
        summary: `E${index}`,
      })
      await created('/v1/refunds', tenant.tokens.CUSTOMER, {
        amount: '1.00',
        currency: 'USD',
        reason: 'DEFECTIVE_PRODUCT',
        ticketId,
      })
    }
    const cases: Array<{ edge: string; path: string; pick: (body: Body) => Page; whole: string }> = [
      {
        edge: 'Ticket.escalations',
        path: `/v1/tickets/${ticketId}?expand=escalations`,
        pick: (body) => body.escalations as Page,
        whole: `/v1/escalations?ticketId=${ticketId}&limit=100`,
      },
      {
        edge: 'Ticket.refunds',
        path: `/v1/tickets/${ticketId}?expand=refunds`,
        pick: (body) => body.refunds as Page,
        whole: `/v1/refunds?ticketId=${ticketId}&limit=100`,
      },
      {
        edge: 'Customer.tickets',
        path: `/v1/tickets/${ticketId}?expand=customer.tickets`,
        pick: (body) => (body.customer as Body).tickets as Page,
        whole: `/v1/tickets?customerId=${tenant.customerId}&limit=100`,
      },
      {
        edge: 'Customer.refunds',
        path: `/v1/tickets/${ticketId}?expand=customer.refunds`,
        pick: (body) => (body.customer as Body).refunds as Page,
        whole: `/v1/refunds?customerId=${tenant.customerId}&limit=100`,
      },
    ]
    expect(cases.map((c) => c.edge).sort()).toEqual(
      Object.keys(continuations)
        .filter((key) => key !== 'Ticket.messages')
        .sort(),
    )
    let followed = 0
    for (const role of ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'] as const) {
      const token = tenant.tokens[role]
      for (const { edge, path, pick, whole } of cases) {
        // A role the nested resource's GET refuses cannot expand it (expand.test.ts).
        const response = await api(path, { token })
        if (response.status === 403) continue
        expect(response.status, `${role} ${edge}`).toBe(200)
        followed++
        const first = pick((await response.json()) as Body)
        expect(first.data, `${role} ${edge}`).toHaveLength(readLimits.nestedPage)
        expect(first.nextUrl, `${role} ${edge}`).toBeTruthy()
        const rest = await getJson<Page>(first.nextUrl as string, token)
        const all = await getJson<Page>(whole, token)
        expect(all.data, `${role} ${edge}`).toHaveLength(count)
        expect(
          [...first.data, ...rest.data].map((item) => item.id),
          `${role} ${edge}`,
        ).toEqual(all.data.map((item) => item.id))
        expect(rest.nextCursor, `${role} ${edge}`).toBeNull()
      }
    }
    // ADMIN and REPRESENTATIVE: all four; AGENT: all four (the escalations it opened); CUSTOMER: all but escalations.
    expect(followed).toBe(15)
  })
})
