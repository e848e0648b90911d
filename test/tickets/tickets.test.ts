import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

interface Ticket {
  id: string
  ticketNumber: string
  customerId: string
  assignedRepresentativeId: string | null
  status: string
  priority: string
  category: string
  tags: string[]
  firstResponseAt: string | null
  resolvedAt: string | null
  closedAt: string | null
  createdAt: string
  updatedAt: string
}
interface Page {
  data: Ticket[]
  nextCursor: string | null
}

async function create(
  tenant: TestTenant,
  body: Record<string, unknown> = {},
  token = tenant.tokens.REPRESENTATIVE,
) {
  const response = await api('/v1/tickets', {
    method: 'POST',
    token,
    body: {
      customerId: tenant.customerId,
      subject: 'Printer on fire',
      description: 'It is on fire.',
      ...body,
    },
  })
  expect(response.status, await response.clone().text()).toBe(201)
  return json<Ticket>(response)
}

async function patch(
  tenant: TestTenant,
  id: string,
  body: unknown,
  token = tenant.tokens.REPRESENTATIVE,
  headers = {},
) {
  return api(`/v1/tickets/${id}`, { method: 'PATCH', token, body, headers })
}

describe('POST /v1/tickets', () => {
  it('allocates sequential numbers per organization and answers 201 with Location and ETag', async () => {
    const [a, b] = [await createTenant(), await createTenant()]
    const first = await create(a)
    const second = await create(a, { priority: 'HIGH', category: 'BILLING', tags: ['vip'] })
    const otherTenant = await create(b)
    expect(first.ticketNumber).toBe('TICKET-1001')
    expect(second.ticketNumber).toBe('TICKET-1002')
    expect(otherTenant.ticketNumber).toBe('TICKET-1001')
    expect(second).toMatchObject({
      status: 'OPEN',
      priority: 'HIGH',
      category: 'BILLING',
      tags: ['vip'],
      customerId: a.customerId,
      assignedRepresentativeId: null,
      firstResponseAt: null,
      resolvedAt: null,
      closedAt: null,
    })
    const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, second.id))
    expect(row).toMatchObject({ organizationId: a.organizationId, ticketNumber: 'TICKET-1002' })
  })

  it('costs one database round trip', async () => {
    const tenant = await createTenant()
    const requestId = `ticket-create-${crypto.randomUUID()}`
    const response = await api('/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.AGENT,
      headers: { 'X-Request-Id': requestId },
      body: { customerId: tenant.customerId, subject: 'Hi', description: 'Hello' },
    })
    expect(response.status).toBe(201)
    expect(response.headers.get('Location')).toMatch(/^\/v1\/tickets\/[0-9a-f-]{36}$/)
    expect(response.headers.get('ETag')).toMatch(/^"\d+"$/)
    expect(await neonLocalStats(requestId)).toBe(1)
  })

  it('lets a CUSTOMER create only for themself', async () => {
    const tenant = await createTenant()
    const own = await create(tenant, { customerId: undefined }, tenant.tokens.CUSTOMER)
    expect(own.customerId).toBe(tenant.customerId)
    const forOther = await api('/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.CUSTOMER,
      body: { customerId: tenant.otherCustomerId, subject: 'x', description: 'y' },
    })
    expect(forOther.status).toBe(403)
    const assigning = await api('/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.CUSTOMER,
      body: { subject: 'x', description: 'y', assignedRepresentativeId: tenant.representativeId },
    })
    expect(assigning.status).toBe(403)
  })

  it('refuses invalid references and bad input with 422 and writes nothing, leaving no gap in numbers', async () => {
    const [tenant, other] = [await createTenant(), await createTenant()]
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ customerId: other.customerId }, 'customerId'],
      [{ customerId: tenant.adminId }, 'customerId'],
      [{ customerId: crypto.randomUUID() }, 'customerId'],
      [{ assignedRepresentativeId: other.representativeId }, 'representativeId'],
      [{ subject: '' }, 'subject'],
      [{ priority: 'SOMEDAY' }, 'priority'],
      [{ organizationId: other.organizationId }, '(root)'],
      [{ ticketNumber: 'TICKET-1' }, '(root)'],
    ]
    for (const [override, path] of cases) {
      const response = await api('/v1/tickets', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        body: { customerId: tenant.customerId, subject: 's', description: 'd', ...override },
      })
      expect(response.status, JSON.stringify(override)).toBe(422)
      const problem = await json<{ errors: Array<{ path: string }> }>(response)
      expect(
        problem.errors.map((e) => e.path),
        JSON.stringify(override),
      ).toContain(path)
    }
    expect(
      await ownerDb.select().from(tickets).where(eq(tickets.organizationId, tenant.organizationId)),
    ).toHaveLength(0)
    expect((await create(tenant)).ticketNumber).toBe('TICKET-1001')
  })
})

