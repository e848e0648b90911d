import { env } from 'cloudflare:test'
import { call } from '../events/support'
import type { TestTenant } from '../support/tenants'

/* What the webhook tests share: the local receiver (test/webhooks/receiver.ts), endpoints on it, polling, and an event. */

export interface ReceivedHook {
  headers: Record<string, string>
  body: string
}

/** A webhook delivery as GET /v1/events/{id}/deliveries shows it. */
export interface Delivery {
  id: string
  endpointId: string
  eventId: string
  status: string
  attempts: number
  attemptLog: Array<{ attempt: number; statusCode: number | null }>
}

const receiver = env.TEST_WEBHOOK_RECEIVER_URL

/** What the receiver got at `/hooks/<name>`, oldest first. */
export const received = async (name: string) =>
  (await (await fetch(`${receiver}/received/${name}`)).json()) as ReceivedHook[]

/** An endpoint of the tenant on the receiver under a fresh name. */
export async function endpointFor(tenant: TestTenant, enabledEvents: string[], enabled = true) {
  const name = crypto.randomUUID()
  const endpoint = await call<{ id: string; secret: string }>(201, '/v1/webhook-endpoints', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: { url: `${receiver}/hooks/${name}`, enabledEvents, enabled },
  })
  return { name, endpoint }
}

/** Reads until `done` (or the timeout): the queue delivers asynchronously. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > until) return value
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** A new ticket of the tenant, and its ticket.created event's id. */
export async function ticketEvent(tenant: TestTenant, subject = 'Again') {
  const ticket = await call<{ id: string }>(201, '/v1/tickets', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: { customerId: tenant.customerId, subject, description: 'd' },
  })
  const events = await call<{ data: Array<{ id: string; type: string }> }>(
    200,
    `/v1/events?objectId=${ticket.id}`,
    { token: tenant.tokens.ADMIN },
  )
  const event = events.data.find((candidate) => candidate.type === 'ticket.created')
  return { ticketId: ticket.id, eventId: event?.id as string }
}
