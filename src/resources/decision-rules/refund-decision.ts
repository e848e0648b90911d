import { z } from '@hono/zod-openapi'
import { and, asc, eq, gte, isNull, or, sql } from 'drizzle-orm'
import {
  type AgentConfiguration,
  agentConfigurations,
  budgets,
  customerProfiles,
  type DecisionRule,
  type DecisionRuleAction,
  decisionRules,
  type EscalationReason,
  type RefundReason,
  refunds,
  tickets,
  users,
} from '../../db/schema'
import type { TenantDb } from '../../db/tenant'
import { errors, type FieldError } from '../../lib/errors'
import {
  type Condition,
  type DecisionTrace,
  DecisionTraceSchema,
  evaluateRules,
  type Facts,
  parseRuleMoney,
  type RuleInput,
} from './rules-language'

/*
 * How a refund request is decided (docs/domain.md §3): the facts are read in ONE round trip, the rules are
 * evaluated in memory (rules-language.ts), and the requesting agent's guardrail is applied. Used by refund
 * creation and by the dry run (`POST /v1/decision-rules/evaluate`), so both decide exactly alike.
 */

export interface RefundRequest {
  customerId: string
  amount: string
  currency: string
  reason: RefundReason
  ticketId?: string | undefined
  /** The requesting agent (role AGENT), or the hypothetical one of a dry run. */
  agentConfigurationId?: string | undefined
}

/** Unsaved rules of a dry run: evaluated instead of the stored ones. */
export type UnsavedRule = Omit<RuleInput, 'id' | 'createdAt'>

/** Whether the refund's budget would have room: what the facts read tells, for the dry run. */
export interface BudgetOutlook {
  budgetId: string | null
  remaining: string | null
}

export interface RefundContext {
  request: RefundRequest
  facts: Facts
  rules: RuleInput[]
  agent: Pick<AgentConfiguration, 'id' | 'type' | 'thresholds'> | null
  ticket: { id: string; customerId: string } | null
  budget: BudgetOutlook
}

/** Budgets a charge may use now: active REFUNDS budgets of the currency whose (inclusive) period holds today. */
export function chargeableBudgetWhere(currency: unknown) {
  const today = sql`(now() at time zone 'UTC')::date`
  return sql`${budgets.type} = 'REFUNDS' and ${budgets.isActive} and ${budgets.currency} = ${currency}
    and ${budgets.periodStart} <= ${today} and ${budgets.periodEnd} >= ${today}`
}

/** The facts, rules, agent and budget outlook of a refund request: one round trip. */
export async function loadRefundContext(
  db: TenantDb,
  request: RefundRequest,
  unsavedRules?: UnsavedRule[],
): Promise<RefundContext> {
  const agentId = request.agentConfigurationId ?? null
  const since = sql`now() - interval '30 days'`
  const [customerRows, statsRows, ticketRows, agentRows, ruleRows, budgetRows] = await db.read(
    db
      .selectFields(
        users,
        {
          id: users.id,
          accountTier: customerProfiles.accountTier,
          accountStanding: customerProfiles.accountStanding,
          lifetimeValue: customerProfiles.lifetimeValue,
          currency: customerProfiles.currency,
        },
        eq(users.id, request.customerId),
        eq(users.role, 'CUSTOMER'),
        eq(users.isActive, true),
      )
      .leftJoin(
        customerProfiles,
        and(eq(customerProfiles.organizationId, users.organizationId), eq(customerProfiles.userId, users.id)),
      ),
    db.selectFields(
      refunds,
      {
        count: sql<number>`count(*) filter (where ${refunds.status} <> 'CANCELLED')::int`,
        total: sql<string>`coalesce(sum(${refunds.amount}) filter (where ${refunds.status} in ('APPROVED', 'PROCESSED')
          and ${refunds.currency} = ${request.currency}), 0)::numeric(12,2)::text`,
      },
      eq(refunds.customerId, request.customerId),
      gte(refunds.createdAt, since),
    ),
    db.selectFields(
      tickets,
      {
        id: tickets.id,
        customerId: tickets.customerId,
        category: tickets.category,
        priority: tickets.priority,
      },
      eq(tickets.id, request.ticketId ?? '00000000-0000-0000-0000-000000000000'),
    ),
    db.selectFields(
      agentConfigurations,
      {
        id: agentConfigurations.id,
        type: agentConfigurations.type,
        thresholds: agentConfigurations.thresholds,
      },
      eq(agentConfigurations.id, agentId ?? '00000000-0000-0000-0000-000000000000'),
    ),
    db
      .select(
        decisionRules,
        eq(decisionRules.isActive, true),
        agentId
          ? or(isNull(decisionRules.agentConfigurationId), eq(decisionRules.agentConfigurationId, agentId))
          : isNull(decisionRules.agentConfigurationId),
      )
      .orderBy(asc(decisionRules.priority), asc(decisionRules.createdAt), asc(decisionRules.id))
      .limit(1000),
    db
      .selectFields(
        budgets,
        {
          id: budgets.id,
          remaining: sql<string>`(${budgets.amount} - ${budgets.spent})::text`,
        },
        chargeableBudgetWhere(request.currency),
      )
      .orderBy(asc(budgets.periodEnd), asc(budgets.id))
      .limit(1),
  )
  const customer = (customerRows as Array<Record<string, unknown>>)[0]
  const problems: FieldError[] = []
  if (!customer)
    problems.push({ path: 'customerId', message: 'Not an active customer of this organization.' })
  const ticket = (
    ticketRows as Array<{ id: string; customerId: string; category: string; priority: string }>
  )[0]
  if (request.ticketId && (!ticket || ticket.customerId !== request.customerId)) {
    problems.push({ path: 'ticketId', message: 'Not a ticket of this customer.' })
  }
  const agent = (agentRows as Array<Pick<AgentConfiguration, 'id' | 'type' | 'thresholds'>>)[0] ?? null
  if (agentId && !agent)
    problems.push({ path: 'agentConfigurationId', message: 'Not an agent of this organization.' })
  if (problems.length > 0)
    throw errors.unprocessable('INVALID_REFERENCE', 'A referenced resource does not exist.', problems)

  const stats = (statsRows as Array<{ count: number; total: string }>)[0] ?? { count: 0, total: '0.00' }
  const budget = (budgetRows as Array<{ id: string; remaining: string }>)[0]
  const facts: Facts = {
    refund: { amount: request.amount, currency: request.currency, reason: request.reason },
    customer:
      customer?.accountTier == null
        ? null
        : {
            accountTier: customer.accountTier as never,
            accountStanding: customer.accountStanding as never,
            lifetimeValue: customer.lifetimeValue as string,
            currency: customer.currency as string,
            refundCount30d: stats.count,
            refundTotal30d: stats.total,
          },
    ticket: ticket ? { category: ticket.category as never, priority: ticket.priority as never } : null,
    agent: agent ? { id: agent.id, type: agent.type } : null,
  }
  const rules = unsavedRules
    ? unsavedRules.map((rule, index) => ({ ...rule, id: `unsaved-${index}`, createdAt: new Date(0) }))
    : (ruleRows as DecisionRule[]).map(toRuleInput)
  return {
    request,
    facts,
    rules,
    agent,
    ticket: ticket ? { id: ticket.id, customerId: ticket.customerId } : null,
    budget: { budgetId: budget?.id ?? null, remaining: budget?.remaining ?? null },
  }
}

