import { z } from '@hono/zod-openapi'
import {
  SATISFACTION_COMMENT_MAX_LENGTH,
  SATISFACTION_RATING_MAX,
  SATISFACTION_RATING_MIN,
  type Ticket,
  ticketCategoryValues,
  ticketPriorityValues,
  ticketStatusValues,
  tickets,
} from '../../db/schema'
import { pageQuerySchema, pageSchema } from '../../lib/pagination'
import {
  refuseHiddenFilters,
  represent,
  rolesOf,
  staffRoles,
  type Viewer,
  visibleTo,
} from '../../lib/representation'
import {
  atLeastOneChange,
  createSelectSchema,
  csvOf,
  distinct,
  idParams,
  isoTimestamp,
  label,
  nullableRef,
  timestampInput,
} from '../../lib/schemas'
import { expandParameter } from '../../reads/relations'
import { getRepresentative } from '../representatives/representatives.routes'
import { ticketNumberIn } from './ticket-search'
import { allowedTicketActions, ticketActionValues } from './ticket-status'

const status = z.enum(ticketStatusValues)
const priority = z.enum(ticketPriorityValues)
const category = z.enum(ticketCategoryValues)
const tags = z
  .array(label)
  .max(20)
  .transform((values) => distinct(values))
const subject = z.string().trim().min(1).max(200)
const description = z.string().trim().min(1).max(10_000)
const rating = z
  .int()
  .min(SATISFACTION_RATING_MIN)
  .max(SATISFACTION_RATING_MAX)
  .openapi({
    description: `${SATISFACTION_RATING_MIN} (very unsatisfied) … ${SATISFACTION_RATING_MAX} (very satisfied).`,
  })

/** The customer's rating of a resolved ticket (PUT /v1/tickets/{ticketId}/satisfaction); CSAT in metrics. */
const SatisfactionSchema = z
  .object({
    rating,
    comment: z.string().max(SATISFACTION_COMMENT_MAX_LENGTH).nullable(),
    ratedAt: isoTimestamp.openapi({ description: 'When it was given (a new rating replaces it).' }),
  })
  .openapi('TicketSatisfaction')

/*
 * Who sees what of a ticket (src/lib/representation.ts): a CUSTOMER sees its ticket without the team's internals —
 * the assignee (a representative profile, readable by the roles that may read representatives) and the tags
 * (the team's triage labels, staff only).
 */
export const TicketSchema = createSelectSchema(tickets, {
  firstResponseAt: isoTimestamp.nullable(),
  // Only a person or an AI agent answers first (the CHECK tickets_first_response_by).
  firstResponseByType: z.enum(['REPRESENTATIVE', 'AGENT']).nullable(),
  resolvedAt: isoTimestamp.nullable(),
  closedAt: isoTimestamp.nullable(),
  createdAt: isoTimestamp,
  updatedAt: isoTimestamp,
})
  .omit({
    organizationId: true,
    priorityLevel: true,
    satisfactionRating: true,
    satisfactionComment: true,
    satisfactionRatedAt: true,
  })
  .extend({
    satisfaction: nullableRef(SatisfactionSchema).openapi({
      description: 'The customer’s satisfaction rating, once given (null: not rated).',
    }),
    assignedRepresentativeId: visibleTo(
      rolesOf(getRepresentative),
      z.uuid().nullable(),
      'The representative working on it (null: unassigned).',
    ),
    tags: visibleTo(staffRoles, z.array(z.string()), 'The team’s labels.'),
    allowedActions: z.array(z.enum(ticketActionValues)).openapi({
      description:
        'What the caller may do now, by the rules that enforce it: `update` (PATCH subject, description, ' +
        'priority, category, tags — a CUSTOMER only subject and description), the status moves `start` ' +
        '(→ IN_PROGRESS), `waitOnCustomer` (→ WAITING_ON_CUSTOMER), `resolve` (→ RESOLVED), `close` (→ CLOSED), ' +
        '`reopen` (→ OPEN) — each a PATCH with that status — and `assign` / `unassign` (PUT / DELETE ' +
        '`/v1/tickets/{ticketId}/assignee`), and for its customer `rate` (PUT `/v1/tickets/{ticketId}/satisfaction`, ' +
        'RESOLVED or CLOSED). A CLOSED ticket offers nothing else. Read from the ticket alone: what its open ' +
        'escalations forbid (a priority below theirs, an AGENT’s `close`) is refused when tried, with its 409.',
    }),
  })
  .openapi('Ticket')

export const TicketPageSchema = pageSchema(TicketSchema, 'TicketPage')

