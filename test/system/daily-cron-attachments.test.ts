import { createScheduledController, env } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ORPHAN_MIN_AGE_MS } from '../../src/cron/attachments-sweep'
import worker from '../../src/index'
import { openTicket, post } from '../messages/support'
import { checkedFetch, json } from '../support/api'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * End to end: the daily cron, invoked as Workers invoke it (the Worker's `scheduled` handler with the daily cron
 * expression), deletes an orphaned attachment object from R2 — the sweep (src/cron/attachments-sweep.ts) is wired
 * into the run and acts on the bucket, not only logs. Its rules are tested beside it (test/messages/orphan-sweep.test.ts).
 *
 * The bucket is the real R2 binding, shared with the other test files, and the run uses the real clock. An object
 * must be 24 h old to go, so the test's own objects are made old: the handler gets the bucket through a view whose
 * listing reports the objects under this test's organization as uploaded 25 h ago (everything else as it is, so no
 * other file's upload in progress can be swept); reads and deletes go to the real bucket. The queue is a recording
 * stand-in (the metrics fan-out of the same run would otherwise compute every test organization's metrics).
 */

const bucket = () => env.ATTACHMENTS as R2Bucket
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 5, 6, 7, 8])
const exists = async (key: string) => (await bucket().head(key)) !== null

/** The real bucket, whose listing shows the objects under `agedPrefix` as uploaded 25 h ago. */
function agedView(real: R2Bucket, agedPrefix: string): R2Bucket {
  const age = ORPHAN_MIN_AGE_MS + 60 * 60 * 1000
  return new Proxy(real, {
    get(target, property) {
      if (property === 'list') {
        return async (options?: R2ListOptions) => {
          const listing = await target.list(options)
          const objects = listing.objects.map((object) =>
            object.key.startsWith(agedPrefix)
              ? ({
                  key: object.key,
                  size: object.size,
                  etag: object.etag,
                  uploaded: new Date(object.uploaded.getTime() - age),
                } as R2Object)
              : object,
          )
          return { ...listing, objects }
        }
      }
      const value = Reflect.get(target, property)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

async function attachmentKeys(t: TestTenant) {
  const ticket = await openTicket(t)
  const message = await post(t.tokens.CUSTOMER, ticket.id, { body: 'See the screenshot' })
  const messagePath = `${t.organizationId}/tickets/${ticket.id}/messages/${message.id}`
  const response = await checkedFetch(
    `http://api.test/v1/tickets/${ticket.id}/messages/${message.id}/attachments?fileName=shot.png`,
    {
      method: 'POST',
      headers: { Authorization: `Bearer ${t.tokens.CUSTOMER}`, 'Content-Type': 'image/png' },
      body: PNG,
    },
  )
  expect(response.status, await response.clone().text()).toBe(201)
  const { id } = await json<{ id: string }>(response)
  // An object under an attachment key of the message that no row names (a lost clean-up).
  const orphan = `${messagePath}/${crypto.randomUUID()}`
  await bucket().put(orphan, PNG)
  return { named: `${messagePath}/${id}`, orphan }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('the daily cron and R2', () => {
  it('deletes an orphaned attachment object older than 24 h; keeps the named one and a young orphan', async () => {
    const old = await createTenant()
    const young = await createTenant()
    const aged = await attachmentKeys(old)
    const fresh = await attachmentKeys(young)
    for (const key of [aged.named, aged.orphan, fresh.named, fresh.orphan])
      expect(await exists(key)).toBe(true)

    const lines: Array<{ message: string; requestId?: string; deleted?: number }> = []
    const record = (line: unknown) => {
      if (typeof line === 'string' && line.startsWith('{')) lines.push(JSON.parse(line))
    }
    vi.spyOn(console, 'log').mockImplementation(record)
    vi.spyOn(console, 'info').mockImplementation(record)
    vi.spyOn(console, 'warn').mockImplementation(record)
    const queue = { sendBatch: async () => {} }
    const scheduledTime = Date.now()
    // The daily expression of wrangler.toml [triggers] (anything but the every-minute webhook sweep's); the
    // handler awaits its jobs, so when it returns the sweep is done.
    await worker.scheduled(createScheduledController({ scheduledTime, cron: '5 0 * * *' }), {
      ...env,
      ATTACHMENTS: agedView(bucket(), `${old.organizationId}/`),
      WEBHOOK_QUEUE: queue,
    } as unknown as typeof env)

    expect(await exists(aged.orphan)).toBe(false)
    expect(await exists(aged.named)).toBe(true)
    // Not 24 h old: an upload may still be writing its row.
    expect(await exists(fresh.orphan)).toBe(true)
    expect(await exists(fresh.named)).toBe(true)
    const finished = lines.filter((line) => line.message === 'attachment orphan sweep finished')
    expect(finished).toHaveLength(1)
    expect(finished[0]).toMatchObject({ requestId: `attachments-sweep-${scheduledTime}` })
    // Other files' orphans may be swept by the same run only if they are really a day old: at least this one went.
    expect(finished[0]?.deleted).toBeGreaterThanOrEqual(1)
  })
})
