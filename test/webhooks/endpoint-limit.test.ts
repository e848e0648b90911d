import { describe, expect, inject, it } from 'vitest'
import { api, json } from '../support/api'
import { ownerSql } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * Every change of an organization inserts one delivery per subscribed endpoint in its own transaction, and an
 * event's deliveries are listed on one page (GET /v1/events/{id}/deliveries): both are bounded only if the
 * endpoints are. At most 20 per organization (WEBHOOK_ENDPOINT_LIMIT); the 21st is 422
 * WEBHOOK_ENDPOINT_LIMIT_REACHED, also when registrations race (PostgreSQL 15).
 */
const LIMIT = 20

const register = (token: string, n: number) =>
  api('/v1/webhook-endpoints', {
    method: 'POST',
    token,
    body: { url: `https://hooks.example.com/${n}`, enabledEvents: ['ticket.*'] },
  })

describe(`webhook endpoints per organization (${inject('databaseBackend')})`, () => {
  it('at most 20: the 21st is 422 WEBHOOK_ENDPOINT_LIMIT_REACHED, nothing written; after a deletion there is room', async () => {
    const t = await createTenant()
    const ids: string[] = []
    for (let n = 0; n < LIMIT; n++) {
      const response = await register(t.tokens.ADMIN, n)
      expect(response.status).toBe(201)
      ids.push((await json<{ id: string }>(response)).id)
    }
    const over = await register(t.tokens.ADMIN, LIMIT)
    expect(over.status).toBe(422)
    expect(await json(over)).toMatchObject({ code: 'WEBHOOK_ENDPOINT_LIMIT_REACHED' })
    const count = async () =>
      (
        (await ownerSql`select count(*)::int as n from webhook_endpoints
          where organization_id = ${t.organizationId}`) as [{ n: number }]
      )[0].n
    expect(await count()).toBe(LIMIT)
    // Another organization is not counted.
    const other = await createTenant()
    expect((await register(other.tokens.ADMIN, 0)).status).toBe(201)
    // A deleted endpoint makes room.
    const deleted = await api(`/v1/webhook-endpoints/${ids[0]}`, { method: 'DELETE', token: t.tokens.ADMIN })
    expect(deleted.status).toBe(204)
    expect((await register(t.tokens.ADMIN, LIMIT + 1)).status).toBe(201)
    expect(await count()).toBe(LIMIT)
  })

  it('30 registrations at once: exactly 20 succeed, the rest are 422', async () => {
    const t = await createTenant()
    const responses = await Promise.all(Array.from({ length: 30 }, (_, n) => register(t.tokens.ADMIN, n)))
    const statuses = responses.map((response) => response.status).sort()
    expect(statuses).toEqual([...Array(LIMIT).fill(201), ...Array(30 - LIMIT).fill(422)])
  })
})
