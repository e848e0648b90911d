import { eq, inArray, type SQL, sql } from 'drizzle-orm'
import { foundOr404, getById, keysetPage, listTable, updateVersioned } from '../../db/crud'
import {
  type Budget,
  type BudgetPeriod,
  type BudgetUsageRecord,
  budgetPeriodMaxDays,
  budgets,
  budgetUsageRecords,
  type Refund,
  refunds,
} from '../../db/schema'
import type { TenantDb } from '../../db/tenant'
import { errors, postgresErrorOf } from '../../lib/errors'
import { LATEST_DATE } from '../../lib/input'
import type { SortOrder } from '../../lib/pagination'
import { chargeableBudgetWhere } from '../decision-rules/refund-decision'
import type {
  BudgetSort,
  CreateBudgetInput,
  ListBudgetsQuery,
  ListUsageQuery,
  UpdateBudgetInput,
} from './budgets.schemas'

const sortOrders: Record<BudgetSort, SortOrder> = {
  '-createdAt': { columns: [budgets.createdAt, budgets.id], direction: 'desc' },
  createdAt: { columns: [budgets.createdAt, budgets.id], direction: 'asc' },
}
const usageOrders: Record<ListUsageQuery['sort'], SortOrder> = {
  '-recordedAt': { columns: [budgetUsageRecords.recordedAt, budgetUsageRecords.id], direction: 'desc' },
  recordedAt: { columns: [budgetUsageRecords.recordedAt, budgetUsageRecords.id], direction: 'asc' },
}

export function listBudgets(db: TenantDb, query: ListBudgetsQuery) {
  return listTable<typeof budgets, BudgetSort, Budget>(db, budgets, query, sortOrders, [
    query.type ? inArray(budgets.type, query.type) : undefined,
    query.isActive === undefined ? undefined : eq(budgets.isActive, query.isActive),
    query.currency ? eq(budgets.currency, query.currency) : undefined,
  ])
}

export function getBudget(db: TenantDb, budgetId: string): Promise<Budget> {
  return getById(db, budgets, budgetId, 'budget')
}

export async function createBudget(
  db: TenantDb,
  input: CreateBudgetInput,
  id: string = crypto.randomUUID(),
): Promise<Budget> {
  try {
    const [rows] = await db.run(db.insert(budgets, { ...input, id }).returning())
    return foundOr404(rows as Budget[], 'budget')
  } catch (error) {
    throw periodTaken(error) ?? periodTooLong(error, input.period) ?? error
  }
}

/** The CHECK budgets_period_length (budgetPeriodMaxDays), reported on the field. */
function periodTooLong(error: unknown, period: BudgetPeriod) {
  if (postgresErrorOf(error)?.constraint !== 'budgets_period_length') return undefined
  const days = budgetPeriodMaxDays[period]
  return errors.validation([
    {
      path: 'periodEnd',
      message: `A ${period} budget spans at most ${days} day(s), periodStart and periodEnd included.`,
    },
  ])
}

function periodTaken(error: unknown) {
  if (postgresErrorOf(error)?.constraint !== 'budgets_organization_id_name_period_start_key') return undefined
  return errors.conflict('BUDGET_PERIOD_EXISTS', 'A budget of this name already starts on that date.')
}

/**
 * PATCH; `amount` below `spent` is refused by the database (CHECK spent <= amount), reported on the field; a name
 * and start another budget already has is 409 BUDGET_PERIOD_EXISTS, as on create.
 */
export async function updateBudget(
  db: TenantDb,
  budgetId: string,
  changes: UpdateBudgetInput,
  versions: number[] | undefined,
): Promise<Budget> {
  try {
    return await updateVersioned<typeof budgets, Budget>(db, budgets, budgetId, changes, {
      what: 'budget',
      versions,
    })
  } catch (error) {
    const pg = postgresErrorOf(error)
    if (pg?.constraint === 'budgets_spent_within_amount') {
      throw errors.validation([{ path: 'amount', message: 'Must not be below what the budget has spent.' }])
    }
    throw periodTaken(error) ?? error
  }
}

