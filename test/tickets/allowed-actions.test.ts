import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { type TicketStatus, ticketStatusValues, tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * Issue 16: tickets carry `allowedActions` like refunds and escalations, computed by the code that enforces the
 * state machine and a customer's field rules (src/resources/tickets/ticket-status.ts). For every status × action
 * × role the action succeeds exactly when it is offered; a ticket's representation for a CUSTOMER leaves out the
 * team's fields.
 */

const actions = [
  'update',
  'start',
  'waitOnCustomer',
  'resolve',
  'close',
  'reopen',
  'assign',
  'unassign',
  'rate',
] as const
type Action = (typeof actions)[number]
const moves: Partial<Record<Action, TicketStatus>> = {
  start: 'IN_PROGRESS',
  waitOnCustomer: 'WAITING_ON_CUSTOMER',
  resolve: 'RESOLVED',
  close: 'CLOSED',
  reopen: 'OPEN',
}
const roles = ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'] as const
type Role = (typeof roles)[number]

interface TicketBody {
  id: string
  status: TicketStatus
  allowedActions: string[]
  version: number
}

const ticketRow = async (id: string) => (await ownerDb.select().from(tickets).where(eq(tickets.id, id)))[0]

/** A ticket of the tenant's customer in `status`, assigned (so `unassign` applies) or not. */
async function ticketIn(tenant: TestTenant, status: TicketStatus, assigned: boolean): Promise<string> {
  const response = await api('/v1/tickets', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: {
      customerId: tenant.customerId,
      subject: 'Printer',
      description: 'On fire.',
      ...(assigned ? { assignedRepresentativeId: tenant.representativeId } : {}),
    },
  })
  expect(response.status, await response.clone().text()).toBe(201)
  const { id } = await json<{ id: string }>(response)
  await ownerDb.update(tickets).set({ status }).where(eq(tickets.id, id))
  return id
}

function take(tenant: TestTenant, ticketId: string, action: Action, role: Role): Promise<Response> {
  const token = tenant.tokens[role]
  const path = `/v1/tickets/${ticketId}`
  if (action === 'assign')
    return api(`${path}/assignee`, {
      method: 'PUT',
      token,
      body: { representativeId: tenant.representativeId },
    })
  if (action === 'unassign') return api(`${path}/assignee`, { method: 'DELETE', token })
  if (action === 'rate') return api(`${path}/satisfaction`, { method: 'PUT', token, body: { rating: 4 } })
  const body = action === 'update' ? { description: 'More details.' } : { status: moves[action] }
  return api(path, { method: 'PATCH', token, body })
}

