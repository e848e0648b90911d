import { actionHeadersSchema, etagResponseHeader, idempotencyKeyHeaderSchema } from '../../lib/etag'
import { jsonBody, jsonContent, problemResponses } from '../../lib/openapi'
import { protectedRoute } from '../../lib/routes'
import type { Permission } from '../../middleware/authorize'
import {
  BudgetIdParamsSchema,
  BudgetPageSchema,
  BudgetSchema,
  BudgetUsagePageSchema,
  CreateBudgetSchema,
  ListBudgetsQuerySchema,
  ListUsageQuerySchema,
  UpdateBudgetSchema,
} from './budgets.schemas'

const readers: Permission = { roles: ['ADMIN', 'REPRESENTATIVE'] }
const writers: Permission = { roles: ['ADMIN'] }
const tags = ['Budgets']

export const listBudgets = protectedRoute(readers, {
  method: 'get',
  path: '/v1/budgets',
  tags,
  summary: 'List budgets (filters type, isActive, currency)',
  request: { query: ListBudgetsQuerySchema },
  responses: { 200: jsonContent(BudgetPageSchema, 'A page of budgets.') },
})

export const getBudget = protectedRoute(readers, {
  method: 'get',
  path: '/v1/budgets/{budgetId}',
  tags,
  summary: 'Get a budget (with spent, remaining, utilization, thresholdsCrossed)',
  request: { params: BudgetIdParamsSchema },
  responses: {
    200: { ...jsonContent(BudgetSchema, 'The budget.'), headers: etagResponseHeader },
    ...problemResponses(404),
  },
})

export const createBudget = protectedRoute(writers, {
  method: 'post',
  path: '/v1/budgets',
  tags,
  summary: 'Create a budget',
  description: 'Refunds charge the active REFUNDS budget of their currency whose period holds the day.',
  request: { headers: idempotencyKeyHeaderSchema, body: jsonBody(CreateBudgetSchema) },
  responses: {
    201: { ...jsonContent(BudgetSchema, 'The created budget.'), headers: etagResponseHeader },
    ...problemResponses(409, 413, 422),
  },
})

export const updateBudget = protectedRoute(writers, {
  method: 'patch',
  path: '/v1/budgets/{budgetId}',
  tags,
  summary: 'Change a budget (name, amount, alertThresholds, isActive)',
  request: { params: BudgetIdParamsSchema, headers: actionHeadersSchema, body: jsonBody(UpdateBudgetSchema) },
  responses: {
    200: { ...jsonContent(BudgetSchema, 'The updated budget.'), headers: etagResponseHeader },
    ...problemResponses(404, 409, 412, 413, 422),
  },
})

export const listUsage = protectedRoute(readers, {
  method: 'get',
  path: '/v1/budgets/{budgetId}/usage',
  tags,
  summary: 'The charges against a budget (usage records)',
  request: { params: BudgetIdParamsSchema, query: ListUsageQuerySchema },
  responses: {
    200: jsonContent(BudgetUsagePageSchema, 'A page of usage records.'),
    ...problemResponses(404),
  },
})

export const nextPeriod = protectedRoute(writers, {
  method: 'post',
  path: '/v1/budgets/{budgetId}/next-period',
  tags,
  summary: 'Create the following period’s budget (same settings, spent 0)',
  description:
    'The new period starts the day after this one ends and lasts one `period`; an anchor day a month lacks ' +
    '(29–31) falls on its last day there and comes back after. Dates range from 0001-01-01 to 9999-12-31: a ' +
    'period that would end later is 422 `DATE_OUT_OF_RANGE`. A period that exists already is 409.',
  request: { headers: idempotencyKeyHeaderSchema, params: BudgetIdParamsSchema },
  responses: {
    201: { ...jsonContent(BudgetSchema, 'The next period’s budget.'), headers: etagResponseHeader },
    ...problemResponses(404, 409, 422),
  },
})
