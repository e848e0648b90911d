import { z } from '@hono/zod-openapi'
import { agentConfigurations, agentStatusValues, agentTypeValues } from '../../db/schema'
import { pageQuerySchema, pageSchema, sortQuerySchema } from '../../lib/pagination'
import {
  atLeastOneChange,
  createSelectSchema,
  csvOf,
  currencyCode,
  displayName,
  idParams,
  jsonMergePatch,
  jsonObject,
  label,
  MERGE_PATCH,
  moneyInput,
  timestampFields,
} from '../../lib/schemas'

/** What the agent may do on its own: below `minConfidence` it escalates; refunds above the amount need people. */
const minConfidence = z.number().min(0).max(1).openapi({ example: 0.8 })
const maxAutoRefundAmount = moneyInput.openapi({
  description: 'Largest refund the rules may auto-approve for this agent (money); none: no limit.',
})
const maxAutoRefundCurrency = currencyCode.openapi({
  description:
    'The currency of maxAutoRefundAmount: a refund in any other currency is escalated (REFUND_OVER_LIMIT), never ' +
    'auto-approved. None: the amount is compared with refunds in every currency.',
})

export const ThresholdsInputSchema = z
  .strictObject({
    minConfidence: minConfidence.optional(),
    maxAutoRefundAmount: maxAutoRefundAmount.optional(),
    maxAutoRefundCurrency: maxAutoRefundCurrency.optional(),
  })
  .openapi('AgentThresholdsInput')

/*
 * A PATCH merges thresholds too: replaced whole, one sent without the refund limit would lift it. Each key is
 * validated on its own and none depends on another, so the merged object is as valid as the values in it.
 */
const ThresholdsPatchSchema = z
  .strictObject({
    minConfidence: minConfidence.nullish(),
    maxAutoRefundAmount: maxAutoRefundAmount.nullish(),
    maxAutoRefundCurrency: maxAutoRefundCurrency.nullish(),
  })
  .openapi('AgentThresholdsPatch', { description: MERGE_PATCH })

const ThresholdsSchema = z
  .object({
    minConfidence: z.number().optional(),
    maxAutoRefundAmount: z.string().optional(),
    maxAutoRefundCurrency: z.string().optional(),
  })
  .openapi('AgentThresholds')

const DataSourceSchema = z
  .strictObject({ type: label, name: displayName, config: jsonObject.optional() })
  .openapi('AgentDataSource')
const dataSources = z.array(DataSourceSchema).max(20)
const description = z.string().trim().max(2000).nullable()
const model = z.string().trim().min(1).max(200).openapi({ example: 'claude-sonnet' })

export const AgentSchema = createSelectSchema(agentConfigurations, {
  thresholds: ThresholdsSchema,
  dataSources: z.array(DataSourceSchema),
  settings: jsonObject,
  ...timestampFields,
})
  .omit({ organizationId: true })
  .openapi('Agent')

export const AgentPageSchema = pageSchema(AgentSchema, 'AgentPage')
export const AgentIdParamsSchema = idParams('agentId')

export const agentSorts = ['-createdAt', 'createdAt'] as const
export type AgentSort = (typeof agentSorts)[number]

export const ListAgentsQuerySchema = z.object({
  ...pageQuerySchema,
  sort: sortQuerySchema(agentSorts, '-createdAt'),
  status: csvOf(agentStatusValues),
  type: csvOf(agentTypeValues),
})

export const CreateAgentSchema = z
  .strictObject({
    name: displayName,
    description: description.optional(),
    type: z.enum(agentTypeValues),
    status: z
      .enum(agentStatusValues)
      .default('TESTING')
      .openapi({ description: 'Only an ACTIVE agent’s requests are accepted.' }),
    model,
    thresholds: ThresholdsInputSchema.default({}),
    dataSources: dataSources.default([]),
    settings: jsonObject.default({}),
  })
  .openapi('CreateAgent')

export const UpdateAgentSchema = z
  .strictObject({
    name: displayName.optional(),
    description: description.optional(),
    type: z.enum(agentTypeValues).optional(),
    status: z
      .enum(agentStatusValues)
      .optional()
      .openapi({ description: 'Anything but ACTIVE refuses the agent’s next request.' }),
    model: model.optional(),
    thresholds: ThresholdsPatchSchema.optional(),
    dataSources: dataSources.optional().openapi({ description: 'Replaced whole.' }),
    settings: jsonMergePatch,
  })
  .refine(...atLeastOneChange)
  .openapi('UpdateAgent')

export type ListAgentsQuery = z.output<typeof ListAgentsQuerySchema>
export type CreateAgentInput = z.output<typeof CreateAgentSchema>
export type UpdateAgentInput = z.output<typeof UpdateAgentSchema>
