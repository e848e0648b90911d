import { eq } from 'drizzle-orm'
import { expect } from 'vitest'
import { budgets, budgetUsageRecords, escalations, refunds, tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import type { TestTenant } from '../support/tenants'

export interface RefundBody {
  id: string
  status: string
  amount: string
  ticketId: string | null
  budgetId: string | null
  decisionRuleId: string | null
  decidedAt: string | null
  allowedActions: string[]
  version: number
  decision: {
    outcome: string
    action: string
    finalAction: string
    ruleId: string | null
    guardrail: { maxAutoRefundAmount: string; exceeded: boolean } | null
    charge?: { outcome: string; budgetId: string | null }
    rules: Array<{
      ruleId: string
      matched: boolean
      leaves: Array<{ fact: string; actual: unknown; held: boolean }>
    }>
  } | null
}

/** Today's UTC month as inclusive dates: a budget that covers the moment of charging. */
export function thisMonth() {
  const now = new Date()
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0))
  return { periodStart: start.toISOString().slice(0, 10), periodEnd: end.toISOString().slice(0, 10) }
}

export async function createBudget(tenant: TestTenant, amount: string, extra: Record<string, unknown> = {}) {
  const response = await api('/v1/budgets', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: {
      name: `Refunds ${crypto.randomUUID().slice(0, 6)}`,
      amount,
      currency: 'USD',
      ...thisMonth(),
      ...extra,
    },
  })
  expect(response.status, await response.clone().text()).toBe(201)
  return json<{ id: string; spent: string; remaining: string }>(response)
}

export async function createRule(tenant: TestTenant, body: Record<string, unknown>) {
  const response = await api('/v1/decision-rules', { method: 'POST', token: tenant.tokens.ADMIN, body })
  expect(response.status, await response.clone().text()).toBe(201)
  return json<{ id: string }>(response)
}

export const approveSmall = {
  name: 'Auto-approve small USD refunds',
  priority: 10,
  action: 'AUTO_APPROVE',
  conditions: {
    all: [
      { fact: 'refund.amount', operator: 'lessThanInclusive', value: '50.00' },
      { fact: 'refund.currency', operator: 'equal', value: 'USD' },
    ],
  },
}

export async function requestRefund(
  tenant: TestTenant,
  body: Record<string, unknown>,
  token = tenant.tokens.AGENT,
) {
  const response = await api('/v1/refunds', {
    method: 'POST',
    token,
    body: { customerId: tenant.customerId, currency: 'USD', reason: 'DEFECTIVE_PRODUCT', ...body },
  })
  expect(response.status, await response.clone().text()).toBe(201)
  return json<RefundBody>(response)
}

/** The money invariants of a budget, read as the owner: spent = sum of usage records, never above amount. */
export async function budgetState(budgetId: string) {
  const [budget] = await ownerDb.select().from(budgets).where(eq(budgets.id, budgetId))
  const usage = await ownerDb
    .select()
    .from(budgetUsageRecords)
    .where(eq(budgetUsageRecords.budgetId, budgetId))
  const cents = (money: string) => Math.round(Number(money) * 100)
  const usageCents = usage.reduce((sum, row) => sum + cents(row.amount), 0)
  expect(cents(budget?.spent ?? '0'), 'spent equals the sum of the usage records').toBe(usageCents)
  expect(cents(budget?.spent ?? '0')).toBeLessThanOrEqual(cents(budget?.amount ?? '0'))
  return { budget, usage }
}

export async function refundRow(refundId: string) {
  const [row] = await ownerDb.select().from(refunds).where(eq(refunds.id, refundId))
  return row
}

export async function escalationsOfTicket(ticketId: string) {
  return ownerDb.select().from(escalations).where(eq(escalations.ticketId, ticketId))
}

export async function ticketRow(ticketId: string) {
  const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticketId))
  return row
}
