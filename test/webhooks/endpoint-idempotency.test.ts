import { describe, expect, it } from 'vitest'
import { api, json } from '../support/api'
import { ownerSql } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * SPEC.md §5 (and docs/api.md): creating POSTs accept an Idempotency-Key. Registering a webhook endpoint is one: a
 * client that retries after a lost answer must not end up with two endpoints (every event delivered twice).
 */
describe('POST /v1/webhook-endpoints with an Idempotency-Key', () => {
  it('replays the first answer instead of registering a second endpoint; another body is 422', async () => {
    const tenant = await createTenant()
    const key = `endpoint-${crypto.randomUUID()}`
    const body = { url: 'https://hooks.example.com/once', enabledEvents: ['ticket.*'] }
    const request = {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body,
      headers: { 'Idempotency-Key': key },
    }

    const first = await api('/v1/webhook-endpoints', request)
    expect(first.status).toBe(201)
    const created = await json<{ id: string; secret: string }>(first)
    expect(created.secret).toMatch(/^whsec_/)

    const retry = await api('/v1/webhook-endpoints', request)
    expect(retry.status).toBe(201)
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true')
    expect(retry.headers.get('Location')).toBe(`/v1/webhook-endpoints/${created.id}`)
    const replayed = await json<{ id: string; secret?: string }>(retry)
    expect(replayed.id).toBe(created.id)
    // The secret is shown once: the replay reads the endpoint as GET does.
    expect(replayed.secret).toBeUndefined()

    const other = await api('/v1/webhook-endpoints', {
      ...request,
      body: { ...body, url: 'https://hooks.example.com/other' },
    })
    expect(other.status).toBe(422)
    expect(await json(other)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' })

    const rows =
      await ownerSql`select id from webhook_endpoints where organization_id = ${tenant.organizationId}`
    expect(rows.map((row) => row.id)).toEqual([created.id])
  })
})
