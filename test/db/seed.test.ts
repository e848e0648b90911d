import { describe, expect, it } from 'vitest'
import { monthContaining, seedIds } from '../../scripts/seed/data'
import { seed } from '../../scripts/seed/seed'
import { ownerDb, ownerSql } from '../support/db'
import { rowCounts } from './fixtures'

const { acme, globex } = seedIds.organizations

describe('seed', () => {
  it('is idempotent: a second run writes the same rows and adds none', async () => {
    const first = await seed(ownerDb)
    const before = { acme: await rowCounts(acme), globex: await rowCounts(globex) }
    const second = await seed(ownerDb)
    const after = { acme: await rowCounts(acme), globex: await rowCounts(globex) }

    expect(second).toEqual(first)
    expect(after).toEqual(before)
    expect(first).toEqual({
      organizations: 2,
      users: 10,
      representatives: 4,
      customerProfiles: 4,
      tickets: 4,
      escalations: 2,
      refunds: 3,
      budgets: 1,
      budgetUsageRecords: 3,
      agentConfigurations: 4,
      decisionRules: 5,
      performanceMetrics: 7,
      teamPerformance: 6,
    })
  })

  it('loads Acme consistently: budget spent = sum of its usage, ticket counter = last ticket number', async () => {
    await seed(ownerDb)
    const [budget] = await ownerSql`
      select b.spent, (select sum(u.amount) from budget_usage_records u where u.budget_id = b.id) as used
      from budgets b where b.id = ${seedIds.budgets.acmeRefundsNovember}`
    expect(budget?.spent).toBe(budget?.used)
    expect(budget?.spent).toBe('150.00')

    const [org] = await ownerSql`
      select o.ticket_sequence, max(substring(t.ticket_number from 8)::int) as last_number
      from organizations o join tickets t on t.organization_id = o.id
      where o.id = ${acme} and t.id in (${seedIds.tickets.acmeDamagedOrder}, ${seedIds.tickets.acmeDoubleCharge}, ${seedIds.tickets.acmeDataExport})
      group by o.id`
    expect(org).toEqual({ ticket_sequence: 1003, last_number: 1003 })

    const [active] = await ownerSql`
      select count(*)::int as n from agent_configurations where organization_id = ${acme} and status = 'ACTIVE'`
    expect(active?.n).toBeGreaterThanOrEqual(1)
  })

  it('the demo budget covers the month the seed runs in, so an auto-approval can charge it today', async () => {
    await seed(ownerDb)
    const [budget] = await ownerSql`
      select b.period_start::text as start, b.period_end::text as end,
        b.period_start <= (now() at time zone 'UTC')::date and b.period_end >= (now() at time zone 'UTC')::date as today
      from budgets b where b.id = ${seedIds.budgets.acmeRefundsNovember}`
    expect(budget?.today).toBe(true)
    // Whole calendar months (inclusive UTC dates), whatever the day within them.
    for (const [day, start, end] of [
      ['2026-12-31T23:59:59Z', '2026-12-01', '2026-12-31'],
      ['2028-02-29T00:00:00Z', '2028-02-01', '2028-02-29'],
      ['2027-02-01T00:00:00Z', '2027-02-01', '2027-02-28'],
    ] as const) {
      expect(monthContaining(new Date(day))).toMatchObject({ periodStart: start, periodEnd: end })
    }
  })
})
