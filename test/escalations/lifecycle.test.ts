import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import {
  type EscalationPriority,
  escalations,
  representatives,
  type TicketPriority,
  tickets,
} from '../../src/db/schema'
import { type Statement, TenantDb } from '../../src/db/tenant'
import { openEscalationStatements } from '../../src/resources/escalations/escalations.data'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { act, type EscalationBody, newEscalation, newTicket } from './support'

const escalationRow = async (id: string) =>
  (await ownerDb.select().from(escalations).where(eq(escalations.id, id)))[0]
const ticketRow = async (id: string) => (await ownerDb.select().from(tickets).where(eq(tickets.id, id)))[0]

async function expectProblem(response: Response, status: number, code: string) {
  const text = await response.clone().text()
  expect(response.status, text).toBe(status)
  expect(response.headers.get('Content-Type')).toContain('application/problem+json')
  const problem = await json<{ code: string; detail: string }>(response)
  expect(problem.code, text).toBe(code)
  return problem
}

describe('escalation lifecycle', () => {
  it('AGENT opens, a representative assigns, starts and resolves; every step a new ETag and the right allowedActions', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant)
    const opened = await api('/v1/escalations', {
      method: 'POST',
      token: tenant.tokens.AGENT,
      body: {
        ticketId: ticket.id,
        priority: 'HIGH',
        reason: 'HIGH_VALUE_CUSTOMER',
        summary: 'VIP wants a refund above my limit.',
        aiConfidence: 0.61234,
      },
    })
    expect(opened.status, await opened.clone().text()).toBe(201)
    expect(opened.headers.get('ETag')).toBe('"1"')
    const created = await json<EscalationBody>(opened)
    expect(opened.headers.get('Location')).toBe(`/v1/escalations/${created.id}`)
    expect(created).toMatchObject({
      ticketId: ticket.id,
      agentConfigurationId: tenant.agentId,
      assignedRepresentativeId: null,
      priority: 'HIGH',
      status: 'PENDING',
      reason: 'HIGH_VALUE_CUSTOMER',
      aiConfidence: 0.6123,
      version: 1,
      // The AGENT only opens escalations: it is offered nothing.
      allowedActions: [],
    })
    expect(created).not.toHaveProperty('organizationId')
    expect(created).not.toHaveProperty('priorityRank')
    // The same transaction raised the ticket (MEDIUM → HIGH).
    expect(await ticketRow(ticket.id)).toMatchObject({ priority: 'HIGH', version: 2 })

    const read = await api(`/v1/escalations/${created.id}`, { token: tenant.tokens.REPRESENTATIVE })
    expect(read.status).toBe(200)
    expect(await json(read)).toMatchObject({
      status: 'PENDING',
      allowedActions: ['update', 'assign', 'cancel'],
    })

    const assigned = await act(tenant, created.id, 'assign', {
      body: { representativeId: tenant.representativeId },
      ifMatch: '"1"',
    })
    expect(assigned.status, await assigned.clone().text()).toBe(200)
    expect(assigned.headers.get('ETag')).toBe('"2"')
    const afterAssign = await json<EscalationBody>(assigned)
    expect(afterAssign).toMatchObject({
      status: 'ASSIGNED',
      assignedRepresentativeId: tenant.representativeId,
      allowedActions: ['update', 'assign', 'start', 'cancel'],
    })
    expect(Date.parse(afterAssign.assignedAt as string)).toBeGreaterThan(0)

    const started = await act(tenant, created.id, 'start', { ifMatch: '"2"' })
    expect(started.status, await started.clone().text()).toBe(200)
    expect(started.headers.get('ETag')).toBe('"3"')
    expect(await json(started)).toMatchObject({
      status: 'IN_PROGRESS',
      allowedActions: ['update', 'assign', 'resolve', 'cancel'],
    })

    const resolved = await act(tenant, created.id, 'resolve', {
      body: { resolutionNotes: 'Refund approved by a human.' },
      ifMatch: '"3"',
    })
    expect(resolved.status, await resolved.clone().text()).toBe(200)
    const done = await json<EscalationBody>(resolved)
    expect(done).toMatchObject({
      status: 'RESOLVED',
      resolutionNotes: 'Refund approved by a human.',
      version: 4,
      allowedActions: [],
    })
    expect(Date.parse(done.resolvedAt as string)).toBeGreaterThan(0)
    expect(await escalationRow(created.id)).toMatchObject({ status: 'RESOLVED', version: 4 })
  })

  it('REPRESENTATIVE and ADMIN open escalations too (no escalating agent); PATCH changes summary and priority', async () => {
    const tenant = await createTenant()
    for (const role of ['REPRESENTATIVE', 'ADMIN'] as const) {
      const created = await newEscalation(tenant, { priority: 'LOW' }, role)
      expect(created).toMatchObject({ agentConfigurationId: null, status: 'PENDING', aiConfidence: null })
      expect(created.allowedActions).toEqual(['update', 'assign', 'cancel'])
      const patched = await act(tenant, created.id, 'update', {
        role,
        body: { summary: 'Now critical.', priority: 'CRITICAL' },
        ifMatch: '"1"',
      })
      expect(patched.status, await patched.clone().text()).toBe(200)
      expect(await json(patched)).toMatchObject({
        summary: 'Now critical.',
        priority: 'CRITICAL',
        version: 2,
      })
      const stale = await act(tenant, created.id, 'update', {
        role,
        body: { priority: 'LOW' },
        ifMatch: '"1"',
      })
      await expectProblem(stale, 412, 'PRECONDITION_FAILED')
    }
  })

  it('opening raises the ticket to at least the escalation’s priority and never lowers it', async () => {
    const tenant = await createTenant()
    const cases: Array<[TicketPriority, EscalationPriority, TicketPriority]> = [
      ['LOW', 'LOW', 'LOW'],
      ['LOW', 'MEDIUM', 'MEDIUM'],
      ['LOW', 'HIGH', 'HIGH'],
      ['LOW', 'CRITICAL', 'URGENT'],
      ['MEDIUM', 'CRITICAL', 'URGENT'],
      ['HIGH', 'LOW', 'HIGH'],
      ['URGENT', 'HIGH', 'URGENT'],
      ['HIGH', 'HIGH', 'HIGH'],
    ]
    for (const [ticketPriority, escalationPriority, expected] of cases) {
      const ticket = await newTicket(tenant, { priority: ticketPriority })
      await newEscalation(tenant, { ticketId: ticket.id, priority: escalationPriority })
      const row = await ticketRow(ticket.id)
      const label = `${ticketPriority} + ${escalationPriority}`
      expect(row?.priority, label).toBe(expected)
      // A ticket already high enough keeps its version: nothing was written to it.
      expect(row?.version, label).toBe(expected === ticketPriority ? 1 : 2)
    }
  })

  it('openEscalationStatements works in one batch after the ticket’s own INSERT (the refunds path)', async () => {
    const tenant = await createTenant()
    const db = TenantDb.forPrincipal(env.DATABASE_URL, {
      subject: tenant.agentId,
      organizationId: tenant.organizationId,
      role: 'AGENT',
    })
    const ticketId = crypto.randomUUID()
    const escalationId = crypto.randomUUID()
    const [, [opened], [raised]] = (await db.run(
      db.insert(tickets, {
        id: ticketId,
        ticketNumber: `TICKET-${Math.floor(Math.random() * 1e9)}`,
        customerId: tenant.customerId,
        subject: 'Refund',
        description: 'Opened with its escalation',
        category: 'REFUND_REQUEST',
        priority: 'LOW',
      }),
      ...(openEscalationStatements(db, {
        id: escalationId,
        ticketId,
        priority: 'CRITICAL',
        reason: 'REFUND_OVER_LIMIT',
        summary: 'Over the limit.',
        agentConfigurationId: tenant.agentId,
      }) as [Statement, Statement]),
    )) as unknown as [unknown, Array<{ id: string }>, Array<{ priority: string; version: number }>]
    expect(opened?.id).toBe(escalationId)
    expect(raised).toMatchObject({ priority: 'URGENT', version: 2 })
    expect(await escalationRow(escalationId)).toMatchObject({ status: 'PENDING', aiConfidence: null })
  })

  it('a ticket that is not the tenant’s is 422 on ticketId, and nothing is written', async () => {
    const [tenant, other] = [await createTenant(), await createTenant()]
    const foreign = await newTicket(other, { priority: 'LOW' })
    for (const ticketId of [foreign.id, crypto.randomUUID()]) {
      const response = await api('/v1/escalations', {
        method: 'POST',
        token: tenant.tokens.AGENT,
        body: { ticketId, priority: 'CRITICAL', reason: 'LOW_CONFIDENCE', summary: 'x' },
      })
      const problem = await expectProblem(response, 422, 'INVALID_REFERENCE')
      expect(JSON.stringify(problem)).toContain('ticketId')
    }
    expect(await ticketRow(foreign.id)).toMatchObject({ priority: 'LOW', version: 1 })
    expect(await ownerDb.select().from(escalations).where(eq(escalations.ticketId, foreign.id))).toEqual([])
  })
})

