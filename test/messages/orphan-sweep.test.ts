import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { CURSOR_PREFIX, ORPHAN_MIN_AGE_MS, sweepOrphanedAttachments } from '../../src/cron/attachments-sweep'
import { checkedFetch, json } from '../support/api'
import { createTenant, type TestTenant } from '../support/tenants'
import { openTicket, post } from './support'

/*
 * The daily sweep of attachment objects no row names (src/cron/attachments-sweep.ts). Every run here is narrowed
 * to the test tenant's prefix: the bucket is shared with the other test files, whose uploads in progress (object
 * stored, row not yet written) a run with a moved clock must not touch.
 */

const bucket = () => env.ATTACHMENTS as R2Bucket
const LATER = () => Date.now() + ORPHAN_MIN_AGE_MS + 60_000
const runId = () => `attachments-sweep-${crypto.randomUUID()}`

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4])

async function conversation(t: TestTenant) {
  const ticket = await openTicket(t)
  const message = await post(t.tokens.CUSTOMER, ticket.id, { body: 'See the screenshot' })
  const path = `/v1/tickets/${ticket.id}/messages/${message.id}`
  const upload = async () => {
    const response = await checkedFetch(`http://api.test${path}/attachments?fileName=shot.png`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${t.tokens.CUSTOMER}`, 'Content-Type': 'image/png' },
      body: PNG,
    })
    expect(response.status, await response.clone().text()).toBe(201)
    const { id } = await json<{ id: string }>(response)
    return `${t.organizationId}/tickets/${ticket.id}/messages/${message.id}/${id}`
  }
  /** An object under an attachment key of this message that no row names (a lost clean-up). */
  const orphan = async () => {
    const key = `${t.organizationId}/tickets/${ticket.id}/messages/${message.id}/${crypto.randomUUID()}`
    await bucket().put(key, PNG)
    return key
  }
  return { upload, orphan }
}

const exists = async (key: string) => (await bucket().head(key)) !== null

describe('the sweep of orphaned attachment objects', () => {
  it('deletes objects older than 24 h that no attachment row names; keeps named, younger and foreign-format ones', async () => {
    const t = await createTenant()
    const c = await conversation(t)
    const named = await c.upload()
    const orphan = await c.orphan()
    const foreign = `${t.organizationId}/exports/report.csv`
    await bucket().put(foreign, 'a,b\n')
    const prefix = `${t.organizationId}/`

    // Younger than 24 h: an upload may still be writing its row.
    const now = await sweepOrphanedAttachments(env, runId(), { prefix })
    expect(now).toMatchObject({ listed: 3, candidates: 0, deleted: 0, complete: true })
    expect(await exists(orphan)).toBe(true)

    const later = await sweepOrphanedAttachments(env, runId(), { prefix, now: LATER() })
    // One organization, one round trip; the orphan goes, the attachment and the unknown key stay.
    expect(later).toMatchObject({ listed: 3, candidates: 2, deleted: 1, checks: 1, complete: true })
    expect(await exists(orphan)).toBe(false)
    expect(await exists(named)).toBe(true)
    expect(await exists(foreign)).toBe(true)
    // A run that reaches the end leaves no cursor.
    expect(await bucket().list({ prefix: CURSOR_PREFIX + prefix })).toMatchObject({ objects: [] })
  })

  it('sweeps an orphan whose key spells ids in upper case (uploads before 2026-12-07 kept the URL’s spelling)', async () => {
    const t = await createTenant()
    const ticket = await openTicket(t)
    const message = await post(t.tokens.CUSTOMER, ticket.id, { body: 'Old upload' })
    const upper = `${t.organizationId}/tickets/${ticket.id.toUpperCase()}/messages/${message.id.toUpperCase()}/${crypto.randomUUID().toUpperCase()}`
    await bucket().put(upper, PNG)
    const later = await sweepOrphanedAttachments(env, runId(), {
      prefix: `${t.organizationId}/`,
      now: LATER(),
    })
    expect(later).toMatchObject({ listed: 1, candidates: 1, deleted: 1 })
    expect(await exists(upper)).toBe(false)
  })

  it('is bounded per run and continues where the last run stopped; the cursor goes when a run reaches the end', async () => {
    const t = await createTenant()
    const c = await conversation(t)
    const named = await c.upload()
    const orphans = [await c.orphan(), await c.orphan(), await c.orphan(), await c.orphan()]
    const prefix = `${t.organizationId}/`
    const options = { prefix, now: LATER(), pageSize: 2, maxPages: 1 }
    const cursor = async () => (await bucket().get(CURSOR_PREFIX + prefix))?.text()

    const first = await sweepOrphanedAttachments(env, runId(), options)
    expect(first).toMatchObject({ listed: 2, pages: 1, complete: false })
    const keys = [named, ...orphans].sort()
    expect(await cursor()).toBe(keys[1])
    let runs = 1
    let last = first
    while (!last.complete && runs < 10) {
      last = await sweepOrphanedAttachments(env, runId(), options)
      runs += 1
    }
    // 5 keys, 2 a run: three runs, the third reaching the end.
    expect(runs).toBe(3)
    expect(await cursor()).toBeUndefined()
    for (const key of orphans) expect(await exists(key), key).toBe(false)
    expect(await exists(named)).toBe(true)

    // The database-check bound: a run stops before its first check when none is left, keeping the cursor.
    const more = await c.orphan()
    const none = await sweepOrphanedAttachments(env, runId(), { prefix, now: LATER(), maxChecks: 0 })
    expect(none).toMatchObject({ checks: 0, deleted: 0, complete: false })
    expect(await exists(more)).toBe(true)
  })

  it('keeps every object of an organization whose attachments cannot be read', async () => {
    const t = await createTenant()
    const c = await conversation(t)
    const orphan = await c.orphan()
    const unreachable = { ...env, DATABASE_URL: env.TEST_BLACKHOLE_URL, DATABASE_TIMEOUT_MS: '300' }
    const summary = await sweepOrphanedAttachments(unreachable, runId(), {
      prefix: `${t.organizationId}/`,
      now: LATER(),
    })
    expect(summary).toMatchObject({ candidates: 1, failedChecks: 1, deleted: 0 })
    expect(await exists(orphan)).toBe(true)
  })
})
