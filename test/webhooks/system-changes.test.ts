import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { tickets } from '../../src/db/schema'
import { TenantDb } from '../../src/db/tenant'
import type { WebhookMessage } from '../../src/webhooks/delivery'
import { sweepWebhookDeliveries } from '../../src/webhooks/dispatch'
import { call } from '../events/support'
import { ownerSql } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * A delivery is born "enqueued" (0019) because the request that made the change sends it after its commit. A change
 * that no request makes (the API's own scheduled or queued work, a migration's data fix, an operator's SQL) has no
 * one to send it: its delivery must be the sweeper's at once (enqueued_at NULL), not after the 10-minute lease.
 */
describe('deliveries of changes no request makes', () => {
  it('are left for the sweeper, which sends them on its next run; a request’s are born enqueued', async () => {
    const tenant = await createTenant()
    await call(201, '/v1/webhook-endpoints', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { url: 'https://hooks.example.com/system', enabledEvents: ['ticket.*'] },
    })
    const ticket = await call<{ id: string }>(201, '/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { customerId: tenant.customerId, subject: 'Printer', description: 'Jammed.' },
    })
    const [byRequest] = await ownerSql`select enqueued_at from webhook_deliveries
      where organization_id = ${tenant.organizationId}`
    expect(byRequest?.enqueued_at).not.toBeNull()

    const db = TenantDb.forSystem(env.DATABASE_URL, tenant.organizationId, `sys-${crypto.randomUUID()}`)
    await db.run(db.update(tickets, { tags: ['system'] }, eq(tickets.id, ticket.id)))
    await ownerSql`update tickets set tags = '["operator"]' where id = ${ticket.id}`
    const unsent =
      await ownerSql`select d.id, d.enqueued_at from webhook_deliveries d join events e on e.id = d.event_id
      where d.organization_id = ${tenant.organizationId} and e.actor_type = 'SYSTEM'`
    expect(unsent).toHaveLength(2)
    expect(unsent.map((row) => row.enqueued_at)).toEqual([null, null])

    const sent: WebhookMessage[] = []
    const capture = {
      ...env,
      WEBHOOK_QUEUE: {
        sendBatch: async (batch: Array<{ body: WebhookMessage }>) =>
          void sent.push(...batch.map((m) => m.body)),
      },
    } as unknown as typeof env
    await sweepWebhookDeliveries(capture, `sweep-${crypto.randomUUID()}`)
    const ids = unsent.map((row) => row.id)
    expect(sent.filter((message) => ids.includes(message.deliveryId))).toHaveLength(2)
  })
})
