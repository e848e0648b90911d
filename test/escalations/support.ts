import { expect } from 'vitest'
import type { TicketPriority } from '../../src/db/schema'
import { api, json } from '../support/api'
import type { TestTenant } from '../support/tenants'

export interface EscalationBody {
  id: string
  ticketId: string
  agentConfigurationId: string | null
  assignedRepresentativeId: string | null
  priority: string
  status: string
  reason: string
  summary: string | null
  aiConfidence: number | null
  assignedAt: string | null
  resolvedAt: string | null
  resolutionNotes: string | null
  version: number
  createdAt: string
  allowedActions: string[]
}

/** A ticket of the tenant's customer, created through the API (by its ADMIN unless told otherwise). */
export async function newTicket(
  tenant: TestTenant,
  body: { priority?: TicketPriority; assignedRepresentativeId?: string; customerId?: string } = {},
  as: 'ADMIN' | 'REPRESENTATIVE' | 'AGENT' = 'ADMIN',
): Promise<{ id: string; priority: string; version: number }> {
  const response = await api('/v1/tickets', {
    method: 'POST',
    token: tenant.tokens[as],
    body: { customerId: tenant.customerId, subject: 'Needs a human', description: 'Escalate me.', ...body },
  })
  expect(response.status, await response.clone().text()).toBe(201)
  return json(response)
}

/** An escalation opened through the API (by the tenant's AGENT unless told otherwise). */
export async function newEscalation(
  tenant: TestTenant,
  body: {
    ticketId?: string
    priority?: string
    reason?: string
    summary?: string
    aiConfidence?: number
  } = {},
  role: 'AGENT' | 'REPRESENTATIVE' | 'ADMIN' = 'AGENT',
): Promise<EscalationBody> {
  const ticketId = body.ticketId ?? (await newTicket(tenant)).id
  const response = await api('/v1/escalations', {
    method: 'POST',
    token: tenant.tokens[role],
    body: {
      priority: 'MEDIUM',
      reason: 'LOW_CONFIDENCE',
      summary: 'The agent is unsure.',
      ...body,
      ticketId,
    },
  })
  expect(response.status, await response.clone().text()).toBe(201)
  return json<EscalationBody>(response)
}

/** Calls an action route (`assign`, `start`, `resolve`, `cancel`) or PATCH (`update`). */
export function act(
  tenant: TestTenant,
  escalationId: string,
  action: string,
  options: {
    role?: 'ADMIN' | 'REPRESENTATIVE' | 'AGENT'
    token?: string
    body?: unknown
    ifMatch?: string
  } = {},
): Promise<Response> {
  const token = options.token ?? tenant.tokens[options.role ?? 'REPRESENTATIVE']
  const headers = options.ifMatch ? { 'If-Match': options.ifMatch } : undefined
  if (action === 'update') {
    return api(`/v1/escalations/${escalationId}`, {
      method: 'PATCH',
      token,
      headers,
      body: options.body ?? { summary: 'Edited.' },
    })
  }
  const defaults: Record<string, unknown> = {
    resolve: { resolutionNotes: 'Done.' },
  }
  const body = options.body ?? defaults[action]
  return api(`/v1/escalations/${escalationId}/${action}`, {
    method: 'POST',
    token,
    headers,
    ...(body === undefined ? {} : { body }),
  })
}