describe('escalation actions: every wrong move is 409 with the current state, and allowedActions never offers one', () => {
  type Role = 'ADMIN' | 'REPRESENTATIVE (assignee)' | 'REPRESENTATIVE (other)'
  const actions = ['update', 'assign', 'start', 'resolve', 'cancel'] as const
  const statuses = ['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'RESOLVED', 'CANCELLED'] as const

  /** An escalation brought to `status` through the API, assigned to the tenant's ONLINE representative. */
  async function escalationIn(
    tenant: TestTenant,
    status: (typeof statuses)[number],
  ): Promise<EscalationBody> {
    const created = await newEscalation(tenant)
    if (status === 'PENDING') return created
    if (status === 'CANCELLED') return json(await act(tenant, created.id, 'cancel'))
    const assigned = await act(tenant, created.id, 'assign', {
      body: { representativeId: tenant.representativeId },
    })
    if (status === 'ASSIGNED') return json(assigned)
    const started = await act(tenant, created.id, 'start')
    if (status === 'IN_PROGRESS') return json(started)
    return json(await act(tenant, created.id, 'resolve'))
  }

  it('for each status × action × caller, the action succeeds exactly when allowedActions offers it', {
    timeout: 240_000,
  }, async () => {
    const tenant = await createTenant()
    // A second REPRESENTATIVE user (with a profile) who is never the assignee.
    const other = await api('/v1/users', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { email: `other-${crypto.randomUUID()}@example.com`, name: 'Other Rep', role: 'REPRESENTATIVE' },
    })
    const otherUser = await json<{ id: string }>(other)
    const { tokenFor } = await import('../support/tenants')
    const tokens: Record<Role, string> = {
      ADMIN: tenant.tokens.ADMIN,
      'REPRESENTATIVE (assignee)': tenant.tokens.REPRESENTATIVE,
      'REPRESENTATIVE (other)': await tokenFor(tenant.organizationId, otherUser.id, 'REPRESENTATIVE'),
    }
    // Capacity is not what this test is about.
    await ownerDb
      .update(representatives)
      .set({ maxConcurrentTickets: 1000 })
      .where(eq(representatives.id, tenant.representativeId))
    for (const status of statuses) {
      for (const action of actions) {
        for (const role of Object.keys(tokens) as Role[]) {
          const escalation = await escalationIn(tenant, status)
          const read = await json<EscalationBody>(
            await api(`/v1/escalations/${escalation.id}`, { token: tokens[role] }),
          )
          const offered = read.allowedActions.includes(action)
          const before = await escalationRow(escalation.id)
          const response = await act(tenant, escalation.id, action, {
            token: tokens[role],
            body:
              action === 'assign'
                ? { representativeId: tenant.representativeId }
                : action === 'resolve'
                  ? { resolutionNotes: 'Done.' }
                  : undefined,
          })
          const label = `${role} ${action} on ${status}`
          const text = await response.clone().text()
          if (offered) {
            expect(response.status, `${label}: ${text}`).toBe(200)
          } else {
            expect([403, 409], `${label}: ${text}`).toContain(response.status)
            const problem = await json<{ code: string; detail: string }>(response)
            if (response.status === 409) {
              expect(problem.code, label).toBe('INVALID_STATUS_TRANSITION')
              expect(problem.detail, label).toContain(status)
            } else {
              expect(problem.code, label).toBe('NOT_ASSIGNEE')
            }
            expect(await escalationRow(escalation.id), `${label} changed nothing`).toEqual(before)
          }
        }
      }
    }
  })

  it('If-Match on every action: a stale ETag is 412 and changes nothing; the current one passes', async () => {
    const tenant = await createTenant()
    const created = await newEscalation(tenant)
    const steps: Array<[string, unknown]> = [
      ['update', { summary: 'x' }],
      ['assign', { representativeId: tenant.representativeId }],
      ['start', undefined],
      ['resolve', { resolutionNotes: 'ok' }],
    ]
    let version = created.version
    for (const [action, body] of steps) {
      const before = await escalationRow(created.id)
      await expectProblem(
        await act(tenant, created.id, action, { body, ifMatch: `"${version + 7}"` }),
        412,
        'PRECONDITION_FAILED',
      )
      expect(await escalationRow(created.id)).toEqual(before)
      const ok = await act(tenant, created.id, action, { body, ifMatch: `"${version}"` })
      expect(ok.status, `${action}: ${await ok.clone().text()}`).toBe(200)
      version = (await json<EscalationBody>(ok)).version
    }
    const other = await newEscalation(tenant)
    await expectProblem(await act(tenant, other.id, 'cancel', { ifMatch: '"2"' }), 412, 'PRECONDITION_FAILED')
    expect((await act(tenant, other.id, 'cancel', { ifMatch: '"1"' })).status).toBe(200)
  })

  it('an unknown escalation id is 404 for every route', async () => {
    const tenant = await createTenant()
    const id = crypto.randomUUID()
    await expectProblem(await api(`/v1/escalations/${id}`, { token: tenant.tokens.ADMIN }), 404, 'NOT_FOUND')
    for (const action of actions) {
      await expectProblem(
        await act(tenant, id, action, {
          body: action === 'assign' ? { representativeId: 'auto' } : undefined,
        }),
        404,
        'NOT_FOUND',
      )
    }
  })
})

