import { sql } from 'drizzle-orm'
import {
  bigint,
  boolean,
  char,
  check,
  date,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core'
import { decisionRules } from './automation'
import {
  type BudgetPeriod,
  budgetPeriodEnum,
  budgetTypeEnum,
  budgetTypeValues,
  refundReasonEnum,
  refundStatusEnum,
} from './enums'
import {
  customerOwnRowsPolicy,
  money,
  tenantIsolationPolicy,
  tenantKeys,
  versionAndTimestamps,
} from './helpers'
import { tickets } from './support'
import { organizationForeignKey, tenantForeignKey, users } from './tenancy'
import type { BudgetAlertThresholds, JsonObject } from './types'

/**
 * The longest period of each kind, in days (period_start … period_end inclusive): a budget spans at most one period
 * of its kind, so a DAILY budget is one day; a shorter one is a partial period (a budget started mid-month).
 * next-period's periods (app_budget_next_end, migration 0037) are never longer: an anchored MONTHLY is 28–31 days.
 */
export const budgetPeriodMaxDays: Record<BudgetPeriod, number> = {
  DAILY: 1,
  WEEKLY: 7,
  MONTHLY: 31,
  QUARTERLY: 92,
  YEARLY: 366,
}
const periodMaxDaysSql = Object.entries(budgetPeriodMaxDays)
  .map(([period, days]) => `when '${period}' then ${days}`)
  .join(' ')

/**
 * Spending budgets. `spent` is only ever raised by a guarded UPDATE (`spent + x <= amount`) in the same
 * statement batch that writes the usage record, so it equals the sum of budget_usage_records.amount.
 * period_start/period_end are inclusive UTC calendar dates.
 */
export const budgets = pgTable(
  'budgets',
  {
    ...tenantKeys(),
    name: text('name').notNull(),
    type: budgetTypeEnum('type').notNull().default('REFUNDS'),
    period: budgetPeriodEnum('period').notNull().default('MONTHLY'),
    amount: money('amount').notNull(),
    spent: money('spent').notNull().default('0.00'),
    currency: char('currency', { length: 3 }).notNull().default('USD'),
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    periodEnd: date('period_end', { mode: 'string' }).notNull(),
    alertThresholds: jsonb('alert_thresholds')
      .$type<BudgetAlertThresholds>()
      .notNull()
      .default([50, 80, 100]),
    isActive: boolean('is_active').notNull().default(true),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('budgets', t.organizationId),
    unique('budgets_organization_id_id_key').on(t.organizationId, t.id),
    // One budget of a name per period start: `next-period` twice gives one next budget, not two.
    unique('budgets_organization_id_name_period_start_key').on(t.organizationId, t.name, t.periodStart),
    index('budgets_organization_id_created_at_id_idx').on(t.organizationId, t.createdAt, t.id),
    // The list's filters in its keyset order: currency (bpchar) and is_active (boolean) comparisons are LEAKPROOF,
    // the type's enum one is not (one partial index per type). Measured by `npm run bench -- --scale`.
    index('budgets_organization_id_currency_created_at_id_idx').on(
      t.organizationId,
      t.currency,
      t.createdAt,
      t.id,
    ),
    index('budgets_organization_id_is_active_created_at_id_idx').on(
      t.organizationId,
      t.isActive,
      t.createdAt,
      t.id,
    ),
    ...budgetTypeValues.map((value) =>
      index(`budgets_type_${value.toLowerCase()}_idx`)
        .on(t.organizationId, t.createdAt, t.id)
        .where(sql.raw(`type = '${value}'`)),
    ),
    // Finding the active budget of a type that covers a date (refund approval).
    index('budgets_organization_id_type_is_active_period_idx').on(
      t.organizationId,
      t.type,
      t.isActive,
      t.periodStart,
      t.periodEnd,
    ),
    check('budgets_name_not_blank', sql`btrim(name) <> ''`),
    check('budgets_amount_positive', sql`amount > 0`),
    check('budgets_spent_non_negative', sql`spent >= 0`),
    check('budgets_spent_within_amount', sql`spent <= amount`),
    check('budgets_currency_format', sql`currency ~ '^[A-Z]{3}$'`),
    check('budgets_period_order', sql`period_end >= period_start`),
    check(
      'budgets_period_length',
      sql.raw(`period_end - period_start < case period ${periodMaxDaysSql} end`),
    ),
    check('budgets_alert_thresholds_is_array', sql`jsonb_typeof(alert_thresholds) = 'array'`),
    tenantIsolationPolicy(),
  ],
)

/** Customer refund requests, decided by a rule or a person, optionally charged to a budget. */
export const refunds = pgTable(
  'refunds',
  {
    ...tenantKeys(),
    customerId: uuid('customer_id').notNull(),
    ticketId: uuid('ticket_id'),
    amount: money('amount').notNull(),
    /**
     * The amount in hundredths, whatever the currency (a JPY amount of 1500.00 is 150000): an exact integer image of
     * numeric(12,2), kept by Postgres, so the amount filters and the amount order mean what `amount` means. int8
     * comparisons are LEAKPROOF (numeric's are not), so under row-level security an index serves them (issue 17).
     * Never written, never in a representation.
     */
    amountCents: bigint('amount_cents', { mode: 'number' })
      .notNull()
      .generatedAlwaysAs(sql`(amount * 100)::bigint`),
    currency: char('currency', { length: 3 }).notNull().default('USD'),
    reason: refundReasonEnum('reason').notNull(),
    status: refundStatusEnum('status').notNull().default('PENDING'),
    decisionRuleId: uuid('decision_rule_id'),
    decidedByUserId: uuid('decided_by_user_id'),
    budgetId: uuid('budget_id'),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    processedAt: timestamp('processed_at', { withTimezone: true, mode: 'date' }),
    notes: text('notes'),
    /** Who asked for it: the customer itself, an AGENT (its configuration id) or a staff user. */
    requestedByRole: text('requested_by_role').notNull().default('ADMIN'),
    requestedById: uuid('requested_by_id'),
    /** The decision trace (rules evaluated, guardrail, budget charge) when the rules decided it; null otherwise. */
    decision: jsonb('decision').$type<JsonObject>(),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('refunds', t.organizationId),
    tenantForeignKey('refunds_customer_fk', t.organizationId, t.customerId, users),
    // The three nullable references below are ON DELETE SET NULL (column): see the custom migration.
    tenantForeignKey('refunds_ticket_fk', t.organizationId, t.ticketId, tickets).onDelete('set null'),
    // The deciding rule is part of the refund's record: a rule that decided refunds is deactivated, not deleted
    // (409 DECISION_RULE_IN_USE; migration 0075).
    tenantForeignKey('refunds_decision_rule_fk', t.organizationId, t.decisionRuleId, decisionRules),
    tenantForeignKey('refunds_decided_by_user_fk', t.organizationId, t.decidedByUserId, users).onDelete(
      'set null',
    ),
    tenantForeignKey('refunds_budget_fk', t.organizationId, t.budgetId, budgets).onDelete('set null'),
    unique('refunds_organization_id_id_key').on(t.organizationId, t.id),
    index('refunds_organization_id_created_at_id_idx').on(t.organizationId, t.createdAt, t.id),
    index('refunds_organization_id_status_created_at_id_idx').on(
      t.organizationId,
      t.status,
      t.createdAt,
      t.id,
    ),
    // The open set (PENDING: to decide; APPROVED: to process) in the keyset order: the status filter's enum comparison
    // is no index condition under row-level security, and old refunds are almost all decided, so `status=PENDING`
    // (or `PENDING,APPROVED`) oldest first read every decided refund before the stale ones (issue 17). The planner
    // proves `status IN ('PENDING')` implies the predicate; a page reads about twice its rows.
    index('refunds_status_open_idx')
      .on(t.organizationId, t.createdAt, t.id)
      .where(sql`status in ('PENDING', 'APPROVED')`),
    // An amount range in the amount order (`amountMin` / `amountMax`, `sort=amount` / `-amount`): the range and the
    // keyset cursor are one index condition, flat at any size (issue 17).
    index('refunds_organization_id_amount_cents_created_at_id_idx').on(
      t.organizationId,
      t.amountCents,
      t.createdAt,
      t.id,
    ),
    // One currency's amounts in order (`currency=GBP&sort=-amount`): bpchar equality is LEAKPROOF, an index condition.
    index('refunds_organization_id_currency_amount_cents_idx').on(
      t.organizationId,
      t.currency,
      t.amountCents,
      t.createdAt,
      t.id,
    ),
    // A customer's refunds by amount: a customer's share of the tenant's refunds shrinks as the tenant grows (customer 1
    // of the bench: 10 % at 10³, 2 % at 10⁵), so the amount index alone read 1,000+ rows a page at 10⁵.
    index('refunds_organization_id_customer_id_amount_cents_idx').on(
      t.organizationId,
      t.customerId,
      t.amountCents,
      t.createdAt,
      t.id,
    ),
    // The open set in the amount order: `status=PENDING` (or `PENDING,APPROVED`) by amount would otherwise read the
    // decided refunds of the range too (the enum comparison is no index condition under RLS), as refunds_status_open_idx.
    index('refunds_status_open_amount_idx')
      .on(t.organizationId, t.amountCents, t.createdAt, t.id)
      .where(sql`status in ('PENDING', 'APPROVED')`),
    index('refunds_organization_id_customer_id_created_at_id_idx').on(
      t.organizationId,
      t.customerId,
      t.createdAt,
      t.id,
    ),
    index('refunds_organization_id_reason_created_at_id_idx').on(
      t.organizationId,
      t.reason,
      t.createdAt,
      t.id,
    ),
    index('refunds_organization_id_currency_created_at_id_idx').on(
      t.organizationId,
      t.currency,
      t.createdAt,
      t.id,
    ),
    // The ticket foreign key's index, and the refunds list filtered by ticket in its keyset order.
    index('refunds_organization_id_ticket_id_created_at_id_idx').on(
      t.organizationId,
      t.ticketId,
      t.createdAt,
      t.id,
    ),
    index('refunds_organization_id_decision_rule_id_idx').on(t.organizationId, t.decisionRuleId),
    index('refunds_organization_id_decided_by_user_id_idx').on(t.organizationId, t.decidedByUserId),
    index('refunds_organization_id_budget_id_idx').on(t.organizationId, t.budgetId),
    check('refunds_amount_positive', sql`amount > 0`),
    check('refunds_currency_format', sql`currency ~ '^[A-Z]{3}$'`),
    check(
      'refunds_requested_by_role_known',
      sql`requested_by_role in ('CUSTOMER', 'REPRESENTATIVE', 'ADMIN', 'AGENT')`,
    ),
    check('refunds_decision_is_object', sql`decision is null or jsonb_typeof(decision) = 'object'`),
    tenantIsolationPolicy(),
    customerOwnRowsPolicy('customer_id'),
  ],
)

/** Each charge against a budget; deleted with the budget. A refund is charged at most once (unique). */
export const budgetUsageRecords = pgTable(
  'budget_usage_records',
  {
    ...tenantKeys(),
    budgetId: uuid('budget_id').notNull(),
    refundId: uuid('refund_id'),
    amount: money('amount').notNull(),
    description: text('description'),
    // Millisecond precision, as created_at: the usage list's keyset cursor round-trips it exactly (migration 0027).
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date', precision: 3 })
      .notNull()
      .defaultNow(),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('budget_usage_records', t.organizationId),
    tenantForeignKey('budget_usage_records_budget_fk', t.organizationId, t.budgetId, budgets).onDelete(
      'cascade',
    ),
    // ON DELETE SET NULL (refund_id): re-created so by the custom migration.
    tenantForeignKey('budget_usage_records_refund_fk', t.organizationId, t.refundId, refunds).onDelete(
      'set null',
    ),
    index('budget_usage_records_organization_id_budget_id_recorded_at_idx').on(
      t.organizationId,
      t.budgetId,
      t.recordedAt,
    ),
    // Also the index of the refund foreign key; NULLs (charges without a refund) do not collide.
    unique('budget_usage_records_organization_id_refund_id_key').on(t.organizationId, t.refundId),
    check('budget_usage_records_amount_positive', sql`amount > 0`),
    tenantIsolationPolicy(),
  ],
)
