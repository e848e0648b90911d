import { createScheduledController, env } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import worker from '../../src/index'
import { createTenant } from '../support/tenants'

/*
 * The daily cron as Workers invoke it (src/index.ts `scheduled`): it runs all three daily jobs — the metrics fan-out
 * through the queue, the event retention purge and the sweep of orphaned attachment objects — each under the run's
 * request id. The jobs' own behaviour is tested beside them (test/queue/metrics-fan-out.test.ts,
 * test/events/*, test/messages/orphan-sweep.test.ts); this proves the wiring. The queue is a recording stand-in, so
 * no organization's metrics are computed here, and the sweep runs on the real clock: an object must be 24 h old
 * before it can go, so nothing another test file is uploading is touched.
 */

afterEach(() => {
  vi.restoreAllMocks()
})

describe('the daily cron', () => {
  it('fans the metrics out, purges expired events and sweeps orphaned attachments, each once per run', async () => {
    const tenant = await createTenant()
    const lines: Array<{ message: string; requestId?: string }> = []
    const record = (line: unknown) => {
      if (typeof line === 'string' && line.startsWith('{')) lines.push(JSON.parse(line))
    }
    vi.spyOn(console, 'log').mockImplementation(record)
    vi.spyOn(console, 'info').mockImplementation(record)
    vi.spyOn(console, 'warn').mockImplementation(record)
    const sent: Array<{ organizationId: string }> = []
    const queue = {
      sendBatch: async (batch: Array<{ body: { organizationId: string } }>) =>
        void sent.push(...batch.map((message) => message.body)),
    }
    const scheduledTime = Date.UTC(2026, 10, 18, 0, 5)
    // The handler awaits its jobs (no waitUntil): when it returns, they are done.
    await worker.scheduled(createScheduledController({ scheduledTime, cron: '5 0 * * *' }), {
      ...env,
      WEBHOOK_QUEUE: queue,
    } as unknown as typeof env)

    const finished = (message: string) => lines.filter((line) => line.message === message)
    expect(finished('metrics fanned out')).toHaveLength(1)
    expect(sent.map((body) => body.organizationId)).toContain(tenant.organizationId)
    expect(finished('event retention purge finished')).toEqual([
      expect.objectContaining({ requestId: `events-purge-${scheduledTime}` }),
    ])
    expect(finished('attachment orphan sweep finished')).toEqual([
      expect.objectContaining({ requestId: `attachments-sweep-${scheduledTime}`, complete: true }),
    ])
  })

  it('the every-minute cron runs the webhook sweeper only', async () => {
    const lines: Array<{ message: string }> = []
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      if (typeof line === 'string' && line.startsWith('{')) lines.push(JSON.parse(line))
    })
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '* * * * *' }), env)
    const messages = lines.map((line) => line.message)
    expect(messages).not.toContain('attachment orphan sweep finished')
    expect(messages).not.toContain('event retention purge finished')
    expect(messages).not.toContain('metrics fanned out')
  })
})