describe('ticket allowedActions', () => {
  it('for each status × action × role (assigned or not), the action succeeds exactly when it is offered', {
    timeout: 300_000,
  }, async () => {
    const tenant = await createTenant()
    for (const status of ticketStatusValues) {
      for (const assigned of [false, true]) {
        for (const role of roles) {
          const probe = await ticketIn(tenant, status, assigned)
          const read = await json<TicketBody>(
            await api(`/v1/tickets/${probe}`, { token: tenant.tokens[role] }),
          )
          for (const action of actions) {
            // No-ops are not actions (never offered) and answer 200: a move to the current status, unassigning
            // an unassigned ticket.
            if (moves[action] === status || (action === 'unassign' && !assigned)) {
              expect(read.allowedActions).not.toContain(action)
              continue
            }
            const label = `${role} ${action} on ${status}${assigned ? ' (assigned)' : ''}`
            const offered = read.allowedActions.includes(action)
            const ticketId = await ticketIn(tenant, status, assigned)
            const before = await ticketRow(ticketId)
            const response = await take(tenant, ticketId, action, role)
            const text = await response.clone().text()
            if (offered) {
              expect(response.status, `${label}: ${text}`).toBe(200)
              const after = await json<TicketBody>(response)
              if (moves[action]) expect(after.status, label).toBe(moves[action])
            } else {
              expect([403, 409], `${label}: ${text}`).toContain(response.status)
              expect(await ticketRow(ticketId), `${label} changed nothing`).toEqual(before)
            }
          }
        }
      }
    }
  })

  it('offers, per role, what the rules allow: examples', async () => {
    const tenant = await createTenant()
    const offered = async (status: TicketStatus, role: Role, assigned = false) => {
      const id = await ticketIn(tenant, status, assigned)
      return (await json<TicketBody>(await api(`/v1/tickets/${id}`, { token: tenant.tokens[role] })))
        .allowedActions
    }
    expect(await offered('OPEN', 'REPRESENTATIVE')).toEqual(['update', 'start', 'assign'])
    expect(await offered('IN_PROGRESS', 'AGENT', true)).toEqual([
      'update',
      'waitOnCustomer',
      'resolve',
      'assign',
      'unassign',
    ])
    expect(await offered('RESOLVED', 'ADMIN')).toEqual(['update', 'close', 'reopen', 'assign'])
    expect(await offered('CLOSED', 'ADMIN', true)).toEqual([])
    // A customer changes the wording of its ticket and reopens a resolved one; nothing else.
    expect(await offered('OPEN', 'CUSTOMER')).toEqual(['update'])
    expect(await offered('RESOLVED', 'CUSTOMER', true)).toEqual(['update', 'reopen', 'rate'])
    // A CLOSED ticket takes no change but the customer's rating.
    expect(await offered('CLOSED', 'CUSTOMER')).toEqual(['rate'])
  })

  it('every answer that returns a ticket carries them, for the caller', async () => {
    const tenant = await createTenant()
    const created = await json<TicketBody>(
      await api('/v1/tickets', {
        method: 'POST',
        token: tenant.tokens.CUSTOMER,
        body: { subject: 'Mine', description: 'Help.' },
      }),
    )
    expect(created.allowedActions).toEqual(['update'])
    const list = await json<{ data: TicketBody[] }>(await api('/v1/tickets', { token: tenant.tokens.AGENT }))
    expect(list.data.map((ticket) => ticket.allowedActions)).toEqual([['update', 'start', 'assign']])
    const assigned = await json<TicketBody>(
      await api(`/v1/tickets/${created.id}/assignee`, {
        method: 'PUT',
        token: tenant.tokens.REPRESENTATIVE,
        body: { representativeId: tenant.representativeId },
      }),
    )
    expect(assigned.allowedActions).toEqual(['update', 'start', 'assign', 'unassign'])
  })
})

describe('a ticket as a CUSTOMER sees it', () => {
  const forEveryone = [
    'allowedActions',
    'category',
    'closedAt',
    'createdAt',
    'customerId',
    'description',
    'firstResponseAt',
    // Who answered first (a person or an AI agent): as public as the authors of the ticket's PUBLIC messages.
    'firstResponseById',
    'firstResponseByType',
    'id',
    'priority',
    'resolvedAt',
    'satisfaction',
    'status',
    'subject',
    'ticketNumber',
    'updatedAt',
    'version',
  ]

  it('no assignee (a representative profile) and no tags (the team’s labels); staff see both', async () => {
    const tenant = await createTenant()
    const response = await api('/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.REPRESENTATIVE,
      body: {
        customerId: tenant.customerId,
        subject: 'Angry',
        description: 'Very.',
        tags: ['churn-risk'],
        assignedRepresentativeId: tenant.representativeId,
      },
    })
    const { id } = await json<{ id: string }>(response)
    const asCustomer = await json(await api(`/v1/tickets/${id}`, { token: tenant.tokens.CUSTOMER }))
    expect(Object.keys(asCustomer).sort()).toEqual(forEveryone)
    expect(JSON.stringify(asCustomer)).not.toContain('churn-risk')
    const page = await json<{ data: unknown[] }>(await api('/v1/tickets', { token: tenant.tokens.CUSTOMER }))
    expect(page.data.map((ticket) => Object.keys(ticket as object).sort())).toEqual([forEveryone])
    for (const role of ['ADMIN', 'REPRESENTATIVE', 'AGENT'] as const) {
      const staffView = await json(await api(`/v1/tickets/${id}`, { token: tenant.tokens[role] }))
      expect(staffView, role).toMatchObject({
        tags: ['churn-risk'],
        assignedRepresentativeId: tenant.representativeId,
      })
    }
  })

  it('a CUSTOMER does not tag its tickets either (403 FORBIDDEN_FIELD, nothing written)', async () => {
    const tenant = await createTenant()
    const refused = await api('/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.CUSTOMER,
      body: { subject: 'Mine', description: 'Help.', tags: ['vip'] },
    })
    expect(refused.status).toBe(403)
    expect(await json(refused)).toMatchObject({ code: 'FORBIDDEN_FIELD' })
    expect(
      await ownerDb.select().from(tickets).where(eq(tickets.organizationId, tenant.organizationId)),
    ).toEqual([])
  })
})
