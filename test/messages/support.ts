import { eq } from 'drizzle-orm'
import { expect } from 'vitest'
import { messages, tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import type { TestTenant } from '../support/tenants'

export interface MessageBody {
  id: string
  ticketId: string
  authorType: string
  authorId: string | null
  visibility: 'PUBLIC' | 'INTERNAL'
  format: string
  body: string | null
  metadata: { confidence?: number; sources?: Array<{ title: string; url: string }>; model?: string } | null
  attachments: Array<{ id: string; fileName: string; contentType: string; sizeBytes: number; sha256: string }>
  redactedAt: string | null
  redactedById?: string | null
  version: number
  createdAt: string
  updatedAt: string
}

export interface MessagePage {
  data: MessageBody[]
  nextCursor: string | null
  previousCursor: string | null
}

/** A ticket of the tenant's CUSTOMER (or another customer), opened by its representative. */
export async function openTicket(
  tenant: TestTenant,
  body: Record<string, unknown> = {},
): Promise<{ id: string; ticketNumber: string }> {
  const response = await api('/v1/tickets', {
    method: 'POST',
    token: tenant.tokens.REPRESENTATIVE,
    body: { customerId: tenant.customerId, subject: 'Printer jam', description: 'Paper stuck.', ...body },
  })
  expect(response.status, await response.clone().text()).toBe(201)
  return json(response)
}

/** Posts a message and expects it accepted. */
export async function post(
  token: string,
  ticketId: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<MessageBody> {
  const response = await api(`/v1/tickets/${ticketId}/messages`, { method: 'POST', token, body, headers })
  expect(response.status, await response.clone().text()).toBe(201)
  return json<MessageBody>(response)
}

export async function ticketRow(id: string) {
  const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, id))
  if (!row) throw new Error(`no ticket ${id}`)
  return row
}

export function messageRows(ticketId: string) {
  return ownerDb.select().from(messages).where(eq(messages.ticketId, ticketId)).orderBy(messages.createdAt)
}

/** Moves a ticket through the state machine as the tenant's ADMIN. */
export async function moveTicket(tenant: TestTenant, ticketId: string, ...statuses: string[]): Promise<void> {
  for (const status of statuses) {
    const response = await api(`/v1/tickets/${ticketId}`, {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      body: { status },
    })
    expect(response.status, await response.clone().text()).toBe(200)
  }
}