describe('assignment rules', () => {
  it('an OFFLINE representative is refused (409 REPRESENTATIVE_OFFLINE); AWAY and BUSY may be assigned explicitly', async () => {
    const tenant = await createTenant()
    const created = await newEscalation(tenant)
    await expectProblem(
      await act(tenant, created.id, 'assign', { body: { representativeId: tenant.offlineRepresentativeId } }),
      409,
      'REPRESENTATIVE_OFFLINE',
    )
    expect(await escalationRow(created.id)).toMatchObject({ status: 'PENDING', version: 1 })
    for (const status of ['AWAY', 'BUSY'] as const) {
      await ownerDb
        .update(representatives)
        .set({ status })
        .where(eq(representatives.id, tenant.offlineRepresentativeId))
      const response = await act(tenant, created.id, 'assign', {
        body: { representativeId: tenant.offlineRepresentativeId },
      })
      expect(response.status, await response.clone().text()).toBe(200)
    }
  })

  it('a representative at maxConcurrentTickets is refused (409 REPRESENTATIVE_AT_CAPACITY); reassigning its own escalation is not', async () => {
    const tenant = await createTenant()
    await ownerDb
      .update(representatives)
      .set({ maxConcurrentTickets: 2 })
      .where(eq(representatives.id, tenant.representativeId))
    const [a, b, c] = [await newEscalation(tenant), await newEscalation(tenant), await newEscalation(tenant)]
    const to = { representativeId: tenant.representativeId }
    expect((await act(tenant, a.id, 'assign', { body: to })).status).toBe(200)
    expect((await act(tenant, b.id, 'assign', { body: to })).status).toBe(200)
    const refused = await expectProblem(
      await act(tenant, c.id, 'assign', { body: to }),
      409,
      'REPRESENTATIVE_AT_CAPACITY',
    )
    expect(refused.detail).toContain('2')
    // Reassigning one of its own escalations to the same representative does not count it twice.
    expect((await act(tenant, a.id, 'assign', { body: to })).status).toBe(200)
    // Resolving or cancelling frees capacity.
    expect((await act(tenant, b.id, 'cancel')).status).toBe(200)
    expect((await act(tenant, c.id, 'assign', { body: to })).status).toBe(200)
  })

  it('an unknown or foreign representative is 422 on representativeId', async () => {
    const [tenant, other] = [await createTenant(), await createTenant()]
    const created = await newEscalation(tenant)
    for (const representativeId of [crypto.randomUUID(), other.representativeId]) {
      const problem = await expectProblem(
        await act(tenant, created.id, 'assign', { body: { representativeId } }),
        422,
        'INVALID_REFERENCE',
      )
      expect(JSON.stringify(problem)).toContain('representativeId')
    }
  })

  it('auto picks the ONLINE representative with the fewest open escalations, preferring the customer’s language; none free → 409', async () => {
    const tenant = await createTenant()
    const rep = (
      id: string,
      languages: string[],
      skills: string[],
      max: number,
      status = 'ONLINE' as const,
    ) =>
      ownerDb
        .update(representatives)
        .set({ languages, skills, maxConcurrentTickets: max, status })
        .where(eq(representatives.id, id))
    // Rita (ONLINE, en) and Otto (made ONLINE, de), three open escalations each at most.
    await rep(tenant.representativeId, ['en'], ['billing'], 3)
    await rep(tenant.offlineRepresentativeId, ['de'], ['technical'], 3)
    const assignAuto = async (escalationId: string) => {
      const response = await act(tenant, escalationId, 'assign', { body: { representativeId: 'auto' } })
      expect(response.status, await response.clone().text()).toBe(200)
      return (await json<EscalationBody>(response)).assignedRepresentativeId
    }
    // No preferences: the least loaded (a tie: the smaller id), then the other one.
    const [low, high] = [tenant.representativeId, tenant.offlineRepresentativeId].sort() as [string, string]
    expect(await assignAuto((await newEscalation(tenant)).id)).toBe(low)
    expect(await assignAuto((await newEscalation(tenant)).id)).toBe(high)
    // `low` gets a second one by hand (2 vs 1): auto goes to `high`, the less loaded.
    const manual = await newEscalation(tenant)
    expect((await act(tenant, manual.id, 'assign', { body: { representativeId: low } })).status).toBe(200)
    expect(await assignAuto((await newEscalation(tenant)).id)).toBe(high)
    // 2 and 2. A German-speaking customer: Otto, whatever the ids.
    await api(`/v1/customers/${tenant.customerId}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { preferences: { language: 'de' } },
    })
    expect(await assignAuto((await newEscalation(tenant)).id)).toBe(tenant.offlineRepresentativeId)
    // Otto is full now (3): the German speaker goes to Rita, who still has room.
    expect(await assignAuto((await newEscalation(tenant)).id)).toBe(tenant.representativeId)
    // Both full.
    const none = await newEscalation(tenant)
    await expectProblem(
      await act(tenant, none.id, 'assign', { body: { representativeId: 'auto' } }),
      409,
      'NO_REPRESENTATIVE_AVAILABLE',
    )
    expect(await escalationRow(none.id)).toMatchObject({ status: 'PENDING', version: 1 })
    // Skills: a customer asking for "technical" goes to the representative who has it, when free.
    await rep(tenant.representativeId, ['en'], ['billing'], 10)
    await rep(tenant.offlineRepresentativeId, ['en'], ['technical'], 10)
    await api(`/v1/customers/${tenant.customerId}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { preferences: { languages: ['fr', 'en'], skills: ['technical', 7] } },
    })
    expect(await assignAuto(none.id)).toBe(tenant.offlineRepresentativeId)
    // Only ONLINE representatives are candidates.
    await rep(tenant.offlineRepresentativeId, ['en'], ['technical'], 10, 'BUSY' as 'ONLINE')
    expect(await assignAuto((await newEscalation(tenant)).id)).toBe(tenant.representativeId)
  })
})
