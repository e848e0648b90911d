import { and, eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { idempotencyKeys, messageAttachments, refunds, tickets } from '../../src/db/schema'
import { openTicket, post } from '../messages/support'
import { approveSmall, budgetState, createBudget, createRule } from '../refunds/support'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

const ticketBody = (tenant: TestTenant) => ({
  customerId: tenant.customerId,
  subject: 'Keyed',
  description: 'Once.',
})
const keyed = (key: string, extra: Record<string, string> = {}) => ({ 'Idempotency-Key': key, ...extra })

describe(`Idempotency-Key (${inject('databaseBackend')})`, () => {
  it('same key + same request → the original status and body replayed, Idempotent-Replayed: true', async () => {
    const t = await createTenant()
    const key = `key-${crypto.randomUUID()}`
    const first = await api('/v1/tickets', {
      method: 'POST',
      token: t.tokens.AGENT,
      body: ticketBody(t),
      headers: keyed(key),
    })
    expect(first.status).toBe(201)
    expect(first.headers.get('Idempotent-Replayed')).toBeNull()
    const firstBody = await json(first)
    const requestId = `idem-${crypto.randomUUID()}`
    const again = await api('/v1/tickets', {
      method: 'POST',
      token: t.tokens.AGENT,
      body: ticketBody(t),
      headers: keyed(`"${key}"`, { 'X-Request-Id': requestId }),
    })
    expect(again.status).toBe(201)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(again.headers.get('Location')).toBe(first.headers.get('Location'))
    expect(again.headers.get('ETag')).toBe(first.headers.get('ETag'))
    // Like every answer of a tenant route, the replay states the rate-limit policies applied.
    expect(first.headers.get('RateLimit-Policy')).toBeTruthy()
    expect(again.headers.get('RateLimit-Policy')).toBe(first.headers.get('RateLimit-Policy'))
    expect(await json(again)).toEqual(firstBody)
    // A replay: the refused claim, then the read of the resource.
    expect(await neonLocalStats(requestId)).toBe(2)
    const rows = await ownerDb.select().from(tickets).where(eq(tickets.organizationId, t.organizationId))
    expect(rows).toHaveLength(1)
  })

  it('a first attempt costs no extra round trip', async () => {
    const t = await createTenant()
    const requestId = `idem-${crypto.randomUUID()}`
    const response = await api('/v1/tickets', {
      method: 'POST',
      token: t.tokens.AGENT,
      body: ticketBody(t),
      headers: keyed(crypto.randomUUID(), { 'X-Request-Id': requestId }),
    })
    expect(response.status).toBe(201)
    expect(await neonLocalStats(requestId)).toBe(1)
  })

  it('same key + different request → 422 IDEMPOTENCY_KEY_REUSED, nothing done', async () => {
    const t = await createTenant()
    const key = crypto.randomUUID()
    await api('/v1/tickets', {
      method: 'POST',
      token: t.tokens.AGENT,
      body: ticketBody(t),
      headers: keyed(key),
    })
    const other = await api('/v1/tickets', {
      method: 'POST',
      token: t.tokens.AGENT,
      body: { ...ticketBody(t), subject: 'Another' },
      headers: keyed(key),
    })
    expect(other.status).toBe(422)
    expect(await json(other)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' })
    const rows = await ownerDb.select().from(tickets).where(eq(tickets.organizationId, t.organizationId))
    expect(rows).toHaveLength(1)
  })

  it('an upload is its bytes and its media type: the same bytes as text/csv under the key → 422, stored once', async () => {
    const t = await createTenant()
    const ticket = await openTicket(t)
    const message = await post(t.tokens.CUSTOMER, ticket.id, { body: 'Export attached' })
    const path = `/v1/tickets/${ticket.id}/messages/${message.id}/attachments?fileName=export.txt`
    const key = crypto.randomUUID()
    const upload = (contentType: string) =>
      api(path, {
        method: 'POST',
        token: t.tokens.CUSTOMER,
        body: 'id,amount\n1,10.00\n',
        headers: keyed(key, { 'Content-Type': contentType }),
      })
    const first = await upload('text/plain')
    expect(first.status).toBe(201)
    const stored = await json(first)
    expect(stored).toMatchObject({ contentType: 'text/plain', fileName: 'export.txt' })
    // Spelling aside (case, parameters, spaces), the same media type: a true retry, replayed.
    for (const same of ['TEXT/Plain', 'text/plain; charset=utf-8', 'text/plain ;charset="UTF-8"']) {
      const again = await upload(same)
      expect(again.status, same).toBe(201)
      expect(again.headers.get('Idempotent-Replayed'), same).toBe('true')
      expect(await json(again)).toEqual(stored)
    }
    const csv = await upload('text/csv')
    expect(csv.status).toBe(422)
    expect(await json(csv)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' })
    const rows = await ownerDb
      .select()
      .from(messageAttachments)
      .where(eq(messageAttachments.messageId, message.id))
    expect(rows.map((row) => row.contentType)).toEqual(['text/plain'])
  })

  it('a JSON request is fingerprinted as before media types counted (a key claimed before still replays)', async () => {
    const t = await createTenant()
    const key = crypto.randomUUID()
    const body = JSON.stringify(ticketBody(t))
    const first = await api('/v1/tickets', {
      method: 'POST',
      token: t.tokens.AGENT,
      body,
      headers: keyed(key),
    })
    expect(first.status).toBe(201)
    // SHA-256 of the request line and the body: what the claims of earlier releases stored.
    const digest = await crypto.subtle.digest(
      'SHA-256',
      new TextEncoder().encode(`POST /v1/tickets\n${body}`),
    )
    const [row] = await ownerDb
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.organizationId, t.organizationId), eq(idempotencyKeys.key, key)))
    expect(row?.fingerprint).toBe(Buffer.from(digest).toString('hex'))
    // Another spelling of JSON is the same request.
    const again = await api('/v1/tickets', {
      method: 'POST',
      token: t.tokens.AGENT,
      body,
      headers: keyed(key, { 'Content-Type': 'Application/JSON; charset=UTF-8' }),
    })
    expect(again.status).toBe(201)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await json(again)).toEqual(await json(first))
  })

  it('keys are scoped to tenant and caller: the same key elsewhere is a new request', async () => {
    const [a, b] = [await createTenant(), await createTenant()]
    const key = crypto.randomUUID()
    const send = (tenant: TestTenant, token: string) =>
      api('/v1/tickets', { method: 'POST', token, body: ticketBody(tenant), headers: keyed(key) })
    const responses = [
      await send(a, a.tokens.AGENT),
      await send(a, a.tokens.ADMIN),
      await send(b, b.tokens.AGENT),
    ]
    for (const response of responses) {
      expect(response.status).toBe(201)
      expect(response.headers.get('Idempotent-Replayed')).toBeNull()
    }
    const ids = await Promise.all(
      responses.map(async (response) => (await json<{ id: string }>(response)).id),
    )
    expect(new Set(ids).size).toBe(3)
  })

  it('malformed keys are 400 and change nothing', async () => {
    const t = await createTenant()
    for (const key of ['', '""', 'x'.repeat(256), 'tab\there', 'é']) {
      const response = await api('/v1/tickets', {
        method: 'POST',
        token: t.tokens.AGENT,
        body: ticketBody(t),
        headers: keyed(key),
      })
      expect(response.status, JSON.stringify(key)).toBe(400)
      expect(await json(response)).toMatchObject({ code: 'INVALID_IDEMPOTENCY_KEY' })
    }
    expect(
      await ownerDb.select().from(tickets).where(eq(tickets.organizationId, t.organizationId)),
    ).toHaveLength(0)
  })

  it('a request that reads before its work learns of a replay in that first read: a refund replay costs 2', async () => {
    const t = await createTenant()
    await createRule(t, approveSmall)
    const budget = await createBudget(t, '100.00')
    const key = crypto.randomUUID()
    const body = { customerId: t.customerId, amount: '10.00', currency: 'USD', reason: 'LATE_DELIVERY' }
    const send = (requestBody: Record<string, unknown>, requestId: string, token = t.tokens.AGENT) =>
      api('/v1/refunds', {
        method: 'POST',
        token,
        body: requestBody,
        headers: keyed(key, { 'X-Request-Id': requestId }),
      })
    const firstId = `idem-${crypto.randomUUID()}`
    const first = await send(body, firstId)
    expect(first.status).toBe(201)
    expect(await neonLocalStats(firstId)).toBe(2)
    const firstBody = await json<{ id: string; status: string }>(first)
    expect(firstBody.status).toBe('APPROVED')
    const againId = `idem-${crypto.randomUUID()}`
    const again = await send(body, againId)
    expect(again.status).toBe(201)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(again.headers.get('Location')).toBe(`/v1/refunds/${firstBody.id}`)
    expect(await json(again)).toEqual(firstBody)
    // The facts read (which found the key completed), then the GET of the refund: nothing decided again.
    expect(await neonLocalStats(againId)).toBe(2)
    // The same key with another request is refused by that first read too, before anything is decided.
    const otherId = `idem-${crypto.randomUUID()}`
    const other = await send({ ...body, amount: '11.00' }, otherId)
    expect(other.status).toBe(422)
    expect(await json(other)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' })
    expect(await neonLocalStats(otherId)).toBe(1)
    // Keys belong to their caller: the customer's own request with the same key is a new one.
    const ownId = `idem-${crypto.randomUUID()}`
    const own = await send({ ...body, customerId: undefined }, ownId, t.tokens.CUSTOMER)
    expect(own.status).toBe(201)
    expect(own.headers.get('Idempotent-Replayed')).toBeNull()
    const rows = await ownerDb.select().from(refunds).where(eq(refunds.organizationId, t.organizationId))
    expect(rows).toHaveLength(2)
    expect((await budgetState(budget.id)).usage).toHaveLength(2)
  })

  it('a refused action is not remembered: the retry runs again and can succeed', async () => {
    const t = await createTenant()
    const refund = await json<{ id: string }>(
      await api('/v1/refunds', {
        method: 'POST',
        token: t.tokens.ADMIN,
        body: { customerId: t.customerId, amount: '10.00', currency: 'USD', reason: 'OTHER' },
      }),
    )
    const key = crypto.randomUUID()
    const approve = () =>
      api(`/v1/refunds/${refund.id}/approve`, { method: 'POST', token: t.tokens.ADMIN, headers: keyed(key) })
    const refused = await approve()
    expect(refused.status).toBe(409)
    expect(await json(refused)).toMatchObject({ code: 'NO_BUDGET' })
    const budget = await createBudget(t, '50.00')
    const accepted = await approve()
    expect(accepted.status).toBe(200)
    expect(accepted.headers.get('Idempotent-Replayed')).toBeNull()
    const replayed = await approve()
    expect(replayed.status).toBe(200)
    expect(replayed.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await json(replayed)).toEqual(await json(accepted))
    expect((await budgetState(budget.id)).usage).toHaveLength(1)
  })
  it('a refused action is not remembered: its key may carry a corrected request (another body) at once', async () => {
    const t = await createTenant()
    const refund = await json<{ id: string; version: number }>(
      await api('/v1/refunds', {
        method: 'POST',
        token: t.tokens.ADMIN,
        body: { customerId: t.customerId, amount: '10.00', currency: 'USD', reason: 'OTHER' },
      }),
    )
    const key = crypto.randomUUID()
    const reject = (notes: string, version: number) =>
      api(`/v1/refunds/${refund.id}/reject`, {
        method: 'POST',
        token: t.tokens.ADMIN,
        headers: keyed(key, { 'If-Match': `"${version}"` }),
        body: { notes },
      })
    // Refused after its batch committed (a conditional write that matched nothing: 412), then corrected.
    const stale = await reject('Dup', refund.version + 7)
    expect(stale.status).toBe(412)
    const corrected = await reject('Duplicate of an earlier refund', refund.version)
    expect(corrected.status, await corrected.clone().text()).toBe(200)
    expect(corrected.headers.get('Idempotent-Replayed')).toBeNull()
    expect(await json(corrected)).toMatchObject({
      status: 'REJECTED',
      notes: 'Duplicate of an earlier refund',
    })
    // From then on the key is the corrected request's: its retry replays, the first body is 422.
    const retry = await reject('Duplicate of an earlier refund', refund.version)
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true')
    const first = await reject('Dup', refund.version)
    expect(first.status).toBe(422)
    expect(await json(first)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' })
  })
})

describe(`Idempotency-Key under 20 concurrent duplicates (${inject('databaseBackend')})`, () => {
  const DUPLICATES = 20

  it('of one ticket creation → one ticket, 20 identical answers', async () => {
    const t = await createTenant()
    const key = crypto.randomUUID()
    const responses = await Promise.all(
      Array.from({ length: DUPLICATES }, () =>
        api('/v1/tickets', {
          method: 'POST',
          token: t.tokens.AGENT,
          body: ticketBody(t),
          headers: keyed(key),
        }),
      ),
    )
    expect(responses.map((response) => response.status)).toEqual(Array(DUPLICATES).fill(201))
    const bodies = await Promise.all(responses.map((response) => response.text()))
    expect(new Set(bodies).size).toBe(1)
    expect(
      responses.filter((response) => response.headers.get('Idempotent-Replayed') === 'true'),
    ).toHaveLength(DUPLICATES - 1)
    const rows = await ownerDb.select().from(tickets).where(eq(tickets.organizationId, t.organizationId))
    expect(rows).toHaveLength(1)
  })

  it('of one refund request (auto-approved) → one refund, one charge, 20 identical answers', async () => {
    const t = await createTenant()
    await createRule(t, approveSmall)
    const budget = await createBudget(t, '100.00')
    const key = crypto.randomUUID()
    const responses = await Promise.all(
      Array.from({ length: DUPLICATES }, () =>
        api('/v1/refunds', {
          method: 'POST',
          token: t.tokens.AGENT,
          body: { customerId: t.customerId, amount: '10.00', currency: 'USD', reason: 'LATE_DELIVERY' },
          headers: keyed(key),
        }),
      ),
    )
    expect(responses.map((response) => response.status)).toEqual(Array(DUPLICATES).fill(201))
    const bodies = await Promise.all(responses.map((response) => response.text()))
    expect(new Set(bodies).size).toBe(1)
    expect(JSON.parse(bodies[0] as string)).toMatchObject({ status: 'APPROVED' })
    const rows = await ownerDb
      .select()
      .from(refunds)
      .where(and(eq(refunds.organizationId, t.organizationId), eq(refunds.customerId, t.customerId)))
    expect(rows).toHaveLength(1)
    const { budget: after, usage } = await budgetState(budget.id)
    expect(usage).toHaveLength(1)
    expect(after?.spent).toBe('10.00')
  })
})