describe('GET /v1/tickets', () => {
  it('pages through all tickets in a stable order without duplicates, one round trip per page', async () => {
    const tenant = await createTenant()
    const created: Ticket[] = []
    for (let i = 0; i < 7; i++) created.push(await create(tenant, { subject: `T${i}` }))
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const requestId = `ticket-list-${crypto.randomUUID()}`
      const query: string = `/v1/tickets?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      const response = await api(query, {
        token: tenant.tokens.REPRESENTATIVE,
        headers: { 'X-Request-Id': requestId },
      })
      expect(response.status).toBe(200)
      expect(await neonLocalStats(requestId)).toBe(1)
      const page: Page = await json<Page>(response)
      seen.push(...page.data.map((t) => t.id))
      cursor = page.nextCursor
      pages++
    } while (cursor)
    expect(pages).toBe(3)
    expect(seen).toEqual(created.map((t) => t.id).reverse())
  })

  it('filters by status, priority, category, assignee, customer and creation date; sorts by whitelist', async () => {
    const tenant = await createTenant()
    const urgent = await create(tenant, { priority: 'URGENT', category: 'BILLING' })
    const low = await create(tenant, { priority: 'LOW', customerId: tenant.otherCustomerId })
    const assigned = await create(tenant, { assignedRepresentativeId: tenant.representativeId })
    await patch(tenant, assigned.id, { status: 'IN_PROGRESS' })
    const list = async (query: string) => {
      const response = await api(`/v1/tickets?${query}`, { token: tenant.tokens.ADMIN })
      expect(response.status, query).toBe(200)
      return (await json<Page>(response)).data.map((t) => t.id)
    }
    expect(await list('status=IN_PROGRESS')).toEqual([assigned.id])
    expect(await list('status=OPEN,IN_PROGRESS')).toHaveLength(3)
    expect(await list('priority=URGENT,LOW&sort=priority')).toEqual([low.id, urgent.id])
    expect(await list('category=BILLING')).toEqual([urgent.id])
    expect(await list(`assignedRepresentativeId=${tenant.representativeId}`)).toEqual([assigned.id])
    expect(await list('assignedRepresentativeId=none&sort=createdAt')).toEqual([urgent.id, low.id])
    expect(await list(`customerId=${tenant.otherCustomerId}`)).toEqual([low.id])
    expect(await list('sort=-priority')).toEqual([urgent.id, assigned.id, low.id])
    expect(await list(`createdFrom=${encodeURIComponent(low.createdAt)}&sort=createdAt`)).toEqual([
      low.id,
      assigned.id,
    ])
    expect(await list(`createdTo=${encodeURIComponent(low.createdAt)}`)).toEqual([urgent.id])
  })

  it('rejects bad parameters and tampered cursors with 400', async () => {
    const tenant = await createTenant()
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=abc',
      'sort=subject',
      'status=NOPE',
      'customerId=42',
      'cursor=xyz',
    ]) {
      const response = await api(`/v1/tickets?${query}`, { token: tenant.tokens.ADMIN })
      expect(response.status, query).toBe(400)
      expect(response.headers.get('Content-Type')).toContain('application/problem+json')
    }
    for (let i = 0; i < 3; i++) await create(tenant)
    const first = await json<Page>(await api('/v1/tickets?limit=1', { token: tenant.tokens.ADMIN }))
    const otherSort = await api(`/v1/tickets?limit=1&sort=priority&cursor=${first.nextCursor}`, {
      token: tenant.tokens.ADMIN,
    })
    expect(otherSort.status).toBe(400)
    expect(await json(otherSort)).toMatchObject({ code: 'INVALID_CURSOR' })
    const forged = btoa(JSON.stringify({ s: '-createdAt', v: ["2020-01-01'; drop table tickets; --", 'x'] }))
    const injected = await api(`/v1/tickets?cursor=${encodeURIComponent(forged)}`, {
      token: tenant.tokens.ADMIN,
    })
    expect(injected.status).toBe(400)
  })

  it('shows a CUSTOMER only their own tickets', async () => {
    const tenant = await createTenant()
    const mine = await create(tenant)
    const theirs = await create(tenant, { customerId: tenant.otherCustomerId })
    const page = await json<Page>(await api('/v1/tickets', { token: tenant.tokens.CUSTOMER }))
    expect(page.data.map((t) => t.id)).toEqual([mine.id])
    const filtered = await json<Page>(
      await api(`/v1/tickets?customerId=${tenant.otherCustomerId}`, { token: tenant.tokens.CUSTOMER }),
    )
    expect(filtered.data).toEqual([])
    expect((await api(`/v1/tickets/${theirs.id}`, { token: tenant.tokens.CUSTOMER })).status).toBe(404)
    expect((await api(`/v1/tickets/${mine.id}`, { token: tenant.tokens.CUSTOMER })).status).toBe(200)
  })
})

describe('PATCH /v1/tickets/{id}', () => {
  it('follows the state machine and sets the timestamps on the server', async () => {
    const tenant = await createTenant()
    const ticket = await create(tenant)
    const step = async (status: string, expected: number) => {
      const response = await patch(tenant, ticket.id, { status })
      expect(response.status, `→ ${status}`).toBe(expected)
      return json<Ticket & { code?: string; detail?: string }>(response)
    }
    const invalid = await step('RESOLVED', 409)
    expect(invalid).toMatchObject({
      code: 'INVALID_STATUS_TRANSITION',
      detail: 'A ticket cannot move from OPEN to RESOLVED.',
    })
    const inProgress = await step('IN_PROGRESS', 200)
    expect(inProgress.firstResponseAt).not.toBeNull()
    await step('WAITING_ON_CUSTOMER', 200)
    await step('IN_PROGRESS', 200)
    const resolved = await step('RESOLVED', 200)
    expect(resolved.resolvedAt).not.toBeNull()
    expect(resolved.firstResponseAt).toBe(inProgress.firstResponseAt)
    const reopened = await patch(tenant, ticket.id, { status: 'OPEN' }, tenant.tokens.CUSTOMER)
    expect(reopened.status).toBe(200)
    expect(await json(reopened)).toMatchObject({ status: 'OPEN', resolvedAt: null })
    await step('IN_PROGRESS', 200)
    await step('RESOLVED', 200)
    const closed = await step('CLOSED', 200)
    expect(closed.closedAt).not.toBeNull()
    expect(await step('OPEN', 409)).toMatchObject({ code: 'TICKET_CLOSED' })
    const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
    expect(row?.status).toBe('CLOSED')
  })

  it('applies partial changes and honours If-Match (412 on a stale ETag)', async () => {
    const tenant = await createTenant()
    const ticket = await create(tenant)
    const read = await api(`/v1/tickets/${ticket.id}`, { token: tenant.tokens.ADMIN })
    const etag = read.headers.get('ETag') as string
    const requestId = `ticket-patch-${crypto.randomUUID()}`
    const first = await patch(tenant, ticket.id, { priority: 'URGENT', tags: ['a'] }, tenant.tokens.ADMIN, {
      'If-Match': etag,
      'X-Request-Id': requestId,
    })
    expect(first.status).toBe(200)
    expect(await json(first)).toMatchObject({ priority: 'URGENT', tags: ['a'], subject: 'Printer on fire' })
    expect(await neonLocalStats(requestId)).toBe(1)
    const stale = await patch(tenant, ticket.id, { priority: 'LOW' }, tenant.tokens.ADMIN, {
      'If-Match': etag,
    })
    expect(stale.status).toBe(412)
    const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
    expect(row?.priority).toBe('URGENT')
  })

  it('limits a CUSTOMER to wording and reopening their own tickets', async () => {
    const tenant = await createTenant()
    const ticket = await create(tenant)
    const wording = await patch(tenant, ticket.id, { description: 'More details' }, tenant.tokens.CUSTOMER)
    expect(wording.status).toBe(200)
    for (const body of [{ priority: 'URGENT' }, { status: 'CLOSED' }, { tags: ['x'] }]) {
      const response = await patch(tenant, ticket.id, body, tenant.tokens.CUSTOMER)
      expect(response.status, JSON.stringify(body)).toBe(403)
    }
    const foreign = await patch(tenant, ticket.id, { description: 'x' }, tenant.tokens.OTHER_CUSTOMER)
    expect(foreign.status).toBe(404)
    const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
    expect(row).toMatchObject({ description: 'More details', priority: 'MEDIUM' })
  })
})

describe('ticket assignment', () => {
  it('assigns to and unassigns from a representative of the same organization only', async () => {
    const [tenant, other] = [await createTenant(), await createTenant()]
    const ticket = await create(tenant)
    const requestId = `assign-${crypto.randomUUID()}`
    const assigned = await api(`/v1/tickets/${ticket.id}/assignee`, {
      method: 'PUT',
      token: tenant.tokens.REPRESENTATIVE,
      headers: { 'X-Request-Id': requestId },
      body: { representativeId: tenant.representativeId },
    })
    expect(assigned.status).toBe(200)
    expect(await json(assigned)).toMatchObject({ assignedRepresentativeId: tenant.representativeId })
    expect(await neonLocalStats(requestId)).toBe(1)

    const foreign = await api(`/v1/tickets/${ticket.id}/assignee`, {
      method: 'PUT',
      token: tenant.tokens.ADMIN,
      body: { representativeId: other.representativeId },
    })
    expect(foreign.status).toBe(422)
    expect(await json(foreign)).toMatchObject({ code: 'INVALID_REFERENCE' })

    const unassigned = await api(`/v1/tickets/${ticket.id}/assignee`, {
      method: 'DELETE',
      token: tenant.tokens.ADMIN,
    })
    expect(unassigned.status).toBe(200)
    expect(await json(unassigned)).toMatchObject({ assignedRepresentativeId: null })
    const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
    expect(row?.assignedRepresentativeId).toBeNull()
  })
})
