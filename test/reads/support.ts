import { expect } from 'vitest'
import { api, json } from '../support/api'
import { createTenant, type TestTenant } from '../support/tenants'

/** A support console screen's data: a ticket, its customer, conversation, escalation and refund, its assignee. */
export interface ConsoleScreen {
  tenant: TestTenant
  ticketId: string
  escalationId: string
  refundId: string
  /** A ticket of the tenant's other customer (what the first customer must never reach). */
  otherTicketId: string
  otherRefundId: string
}

async function created<T = { id: string }>(path: string, token: string, body: unknown): Promise<T> {
  const response = await api(path, { method: 'POST', token, body })
  expect(response.status, await response.clone().text()).toBe(201)
  return json<T>(response)
}

/** One tenant with a console screen's worth of data, made through the API. */
export async function consoleScreen(tenant?: TestTenant): Promise<ConsoleScreen> {
  const t = tenant ?? (await createTenant())
  const ticket = await created('/v1/tickets', t.tokens.ADMIN, {
    customerId: t.customerId,
    subject: 'Broken blender',
    description: 'It smokes.',
    tags: ['hardware'],
    assignedRepresentativeId: t.representativeId,
  })
  const messages = `/v1/tickets/${ticket.id}/messages`
  await created(messages, t.tokens.CUSTOMER, { body: 'Hello, it smokes.' })
  await created(messages, t.tokens.REPRESENTATIVE, { body: 'Check the warranty.', visibility: 'INTERNAL' })
  await created(messages, t.tokens.AGENT, { body: 'Sorry to hear that!', metadata: { confidence: 0.4 } })
  const escalation = await created('/v1/escalations', t.tokens.AGENT, {
    ticketId: ticket.id,
    priority: 'HIGH',
    reason: 'LOW_CONFIDENCE',
    summary: 'Customer reports smoke.',
    aiConfidence: 0.4,
  })
  const assigned = await api(`/v1/escalations/${escalation.id}/assign`, {
    method: 'POST',
    token: t.tokens.ADMIN,
    body: { representativeId: t.representativeId },
  })
  expect(assigned.status, await assigned.clone().text()).toBe(200)
  const refund = await created('/v1/refunds', t.tokens.CUSTOMER, {
    amount: '12.50',
    currency: 'USD',
    reason: 'DEFECTIVE_PRODUCT',
    ticketId: ticket.id,
  })
  const other = await created('/v1/tickets', t.tokens.OTHER_CUSTOMER, {
    subject: 'Other customer',
    description: 'Not yours.',
  })
  const otherRefund = await created('/v1/refunds', t.tokens.OTHER_CUSTOMER, {
    amount: '3.10',
    currency: 'USD',
    reason: 'DEFECTIVE_PRODUCT',
    ticketId: other.id,
  })
  return {
    tenant: t,
    ticketId: ticket.id,
    escalationId: escalation.id,
    refundId: refund.id,
    otherTicketId: other.id,
    otherRefundId: otherRefund.id,
  }
}

/** GET with a bearer token, asserting the status; the parsed body. */
export async function getJson<T = Record<string, unknown>>(
  path: string,
  token: string,
  status = 200,
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await api(path, { token, headers })
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(status)
  return json<T>(response)
}
