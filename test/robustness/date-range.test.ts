import { describe, expect, it } from 'vitest'
import { api, json } from '../support/api'
import { neonLocalStats, ownerSql } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * Calendar dates stay in the API's own range, 0001-01-01 … 9999-12-31 (src/lib/input.ts): what a caller sends
 * (budget periods, metric ranges) and what the API derives (the next period of a budget). Postgres would store
 * year 10000 (and refuse year 0 with an error), but no client could send such a date back.
 */

interface Budget {
  id: string
  name: string
  periodStart: string
  periodEnd: string
}

async function createBudget(
  tenant: TestTenant,
  fields: { period: string; periodStart: string; periodEnd: string },
): Promise<Budget> {
  const response = await api('/v1/budgets', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: { name: `Range ${crypto.randomUUID()}`, amount: '100.00', ...fields },
  })
  expect(response.status).toBe(201)
  return json<Budget>(response)
}

const nextPeriod = (tenant: TestTenant, budgetId: string, requestId = `next-${crypto.randomUUID()}`) =>
  api(`/v1/budgets/${budgetId}/next-period`, {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    headers: { 'X-Request-Id': requestId },
  })

const periodsOf = async (name: string) =>
  (await ownerSql`select period_start::text as start, period_end::text as end from budgets
    where name = ${name} order by period_start`) as Array<{ start: string; end: string }>

describe('the next period of a budget', () => {
  it('that would end after 9999-12-31 is refused with 422, in one round trip, and nothing is written', async () => {
    const tenant = await createTenant()
    for (const fields of [
      { period: 'MONTHLY', periodStart: '9999-12-01', periodEnd: '9999-12-31' },
      { period: 'YEARLY', periodStart: '9998-07-01', periodEnd: '9999-06-30' },
      { period: 'DAILY', periodStart: '9999-12-31', periodEnd: '9999-12-31' },
    ]) {
      const budget = await createBudget(tenant, fields)
      const requestId = `next-${crypto.randomUUID()}`
      const response = await nextPeriod(tenant, budget.id, requestId)
      expect(response.status, fields.period).toBe(422)
      expect(response.headers.get('Content-Type')).toContain('application/problem+json')
      expect(await json(response)).toMatchObject({
        status: 422,
        code: 'DATE_OUT_OF_RANGE',
        detail: 'The next period of this budget would end after 9999-12-31, the last date the API stores.',
      })
      expect(await neonLocalStats(requestId)).toBe(1)
      expect(await periodsOf(budget.name)).toEqual([{ start: fields.periodStart, end: fields.periodEnd }])
    }
  })

  it('that ends on 9999-12-31 is still created, and a missing budget is still 404', async () => {
    const tenant = await createTenant()
    const budget = await createBudget(tenant, {
      period: 'MONTHLY',
      periodStart: '9999-11-01',
      periodEnd: '9999-11-30',
    })
    const response = await nextPeriod(tenant, budget.id)
    expect(response.status).toBe(201)
    expect(await json(response)).toMatchObject({ periodStart: '9999-12-01', periodEnd: '9999-12-31' })
    const missing = await nextPeriod(tenant, crypto.randomUUID())
    expect(missing.status).toBe(404)
    expect((await json<{ code: string }>(missing)).code).toBe('NOT_FOUND')
  })
})

describe('dates a caller sends', () => {
  it('before 0001-01-01 or past 9999-12-31 are 422 naming the field (budgets and metrics alike)', async () => {
    const tenant = await createTenant()
    for (const [field, periodStart, periodEnd] of [
      ['periodStart', '0000-12-31', '0001-01-31'],
      ['periodEnd', '9999-12-01', '10000-01-01'],
    ] as const) {
      const response = await api('/v1/budgets', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        body: { name: `Range ${crypto.randomUUID()}`, amount: '1.00', periodStart, periodEnd },
      })
      expect(response.status, field).toBe(422)
      const problem = await json<{ code: string; errors: Array<{ path: string; message: string }> }>(response)
      expect(problem.code).toBe('VALIDATION_FAILED')
      expect(problem.errors.map((error) => error.path)).toContain(field)
    }
    const first = await api('/v1/budgets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { name: 'First', amount: '1.00', periodStart: '0001-01-01', periodEnd: '0001-01-31' },
    })
    expect(first.status).toBe(201)
    const metrics = await api('/v1/metrics/recompute', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { from: '0000-12-31', to: '0001-01-01' },
    })
    expect(metrics.status).toBe(422)
    const problem = await json<{ errors: Array<{ path: string; message: string }> }>(metrics)
    expect(problem.errors).toContainEqual({
      path: 'from',
      message: 'Expected a date from 0001-01-01 to 9999-12-31.',
    })
  })
})
