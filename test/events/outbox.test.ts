import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import readme from '../../README.md?raw'
import {
  agentStatusValues,
  escalationStatusValues,
  eventObjectTypeValues,
  eventTypeValues,
  organizationStatusValues,
  refundStatusValues,
  representativeStatusValues,
  ticketStatusValues,
  tickets,
} from '../../src/db/schema'
import { TenantDb } from '../../src/db/tenant'
import { sqlStateOf } from '../db/fixtures'
import { createBudget, createRule } from '../refunds/support'
import { api } from '../support/api'
import { appSql, neonLocalStats, ownerSql } from '../support/db'
import { createTenant } from '../support/tenants'
import { call, storedEvents, typesOf } from './support'

/*
 * The transactional outbox: app_record_event() (migration 0014) writes an event in the transaction of every change
 * of a table with a public resource. Proven here on the database rows (as the owner): what is written, by whom,
 * with which request; that it commits and rolls back with its change; that it costs no round trip; that app_api
 * cannot forge or erase one; and that every type the trigger can produce is in the one list.
 */

const ticketBody = (customerId: string) => ({ customerId, subject: 'Broken', description: 'It broke.' })

describe('events written with the change', () => {
  it('records type, object, request id, Idempotency-Key and the human actor, in the request’s one round trip', async () => {
    const tenant = await createTenant()
    const requestId = `evt-${crypto.randomUUID()}`
    const key = `key-${crypto.randomUUID()}`
    const ticket = await call<{ id: string; ticketNumber: string }>(201, '/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.REPRESENTATIVE,
      body: ticketBody(tenant.customerId),
      headers: { 'X-Request-Id': requestId, 'Idempotency-Key': key },
    })
    expect(await neonLocalStats(requestId)).toBe(1)
    const [event, ...others] = await storedEvents(tenant.organizationId, ticket.id)
    expect(others).toEqual([])
    expect(event).toMatchObject({
      type: 'ticket.created',
      object_type: 'ticket',
      object_id: ticket.id,
      previous: null,
      actor_type: 'USER',
      actor_role: 'REPRESENTATIVE',
      actor_id: tenant.representativeUserId,
      request_id: requestId,
      idempotency_key: key,
    })
    expect(event?.object).toMatchObject({ id: ticket.id, ticket_number: ticket.ticketNumber, status: 'OPEN' })
    // The organization's ticket counter moved in the same transaction: a counter alone is no event. (The fixture's
    // rows, inserted by the owner without a request, are the SYSTEM's.)
    const organization = await storedEvents(tenant.organizationId, tenant.organizationId)
    expect(organization.map((e) => [e.type, e.actor_type])).toEqual([['organization.created', 'SYSTEM']])
  })

  it('tells an AI agent from a person, and records the platform and the system', async () => {
    const tenant = await createTenant()
    const ticket = await call<{ id: string }>(201, '/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.AGENT,
      body: ticketBody(tenant.customerId),
    })
    await call(200, `/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { priority: 'HIGH' },
    })
    const system = TenantDb.forSystem(env.DATABASE_URL, tenant.organizationId, `sys-${crypto.randomUUID()}`)
    await system.run(system.update(tickets, { tags: ['auto'] }, eq(tickets.id, ticket.id)))
    const actors = (await storedEvents(tenant.organizationId, ticket.id)).map((e) => [
      e.type,
      e.actor_type,
      e.actor_role,
      e.actor_id,
    ])
    expect(actors).toEqual([
      ['ticket.created', 'AGENT', 'AGENT', tenant.agentId],
      ['ticket.updated', 'USER', 'ADMIN', tenant.adminId],
      ['ticket.updated', 'SYSTEM', null, null],
    ])

    const slug = `evt-${crypto.randomUUID().slice(0, 8)}`
    const provisioned = await call<{ organization: { id: string }; admin: { id: string } }>(
      201,
      '/v1/organizations',
      {
        method: 'POST',
        headers: { 'X-Platform-Key': 'test-platform-key-0123456789' },
        body: { name: 'Evt', slug, admin: { email: `a@${slug}.example`, name: 'A' } },
      },
    )
    const created = await storedEvents(provisioned.organization.id)
    expect(created.map((e) => [e.type, e.actor_type, e.actor_id])).toEqual(
      expect.arrayContaining([
        ['organization.created', 'PLATFORM', null],
        ['user.created', 'PLATFORM', null],
      ]),
    )
  })

  it('stores the previous values of the changed columns only, and writes nothing for a change of nothing', async () => {
    const tenant = await createTenant()
    const ticket = await call<{ id: string }>(201, '/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: ticketBody(tenant.customerId),
    })
    await call(200, `/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { status: 'IN_PROGRESS', subject: 'Still broken' },
    })
    await call(200, `/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { subject: 'Still broken' },
    })
    const events = await storedEvents(tenant.organizationId, ticket.id)
    expect(events.map((e) => e.type)).toEqual(['ticket.created', 'ticket.status_changed'])
    // The first response (when, by whom) is set by the staff's move: it changed too (from null). No version, no
    // updated_at.
    expect(events[1]?.previous).toEqual({
      status: 'OPEN',
      subject: 'Broken',
      first_response_at: null,
      first_response_by_type: null,
      first_response_by_id: null,
    })
    expect(events[1]?.object).toMatchObject({ status: 'IN_PROGRESS', subject: 'Still broken', version: 2 })
  })
})

describe('events are only ever inserted', () => {
  it('each change of a transaction is an event of its own, even one that keeps the version (no fold)', async () => {
    const tenant = await createTenant()
    const ticket = await call<{ id: string }>(201, '/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: ticketBody(tenant.customerId),
    })
    // An operator's SQL (actor SYSTEM): a change with a new version, then one that keeps it, in one transaction.
    await ownerSql.transaction([
      ownerSql.query(`update tickets set tags = '["x"]', version = version + 1 where id = $1`, [ticket.id]),
      ownerSql.query(`update tickets set status = 'IN_PROGRESS' where id = $1`, [ticket.id]),
    ])
    const events = await storedEvents(tenant.organizationId, ticket.id)
    expect(events.map((e) => e.type)).toEqual(['ticket.created', 'ticket.updated', 'ticket.status_changed'])
    expect(events[1]?.object).toMatchObject({ status: 'OPEN', tags: ['x'], version: 2 })
    expect(events[2]?.previous).toEqual({ status: 'OPEN' })
  })
})

describe('a change and its events commit or roll back together', () => {
  it('a batch that fails after the change leaves neither the change nor its event', async () => {
    const tenant = await createTenant()
    const ticket = await call<{ id: string }>(201, '/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: ticketBody(tenant.customerId),
    })
    const failing = () =>
      appSql.transaction([
        appSql`select app_begin_request(${tenant.organizationId}::uuid, 'ADMIN', ${tenant.adminId}::uuid)`,
        appSql`update tickets set status = 'IN_PROGRESS', version = version + 1 where id = ${ticket.id}`,
        appSql`select count(*) as events_inside from events where object_id = ${ticket.id}`,
        appSql`select 1 / 0`,
      ])
    expect(await sqlStateOf(failing)).toBe('22012')
    const [row] = await ownerSql`select status, version from tickets where id = ${ticket.id}`
    expect(row).toEqual({ status: 'OPEN', version: 1 })
    expect(await typesOf(tenant.organizationId, ticket.id)).toEqual(['ticket.created'])

    // The same batch without the failure commits both: the event was there inside the transaction.
    const [, , [inside]] = (await appSql.transaction([
      appSql`select app_begin_request(${tenant.organizationId}::uuid, 'ADMIN', ${tenant.adminId}::uuid)`,
      appSql`update tickets set status = 'IN_PROGRESS', version = version + 1 where id = ${ticket.id}`,
      appSql`select count(*)::int as n from events where object_id = ${ticket.id}`,
    ])) as [unknown, unknown, Array<{ n: number }>]
    expect(inside).toEqual({ n: 2 })
    expect(await typesOf(tenant.organizationId, ticket.id)).toEqual([
      'ticket.created',
      'ticket.status_changed',
    ])
  })

  it('a refused request (409, 412, 422) writes no event', async () => {
    const tenant = await createTenant()
    const ticket = await call<{ id: string }>(201, '/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: ticketBody(tenant.customerId),
    })
    const path = `/v1/tickets/${ticket.id}`
    await call(409, path, { method: 'PATCH', token: tenant.tokens.ADMIN, body: { status: 'CLOSED' } })
    await call(412, path, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { subject: 'x' },
      headers: { 'If-Match': '"99"' },
    })
    await call(422, '/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: ticketBody(crypto.randomUUID()),
    })
    const byRequests = (await storedEvents(tenant.organizationId)).filter((e) => e.actor_type !== 'SYSTEM')
    expect(byRequests.map((e) => e.type)).toEqual(['ticket.created'])
  })

  it('app_api can read events but never write, change or delete one (42501)', async () => {
    const tenant = await createTenant()
    const begin = appSql`select app_begin_request(${tenant.organizationId}::uuid, 'ADMIN', ${tenant.adminId}::uuid)`
    const attempts = [
      appSql`insert into events (organization_id, type, object_type, object_id, object, actor_type)
        values (${tenant.organizationId}, 'ticket.created', 'ticket', ${crypto.randomUUID()}, '{}', 'USER')`,
      appSql`update events set type = 'ticket.updated'`,
      appSql`delete from events`,
    ]
    for (const attempt of attempts)
      expect(await sqlStateOf(() => appSql.transaction([begin, attempt]))).toBe('42501')
  })
})

describe('event types', () => {
  it('every status of every resource names a type of the one list (the CHECK mirrors it)', async () => {
    const statuses: Record<string, readonly string[]> = {
      ticket: ticketStatusValues,
      escalation: escalationStatusValues,
      refund: refundStatusValues,
      representative: representativeStatusValues,
      agent: agentStatusValues,
      organization: organizationStatusValues,
      message: ['2026-11-20T10:00:00Z'],
    }
    for (const [objectType, values] of Object.entries(statuses)) {
      for (const status of values) {
        const [{ verb }] =
          (await ownerSql`select app_event_status_verb(${objectType}, ${status}) as verb`) as [
            { verb: string },
          ]
        expect(eventTypeValues, `${objectType} ${status}`).toContain(`${objectType}.${verb}`)
      }
    }
    for (const objectType of eventObjectTypeValues) {
      expect(eventTypeValues).toContain(`${objectType}.created`)
      expect(eventTypeValues).toContain(`${objectType}.updated`)
    }
    const [check] = await ownerSql`select pg_get_constraintdef(oid) as definition from pg_constraint
      where conname = 'events_type_known'`
    for (const type of eventTypeValues) expect(check?.definition).toContain(`'${type}'`)
    // …and the README's table lists exactly them.
    const listed = readme.match(/`[a-z_]+\.[a-z_]+`/g)?.map((quoted) => quoted.slice(1, -1)) ?? []
    const inTable = listed.filter((name) => eventObjectTypeValues.some((type) => name.startsWith(`${type}.`)))
    expect(new Set(inTable)).toEqual(new Set(eventTypeValues))
  })

  it('derives the verb from the change: lifecycle verbs, assignment, creation at a later step', async () => {
    const tenant = await createTenant()
    const admin = tenant.tokens.ADMIN
    const rep = tenant.tokens.REPRESENTATIVE
    const ticket = await call<{ id: string }>(201, '/v1/tickets', {
      method: 'POST',
      token: admin,
      body: { ...ticketBody(tenant.customerId), assignedRepresentativeId: tenant.representativeId },
    })
    await call(200, `/v1/tickets/${ticket.id}/assignee`, { method: 'DELETE', token: admin })
    await call(200, `/v1/tickets/${ticket.id}/assignee`, {
      method: 'PUT',
      token: rep,
      body: { representativeId: tenant.representativeId },
    })
    expect(await typesOf(tenant.organizationId, ticket.id)).toEqual([
      'ticket.created',
      'ticket.assigned',
      'ticket.unassigned',
      'ticket.assigned',
    ])

    const open = () =>
      call<{ id: string }>(201, '/v1/escalations', {
        method: 'POST',
        token: tenant.tokens.AGENT,
        body: { ticketId: ticket.id, priority: 'HIGH', reason: 'LOW_CONFIDENCE', summary: 's' },
      })
    const [escalation, cancelled] = [await open(), await open()]
    const action = (id: string, name: string, body?: unknown) =>
      call(200, `/v1/escalations/${id}/${name}`, { method: 'POST', token: rep, body })
    await action(escalation.id, 'assign', { representativeId: tenant.representativeId })
    await action(escalation.id, 'start')
    await action(escalation.id, 'resolve', { resolutionNotes: 'done' })
    await action(cancelled.id, 'cancel')
    expect(await typesOf(tenant.organizationId, escalation.id)).toEqual([
      'escalation.created',
      'escalation.assigned',
      'escalation.started',
      'escalation.resolved',
    ])
    expect(await typesOf(tenant.organizationId, cancelled.id)).toEqual([
      'escalation.created',
      'escalation.cancelled',
    ])

    // A refund decided at its creation: created, then approved, with the budget's charge in the same transaction.
    const budget = await createBudget(tenant, '1000.00')
    await createRule(tenant, {
      name: 'Small',
      action: 'AUTO_APPROVE',
      conditions: { all: [{ fact: 'refund.amount', operator: 'lessThan', value: '5.00' }] },
    })
    const requestId = `evt-${crypto.randomUUID()}`
    const refund = await call<{ id: string; status: string }>(201, '/v1/refunds', {
      method: 'POST',
      token: tenant.tokens.AGENT,
      body: { customerId: tenant.customerId, amount: '1.00', currency: 'USD', reason: 'OTHER' },
      headers: { 'X-Request-Id': requestId },
    })
    expect(refund.status).toBe('APPROVED')
    const ofRequest = (await storedEvents(tenant.organizationId)).filter((e) => e.request_id === requestId)
    expect(ofRequest.map((e) => [e.type, e.object_id])).toEqual(
      expect.arrayContaining([
        ['refund.created', refund.id],
        ['refund.approved', refund.id],
        ['budget.updated', budget.id],
      ]),
    )
    const types = ofRequest.map((e) => e.type)
    expect(types.indexOf('refund.created')).toBeLessThan(types.indexOf('refund.approved'))
    expect(ofRequest.find((e) => e.type === 'budget.updated')?.previous).toEqual({ spent: 0 })
    expect(ofRequest.every((e) => e.actor_type === 'AGENT' && e.actor_id === tenant.agentId)).toBe(true)

    const pending = await call<{ id: string }>(201, '/v1/refunds', {
      method: 'POST',
      token: admin,
      body: { customerId: tenant.customerId, amount: '50.00', currency: 'USD', reason: 'OTHER' },
    })
    await call(200, `/v1/refunds/${pending.id}/reject`, {
      method: 'POST',
      token: admin,
      body: { notes: 'no' },
    })
    expect(await typesOf(tenant.organizationId, pending.id)).toEqual(['refund.created', 'refund.rejected'])
  })

  it('a deletion is an event; the deletion of a whole organization takes its feed along', async () => {
    const tenant = await createTenant()
    const rule = await createRule(tenant, {
      name: 'Gone',
      action: 'REQUIRE_APPROVAL',
      conditions: { all: [{ fact: 'refund.amount', operator: 'lessThan', value: '5.00' }] },
    })
    await call(204, `/v1/decision-rules/${rule.id}`, { method: 'DELETE', token: tenant.tokens.ADMIN })
    expect(await typesOf(tenant.organizationId, rule.id)).toEqual([
      'decision_rule.created',
      'decision_rule.deleted',
    ])

    await ownerSql`delete from organizations where id = ${tenant.organizationId}`
    expect(await storedEvents(tenant.organizationId)).toEqual([])
  })
})

describe('round trips', () => {
  it('a write costs the same one round trip with its events', async () => {
    const tenant = await createTenant()
    const requestId = `evt-${crypto.randomUUID()}`
    const response = await api('/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: ticketBody(tenant.customerId),
      headers: { 'X-Request-Id': requestId },
    })
    expect(response.status).toBe(201)
    expect(await neonLocalStats(requestId)).toBe(1)
    expect((await storedEvents(tenant.organizationId)).some((e) => e.request_id === requestId)).toBe(true)
  })
})
