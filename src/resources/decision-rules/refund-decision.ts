import { z } from '@hono/zod-openapi'
import { and, asc, eq, isNull, or, type SQL, sql } from 'drizzle-orm'
import type { PrincipalRole } from '../../auth/principal'
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
  tickets,
  users,
} from '../../db/schema'
import type { TenantDb } from '../../db/tenant'
import { errors, type FieldError } from '../../lib/errors'
import { sameUuid } from '../../lib/input'
import { rolesOf, visibleTo } from '../../lib/representation'
import { moneyInput } from '../../lib/schemas'
import { getAgent } from '../agents/agents.routes'
import { getBudget } from '../budgets/budgets.routes'
import {
  type Condition,
  type DecisionTrace,
  DecisionTraceSchema,
  evaluateRules,
  type FactName,
  type FactRange,
  type Facts,
  parseRuleMoney,
  type RuleInput,
  stableRange,
} from './rules-language'

/*
 * How a refund request is decided (docs/domain.md §3): the facts are read in ONE round trip, the rules are
 * evaluated in memory (rules-language.ts), and the requesting agent's guardrail is applied. Used by refund
 * creation and by the dry run (`POST /v1/decision-rules/evaluate`), so both decide exactly alike.
 */

/** A refund's amount: money above zero. One schema for a request and its dry run, so both refuse alike. */
export const refundAmount = moneyInput.refine((amount) => amount !== '0.00', 'Must be positive.')

export interface RefundRequest {
  customerId: string
  amount: string
  currency: string
  reason: RefundReason
  ticketId?: string | undefined
  /** The requesting agent (role AGENT), or the hypothetical one of a dry run. */
  agentConfigurationId?: string | undefined
  /** Who asks (the token's role), or the hypothetical requester of a dry run: the `requester.*` facts. */
  requesterRole: PrincipalRole
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
    db.raw<{ facts: CustomerRefundFacts }>(
      sql`select app_customer_refund_facts(${request.customerId}::uuid, ${request.currency}) as facts`,
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
  if (request.ticketId && (!ticket || !sameUuid(ticket.customerId, request.customerId))) {
    problems.push({ path: 'ticketId', message: 'Not a ticket of this customer.' })
  }
  const agent = (agentRows as Array<Pick<AgentConfiguration, 'id' | 'type' | 'thresholds'>>)[0] ?? null
  if (agentId && !agent)
    problems.push({ path: 'agentConfigurationId', message: 'Not an agent of this organization.' })
  if (problems.length > 0)
    throw errors.unprocessable('INVALID_REFERENCE', 'A referenced resource does not exist.', problems)

  const stats = (statsRows as unknown as { rows: Array<{ facts: CustomerRefundFacts }> }).rows[0]?.facts ?? {
    refundCount30d: 0,
    refundTotal30d: '0.00',
  }
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
            refundCount30d: stats.refundCount30d,
            refundTotal30d: stats.refundTotal30d,
          },
    ticket: ticket ? { category: ticket.category as never, priority: ticket.priority as never } : null,
    agent: agent ? { id: agent.id, type: agent.type } : null,
    requester: { role: request.requesterRole, agentId: request.requesterRole === 'AGENT' ? agentId : null },
  }
  // Unsaved rules of one priority run in the order given, as they would once saved in that order (earlier
  // created first): their creation times follow their places, since their ids ('unsaved-10' < 'unsaved-2') do not.
  const rules = unsavedRules
    ? unsavedRules.map((rule, index) => ({ ...rule, id: `unsaved-${index}`, createdAt: new Date(index) }))
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
  /** Only when the agent's limit has a currency. */
  maxAutoRefundCurrency?: string
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
 * is over that limit, POLICY_EXCEPTION otherwise. A limit with a currency (`maxAutoRefundCurrency`) cannot be
 * compared with a refund of another currency (no exchange rates): such a refund counts as over it.
 */
export function decideRefund(context: RefundContext): RefundDecision {
  const decision = evaluateRules(context.rules, context.facts)
  const { maxAutoRefundAmount: limit, maxAutoRefundCurrency: limitCurrency } = context.agent?.thresholds ?? {}
  const limitCents = limit === undefined ? undefined : parseRuleMoney(limit)
  const amountCents = parseRuleMoney(context.request.amount)
  // A stored limit that does not read as money fails closed, every amount over it: only a write around the API
  // (which stores valid money) can make one, and the guardrail must not open on it.
  const overLimit =
    limit !== undefined &&
    ((limitCurrency !== undefined && limitCurrency !== context.request.currency) ||
      limitCents === undefined ||
      amountCents === undefined ||
      amountCents > limitCents)
  const guardrail =
    limit === undefined
      ? null
      : {
          maxAutoRefundAmount: limit,
          ...(limitCurrency && { maxAutoRefundCurrency: limitCurrency }),
          exceeded: overLimit,
        }
  const finalAction = decision.action === 'AUTO_APPROVE' && overLimit ? 'ESCALATE' : decision.action
  return {
    finalAction,
    decisionRuleId: decision.ruleId && !decision.ruleId.startsWith('unsaved-') ? decision.ruleId : null,
    escalationReason:
      finalAction === 'ESCALATE' ? (overLimit ? 'REFUND_OVER_LIMIT' : 'POLICY_EXCEPTION') : null,
    record: { ...decision.trace, finalAction, guardrail },
  }
}