function toRuleInput(rule: DecisionRule): RuleInput {
  return {
    id: rule.id,
    name: rule.name,
    priority: rule.priority,
    createdAt: rule.createdAt,
    isActive: rule.isActive,
    agentConfigurationId: rule.agentConfigurationId,
    action: rule.action,
    conditions: rule.conditions as Condition,
  }
}

/** The agent's cap on automation, applied after the rules (docs/domain.md §3). */
export interface Guardrail {
  maxAutoRefundAmount: string
  exceeded: boolean
}

/** What is stored on the refund (`decision`) and returned by the dry run. */
export type RefundDecisionRecord = DecisionTrace & {
  finalAction: DecisionRuleAction
  guardrail: Guardrail | null
}

export interface RefundDecision {
  finalAction: DecisionRuleAction
  decisionRuleId: string | null
  escalationReason: EscalationReason | null
  record: RefundDecisionRecord
}

/**
 * The rules' decision, then the agent guardrail: an AUTO_APPROVE above the requesting agent's
 * `maxAutoRefundAmount` becomes ESCALATE (REFUND_OVER_LIMIT). An ESCALATE is REFUND_OVER_LIMIT when the amount
 * is over that limit, POLICY_EXCEPTION otherwise.
 */
export function decideRefund(context: RefundContext): RefundDecision {
  const decision = evaluateRules(context.rules, context.facts)
  const limit = context.agent?.thresholds.maxAutoRefundAmount
  const limitCents = limit === undefined ? undefined : parseRuleMoney(limit)
  const amountCents = parseRuleMoney(context.request.amount)
  const overLimit = limitCents !== undefined && amountCents !== undefined && amountCents > limitCents
  const guardrail = limit === undefined ? null : { maxAutoRefundAmount: limit, exceeded: overLimit }
  const finalAction = decision.action === 'AUTO_APPROVE' && overLimit ? 'ESCALATE' : decision.action
  return {
    finalAction,
    decisionRuleId: decision.ruleId && !decision.ruleId.startsWith('unsaved-') ? decision.ruleId : null,
    escalationReason:
      finalAction === 'ESCALATE' ? (overLimit ? 'REFUND_OVER_LIMIT' : 'POLICY_EXCEPTION') : null,
    record: { ...decision.trace, finalAction, guardrail },
  }
}

export const ChargeOutcomeSchema = z
  .object({
    outcome: z.enum(['CHARGED', 'NO_BUDGET', 'BUDGET_EXHAUSTED']),
    budgetId: z.uuid().nullable(),
  })
  .openapi('RefundCharge', { description: 'What the auto-approval found when it charged the budget.' })

export const RefundDecisionSchema = DecisionTraceSchema.extend({
  finalAction: z.enum(['AUTO_APPROVE', 'AUTO_REJECT', 'REQUIRE_APPROVAL', 'ESCALATE']).openapi({
    description:
      'The action taken: the rule’s, or ESCALATE when the agent guardrail overrode an AUTO_APPROVE.',
  }),
  guardrail: z
    .object({ maxAutoRefundAmount: z.string(), exceeded: z.boolean() })
    .nullable()
    .openapi({ description: 'The requesting agent’s maxAutoRefundAmount, when it has one.' }),
  charge: ChargeOutcomeSchema.optional().openapi({
    description: 'Present when the decision was AUTO_APPROVE.',
  }),
}).openapi('RefundDecision')
