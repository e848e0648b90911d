import { and, eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { decisionRules, events, idempotencyKeys, tickets } from '../../src/db/schema'
import { newTicket } from '../escalations/support'
import { callOk, mcpClient } from '../mcp/support'
import { approveSmall, createRule } from '../refunds/support'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * Idempotency-Key on PATCH, PUT and DELETE (SPEC-surfaces "MCP": writes take an optional idempotencyKey; the tools
 * derive it from the REST route's declaration): a retry replays the first answer instead of writing again.
 */

const keyed = (key: string, extra: Record<string, string> = {}) => ({ 'Idempotency-Key': key, ...extra })

const ticketEvents = (t: TestTenant, ticketId: string) =>
  ownerDb
    .select({ type: events.type })
    .from(events)
    .where(and(eq(events.organizationId, t.organizationId), eq(events.objectId, ticketId)))

describe(`Idempotency-Key on updates (${inject('databaseBackend')})`, () => {
  it('PATCH: the same key and body replays the first answer; the ticket changes once', async () => {
    const t = await createTenant()
    const ticket = await newTicket(t, {}, 'AGENT')
    const key = `patch-${crypto.randomUUID()}`
    const request = {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { subject: 'Renamed once' },
    }
    const first = await api(`/v1/tickets/${ticket.id}`, { ...request, headers: keyed(key) })
    expect(first.status).toBe(200)
    expect(first.headers.get('Idempotent-Replayed')).toBeNull()
    const firstBody = await json<{ version: number; subject: string }>(first)
    expect(firstBody).toMatchObject({ version: 2, subject: 'Renamed once' })
    const requestId = `patch-again-${crypto.randomUUID()}`
    const again = await api(`/v1/tickets/${ticket.id}`, {
      ...request,
      headers: keyed(key, { 'X-Request-Id': requestId }),
    })
    expect(again.status).toBe(200)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(again.headers.get('ETag')).toBe('"2"')
    expect(await json(again)).toEqual(firstBody)
    expect(await neonLocalStats(requestId)).toBe(2)
    const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
    expect(row?.version).toBe(2)
    expect((await ticketEvents(t, ticket.id)).map((e) => e.type).sort()).toEqual([
      'ticket.created',
      'ticket.updated',
    ])
    // Another body under the same key is refused and changes nothing.
    const reused = await api(`/v1/tickets/${ticket.id}`, {
      ...request,
      body: { subject: 'Renamed twice' },
      headers: keyed(key),
    })
    expect(reused.status).toBe(422)
    expect(await json(reused)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' })
    const [unchanged] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
    expect(unchanged).toMatchObject({ version: 2, subject: 'Renamed once' })
  })

  it('12 simultaneous PATCHes under one key: one change, twelve identical answers', async () => {
    const t = await createTenant()
    const ticket = await newTicket(t, {}, 'AGENT')
    const key = `burst-${crypto.randomUUID()}`
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        api(`/v1/tickets/${ticket.id}`, {
          method: 'PATCH',
          token: t.tokens.ADMIN,
          body: { priority: 'URGENT' },
          headers: keyed(key),
        }),
      ),
    )
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(200))
    const bodies = await Promise.all(answers.map((answer) => json(answer)))
    for (const body of bodies) expect(body).toEqual(bodies[0])
    expect(answers.filter((answer) => answer.headers.get('Idempotent-Replayed') === null)).toHaveLength(1)
    const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
    expect(row).toMatchObject({ version: 2, priority: 'URGENT' })
    expect((await ticketEvents(t, ticket.id)).filter((e) => e.type === 'ticket.updated')).toHaveLength(1)
  })

  it('a refused PATCH (412) is not remembered: its retry with the right If-Match runs under the same key', async () => {
    const t = await createTenant()
    const ticket = await newTicket(t, {}, 'AGENT')
    const key = `stale-${crypto.randomUUID()}`
    const stale = await api(`/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { priority: 'HIGH' },
      headers: keyed(key, { 'If-Match': '"7"' }),
    })
    expect(stale.status).toBe(412)
    const fixed = await api(`/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { priority: 'HIGH' },
      headers: keyed(key, { 'If-Match': '"1"' }),
    })
    expect(fixed.status).toBe(200)
    expect(fixed.headers.get('Idempotent-Replayed')).toBeNull()
    expect(await json(fixed)).toMatchObject({ priority: 'HIGH', version: 2 })
  })

  it('PUT and DELETE of the assignee: each replayed under its key', async () => {
    const t = await createTenant()
    const ticket = await newTicket(t, {}, 'AGENT')
    const put = () =>
      api(`/v1/tickets/${ticket.id}/assignee`, {
        method: 'PUT',
        token: t.tokens.ADMIN,
        body: { representativeId: t.representativeId },
        headers: keyed('assign-once'),
      })
    expect((await put()).status).toBe(200)
    const replayedPut = await put()
    expect(replayedPut.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await json(replayedPut)).toMatchObject({
      assignedRepresentativeId: t.representativeId,
      version: 2,
    })
    const unassign = () =>
      api(`/v1/tickets/${ticket.id}/assignee`, {
        method: 'DELETE',
        token: t.tokens.ADMIN,
        headers: keyed('unassign-once'),
      })
    expect((await unassign()).status).toBe(200)
    const replayedDelete = await unassign()
    expect(replayedDelete.status).toBe(200)
    expect(replayedDelete.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await json(replayedDelete)).toMatchObject({ assignedRepresentativeId: null, version: 3 })
  })

  it('PUT /v1/me/status: a retry replays the representative', async () => {
    const t = await createTenant()
    const put = () =>
      api('/v1/me/status', {
        method: 'PUT',
        token: t.tokens.REPRESENTATIVE,
        body: { status: 'AWAY' },
        headers: keyed('away-once'),
      })
    const first = await put()
    expect(first.status).toBe(200)
    const again = await put()
    expect(again.status).toBe(200)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await json(again)).toEqual(await json(first))
  })

  it('a deleting DELETE (204) is replayed as 204, not 404; a DELETE that found nothing is not remembered', async () => {
    const t = await createTenant()
    const rule = await createRule(t, approveSmall)
    const remove = (id: string, key: string) =>
      api(`/v1/decision-rules/${id}`, { method: 'DELETE', token: t.tokens.ADMIN, headers: keyed(key) })
    const firstDelete = await remove(rule.id, 'delete-rule')
    expect(firstDelete.status, await firstDelete.clone().text()).toBe(204)
    const again = await remove(rule.id, 'delete-rule')
    expect(again.status).toBe(204)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(again.headers.get('RateLimit-Policy')).toBeTruthy()
    expect(again.headers.get('X-Request-Id')).toBeTruthy()
    expect(await again.text()).toBe('')
    expect(await ownerDb.select().from(decisionRules).where(eq(decisionRules.id, rule.id))).toEqual([])
    // Without its key the retry is what a DELETE of nothing is.
    expect(
      (await api(`/v1/decision-rules/${rule.id}`, { method: 'DELETE', token: t.tokens.ADMIN })).status,
    ).toBe(404)
    // A 404 completes no key: the key stays unbound.
    const missing = crypto.randomUUID()
    expect((await remove(missing, 'delete-nothing')).status).toBe(404)
    const stored = await ownerDb
      .select()
      .from(idempotencyKeys)
      .where(
        and(eq(idempotencyKeys.organizationId, t.organizationId), eq(idempotencyKeys.key, 'delete-nothing')),
      )
    expect(stored.every((row) => row.completedAt === null)).toBe(true)
    expect((await remove(missing, 'delete-nothing')).status).toBe(404)
  })

  it('MCP: update tools take idempotencyKey; a retry replays the first result', async () => {
    const t = await createTenant()
    const ticket = await newTicket(t, {}, 'AGENT')
    const testClient = await mcpClient(t.tokens.ADMIN)
    const { tools } = await testClient.client.listTools()
    for (const name of [
      'updateTicket',
      'replaceTicketAssignee',
      'deleteTicketAssignee',
      'deleteDecisionRule',
    ]) {
      expect(tools.find((tool) => tool.name === name)?.inputSchema.properties, name).toHaveProperty(
        'idempotencyKey',
      )
    }
    const args = { ticketId: ticket.id, subject: 'Through MCP', idempotencyKey: `mcp-${crypto.randomUUID()}` }
    const first = await callOk<{ version: number }>(testClient.client, 'updateTicket', args)
    const again = await callOk<{ version: number }>(testClient.client, 'updateTicket', args)
    expect(again.body).toEqual(first.body)
    expect(first.body.version).toBe(2)
    const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
    expect(row?.version).toBe(2)
    await testClient.close()
  })
})
