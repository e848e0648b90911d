import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { PURGE_CHUNK, purgeExpiredEvents } from '../../src/cron/events'
import { EVENT_RETENTION_DAYS } from '../../src/db/schema'
import { createBudget } from '../refunds/support'
import { api } from '../support/api'
import { neonLocalStats, ownerSql, untilEventFeedSettled } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { call, storedEvents } from './support'

/* GET /v1/events and /v1/events/{id}: the feed and audit history, as each role may read it. */

interface EventBody {
  id: string
  type: string
  createdAt: string
  organizationId: string
  objectType: string
  objectId: string
  actor: { type: string; id: string | null; role: string | null }
  requestId: string | null
  idempotencyKey: string | null
  data: { object: Record<string, unknown>; previousAttributes: Record<string, unknown> | null }
}
interface EventPage {
  data: EventBody[]
  nextCursor: string | null
}

const feed = (tenant: TestTenant, query = '', role: keyof TestTenant['tokens'] = 'ADMIN') =>
  call<EventPage>(200, `/v1/events${query}`, { token: tenant.tokens[role] })

async function ticketWithHistory(tenant: TestTenant) {
  const ticket = await call<{ id: string }>(201, '/v1/tickets', {
    method: 'POST',
    token: tenant.tokens.CUSTOMER,
    body: { subject: 'Broken', description: 'It broke.' },
  })
  await call(200, `/v1/tickets/${ticket.id}`, {
    method: 'PATCH',
    token: tenant.tokens.REPRESENTATIVE,
    body: { status: 'IN_PROGRESS', priority: 'HIGH' },
  })
  return ticket
}

