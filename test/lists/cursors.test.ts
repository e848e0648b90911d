import { describe, expect, it } from 'vitest'
import { api, json } from '../support/api'
import { createTenant } from '../support/tenants'

type Page = { data: Array<{ id: string }>; nextCursor: string | null }

const cursorOf = (payload: unknown) =>
  btoa(JSON.stringify(payload)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')

describe('list cursors', () => {
  it('a metrics cursor whose period start is not a calendar date is 400 INVALID_CURSOR, never read by Postgres', async () => {
    const t = await createTenant()
    for (const path of ['/v1/metrics', '/v1/metrics/team']) {
      for (const periodStart of [
        '2026-02-30',
        'infinity',
        'epoch',
        'today',
        '2026-1-1',
        '20260101',
        '2026-01-01 BC',
      ]) {
        const cursor = cursorOf({ s: 'periodStart', v: [periodStart, 'DAY', crypto.randomUUID()] })
        const response = await api(`${path}?cursor=${cursor}`, { token: t.tokens.ADMIN })
        expect(response.status, `${path} ${periodStart}`).toBe(400)
        expect(await json(response), `${path} ${periodStart}`).toMatchObject({ code: 'INVALID_CURSOR' })
      }
    }
  })

  it('a cursor of one list is 400 INVALID_CURSOR on another list with a sort of the same name', async () => {
    const t = await createTenant()
    for (let i = 0; i < 2; i++) {
      const created = await api('/v1/tickets', {
        method: 'POST',
        token: t.tokens.ADMIN,
        body: { customerId: t.customerId, subject: `Ticket ${i}`, description: 'Broken.' },
      })
      expect(created.status).toBe(201)
    }
    const tickets = await json<Page>(await api('/v1/tickets?limit=1', { token: t.tokens.ADMIN }))
    expect(tickets.nextCursor).not.toBeNull()
    const cursor = encodeURIComponent(tickets.nextCursor as string)
    // Its own list takes it.
    expect((await api(`/v1/tickets?limit=1&cursor=${cursor}`, { token: t.tokens.ADMIN })).status).toBe(200)
    for (const path of [
      '/v1/users',
      '/v1/customers',
      '/v1/representatives',
      '/v1/agents',
      '/v1/refunds',
      '/v1/escalations?sort=-createdAt',
      '/v1/budgets',
      '/v1/decision-rules?sort=-createdAt',
      '/v1/webhook-endpoints',
    ]) {
      const response = await api(`${path}${path.includes('?') ? '&' : '?'}cursor=${cursor}`, {
        token: t.tokens.ADMIN,
      })
      expect(response.status, path).toBe(400)
      expect(await json(response), path).toMatchObject({ code: 'INVALID_CURSOR' })
    }
  })

  it('the organization’s metrics and the team’s are two lists: a cursor of one is refused by the other', async () => {
    const t = await createTenant()
    const today = new Date().toISOString().slice(0, 10)
    const recomputed = await api('/v1/metrics/recompute', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: { from: today, to: today },
    })
    expect(recomputed.status, await recomputed.clone().text()).toBe(200)
    const metrics = await json<Page>(await api('/v1/metrics?limit=1', { token: t.tokens.ADMIN }))
    expect(metrics.nextCursor).not.toBeNull()
    const cursor = encodeURIComponent(metrics.nextCursor as string)
    expect((await api(`/v1/metrics?limit=1&cursor=${cursor}`, { token: t.tokens.ADMIN })).status).toBe(200)
    const team = await api(`/v1/metrics/team?cursor=${cursor}`, { token: t.tokens.ADMIN })
    expect(team.status).toBe(400)
    expect(await json(team)).toMatchObject({ code: 'INVALID_CURSOR' })
  })
})
