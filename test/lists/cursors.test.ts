import { describe, expect, it } from 'vitest'
import { budgetUsageRecords } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

type Page = { data: Array<{ id: string }>; nextCursor: string | null }

const cursorOf = (payload: unknown) =>
  btoa(JSON.stringify(payload)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')

describe('list cursors', () => {
  it('a metrics cursor whose period start is not a calendar date is 400 INVALID_CURSOR, never read by Postgres', async () => {
    const t = await createTenant()
    for (const path of ['/v1/metrics', '/v1/metrics/team']) {
      for (const periodStart of [
        '2026-02-30',
        'infinity',
        'epoch',
        'today',
        '2026-1-1',
        '20260101',
        '2026-01-01 BC',
      ]) {
        const cursor = cursorOf({ s: 'periodStart', v: [periodStart, 'DAY', crypto.randomUUID()] })
        const response = await api(`${path}?cursor=${cursor}`, { token: t.tokens.ADMIN })
        expect(response.status, `${path} ${periodStart}`).toBe(400)
        expect(await json(response), `${path} ${periodStart}`).toMatchObject({ code: 'INVALID_CURSOR' })
      }
    }
  })

  it('a cursor of one list is 400 INVALID_CURSOR on another list with a sort of the same name', async () => {
    const t = await createTenant()
    for (let i = 0; i < 2; i++) {
      const created = await api('/v1/tickets', {
        method: 'POST',
        token: t.tokens.ADMIN,
        body: { customerId: t.customerId, subject: `Ticket ${i}`, description: 'Broken.' },
      })
      expect(created.status).toBe(201)
    }
    const tickets = await json<Page>(await api('/v1/tickets?limit=1', { token: t.tokens.ADMIN }))
    expect(tickets.nextCursor).not.toBeNull()
    const cursor = encodeURIComponent(tickets.nextCursor as string)
    // Its own list takes it.
    expect((await api(`/v1/tickets?limit=1&cursor=${cursor}`, { token: t.tokens.ADMIN })).status).toBe(200)
    for (const path of [
      '/v1/users',
      '/v1/customers',
      '/v1/representatives',
      '/v1/agents',
      '/v1/refunds',
      '/v1/escalations?sort=-createdAt',
      '/v1/budgets',
      '/v1/decision-rules?sort=-createdAt',
      '/v1/webhook-endpoints',
    ]) {
      const response = await api(`${path}${path.includes('?') ? '&' : '?'}cursor=${cursor}`, {
        token: t.tokens.ADMIN,
      })
      expect(response.status, path).toBe(400)
      expect(await json(response), path).toMatchObject({ code: 'INVALID_CURSOR' })
    }
  })

  it('the organization’s metrics and the team’s are two lists: a cursor of one is refused by the other', async () => {
    const t = await createTenant()
    const today = new Date().toISOString().slice(0, 10)
    const recomputed = await api('/v1/metrics/recompute', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: { from: today, to: today },
    })
    expect(recomputed.status, await recomputed.clone().text()).toBe(200)
    const metrics = await json<Page>(await api('/v1/metrics?limit=1', { token: t.tokens.ADMIN }))
    expect(metrics.nextCursor).not.toBeNull()
    const cursor = encodeURIComponent(metrics.nextCursor as string)
    expect((await api(`/v1/metrics?limit=1&cursor=${cursor}`, { token: t.tokens.ADMIN })).status).toBe(200)
    const team = await api(`/v1/metrics/team?cursor=${cursor}`, { token: t.tokens.ADMIN })
    expect(team.status).toBe(400)
    expect(await json(team)).toMatchObject({ code: 'INVALID_CURSOR' })
  })

  it('a cursor is for the filters it was handed out with: another filter is 400 INVALID_CURSOR, not a page that skips rows', async () => {
    const t = await createTenant()
    const ticket = async (priority: string) => {
      const created = await api('/v1/tickets', {
        method: 'POST',
        token: t.tokens.ADMIN,
        body: { customerId: t.customerId, subject: 'Printer', description: 'Broken.', priority },
      })
      expect(created.status).toBe(201)
      return (await json<{ id: string }>(created)).id
    }
    // Oldest first: URGENT, LOW, LOW, URGENT.
    const urgent = [await ticket('URGENT')]
    await ticket('LOW')
    await ticket('LOW')
    urgent.push(await ticket('URGENT'))
    const open = await json<Page>(
      await api('/v1/tickets?priority=LOW&sort=createdAt&limit=1', { token: t.tokens.ADMIN }),
    )
    const cursor = encodeURIComponent(open.nextCursor as string)
    // The same filters in another order of parameters: the same list.
    const same = await api(`/v1/tickets?sort=createdAt&limit=1&priority=LOW&cursor=${cursor}`, {
      token: t.tokens.ADMIN,
    })
    expect(same.status).toBe(200)
    const reused = await api(`/v1/tickets?priority=URGENT&sort=createdAt&cursor=${cursor}`, {
      token: t.tokens.ADMIN,
    })
    expect(reused.status, `a page of ${(await reused.clone().text()).slice(0, 200)}`).toBe(400)
    expect(await json(reused)).toMatchObject({ code: 'INVALID_CURSOR' })
    const unfiltered = await api(`/v1/tickets?sort=createdAt&cursor=${cursor}`, { token: t.tokens.ADMIN })
    expect(unfiltered.status).toBe(400)
    expect(
      (
        await json<Page>(await api('/v1/tickets?priority=URGENT&sort=createdAt', { token: t.tokens.ADMIN }))
      ).data.map((row) => row.id),
    ).toEqual(urgent)
  })

  it('a budget’s usage cursor is 400 INVALID_CURSOR on another budget’s usage', async () => {
    const t = await createTenant()
    const budget = async () => {
      const response = await api('/v1/budgets', {
        method: 'POST',
        token: t.tokens.ADMIN,
        body: {
          name: `B ${crypto.randomUUID().slice(0, 6)}`,
          amount: '100.00',
          currency: 'USD',
          period: 'YEARLY',
          periodStart: '2026-01-01',
          periodEnd: '2026-12-31',
        },
      })
      expect(response.status, await response.clone().text()).toBe(201)
      return (await json<{ id: string }>(response)).id
    }
    const [a, b] = [await budget(), await budget()]
    await charge(t, a, ['2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z'])
    await charge(t, b, ['2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'])
    const first = await json<Page>(await api(`/v1/budgets/${a}/usage?limit=1`, { token: t.tokens.ADMIN }))
    const cursor = encodeURIComponent(first.nextCursor as string)
    expect((await api(`/v1/budgets/${a}/usage?cursor=${cursor}`, { token: t.tokens.ADMIN })).status).toBe(200)
    const other = await api(`/v1/budgets/${b}/usage?cursor=${cursor}`, { token: t.tokens.ADMIN })
    expect(other.status, `a page of ${(await other.clone().text()).slice(0, 200)}`).toBe(400)
    expect(await json(other)).toMatchObject({ code: 'INVALID_CURSOR' })
  })

  it('a ticket’s message cursor is 400 INVALID_CURSOR on another ticket’s messages; a message id still continues its own', async () => {
    const t = await createTenant()
    const conversation = async (count: number) => {
      const ticket = await json<{ id: string }>(
        await api('/v1/tickets', {
          method: 'POST',
          token: t.tokens.ADMIN,
          body: { customerId: t.customerId, subject: 'Printer', description: 'Broken.' },
        }),
      )
      const ids: string[] = []
      for (let i = 0; i < count; i++) {
        const posted = await api(`/v1/tickets/${ticket.id}/messages`, {
          method: 'POST',
          token: t.tokens.ADMIN,
          body: { body: `Reply ${i}` },
        })
        expect(posted.status).toBe(201)
        ids.push((await json<{ id: string }>(posted)).id)
      }
      return { id: ticket.id, messages: ids }
    }
    const [a, b] = [await conversation(21), await conversation(2)]
    const messagesOf = async (ticketId: string, query: string) => {
      const response = await api(`/v1/tickets/${ticketId}/messages?${query}`, { token: t.tokens.ADMIN })
      return { status: response.status, body: await json<Page & { code?: string }>(response) }
    }
    const refusedOnB = async (cursor: string, what: string) => {
      for (const direction of ['forward', 'backward']) {
        const other = await messagesOf(b.id, `direction=${direction}&cursor=${encodeURIComponent(cursor)}`)
        expect(
          other.status,
          `${what} ${direction}: a page of ${JSON.stringify(other.body).slice(0, 200)}`,
        ).toBe(400)
        expect(other.body, `${what} ${direction}`).toMatchObject({ code: 'INVALID_CURSOR' })
      }
    }
    // REST: its own ticket continues with it, the other ticket refuses it.
    const first = await messagesOf(a.id, 'limit=1')
    const cursor = first.body.nextCursor as string
    expect(
      (await messagesOf(a.id, `limit=1&cursor=${encodeURIComponent(cursor)}`)).body.data.map((m) => m.id),
    ).toEqual([a.messages[1]])
    await refusedOnB(cursor, 'REST nextCursor')
    // The message-id cursor chat clients poll with: the messages after it on its ticket, refused on another.
    expect((await messagesOf(a.id, `cursor=${a.messages[19]}`)).body.data.map((m) => m.id)).toEqual([
      a.messages[20],
    ])
    await refusedOnB(a.messages[0] as string, 'message id')
    // expand=messages: nextUrl continues the same ticket’s list; its cursor is that ticket’s.
    const expanded = await json<{ messages: { data: unknown[]; nextCursor: string; nextUrl: string } }>(
      await api(`/v1/tickets/${a.id}?expand=messages`, { token: t.tokens.ADMIN }),
    )
    const rest = await api(expanded.messages.nextUrl, { token: t.tokens.ADMIN })
    expect(rest.status, await rest.clone().text()).toBe(200)
    expect((await json<Page>(rest)).data.map((m) => m.id)).toEqual([a.messages[20]])
    await refusedOnB(expanded.messages.nextCursor, 'expand nextCursor')
    // GraphQL Ticket.messages: endCursor continues the same ticket’s REST list, not another’s.
    const graphql = await json<{ data: { ticket: { messages: { pageInfo: { endCursor: string } } } } }>(
      await api('/graphql', {
        method: 'POST',
        token: t.tokens.ADMIN,
        body: { query: `{ ticket(id: "${a.id}") { messages(first: 2) { pageInfo { endCursor } } } }` },
      }),
    )
    const { endCursor } = graphql.data.ticket.messages.pageInfo
    expect(
      (await messagesOf(a.id, `limit=1&cursor=${encodeURIComponent(endCursor)}`)).body.data.map((m) => m.id),
    ).toEqual([a.messages[2]])
    await refusedOnB(endCursor, 'GraphQL endCursor')
  })

  it('expand’s nextUrl and GraphQL’s endCursor still continue through the REST list', async () => {
    const t = await createTenant()
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const created = await api('/v1/tickets', {
        method: 'POST',
        token: t.tokens.ADMIN,
        body: { customerId: t.customerId, subject: `Ticket ${i}`, description: 'Broken.', priority: 'HIGH' },
      })
      ids.push((await json<{ id: string }>(created)).id)
    }
    const expanded = await json<{ data: unknown[]; nextCursor: string }>(
      await api('/v1/tickets?priority=HIGH&limit=1&expand=customer', { token: t.tokens.ADMIN }),
    )
    const rest = await api(
      `/v1/tickets?priority=HIGH&limit=1&cursor=${encodeURIComponent(expanded.nextCursor)}`,
      {
        token: t.tokens.ADMIN,
      },
    )
    expect(rest.status).toBe(200)
    expect((await json<Page>(rest)).data.map((row) => row.id)).toEqual([ids[1]])
    const graphql = await api('/graphql', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: {
        query: '{ tickets(first: 1, priority: [HIGH]) { nodes { id } pageInfo { endCursor nextUrl } } }',
      },
    })
    const body = await json<{ data: { tickets: { pageInfo: { endCursor: string; nextUrl: string } } } }>(
      graphql,
    )
    const { endCursor, nextUrl } = body.data.tickets.pageInfo
    const followed = await api(nextUrl, { token: t.tokens.ADMIN })
    expect(followed.status, await followed.clone().text()).toBe(200)
    const byCursor = await api(`/v1/tickets?priority=HIGH&cursor=${encodeURIComponent(endCursor)}`, {
      token: t.tokens.ADMIN,
    })
    expect((await json<Page>(byCursor)).data.map((row) => row.id)).toEqual([ids[1], ids[0]])
  })

  it('a nested list’s nextUrl (a customer’s tickets, filtered by the customer) continues through the REST list', async () => {
    const t = await createTenant()
    const ids: string[] = []
    for (let i = 0; i < 21; i++) {
      const created = await api('/v1/tickets', {
        method: 'POST',
        token: t.tokens.ADMIN,
        body: { customerId: t.customerId, subject: `Ticket ${i}`, description: 'Broken.' },
      })
      expect(created.status).toBe(201)
      ids.push((await json<{ id: string }>(created)).id)
    }
    const ticket = await json<{ customer: { tickets: { data: unknown[]; nextUrl: string } } }>(
      await api(`/v1/tickets/${ids[0]}?expand=customer.tickets`, { token: t.tokens.ADMIN }),
    )
    expect(ticket.customer.tickets.data).toHaveLength(20)
    const rest = await api(ticket.customer.tickets.nextUrl, { token: t.tokens.ADMIN })
    expect(rest.status, await rest.clone().text()).toBe(200)
    expect((await json<Page>(rest)).data.map((row) => row.id)).toEqual([ids[0]])
    // The same cursor without the customer filter is another list.
    const cursor = new URL(ticket.customer.tickets.nextUrl, 'http://api.test').searchParams.get(
      'cursor',
    ) as string
    const unfiltered = await api(`/v1/tickets?cursor=${encodeURIComponent(cursor)}`, {
      token: t.tokens.ADMIN,
    })
    expect(unfiltered.status).toBe(400)
  })
})

/** Usage records of a budget at these instants (charges as the ledger holds them). */
async function charge(t: TestTenant, budgetId: string, instants: string[]) {
  await ownerDb.insert(budgetUsageRecords).values(
    instants.map((at) => ({
      organizationId: t.organizationId,
      budgetId,
      amount: '1.00',
      recordedAt: new Date(at),
    })),
  )
}
