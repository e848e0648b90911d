import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { budgets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'
import { createBudget, requestRefund, thisMonth } from './support'

interface BudgetBody {
  id: string
  amount: string
  spent: string
  remaining: string
  utilization: string
  thresholdsCrossed: number[]
  periodStart: string
  periodEnd: string
  version: number
}

describe('budgets', () => {
  it('spent, remaining, utilization and thresholdsCrossed follow the charges; usage lists them', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '80.00', { alertThresholds: [25, 50, 100] })
    for (const amount of ['20.00', '12.34']) {
      const refund = await requestRefund(t, { amount }, t.tokens.ADMIN)
      expect(
        (await api(`/v1/refunds/${refund.id}/approve`, { method: 'POST', token: t.tokens.ADMIN })).status,
      ).toBe(200)
    }
    const read = await json<BudgetBody>(
      await api(`/v1/budgets/${budget.id}`, { token: t.tokens.REPRESENTATIVE }),
    )
    expect(read).toMatchObject({
      spent: '32.34',
      remaining: '47.66',
      utilization: '40.42',
      thresholdsCrossed: [25],
    })
    const usage = await json<{ data: Array<{ amount: string }> }>(
      await api(`/v1/budgets/${budget.id}/usage?sort=recordedAt`, { token: t.tokens.REPRESENTATIVE }),
    )
    expect(usage.data.map((row) => row.amount)).toEqual(['20.00', '12.34'])
  })

  it('amount can never go below spent (422 on amount); bad thresholds and periods are 422', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '50.00')
    const refund = await requestRefund(t, { amount: '30.00' }, t.tokens.ADMIN)
    await api(`/v1/refunds/${refund.id}/approve`, { method: 'POST', token: t.tokens.ADMIN })
    const below = await api(`/v1/budgets/${budget.id}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { amount: '29.99' },
    })
    expect(below.status).toBe(422)
    expect((await json<{ errors: Array<{ path: string }> }>(below)).errors[0]?.path).toBe('amount')
    const ok = await api(`/v1/budgets/${budget.id}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { amount: '30.00' },
    })
    expect(await json(ok)).toMatchObject({ amount: '30.00', remaining: '0.00', utilization: '100.00' })
    for (const body of [
      { alertThresholds: [80, 50] },
      { alertThresholds: [0] },
      { alertThresholds: [101] },
      { amount: '0' },
      { amount: '-5.00' },
    ]) {
      const response = await api(`/v1/budgets/${budget.id}`, { method: 'PATCH', token: t.tokens.ADMIN, body })
      expect(response.status, JSON.stringify(body)).toBe(422)
    }
    const backwards = await api('/v1/budgets', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: { name: 'Backwards', amount: '1.00', periodStart: '2026-12-31', periodEnd: '2026-12-01' },
    })
    expect(backwards.status).toBe(422)
  })

  it('a period is at most one of its kind long (DAILY 1 day … YEARLY 366): longer is 422 on periodEnd', async () => {
    const t = await createTenant()
    const create = (period: string, periodStart: string, periodEnd: string) =>
      api('/v1/budgets', {
        method: 'POST',
        token: t.tokens.ADMIN,
        body: { name: `${period} ${periodEnd}`, period, amount: '10.00', periodStart, periodEnd },
      })
    const longest: Array<[string, string, string, string]> = [
      ['DAILY', '2026-11-01', '2026-11-01', '2026-11-02'],
      ['WEEKLY', '2026-11-02', '2026-11-08', '2026-11-09'],
      ['MONTHLY', '2027-01-01', '2027-01-31', '2027-02-01'],
      ['QUARTERLY', '2026-07-01', '2026-09-30', '2026-10-01'],
      ['YEARLY', '2028-01-01', '2028-12-31', '2029-01-01'],
    ]
    for (const [period, start, end, tooLate] of longest) {
      const tooLong = await create(period, start, tooLate)
      expect(tooLong.status, `${period} ${start}..${tooLate}`).toBe(422)
      expect(await json(tooLong)).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ path: 'periodEnd' }],
      })
      expect((await create(period, start, end)).status, `${period} ${start}..${end}`).toBe(201)
    }
    const yearLongDaily = await create('DAILY', '2026-01-01', '2026-12-31')
    expect(yearLongDaily.status).toBe(422)
    const problem = await json<{ errors: Array<{ path: string; message: string }> }>(yearLongDaily)
    expect(problem.errors).toEqual([{ path: 'periodEnd', message: expect.stringContaining('DAILY') }])
    // Shorter is a partial period (a budget started mid-month); next-period then follows the calendar.
    expect((await create('MONTHLY', '2026-11-15', '2026-11-30')).status).toBe(201)
    const stored = await ownerDb
      .select({ id: budgets.id })
      .from(budgets)
      .where(eq(budgets.organizationId, t.organizationId))
    expect(stored).toHaveLength(longest.length + 1)
    // A budget's period and dates are fixed at creation: a PATCH cannot make them inconsistent.
    const budget = await createBudget(t, '10.00')
    for (const body of [{ period: 'DAILY' }, { periodEnd: '2027-12-31' }, { periodStart: '2020-01-01' }]) {
      const response = await api(`/v1/budgets/${budget.id}`, { method: 'PATCH', token: t.tokens.ADMIN, body })
      expect(response.status, JSON.stringify(body)).toBe(422)
      expect(await json(response)).toMatchObject({ code: 'VALIDATION_FAILED' })
    }
  })

  it('a PATCH onto a name that already starts on that date is 409 BUDGET_PERIOD_EXISTS, as a create is', async () => {
    const t = await createTenant()
    await createBudget(t, '10.00', { name: 'Refunds A' })
    const other = await createBudget(t, '20.00', { name: 'Refunds B' })
    const renamed = await api(`/v1/budgets/${other.id}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { name: 'Refunds A' },
    })
    expect(renamed.status, await renamed.clone().text()).toBe(409)
    expect(await json(renamed)).toMatchObject({ code: 'BUDGET_PERIOD_EXISTS' })
    const unchanged = await json(await api(`/v1/budgets/${other.id}`, { token: t.tokens.ADMIN }))
    expect(unchanged).toMatchObject({ name: 'Refunds B', amount: '20.00' })
  })

  it('next-period creates the following period’s budget (spent 0), once', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '70.00', {
      name: 'Monthly refunds',
      periodStart: '2026-11-01',
      periodEnd: '2026-11-30',
    })
    const next = await api(`/v1/budgets/${budget.id}/next-period`, { method: 'POST', token: t.tokens.ADMIN })
    expect(next.status, await next.clone().text()).toBe(201)
    expect(await json(next)).toMatchObject({
      name: 'Monthly refunds',
      amount: '70.00',
      spent: '0.00',
      periodStart: '2026-12-01',
      periodEnd: '2026-12-31',
    })
    const again = await api(`/v1/budgets/${budget.id}/next-period`, { method: 'POST', token: t.tokens.ADMIN })
    expect(again.status).toBe(409)
    expect(await json(again)).toMatchObject({ code: 'BUDGET_PERIOD_EXISTS' })
    const missing = await api(`/v1/budgets/${crypto.randomUUID()}/next-period`, {
      method: 'POST',
      token: t.tokens.ADMIN,
    })
    expect(missing.status).toBe(404)
    expect(thisMonth().periodStart).toMatch(/^\d{4}-\d{2}-01$/)
  })

  it('a zero amount is a validation error on `amount` (create and PATCH), and writes nothing', async () => {
    const t = await createTenant()
    const budget = await createBudget(t, '10.00')
    const create = await api('/v1/budgets', {
      method: 'POST',
      token: t.tokens.ADMIN,
      body: { name: 'Nothing', amount: '0.00', ...thisMonth() },
    })
    expect(create.status).toBe(422)
    expect(await json(create)).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'amount', message: 'Must be positive.' }],
    })
    const patch = await api(`/v1/budgets/${budget.id}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { amount: '0' },
    })
    expect(patch.status).toBe(422)
    expect(await json(patch)).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'amount', message: 'Must be positive.' }],
    })
    const rows = await ownerDb.select().from(budgets).where(eq(budgets.organizationId, t.organizationId))
    expect(rows.map((row) => [row.name, row.amount, row.version])).toEqual([[expect.any(String), '10.00', 1]])
  })
})