/** The usage records of a budget, newest first by default; 404 when the budget is not the tenant's. */
export async function listUsage(db: TenantDb, budgetId: string, query: ListUsageQuery) {
  const keyset = keysetPage({ ...query, budgetId }, usageOrders)
  const [found, rows] = await db.run(
    db.selectFields(budgets, { id: budgets.id }, eq(budgets.id, budgetId)),
    db
      .select(budgetUsageRecords, keyset.after, eq(budgetUsageRecords.budgetId, budgetId))
      .orderBy(...keyset.orderBy)
      .limit(keyset.limit),
  )
  foundOr404(found, 'budget')
  return keyset.page(rows as BudgetUsageRecord[])
}

/**
 * The following period's budget: same settings, spent 0, starting the day after this one ends and ending where its
 * anchor day says (migration 0037, app_budget_next_end: MONTHLY from 2026-11-01–2026-11-30 → 2026-12-01–2026-12-31,
 * from 2027-01-30–2027-02-27 → 2027-02-28–2027-03-29). Twice → 409 (unique name+start).
 * A period that would end after LATEST_DATE is refused (422), as a create with such dates is: the budget read in
 * the same batch tells it from a missing budget (404), still one round trip.
 */
export async function nextPeriod(
  db: TenantDb,
  budgetId: string,
  id: string = crypto.randomUUID(),
): Promise<Budget> {
  const start = sql`(${budgets.periodEnd} + 1)`
  const end = sql`app_budget_next_end(${budgets})`
  const source = sql`${budgets.organizationId} = ${db.organizationId} and ${budgets.id} = ${budgetId}`
  try {
    const [inserted, rows] = await db.run(
      db.raw(sql`insert into ${budgets} (id, organization_id, name, type, period, amount, spent, currency,
          period_start, period_end, alert_thresholds, is_active)
        select ${id}, organization_id, name, type, period, amount, 0, currency, ${start}, ${end},
          alert_thresholds, is_active
        from ${budgets} where ${source} and ${end} <= ${LATEST_DATE}::date`),
      db.select(budgets, inArray(budgets.id, [id, budgetId])),
    )
    const [created, current] = [id, budgetId].map((key) => (rows as Budget[]).find((row) => row.id === key))
    if (inserted.rowCount === 0 && current) {
      throw errors.unprocessable(
        'DATE_OUT_OF_RANGE',
        `The next period of this budget would end after ${LATEST_DATE}, the last date the API stores.`,
      )
    }
    if (inserted.rowCount === 0) throw errors.notFound('No such budget.')
    return foundOr404(created ? [created] : [], 'budget')
  } catch (error) {
    throw periodTaken(error) ?? error
  }
}

/** Which chargeable budget a charge tries: the one whose period ends first (docs/domain.md §3, "Which budget"). */
const FIRST_CHARGEABLE = sql`order by ${budgets.periodEnd}, ${budgets.id} limit 1`

/**
 * ONE statement that charges a PENDING refund to its budget, exactly (docs/domain.md §3):
 * the refund row is locked (a concurrent approval of the same refund waits, then finds it no longer PENDING);
 * the budget is the chargeable one whose period ends first; `spent` rises only if `spent + amount <= amount`
 * and the budget is still active (a concurrent charge or deactivation holds the budget's row lock: the charge waits,
 * and Postgres re-checks both conditions on the row as committed, so a budget deactivated meanwhile is not charged);
 * the usage record and the refund's move to APPROVED happen in the same statement, or none of them does; the
 * approver's `notes`, when given, replace the refund's (as a rejection's do).
 * Nothing returned = not charged (no longer PENDING, stale version, no budget, or no room: the caller reads
 * the refund and the budgets afterwards, in the same batch, to say which).
 */