describe('GET /v1/events', () => {
  it('is an object’s audit history: who changed what, newest first, in the object’s own representation', async () => {
    const tenant = await createTenant()
    const ticket = await ticketWithHistory(tenant)
    const requestId = `feed-${crypto.randomUUID()}`
    const response = await api(`/v1/events?objectId=${ticket.id}`, {
      token: tenant.tokens.ADMIN,
      headers: { 'X-Request-Id': requestId },
    })
    expect(response.status).toBe(200)
    expect(await neonLocalStats(requestId)).toBe(1)
    const page = (await response.json()) as EventPage
    expect(page.nextCursor).toBeNull()
    expect(page.data.map((event) => [event.type, event.actor])).toEqual([
      ['ticket.status_changed', { type: 'USER', id: tenant.representativeUserId, role: 'REPRESENTATIVE' }],
      ['ticket.created', { type: 'USER', id: tenant.customerId, role: 'CUSTOMER' }],
    ])
    const [changed, created] = page.data as [EventBody, EventBody]
    // The latest event's object is what GET /v1/tickets/{id} answers the same reader now.
    const current = await call<Record<string, unknown>>(200, `/v1/tickets/${ticket.id}`, {
      token: tenant.tokens.ADMIN,
    })
    expect(changed.data.object).toEqual(current)
    expect(changed).toMatchObject({
      objectType: 'ticket',
      objectId: ticket.id,
      organizationId: tenant.organizationId,
      createdAt: current.updatedAt,
    })
    expect(changed.data.previousAttributes).toMatchObject({
      status: 'OPEN',
      priority: 'MEDIUM',
      firstResponseAt: null,
    })
    expect(Object.keys(changed.data.previousAttributes ?? {})).not.toContain('version')
    expect(Object.keys(changed.data.previousAttributes ?? {})).not.toContain('updatedAt')
    expect(created.data).toMatchObject({ object: { status: 'OPEN', version: 1 }, previousAttributes: null })
    expect(created.data.object).not.toHaveProperty('organizationId')

    const one = await call<EventBody>(200, `/v1/events/${created.id}`, { token: tenant.tokens.ADMIN })
    expect(one).toEqual(created)
  })

  it('filters by type (with resource wildcards), object and time, and pages with a stable cursor', async () => {
    const tenant = await createTenant()
    const first = await ticketWithHistory(tenant)
    const second = await ticketWithHistory(tenant)
    await createBudget(tenant, '100.00')

    await untilEventFeedSettled()
    const tickets = await feed(tenant, '?type=ticket.*&sort=createdAt')
    expect(tickets.data.map((e) => [e.type, e.objectId])).toEqual([
      ['ticket.created', first.id],
      ['ticket.status_changed', first.id],
      ['ticket.created', second.id],
      ['ticket.status_changed', second.id],
    ])
    const mixed = await feed(tenant, '?type=ticket.created,budget.*')
    expect(mixed.data.map((e) => e.type).sort()).toEqual([
      'budget.created',
      'ticket.created',
      'ticket.created',
    ])

    // Oldest first the feed is followed: every page hands out a cursor, and a short page is the end for now.
    const seen: string[] = []
    let cursor: string | null = null
    let page: EventPage
    do {
      page = await feed(tenant, `?type=ticket.*&sort=createdAt&limit=1${cursor ? `&cursor=${cursor}` : ''}`)
      seen.push(...page.data.map((e) => e.id))
      expect(page.nextCursor).toEqual(expect.any(String))
      cursor = page.nextCursor
    } while (page.data.length === 1)
    expect(seen).toEqual(tickets.data.map((e) => e.id))
    // Newest first ends as every list does: no cursor after the last page.
    const newest: string[] = []
    cursor = null
    do {
      page = await feed(tenant, `?type=ticket.*&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      newest.push(...page.data.map((e) => e.id))
      cursor = page.nextCursor
    } while (cursor)
    expect(newest).toEqual([...seen].reverse())

    const [, , thirdEvent] = tickets.data as [EventBody, EventBody, EventBody]
    const later = await feed(tenant, `?type=ticket.*&sort=createdAt&createdFrom=${thirdEvent.createdAt}`)
    expect(later.data.map((e) => e.objectId)).toEqual([second.id, second.id])
    const earlier = await feed(tenant, `?type=ticket.*&sort=createdAt&createdTo=${thirdEvent.createdAt}`)
    expect(earlier.data.map((e) => e.objectId)).toEqual([first.id, first.id])

    for (const query of ['?type=ticket.exploded', '?type=*', '?cursor=bm9wZQ', '?objectId=42', '?limit=0']) {
      const problem = await call<{ code: string }>(400, `/v1/events${query}`, { token: tenant.tokens.ADMIN })
      expect(problem.code, query).toMatch(/^(INVALID_PARAMETERS|INVALID_CURSOR)$/)
    }
  })

  it('shows money as decimal strings, a customer by its user id, and each role only what its GET routes allow', async () => {
    const tenant = await createTenant()
    const budget = await createBudget(tenant, '250.50')
    const refund = await call<{ id: string }>(201, '/v1/refunds', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { customerId: tenant.customerId, amount: '50.00', currency: 'USD', reason: 'OTHER' },
    })
    await call(200, `/v1/customers/${tenant.customerId}`, {
      method: 'PATCH',
      token: tenant.tokens.CUSTOMER,
      body: { preferences: { channel: 'sms' } },
    })
    const admin = await feed(tenant, '?type=refund.*,budget.*,customer.updated')
    const byType = Object.fromEntries(admin.data.map((e) => [e.type, e]))
    expect(byType['refund.created']?.data.object).toMatchObject({ id: refund.id, amount: '50.00' })
    expect(byType['budget.created']?.data.object).toMatchObject({
      id: budget.id,
      amount: '250.50',
      spent: '0.00',
    })
    expect(byType['customer.updated']).toMatchObject({
      objectId: tenant.customerId,
      actor: { type: 'USER', role: 'CUSTOMER', id: tenant.customerId },
      data: {
        object: { id: tenant.customerId, profile: { preferences: { channel: 'sms' } } },
        previousAttributes: { profile: expect.objectContaining({ preferences: {} }) },
      },
    })
    // The embedded profile's previous attributes are its fields that changed, as at the top: not its version or
    // updatedAt, whose old values the event does not keep (they would be the new ones).
    expect(byType['customer.updated']?.data.previousAttributes).toEqual({ profile: { preferences: {} } })

    // REPRESENTATIVE reads budgets (GET /v1/budgets/{id} allows it); an AGENT does not, nor users, agents, escalations
    // (but those it opened: test/events/feed-own-objects.test.ts).
    const rep = await feed(tenant, '?type=budget.*', 'REPRESENTATIVE')
    expect(rep.data.map((e) => e.objectId)).toEqual([budget.id])
    const agent = await feed(tenant, '', 'AGENT')
    expect(new Set(agent.data.map((e) => e.objectType))).toEqual(
      new Set(['organization', 'representative', 'customer', 'refund']),
    )
    const budgetEvent = byType['budget.created'] as EventBody
    await call(404, `/v1/events/${budgetEvent.id}`, { token: tenant.tokens.AGENT })
    await call(200, `/v1/events/${budgetEvent.id}`, { token: tenant.tokens.REPRESENTATIVE })
    // A CUSTOMER reads no events at all (docs/conversations.md §1), and another tenant's event is not found.
    await call(403, '/v1/events', { token: tenant.tokens.CUSTOMER })
    await call(403, `/v1/events/${budgetEvent.id}`, { token: tenant.tokens.CUSTOMER })
    const other = await createTenant()
    await call(404, `/v1/events/${budgetEvent.id}`, { token: other.tokens.ADMIN })
    expect((await feed(other, `?objectId=${budget.id}`)).data).toEqual([])
  })
})

describe('message events', () => {
  it('a note and its redaction: staff read them in the message’s representation, the ticket’s change alongside', async () => {
    const tenant = await createTenant()
    const ticket = await ticketWithHistory(tenant)
    const note = await call<{ id: string }>(201, `/v1/tickets/${ticket.id}/messages`, {
      method: 'POST',
      token: tenant.tokens.REPRESENTATIVE,
      body: { body: 'Customer is on the legacy plan.', visibility: 'INTERNAL' },
    })
    const [posted] = (await feed(tenant, `?objectId=${note.id}`)).data as [EventBody]
    expect(posted.data.object).toMatchObject({ body: 'Customer is on the legacy plan.' })
    await call(200, `/v1/tickets/${ticket.id}/messages/${note.id}/redact`, {
      method: 'POST',
      token: tenant.tokens.ADMIN,
    })
    await untilEventFeedSettled()
    const events = await feed(tenant, `?objectId=${note.id}&sort=createdAt`, 'AGENT')
    expect(events.data.map((e) => [e.type, e.actor.role])).toEqual([
      ['message.created', 'REPRESENTATIVE'],
      ['message.redacted', 'ADMIN'],
    ])
    const [created, redacted] = events.data as [EventBody, EventBody]
    // Redaction removes the body from the feed as well (migration 0028): the earlier event's object and the
    // redaction's previous values no longer hold it, and webhook payloads, built from the stored events when sent,
    // cannot carry it either.
    expect(created.data.object).toMatchObject({
      id: note.id,
      ticketId: ticket.id,
      visibility: 'INTERNAL',
      body: null,
      attachments: [],
    })
    expect(redacted.data.object).toMatchObject({ id: note.id, body: null, redactedById: tenant.adminId })
    expect(redacted.data.previousAttributes).toEqual({ redactedAt: null, redactedById: null })
    const stored = await ownerSql`select count(*)::int as n from events
      where object_id = ${note.id} and (object::text like '%legacy plan%' or previous::text like '%legacy plan%')`
    expect(stored[0]?.n).toBe(0)
    // The message moved its ticket (version, updatedAt) in the same transaction: that alone is no ticket event.
    const ticketEvents = await feed(tenant, `?objectId=${ticket.id}`)
    expect(ticketEvents.data.map((e) => e.type)).toEqual(['ticket.status_changed', 'ticket.created'])
  })
})

describe('retention', () => {
  it(`keeps ${EVENT_RETENTION_DAYS} days: the scheduled purge deletes older events and nothing younger`, async () => {
    const tenant = await createTenant()
    await ticketWithHistory(tenant)
    const [young, old] = (await storedEvents(tenant.organizationId)).filter((e) => e.object_type === 'ticket')
    await ownerSql`update events set created_at = now() - interval '29 days 23 hours' where id = ${young?.id}`
    await ownerSql`update events set created_at = now() - interval '30 days 1 minute' where id = ${old?.id}`

    const summary = await purgeExpiredEvents(env, `purge-${crypto.randomUUID()}`)
    expect(summary.purged).toBeGreaterThanOrEqual(1)
    expect(summary.purged).toBeLessThan(PURGE_CHUNK)
    const left = (await storedEvents(tenant.organizationId)).map((e) => e.id)
    expect(left).toContain(young?.id)
    expect(left).not.toContain(old?.id)
    await call(404, `/v1/events/${old?.id}`, { token: tenant.tokens.ADMIN })
  })
})
