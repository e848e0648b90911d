import { z } from '@hono/zod-openapi'
import {
  escalationPriorityValues,
  escalationReasonValues,
  escalationStatusValues,
  escalations,
} from '../../db/schema'
import { pageQuerySchema, pageSchema, sortQuerySchema } from '../../lib/pagination'
import {
  atLeastOneChange,
  createSelectSchema,
  csvOf,
  idParams,
  isoTimestamp,
  timestampFields,
} from '../../lib/schemas'
import { expandParameter } from '../../reads/relations'
import { escalationActionValues } from './escalation-actions'

const summary = z.string().trim().min(1).max(5_000)

export const EscalationSchema = createSelectSchema(escalations, {
  assignedAt: isoTimestamp.nullable(),
  resolvedAt: isoTimestamp.nullable(),
  ...timestampFields,
})
  .omit({ organizationId: true, priorityRank: true, aiConfidence: true })
  .extend({
    aiConfidence: z
      .number()
      .nullable()
      .openapi({ description: 'The escalating agent’s confidence, 0–1 (four decimals).' }),
    allowedActions: z.array(z.enum(escalationActionValues)).openapi({
      description:
        'What the caller may do next (`update` = PATCH; the others are the action routes), by the same rules ' +
        'that enforce them: status, and for a REPRESENTATIVE, `start`/`resolve` only when assigned to them.',
    }),
  })
  .openapi('Escalation')

export const EscalationPageSchema = pageSchema(EscalationSchema, 'EscalationPage')
export const EscalationIdParamsSchema = idParams('escalationId')

export const escalationSorts = ['queue', '-createdAt', 'createdAt'] as const
export type EscalationSort = (typeof escalationSorts)[number]

export const ListEscalationsQuerySchema = z.object({
  ...pageQuerySchema,
  sort: sortQuerySchema(escalationSorts, 'queue').openapi({
    description: '`queue` (default): priority CRITICAL → LOW, then oldest first. Or by creation time.',
  }),
  status: csvOf(escalationStatusValues),
  priority: csvOf(escalationPriorityValues),
  reason: csvOf(escalationReasonValues),
  assignedRepresentativeId: z
    .union([z.uuid(), z.literal('none')])
    .optional()
    .openapi({ description: 'A representative id, or `none` for unassigned escalations.' }),
  agentConfigurationId: z.uuid().optional().openapi({ description: 'Escalations opened by this agent.' }),
  ticketId: z.uuid().optional(),
  expand: expandParameter('Escalation'),
})

export const CreateEscalationSchema = z
  .strictObject({
    ticketId: z.uuid(),
    priority: z.enum(escalationPriorityValues),
    reason: z.enum(escalationReasonValues),
    summary,
    aiConfidence: z.number().min(0).max(1).optional().openapi({ description: '0–1, kept to four decimals.' }),
  })
  .openapi('CreateEscalation')

export const UpdateEscalationSchema = z
  .strictObject({
    summary: summary.optional(),
    priority: z.enum(escalationPriorityValues).optional(),
  })
  .refine(...atLeastOneChange)
  .openapi('UpdateEscalation')

export const AssignEscalationSchema = z
  .strictObject({
    representativeId: z.union([z.uuid(), z.literal('auto')]).openapi({
      description:
        'A representative of the organization (not OFFLINE, below capacity), or `auto`: the least-loaded ONLINE ' +
        'representative below capacity, preferring language/skill matches with the customer’s preferences.',
    }),
  })
  .openapi('AssignEscalation')

export const ResolveEscalationSchema = z
  .strictObject({ resolutionNotes: z.string().trim().min(1).max(10_000) })
  .openapi('ResolveEscalation')

export type ListEscalationsQuery = z.output<typeof ListEscalationsQuerySchema>
export type CreateEscalationInput = z.output<typeof CreateEscalationSchema>
export type UpdateEscalationInput = z.output<typeof UpdateEscalationSchema>
