import { describe, expect, it } from 'vitest'
import { newEscalation, newTicket } from '../escalations/support'
import { api, json } from '../support/api'
import { createTenant } from '../support/tenants'

/**
 * Idempotency-Key is honoured exactly where the document declares it: an operation that replays declares the
 * header (and every replay here also passes the response check of test/support/api.ts, which refuses a replay
 * from an operation that does not declare it); an operation that does not declare it ignores it.
 */

const keyed = (key: string) => ({ 'Idempotency-Key': key })

describe('Idempotency-Key where it is declared', () => {
  it('escalation create replays (201, Location, the same escalation) and declares the header', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant)
    const key = crypto.randomUUID()
    const open = () =>
      api('/v1/escalations', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        headers: keyed(key),
        body: { ticketId: ticket.id, priority: 'HIGH', reason: 'LOW_CONFIDENCE', summary: 'Unsure.' },
      })
    const first = await open()
    expect(first.status).toBe(201)
    expect(first.headers.get('Idempotent-Replayed')).toBeNull()
    const created = await json<{ id: string }>(first)
    const again = await open()
    expect(again.status).toBe(201)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(again.headers.get('Location')).toBe(`/v1/escalations/${created.id}`)
    expect(await json(again)).toMatchObject({ id: created.id, ticketId: ticket.id })
    const list = await json<{ data: Array<{ ticketId: string }> }>(
      await api('/v1/escalations?limit=100', { token: tenant.tokens.ADMIN }),
    )
    expect(list.data.filter((row) => row.ticketId === ticket.id)).toHaveLength(1)
  })

  it('escalation actions replay (assign, start, resolve, cancel declare it)', async () => {
    const tenant = await createTenant()
    const escalation = await newEscalation(tenant)
    const key = crypto.randomUUID()
    const assign = () =>
      api(`/v1/escalations/${escalation.id}/assign`, {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        headers: { ...keyed(key), 'If-Match': `"${escalation.version}"` },
        body: { representativeId: tenant.representativeId },
      })
    const first = await assign()
    expect(first.status).toBe(200)
    const assigned = await json<{ version: number; status: string }>(first)
    expect(assigned.status).toBe('ASSIGNED')
    const again = await assign()
    expect(again.status).toBe(200)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await json(again)).toMatchObject({ status: 'ASSIGNED', version: assigned.version })

    const document = await json<{
      paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>>
    }>(await api('/openapi.json'))
    for (const path of [
      '/v1/escalations',
      '/v1/escalations/{escalationId}/assign',
      '/v1/escalations/{escalationId}/start',
      '/v1/escalations/{escalationId}/resolve',
      '/v1/escalations/{escalationId}/cancel',
    ]) {
      const headers = (document.paths[path]?.post?.parameters ?? [])
        .filter((parameter) => parameter.in === 'header')
        .map((parameter) => parameter.name)
      expect(headers, path).toContain('idempotency-key')
    }
  })

  it('an operation that does not declare it ignores it: a dry run evaluates again, a malformed key is no error', async () => {
    const tenant = await createTenant()
    const evaluate = (key: string) =>
      api('/v1/decision-rules/evaluate', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        headers: keyed(key),
        body: { customerId: tenant.customerId, amount: '5.00', currency: 'USD', reason: 'OTHER' },
      })
    const key = crypto.randomUUID()
    for (const response of [await evaluate(key), await evaluate(key), await evaluate('')]) {
      expect(response.status).toBe(200)
      expect(response.headers.get('Idempotent-Replayed')).toBeNull()
    }
  })
})
