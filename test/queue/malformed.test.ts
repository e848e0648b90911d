import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { MetricsMessage } from '../../src/cron/metrics-fan-out'
import worker from '../../src/index'
import { tenantD } from '../metrics/fixture'
import { ownerSql } from '../support/db'
import { createTenant, LONG_AGO } from '../support/tenants'

/*
 * The queue consumer meets messages it cannot use (a body of another shape, an older deploy's, a kind it does not
 * know): each is settled on its own, and the rest of the batch is still handled.
 */

const scheduledTime = Date.UTC(2026, 10, 18, 0, 5)

async function consume(bodies: unknown[]) {
  const batch = createMessageBatch<unknown>(
    'organization-api-webhooks-local',
    bodies.map((body, index) => ({ id: `m-${index}`, timestamp: new Date(), attempts: 1, body })),
  )
  const ctx = createExecutionContext()
  const outcome = await worker.queue(batch as MessageBatch<unknown>, env, ctx).then(
    () => 'resolved',
    (error: unknown) => `rejected: ${error}`,
  )
  return { outcome, result: await getQueueResult(batch, ctx) }
}

describe('queue messages the consumer cannot use', () => {
  it('a body that is not an object (null, a string, a number) does not fail the batch: the good message is computed', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    const good: MetricsMessage = { kind: 'metrics', organizationId: tenant.organizationId, scheduledTime }
    const { outcome, result } = await consume([null, 'metrics', 42, good])
    expect(outcome).toBe('resolved')
    expect(result.explicitAcks).toContain('m-3')
    // Nothing can ever make sense of them: dropped (logged), not retried 20 times.
    expect([...result.explicitAcks].sort()).toEqual(['m-0', 'm-1', 'm-2', 'm-3'])
    expect(result.retryMessages).toEqual([])
    const rows =
      await ownerSql`select count(*)::int as n from performance_metrics where organization_id = ${tenant.organizationId}`
    // The run's window: DAY 11-11..17 (7), WEEK 11-09 and 11-16, MONTH 11-01, QUARTER 10-01, YEAR 01-01.
    expect(rows).toEqual([{ n: 12 }])
  })

  it('a message without a usable organization, time or delivery id, or of an unknown kind, is dropped, not retried', async () => {
    const tenant = await createTenant({ createdAt: LONG_AGO })
    const { outcome, result } = await consume([
      { kind: 'metrics', organizationId: tenant.organizationId },
      { kind: 'metrics', organizationId: tenant.organizationId, scheduledTime: 'yesterday' },
      { kind: 'metrics', organizationId: 'not-a-uuid', scheduledTime },
      { kind: 'metrics', scheduledTime },
      { kind: 'reindex', organizationId: tenant.organizationId },
      { deliveryId: 'not-a-uuid', organizationId: tenant.organizationId },
      { deliveryId: crypto.randomUUID(), organizationId: 42 },
    ])
    expect(outcome).toBe('resolved')
    expect(result.retryMessages).toEqual([])
    expect([...result.explicitAcks].sort()).toEqual(['m-0', 'm-1', 'm-2', 'm-3', 'm-4', 'm-5', 'm-6'])
    const rows =
      await ownerSql`select count(*)::int as n from performance_metrics where organization_id = ${tenant.organizationId}`
    expect(rows).toEqual([{ n: 0 }])
  })

  it('an organization whose computation fails is retried alone; the others in the batch are computed and acknowledged', async () => {
    const good = await createTenant({ createdAt: LONG_AGO })
    const { tenant: failing } = await tenantD()
    const { outcome, result } = await consume([
      { kind: 'metrics', organizationId: failing.organizationId, scheduledTime },
      { kind: 'metrics', organizationId: good.organizationId, scheduledTime },
    ])
    expect(outcome).toBe('resolved')
    expect(result.explicitAcks).toEqual(['m-1'])
    expect(result.retryMessages).toEqual([{ msgId: 'm-0' }])
    const rows =
      await ownerSql`select organization_id::text as id, count(*)::int as n from performance_metrics
      where organization_id in (${good.organizationId}, ${failing.organizationId}) group by 1`
    expect(rows).toEqual([{ id: good.organizationId, n: 12 }])
  })
})
