import { z } from '@hono/zod-openapi'
import {
  budgetPeriodMaxDays,
  budgetPeriodValues,
  budgets,
  budgetTypeValues,
  budgetUsageRecords,
} from '../../db/schema'
import { pageQuerySchema, pageSchema, sortQuerySchema } from '../../lib/pagination'
import {
  atLeastOneChange,
  booleanQuery,
  calendarDate,
  createSelectSchema,
  csvOf,
  currencyCode,
  displayName,
  idParams,
  isoTimestamp,
  moneyInput,
  periodFields,
  timestampFields,
} from '../../lib/schemas'

/** A budget's amount: money above zero (the CHECK budgets_amount_positive), refused on the field, not as a constraint. */
const budgetAmount = moneyInput.refine((amount) => amount !== '0.00', 'Must be positive.')

/** Ascending percentages 1–100, no duplicates. */
const alertThresholds = z
  .array(z.number().int().min(1).max(100))
  .max(10)
  .refine((values) => values.every((value, i) => i === 0 || value > (values[i - 1] as number)), {
    message: 'Ascending percentages without duplicates, e.g. [50, 80, 100].',
  })

export const BudgetSchema = createSelectSchema(budgets, {
  alertThresholds: z.array(z.number().int()),
  ...periodFields,
  ...timestampFields,
})
  .omit({ organizationId: true })
  .extend({
    remaining: z.string().openapi({ description: 'amount − spent (money).', example: '4850.00' }),
    utilization: z
      .string()
      .openapi({ description: 'spent ÷ amount, in percent with two decimals.', example: '3.00' }),
    thresholdsCrossed: z
      .array(z.number().int())
      .openapi({ description: 'The alert thresholds that utilization has reached.' }),
  })
  .openapi('Budget', {
    description: 'periodStart and periodEnd are inclusive UTC calendar dates.',
  })

export const BudgetPageSchema = pageSchema(BudgetSchema, 'BudgetPage')
export const BudgetIdParamsSchema = idParams('budgetId')

export const budgetSorts = ['-createdAt', 'createdAt'] as const
export type BudgetSort = (typeof budgetSorts)[number]

export const ListBudgetsQuerySchema = z.object({
  ...pageQuerySchema,
  sort: sortQuerySchema(budgetSorts, '-createdAt'),
  type: csvOf(budgetTypeValues),
  isActive: booleanQuery,
  currency: currencyCode.optional(),
})

export const CreateBudgetSchema = z
  .strictObject({
    name: displayName,
    type: z.enum(budgetTypeValues).default('REFUNDS'),
    period: z.enum(budgetPeriodValues).default('MONTHLY'),
    amount: budgetAmount,
    currency: currencyCode.default('USD'),
    periodStart: calendarDate,
    periodEnd: calendarDate.openapi({
      description: `Inclusive; at most one period long, in days: ${Object.entries(budgetPeriodMaxDays)
        .map(([period, days]) => `${period} ${days}`)
        .join(', ')} (else 422).`,
    }),
    alertThresholds: alertThresholds.default([50, 80, 100]),
    isActive: z.boolean().default(true),
  })
  .refine((body) => body.periodEnd >= body.periodStart, {
    path: ['periodEnd'],
    message: 'periodEnd must not be before periodStart (both inclusive).',
  })
  .openapi('CreateBudget')

export const UpdateBudgetSchema = z
  .strictObject({
    name: displayName.optional(),
    amount: budgetAmount.optional().openapi({ description: 'Never below `spent` (422).' }),
    alertThresholds: alertThresholds.optional(),
    isActive: z.boolean().optional(),
  })
  .refine(...atLeastOneChange)
  .openapi('UpdateBudget')

export const BudgetUsageSchema = createSelectSchema(budgetUsageRecords, {
  recordedAt: isoTimestamp,
  ...timestampFields,
})
  .omit({ organizationId: true })
  .openapi('BudgetUsageRecord')

export const BudgetUsagePageSchema = pageSchema(BudgetUsageSchema, 'BudgetUsagePage')
export const ListUsageQuerySchema = z.object({
  ...pageQuerySchema,
  sort: sortQuerySchema(['-recordedAt', 'recordedAt'] as const, '-recordedAt'),
})

export type ListBudgetsQuery = z.output<typeof ListBudgetsQuerySchema>
export type CreateBudgetInput = z.output<typeof CreateBudgetSchema>
export type UpdateBudgetInput = z.output<typeof UpdateBudgetSchema>
export type ListUsageQuery = z.output<typeof ListUsageQuerySchema>