// ───────────────────────────── facts settled at the write ─────────────────────────────
/*
 * Facts that depend on the customer's other refunds change while a request is decided: concurrent requests of
 * the same customer all read them before any has written. Refund creation therefore settles them in its write
 * batch (app_settle_refund_facts, drizzle/0016): under the customer's lock it reads them afresh and checks they
 * are within the ranges over which the decision stays the same (rules-language.ts `stableRange`); if not, the
 * batch writes nothing and the request is decided again with the fresh facts. The stored trace shows the facts
 * as the write saw them.
 */

/** The customer's facts that depend on its other refunds, as app_customer_refund_facts gives them. */
export interface CustomerRefundFacts {
  refundCount30d: number
  refundTotal30d: string
}

/** Those facts by rule fact name. A fact added later that depends on other refunds joins here and in the SQL. */
const SETTLED_AT_WRITE = {
  'customer.refundCount30d': 'refundCount30d',
  'customer.refundTotal30d': 'refundTotal30d',
} as const satisfies Partial<Record<FactName, keyof CustomerRefundFacts>>

type SettledFact = keyof typeof SETTLED_AT_WRITE
const isSettledFact = (fact: string): fact is SettledFact => Object.hasOwn(SETTLED_AT_WRITE, fact)

/** A range bound as app_settle_refund_facts compares it (numeric text): counts as is, money from minor units. */
function boundText(fact: SettledFact, bound: bigint | null): string | null {
  if (bound === null) return null
  if (fact !== 'customer.refundTotal30d') return bound.toString()
  const magnitude = bound < 0n ? -bound : bound
  return `${bound < 0n ? '-' : ''}${magnitude / 100n}.${(magnitude % 100n).toString().padStart(2, '0')}`
}

/**
 * For each settled fact the decision read, the values (inclusive, null unbounded) for which it decides the same:
 * the ranges app_settle_refund_facts checks. A decision that read none of them checks nothing.
 */
export function settledFactRanges(
  record: RefundDecisionRecord,
): Record<string, { min: string | null; max: string | null }> {
  const leaves = record.rules.flatMap((rule) => rule.leaves)
  const ranges: Record<string, { min: string | null; max: string | null }> = {}
  for (const fact of Object.keys(SETTLED_AT_WRITE) as SettledFact[]) {
    const range: FactRange | undefined = stableRange(fact, leaves)
    if (range)
      ranges[SETTLED_AT_WRITE[fact]] = { min: boundText(fact, range.min), max: boundText(fact, range.max) }
  }
  return ranges
}

/**
 * The stored trace: the record, with each leaf over a settled fact showing the value the write saw (kept by
 * app_settle_refund_facts, an earlier statement of the same batch, in `app.refund_facts`).
 */
export function decisionAtWrite(record: RefundDecisionRecord): SQL {
  let decision = sql`${JSON.stringify(record)}::jsonb`
  record.rules.forEach((rule, ruleIndex) => {
    rule.leaves.forEach((leaf, leafIndex) => {
      if (leaf.missing || !isSettledFact(leaf.fact)) return
      const path = `{rules,${ruleIndex},leaves,${leafIndex},actual}`
      decision = sql`jsonb_set(${decision}, ${path}::text[],
        current_setting('app.refund_facts')::jsonb -> ${SETTLED_AT_WRITE[leaf.fact]})`
    })
  })
  return decision
}

/** The context with the customer's settled facts replaced by fresh ones (to decide again). */
export function withCustomerRefundFacts(context: RefundContext, fresh: CustomerRefundFacts): RefundContext {
  const customer = context.facts.customer
  if (!customer) return context
  return {
    ...context,
    facts: {
      ...context.facts,
      customer: { ...customer, refundCount30d: fresh.refundCount30d, refundTotal30d: fresh.refundTotal30d },
    },
  }
}

/**
 * The fail-safe when the settled facts kept changing: a person decides (REQUIRE_APPROVAL), and the trace says
 * why (FACTS_UNSETTLED) without rules, since no evaluation held at the write.
 */
export function unsettledDecision(decision: RefundDecision): RefundDecision {
  return {
    finalAction: 'REQUIRE_APPROVAL',
    decisionRuleId: null,
    escalationReason: null,
    record: {
      outcome: 'FACTS_UNSETTLED',
      action: 'REQUIRE_APPROVAL',
      ruleId: null,
      ruleName: null,
      rules: [],
      finalAction: 'REQUIRE_APPROVAL',
      guardrail: decision.record.guardrail,
    },
  }
}

export const ChargeOutcomeSchema = z
  .object({
    outcome: z.enum(['CHARGED', 'NO_BUDGET', 'BUDGET_EXHAUSTED']),
    budgetId: visibleTo(
      rolesOf(getBudget),
      z.uuid().nullable(),
      'The budget charged (or found without room).',
    ),
  })
  .openapi('RefundCharge', { description: 'What the auto-approval found when it charged the budget.' })

export const RefundDecisionSchema = DecisionTraceSchema.extend({
  finalAction: z.enum(['AUTO_APPROVE', 'AUTO_REJECT', 'REQUIRE_APPROVAL', 'ESCALATE']).openapi({
    description:
      'The action taken: the rule’s, or ESCALATE when the agent guardrail overrode an AUTO_APPROVE.',
  }),
  // An agent's limit (its configuration's thresholds): for the roles that may read agents, not other agents.
  guardrail: visibleTo(
    rolesOf(getAgent),
    z
      .object({
        maxAutoRefundAmount: z.string(),
        maxAutoRefundCurrency: z.string().optional(),
        exceeded: z.boolean(),
      })
      .nullable(),
    'The requesting agent’s maxAutoRefundAmount (and its currency), when it has one.',
  ),
  charge: ChargeOutcomeSchema.optional().openapi({
    description: 'Present when the decision was AUTO_APPROVE.',
  }),
}).openapi('RefundDecision')