export function chargeRefundStatement(
  db: TenantDb,
  refundId: string,
  options: {
    decidedBy: string | null
    versions?: number[] | undefined
    auto: boolean
    notes?: string | undefined
  },
) {
  const org = db.organizationId
  const versionCheck = options.versions
    ? sql`and r.version in (${sql.join(
        options.versions.map((version) => sql`${version}`),
        sql`, `,
      )})`
    : sql``
  const chargeNote = options.auto
    ? sql`jsonb_build_object('charge', jsonb_build_object('outcome', 'CHARGED', 'budgetId', c.id))`
    : sql`'{}'::jsonb`
  return db.raw<Refund>(sql`with target as (
      select r.id, r.amount, r.currency from ${refunds} r
      where r.organization_id = ${org} and r.id = ${refundId} and r.status = 'PENDING' ${versionCheck}
      for update
    ), candidate as (
      select ${budgets.id} as id from ${budgets}, target t
      where ${budgets.organizationId} = ${org} and ${chargeableBudgetWhere(sql`t.currency`)}
      ${FIRST_CHARGEABLE}
    ), charged as (
      update ${budgets} b set spent = b.spent + t.amount, version = b.version + 1,
        updated_at = greatest(now(), b.updated_at)
      from target t, candidate c
      where b.organization_id = ${org} and b.id = c.id and b.spent + t.amount <= b.amount and b.is_active
      returning b.id
    ), usage as (
      insert into ${budgetUsageRecords} (organization_id, budget_id, refund_id, amount, description)
      select ${org}, c.id, t.id, t.amount, 'Refund ' || t.id from charged c, target t
      returning id
    )
    update ${refunds} r set status = 'APPROVED', budget_id = c.id, decided_at = now(),
      decided_by_user_id = ${options.decidedBy}, notes = coalesce(${options.notes ?? null}::text, r.notes), decision = case when r.decision is null then null
        else r.decision || ${chargeNote} end,
      version = r.version + 1, updated_at = greatest(now(), r.updated_at)
    from charged c
    where r.organization_id = ${org} and r.id = ${refundId}
    returning r.id`)
}

/** Why a charge did not happen, for a refund still PENDING: is there a chargeable budget at all? */
export function chargeableBudgetExists(db: TenantDb, refundId: string): SQL {
  return sql`exists (select 1 from ${budgets} where ${budgets.organizationId} = ${db.organizationId}
    and ${chargeableBudgetWhere(sql`(select ${refunds.currency} from ${refunds} where ${refunds.id} = ${refundId})`)})`
}

/**
 * What an auto-approval's charge (chargeRefundStatement, later in the same batch) will find, for the refund's trace
 * at its INSERT: `{}` when the first chargeable budget has room, else the charge outcome NO_BUDGET or
 * BUDGET_EXHAUSTED. It locks that budget as the charge does (FOR UPDATE), so the charge finds it as seen here. So a
 * refund the rules approved but no budget could pay is born with its note, at version 1 like a refund left for
 * review: noted by an UPDATE it was version 2, which told its CUSTOMER (who never sees the trace) that the rules
 * approved it and the budget did not.
 */
export function chargeOutlook(db: TenantDb, currency: string, amount: string): SQL {
  const failed = (outcome: string) => JSON.stringify({ charge: { outcome, budgetId: null } })
  return sql`coalesce((select case when ${budgets.spent} + ${amount}::numeric <= ${budgets.amount} then '{}'::jsonb
      else ${failed('BUDGET_EXHAUSTED')}::jsonb end
    from ${budgets} where ${budgets.organizationId} = ${db.organizationId} and ${chargeableBudgetWhere(currency)}
    ${FIRST_CHARGEABLE} for update), ${failed('NO_BUDGET')}::jsonb)`
}

/**
 * The note of a charge that failed although chargeOutlook saw room: a chargeable budget created meanwhile came
 * first and had none (a new version then; rare).
 */
export function noteChargeFailure(db: TenantDb, refundId: string) {
  const outcome = sql`case when ${chargeableBudgetExists(db, refundId)} then 'BUDGET_EXHAUSTED' else 'NO_BUDGET' end`
  return db.update(
    refunds,
    {
      decision: sql`${refunds.decision} || jsonb_build_object('charge', jsonb_build_object('outcome', ${outcome}, 'budgetId', null))`,
    },
    eq(refunds.id, refundId),
    eq(refunds.status, 'PENDING'),
    sql`not ${refunds.decision} ? 'charge'`,
  )
}
