import { describe, expect, it } from 'vitest'
import { api, json } from '../support/api'
import { neonLocalStats, ownerSql } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * next-period chained across month ends, February and leap years: a period anchored on a day some months lack
 * (the 29th–31st, Feb 29) starts on the month's last day there, and comes back to its day afterwards; the
 * anchor never drifts earlier for good. Calendar periods (1st … last day) stay calendar periods.
 */

interface Budget {
  id: string
  name: string
  spent: string
  periodStart: string
  periodEnd: string
}

async function chain(tenant: TestTenant, period: string, first: [string, string], steps: number) {
  const name = `Anchor ${crypto.randomUUID()}`
  const created = await api('/v1/budgets', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: { name, period, amount: '100.00', periodStart: first[0], periodEnd: first[1] },
  })
  expect(created.status, await created.clone().text()).toBe(201)
  let current = await json<Budget>(created)
  const periods = [`${current.periodStart}..${current.periodEnd}`]
  for (let step = 0; step < steps; step++) {
    const requestId = `next-${crypto.randomUUID()}`
    const response = await api(`/v1/budgets/${current.id}/next-period`, {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      headers: { 'X-Request-Id': requestId },
    })
    expect(response.status, await response.clone().text()).toBe(201)
    expect(await neonLocalStats(requestId), 'one round trip').toBe(1)
    current = await json<Budget>(response)
    expect(current).toMatchObject({ name, spent: '0.00' })
    periods.push(`${current.periodStart}..${current.periodEnd}`)
  }
  const stored = (await ownerSql`select period_start::text || '..' || period_end::text as p from budgets
    where name = ${name} order by period_start`) as Array<{ p: string }>
  expect(stored.map((row) => row.p)).toEqual(periods)
  return periods
}

describe('next-period keeps the anchor day', () => {
  it('MONTHLY anchored on the 31st, 30th and 29th (a common and a leap year), and a calendar month', async () => {
    const t = await createTenant()
    expect(await chain(t, 'MONTHLY', ['2026-12-31', '2027-01-30'], 5)).toEqual([
      '2026-12-31..2027-01-30',
      '2027-01-31..2027-02-27',
      '2027-02-28..2027-03-30',
      '2027-03-31..2027-04-29',
      '2027-04-30..2027-05-30',
      '2027-05-31..2027-06-29',
    ])
    expect(await chain(t, 'MONTHLY', ['2026-12-30', '2027-01-29'], 4)).toEqual([
      '2026-12-30..2027-01-29',
      '2027-01-30..2027-02-27',
      '2027-02-28..2027-03-29',
      '2027-03-30..2027-04-29',
      '2027-04-30..2027-05-29',
    ])
    expect(await chain(t, 'MONTHLY', ['2026-12-29', '2027-01-28'], 3)).toEqual([
      '2026-12-29..2027-01-28',
      '2027-01-29..2027-02-27',
      '2027-02-28..2027-03-28',
      '2027-03-29..2027-04-28',
    ])
    expect(await chain(t, 'MONTHLY', ['2027-12-30', '2028-01-29'], 3)).toEqual([
      '2027-12-30..2028-01-29',
      '2028-01-30..2028-02-28',
      '2028-02-29..2028-03-29',
      '2028-03-30..2028-04-29',
    ])
    expect(await chain(t, 'MONTHLY', ['2027-12-29', '2028-01-28'], 3)).toEqual([
      '2027-12-29..2028-01-28',
      '2028-01-29..2028-02-28',
      '2028-02-29..2028-03-28',
      '2028-03-29..2028-04-28',
    ])
    expect(await chain(t, 'MONTHLY', ['2027-12-01', '2027-12-31'], 3)).toEqual([
      '2027-12-01..2027-12-31',
      '2028-01-01..2028-01-31',
      '2028-02-01..2028-02-29',
      '2028-03-01..2028-03-31',
    ])
  })

  it('QUARTERLY anchored on the 31st and the 30th, and calendar quarters', async () => {
    const t = await createTenant()
    expect(await chain(t, 'QUARTERLY', ['2027-08-31', '2027-11-29'], 4)).toEqual([
      '2027-08-31..2027-11-29',
      '2027-11-30..2028-02-28',
      '2028-02-29..2028-05-30',
      '2028-05-31..2028-08-30',
      '2028-08-31..2028-11-29',
    ])
    expect(await chain(t, 'QUARTERLY', ['2027-03-30', '2027-06-29'], 4)).toEqual([
      '2027-03-30..2027-06-29',
      '2027-06-30..2027-09-29',
      '2027-09-30..2027-12-29',
      '2027-12-30..2028-03-29',
      '2028-03-30..2028-06-29',
    ])
    expect(await chain(t, 'QUARTERLY', ['2027-10-01', '2027-12-31'], 2)).toEqual([
      '2027-10-01..2027-12-31',
      '2028-01-01..2028-03-31',
      '2028-04-01..2028-06-30',
    ])
  })

  it('YEARLY anchored on Feb 29 starts on Feb 28 in common years and on Feb 29 again in the next leap year', async () => {
    const t = await createTenant()
    expect(await chain(t, 'YEARLY', ['2028-02-29', '2029-02-27'], 4)).toEqual([
      '2028-02-29..2029-02-27',
      '2029-02-28..2030-02-27',
      '2030-02-28..2031-02-27',
      '2031-02-28..2032-02-28',
      '2032-02-29..2033-02-27',
    ])
    // Without an earlier period to tell a stand-in from the real day, a start is taken at its word: Feb 28.
    expect(await chain(t, 'YEARLY', ['2029-02-28', '2030-02-27'], 2)).toEqual([
      '2029-02-28..2030-02-27',
      '2030-02-28..2031-02-27',
      '2031-02-28..2032-02-27',
    ])
  })
})
