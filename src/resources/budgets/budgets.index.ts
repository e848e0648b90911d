import { type Budget, budgets } from '../../db/schema'
import { etagOf, ifMatchVersions } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { represent, type Viewer } from '../../lib/representation'
import { authorized } from '../../middleware/authorize'
import { parseRuleMoney } from '../decision-rules/rules-language'
import * as data from './budgets.data'
import * as routes from './budgets.routes'
import { BudgetSchema, BudgetUsageSchema } from './budgets.schemas'

const cents = (money: string) => parseRuleMoney(money.replace(/^-/, '')) ?? 0n
const formatCents = (value: bigint) => `${value / 100n}.${(value % 100n).toString().padStart(2, '0')}`

/** remaining, utilization (percent, two decimals, rounded down) and thresholdsCrossed, in exact integer math. */
export function toBudget(row: Budget, viewer: Viewer) {
  const [amount, spent] = [cents(row.amount), cents(row.spent)]
  return represent(
    BudgetSchema,
    {
      ...row,
      remaining: formatCents(amount - spent),
      utilization: formatCents((spent * 10_000n) / amount),
      thresholdsCrossed: row.alertThresholds.filter((percent) => spent * 100n >= BigInt(percent) * amount),
    },
    viewer,
  )
}

export const budgetsRouter = createRouter()
  .openapi(routes.listBudgets, async (c) => {
    const { db, principal } = authorized(c)
    const page = await data.listBudgets(db, c.req.valid('query'))
    return c.json(
      { data: page.data.map((row) => toBudget(row, principal)), nextCursor: page.nextCursor },
      200,
    )
  })
  .openapi(routes.getBudget, async (c) => {
    const { db, principal } = authorized(c)
    const budget = await data.getBudget(db, c.req.valid('param').budgetId)
    return c.json(toBudget(budget, principal), 200, { ETag: etagOf(budget) })
  })
  .openapi(routes.createBudget, async (c) => {
    const { db, principal } = authorized(c)
    const budget = await data.createBudget(db, c.req.valid('json'), db.expectCreated(budgets, '/v1/budgets'))
    return c.json(toBudget(budget, principal), 201, {
      ETag: etagOf(budget),
      Location: `/v1/budgets/${budget.id}`,
    })
  })
  .openapi(routes.updateBudget, async (c) => {
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const { db, principal } = authorized(c)
    const { budgetId } = c.req.valid('param')
    db.expectChanged(budgets, `/v1/budgets/${budgetId}`, budgetId)
    const budget = await data.updateBudget(db, budgetId, c.req.valid('json'), versions)
    return c.json(toBudget(budget, principal), 200, { ETag: etagOf(budget) })
  })
  .openapi(routes.listUsage, async (c) => {
    const { db, principal } = authorized(c)
    const page = await data.listUsage(db, c.req.valid('param').budgetId, c.req.valid('query'))
    return c.json(
      {
        data: page.data.map((row) => represent(BudgetUsageSchema, row, principal)),
        nextCursor: page.nextCursor,
      },
      200,
    )
  })
  .openapi(routes.nextPeriod, async (c) => {
    const { db, principal } = authorized(c)
    const budget = await data.nextPeriod(
      db,
      c.req.valid('param').budgetId,
      db.expectCreated(budgets, '/v1/budgets'),
    )
    return c.json(toBudget(budget, principal), 201, {
      ETag: etagOf(budget),
      Location: `/v1/budgets/${budget.id}`,
    })
  })
