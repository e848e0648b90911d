import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { cronRange, metricsRequestId } from '../../src/cron/metrics'
import { fanOutMetrics, type MetricsMessage } from '../../src/cron/metrics-fan-out'
import worker from '../../src/index'
import {
  CRON_TIME,
  eventCount,
  rowsOf,
  tenantE,
  tenantEDays,
  tenantERest,
  tenantETeamDays,
} from '../metrics/fixture'
import { neonLocalStats, ownerSql } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * The daily metrics through the queue: the cron sends one message per organization, the consumer computes one
 * organization per message. A simulation at 10⁴ organizations checks the cron's work against the platform's limits
 * (Workers: 1 000 subrequests per invocation on the paid plan; each sendBatch is one, the listing another).
 */

const SUBREQUEST_LIMIT = 1_000

describe('metrics fan-out', () => {
  it('10⁴ organizations: one listing round trip and 100 sendBatch calls of ≤ 100 messages, each organization once', async () => {
    const organizations = Array.from({ length: 10_000 }, () => crypto.randomUUID())
    const sent: MetricsMessage[] = []
    let calls = 0
    const queue = {
      sendBatch: async (batch: Array<{ body: MetricsMessage }>) => {
        calls += 1
        expect(batch.length).toBeLessThanOrEqual(100)
        sent.push(...batch.map((message) => message.body))
      },
    }
    const started = performance.now()
    const summary = await fanOutMetrics(
      { ...env, WEBHOOK_QUEUE: queue } as unknown as typeof env,
      Date.UTC(2026, 10, 18, 0, 5),
      async () => organizations,
    )
    const elapsedMs = performance.now() - started
    expect(summary).toEqual({ organizations: 10_000, sendBatches: 100 })
    expect(calls).toBe(100)
    expect(calls + 1).toBeLessThan(SUBREQUEST_LIMIT)
    expect(new Set(sent.map((message) => message.organizationId))).toEqual(new Set(organizations))
    expect(sent.every((message) => message.kind === 'metrics')).toBe(true)
    console.log(
      `fan-out of 10⁴ organizations: ${calls} sendBatch calls, ${elapsedMs.toFixed(0)} ms in the cron`,
    )
  })

  it('a failing sendBatch is tried again, then skipped: the other organizations are still sent, and the run fails at the end', async () => {
    const organizations = Array.from({ length: 300 }, () => crypto.randomUUID())
    const sent: MetricsMessage[] = []
    let calls = 0
    const queue = {
      sendBatch: async (batch: Array<{ body: MetricsMessage }>) => {
        calls += 1
        // The first batch fails twice (then it is given up); the second fails once (then it is sent).
        if (calls <= 2 || calls === 4) throw new Error('queue unavailable')
        sent.push(...batch.map((message) => message.body))
      },
    }
    const errors: string[] = []
    const spy = vi.spyOn(console, 'error').mockImplementation((line: unknown) => {
      errors.push(String(line))
    })
    try {
      await expect(
        fanOutMetrics(
          { ...env, WEBHOOK_QUEUE: queue } as unknown as typeof env,
          Date.UTC(2026, 10, 18, 0, 5),
          async () => organizations,
        ),
      ).rejects.toThrow(/100 of 300 organizations/)
    } finally {
      spy.mockRestore()
    }
    expect(calls).toBe(5)
    expect(new Set(sent.map((message) => message.organizationId))).toEqual(new Set(organizations.slice(100)))
    expect(errors.map((line) => JSON.parse(line).message)).toEqual(['metrics messages not sent'])
  })

  it('the queue consumer computes one organization per message, as Workers invoke it (from its creation day on)', async () => {
    // Created the day before the run: its DAY row of 11-17, none of the lookback window's earlier days.
    const tenant = await createTenant({ createdAt: new Date('2026-11-17T12:00:00Z') })
    const scheduledTime = Date.UTC(2026, 10, 18, 0, 5)
    const message: MetricsMessage = { kind: 'metrics', organizationId: tenant.organizationId, scheduledTime }
    const batch = createMessageBatch<MetricsMessage>('organization-api-webhooks-local', [
      { id: 'metrics-1', timestamp: new Date(), attempts: 1, body: message },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch as MessageBatch<unknown>, env, ctx)
    const result = await getQueueResult(batch, ctx)
    expect(result.explicitAcks).toEqual(['metrics-1'])
    const { to } = cronRange(scheduledTime)
    const rows = await ownerSql`select period::text, period_start::text as start from performance_metrics
      where organization_id = ${tenant.organizationId} and period = 'DAY'`
    expect(rows).toEqual([{ period: 'DAY', start: to }])
  })

  it('a message of an organization deleted, suspended or cancelled since the fan-out computes nothing and is acknowledged', async () => {
    const scheduledTime = Date.UTC(2026, 10, 18, 0, 5)
    const createdAt = new Date('2026-11-01T00:00:00Z')
    const [deleted, suspended, cancelled] = await Promise.all([
      createTenant({ createdAt }),
      createTenant({ createdAt }),
      createTenant({ createdAt }),
    ])
    await ownerSql`delete from organizations where id = ${deleted.organizationId}`
    await ownerSql`update organizations set status = 'SUSPENDED' where id = ${suspended.organizationId}`
    await ownerSql`update organizations set status = 'CANCELLED' where id = ${cancelled.organizationId}`
    const tenants = [deleted, suspended, cancelled]
    const batch = createMessageBatch<MetricsMessage>(
      'organization-api-webhooks-local',
      tenants.map((tenant, i) => ({
        id: `gone-${i}`,
        timestamp: new Date(),
        attempts: 1,
        body: { kind: 'metrics', organizationId: tenant.organizationId, scheduledTime },
      })),
    )
    const ctx = createExecutionContext()
    await worker.queue(batch as MessageBatch<unknown>, env, ctx)
    const result = await getQueueResult(batch, ctx)
    // Retrying cannot help (a deleted organization) or is not wanted (the daily metrics skip a suspended one).
    expect(result.retryMessages).toEqual([])
    expect(result.explicitAcks).toEqual(['gone-0', 'gone-1', 'gone-2'])
    const ids = tenants.map((tenant) => tenant.organizationId)
    const rows =
      await ownerSql`select count(*)::int as n from performance_metrics where organization_id = any(${ids})`
    expect(rows).toEqual([{ n: 0 }])
  })

  it('the consumer catches up missed days too: one message computes every missing DAY row, once; a redelivery changes nothing', async () => {
    const { tenant } = await tenantE()
    const consume = async (scheduledTime: number, id: string) => {
      const message: MetricsMessage = {
        kind: 'metrics',
        organizationId: tenant.organizationId,
        scheduledTime,
      }
      const batch = createMessageBatch<MetricsMessage>('organization-api-webhooks-local', [
        { id, timestamp: new Date(), attempts: 1, body: message },
      ])
      const ctx = createExecutionContext()
      await worker.queue(batch as MessageBatch<unknown>, env, ctx)
      return getQueueResult(batch, ctx)
    }
    // Its last message was consumed on 11-15; those of 11-16 and 11-17 went to the dead-letter queue.
    await consume(Date.UTC(2026, 10, 15, 0, 5), 'metrics-11-15')
    await tenantERest(tenant)
    const events = await eventCount(tenant.organizationId)
    expect((await consume(CRON_TIME, 'metrics-11-18')).explicitAcks).toEqual(['metrics-11-18'])
    expect(await neonLocalStats(metricsRequestId(CRON_TIME, tenant.organizationId))).toBe(1)

    const computed = await rowsOf(tenant.organizationId)
    const day = (start: string) => computed.metrics.find((r) => r.period === 'DAY' && r.periodStart === start)
    for (const [start, expected] of Object.entries(tenantEDays))
      expect(day(start), start).toMatchObject(expected)
    for (const [start, [r1, r2]] of Object.entries(tenantETeamDays)) {
      const team = [tenant.representativeId, tenant.offlineRepresentativeId].map((id) =>
        computed.team.find((r) => r.period === 'DAY' && r.periodStart === start && r.representativeId === id),
      )
      expect(team, start).toEqual([expect.objectContaining(r1), expect.objectContaining(r2)])
    }
    expect(computed.metrics.filter((r) => r.period === 'DAY').map((r) => r.periodStart)).toEqual(
      ['08', '09', '10', '11', '12', '13', '14', '15', '16', '17'].map((d) => `2026-11-${d}`),
    )

    // The queue delivers at least once: the same message again leaves every row (version, updatedAt) as it was.
    expect((await consume(CRON_TIME, 'metrics-11-18-again')).explicitAcks).toEqual(['metrics-11-18-again'])
    expect(await rowsOf(tenant.organizationId)).toEqual(computed)
    expect(await eventCount(tenant.organizationId)).toBe(events)
  })
})