export const ticketSorts = [
  '-createdAt',
  'createdAt',
  '-updatedAt',
  'updatedAt',
  '-priority',
  'priority',
] as const
export type TicketSort = (typeof ticketSorts)[number]

export const ListTicketsQuerySchema = z.object({
  ...pageQuerySchema,
  sort: z
    .enum([...ticketSorts, 'relevance'])
    .optional()
    .openapi({
      description:
        'Sort order (whitelist). Default: `relevance` for a text search (`q`: most query terms matched first, ' +
        'then the most recently mentioned), else `-createdAt`.',
    }),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .openapi({
      description:
        'Full-text search over subject, description and PUBLIC messages (staff: also INTERNAL notes), words ' +
        'stemmed (English), ranked (see `sort`); the first 8 terms typed count, and at most 100 tickets match (the most ' +
        'recently active of its terms). A ticket number (`TICKET-1042`, any ' +
        'case) looks that ticket up instead.',
      example: 'printer refund',
    }),
  ticketNumber: z
    .string()
    // Any case, spelled out: a JSON Schema `pattern` has no flags, and the generator would emit `/i` as text.
    .regex(/^[Tt][Ii][Cc][Kk][Ee][Tt]-[0-9]{1,10}$/, 'A ticket number, e.g. TICKET-1042.')
    // Read as `q` reads a number: TICKET-01042 is TICKET-1042.
    .transform((text) => ticketNumberIn(text) as string)
    .optional()
    .openapi({ description: 'The ticket with this number (e.g. TICKET-1042, any case).' }),
  status: csvOf(ticketStatusValues),
  priority: csvOf(ticketPriorityValues),
  category: csvOf(ticketCategoryValues),
  assignedRepresentativeId: z
    .union([z.uuid(), z.literal('none')])
    .optional()
    .openapi({ description: 'A representative id, or `none` for unassigned tickets.' }),
  customerId: z.uuid().optional(),
  createdFrom: timestampInput.optional().openapi({ description: 'Created at or after (ISO 8601).' }),
  createdTo: timestampInput.optional().openapi({ description: 'Created before (ISO 8601).' }),
  expand: expandParameter('Ticket'),
})

export const TicketIdParamsSchema = idParams('ticketId')

export const CreateTicketSchema = z
  .strictObject({
    customerId: z.uuid().optional().openapi({ description: 'Required unless the caller is the CUSTOMER.' }),
    subject,
    description,
    priority: priority.default('MEDIUM'),
    category: category.default('OTHER'),
    tags: tags.default([]),
    assignedRepresentativeId: z.uuid().optional(),
  })
  .openapi('CreateTicket')

export const UpdateTicketSchema = z
  .strictObject({
    subject: subject.optional(),
    description: description.optional(),
    status: status.optional(),
    priority: priority.optional(),
    category: category.optional(),
    tags: tags.optional(),
  })
  .refine(...atLeastOneChange)
  .openapi('UpdateTicket')

export const AssignTicketSchema = z.strictObject({ representativeId: z.uuid() }).openapi('AssignTicket')

export const RateTicketSchema = z
  .strictObject({
    rating,
    // Blank is no comment.
    comment: z
      .string()
      .trim()
      .max(SATISFACTION_COMMENT_MAX_LENGTH)
      .nullable()
      .optional()
      .transform((text) => text || null),
  })
  .openapi('RateTicket')

export type CreateTicketInput = z.output<typeof CreateTicketSchema>
export type UpdateTicketInput = z.output<typeof UpdateTicketSchema>
export type RateTicketInput = z.output<typeof RateTicketSchema>
export type ListTicketsQuery = z.output<typeof ListTicketsQuerySchema>

/** A list filter on a field the reader does not see (a CUSTOMER: the assignee) would tell it: 403 FORBIDDEN_FIELD. */
export function refuseHiddenTicketFilters(
  query: Pick<ListTicketsQuery, 'assignedRepresentativeId'>,
  viewer: Viewer,
) {
  refuseHiddenFilters(viewer, {
    assignedRepresentativeId: {
      value: query.assignedRepresentativeId,
      field: TicketSchema.shape.assignedRepresentativeId,
    },
  })
}

/** The reader's representation: what its role may see (TicketSchema), and what it may do now. */
export function toTicket(row: Ticket, viewer: Viewer): z.output<typeof TicketSchema> {
  const satisfaction =
    row.satisfactionRating === null
      ? null
      : { rating: row.satisfactionRating, comment: row.satisfactionComment, ratedAt: row.satisfactionRatedAt }
  const allowedActions = allowedTicketActions(row, viewer.role)
  return represent(TicketSchema, { ...row, satisfaction, allowedActions }, viewer)
}
