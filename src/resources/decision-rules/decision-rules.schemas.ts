import { z } from '@hono/zod-openapi'
import { principalRoles } from '../../auth/principal'
import { decisionRuleActionValues, decisionRules, refundReasonValues } from '../../db/schema'
import { pageQuerySchema, pageSchema, sortQuerySchema } from '../../lib/pagination'
import { rolesOf, visibleTo } from '../../lib/representation'
import {
  atLeastOneChange,
  booleanQuery,
  createSelectSchema,
  csvOf,
  currencyCode,
  displayName,
  idParams,
  timestampFields,
} from '../../lib/schemas'
import { getBudget } from '../budgets/budgets.routes'
import { RefundDecisionSchema, refundAmount } from './refund-decision'
import { ConditionsSchema } from './rules-language'

const priority = z.number().int().min(0).max(1_000_000).openapi({ description: 'Lower runs first.' })
const action = z.enum(decisionRuleActionValues)
const description = z.string().trim().max(2000).nullable()
const agentConfigurationId = z
  .uuid()
  .nullable()
  .openapi({ description: 'Applies only to refunds requested by this agent (null: every requester).' })

export const DecisionRuleSchema = createSelectSchema(decisionRules, {
  conditions: ConditionsSchema,
  ...timestampFields,
})
  .omit({ organizationId: true })
  .openapi('DecisionRule')

export const DecisionRulePageSchema = pageSchema(DecisionRuleSchema, 'DecisionRulePage')
export const DecisionRuleIdParamsSchema = idParams('ruleId')

export const ruleSorts = ['priority', '-createdAt', 'createdAt'] as const
export type RuleSort = (typeof ruleSorts)[number]

export const ListDecisionRulesQuerySchema = z.object({
  ...pageQuerySchema,
  sort: sortQuerySchema(ruleSorts, 'priority').openapi({ description: '`priority`: evaluation order.' }),
  isActive: booleanQuery,
  action: csvOf(decisionRuleActionValues),
  agentConfigurationId: z.uuid().optional(),
})

export const CreateDecisionRuleSchema = z
  .strictObject({
    name: displayName,
    description: description.optional(),
    priority: priority.default(100),
    agentConfigurationId: agentConfigurationId.default(null),
    action,
    conditions: ConditionsSchema,
    isActive: z.boolean().default(true),
  })
  .openapi('CreateDecisionRule')

export const UpdateDecisionRuleSchema = z
  .strictObject({
    name: displayName.optional(),
    description: description.optional(),
    priority: priority.optional(),
    agentConfigurationId: agentConfigurationId.optional(),
    action: action.optional(),
    conditions: ConditionsSchema.optional(),
    isActive: z.boolean().optional(),
  })
  .refine(...atLeastOneChange)
  .openapi('UpdateDecisionRule')

const UnsavedRuleSchema = z
  .strictObject({
    name: displayName,
    priority: priority.default(100),
    agentConfigurationId: agentConfigurationId.default(null),
    action,
    conditions: ConditionsSchema,
    isActive: z.boolean().default(true),
  })
  .openapi('UnsavedDecisionRule')

export const EvaluateRefundSchema = z
  .strictObject({
    customerId: z.uuid(),
    amount: refundAmount,
    currency: currencyCode,
    reason: z.enum(refundReasonValues),
    ticketId: z.uuid().optional(),
    agentConfigurationId: z.uuid().optional().openapi({ description: 'The hypothetical requesting agent.' }),
    requesterRole: z
      .enum(principalRoles)
      .optional()
      .openapi({
        description:
          'The hypothetical requester’s role (the `requester.role` fact): AGENT when `agentConfigurationId` ' +
          'is given, otherwise the caller’s own role by default. An agent evaluates as itself.',
      }),
    rules: z.array(UnsavedRuleSchema).max(50).optional().openapi({
      description: 'Unsaved rules to evaluate INSTEAD of the stored ones (to test before saving).',
    }),
  })
  .superRefine((body, ctx) => {
    if (body.agentConfigurationId && body.requesterRole && body.requesterRole !== 'AGENT')
      ctx.addIssue({
        code: 'custom',
        path: ['requesterRole'],
        message: 'agentConfigurationId names an agent requester: requesterRole must be AGENT or absent.',
      })
  })
  .openapi('EvaluateRefund')

export const EvaluationSchema = z
  .object({
    action: action.openapi({
      description: 'What would happen: the rule’s action after the agent guardrail.',
    }),
    decisionRuleId: z
      .uuid()
      .nullable()
      .openapi({ description: 'The stored rule that decided (null for none or unsaved).' }),
    escalationReason: z.enum(['REFUND_OVER_LIMIT', 'POLICY_EXCEPTION']).nullable(),
    // Budget figures only for those who may read budgets: `wouldCharge` for chosen amounts would reveal `remaining`.
    budget: visibleTo(
      rolesOf(getBudget),
      z.object({ budgetId: z.uuid().nullable(), remaining: z.string().nullable(), wouldCharge: z.boolean() }),
      'For AUTO_APPROVE: the budget that would be charged and whether it has room now.',
    ),
    decision: RefundDecisionSchema,
  })
  .openapi('RefundEvaluation')

export type ListDecisionRulesQuery = z.output<typeof ListDecisionRulesQuerySchema>
export type CreateDecisionRuleInput = z.output<typeof CreateDecisionRuleSchema>
export type UpdateDecisionRuleInput = z.output<typeof UpdateDecisionRuleSchema>
export type EvaluateRefundInput = z.output<typeof EvaluateRefundSchema>
