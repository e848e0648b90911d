import { z } from '@hono/zod-openapi'
import {
  type Ticket,
  ticketCategoryValues,
  ticketPriorityValues,
  ticketStatusValues,
  tickets,
} from '../../db/schema'
import { pageQuerySchema, pageSchema, sortQuerySchema } from '../../lib/pagination'
import { createSelectSchema, csvOf, idParams, isoTimestamp, timestampInput } from '../../lib/schemas'

const status = z.enum(ticketStatusValues)
const priority = z.enum(ticketPriorityValues)
const category = z.enum(ticketCategoryValues)
const tags = z.array(z.string().trim().min(1).max(50)).max(20)
const subject = z.string().trim().min(1).max(200)
const description = z.string().trim().min(1).max(10_000)

export const TicketSchema = createSelectSchema(tickets, {
  tags: z.array(z.string()),
  firstResponseAt: isoTimestamp.nullable(),
  resolvedAt: isoTimestamp.nullable(),
  closedAt: isoTimestamp.nullable(),
  createdAt: isoTimestamp,
  updatedAt: isoTimestamp,
})
  .omit({ organizationId: true, priorityLevel: true })
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
  sort: sortQuerySchema(ticketSorts, '-createdAt'),
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
  .refine((body) => Object.keys(body).length > 0, { message: 'Provide at least one field to change.' })
  .openapi('UpdateTicket')

export const AssignTicketSchema = z.strictObject({ representativeId: z.uuid() }).openapi('AssignTicket')

export type CreateTicketInput = z.output<typeof CreateTicketSchema>
export type UpdateTicketInput = z.output<typeof UpdateTicketSchema>
export type ListTicketsQuery = z.output<typeof ListTicketsQuerySchema>

const iso = (date: Date | null) => (date ? date.toISOString() : null)

/** The representation: explicit fields only. */
export function toTicket(row: Ticket): z.infer<typeof TicketSchema> {
  return {
    id: row.id,
    ticketNumber: row.ticketNumber,
    customerId: row.customerId,
    assignedRepresentativeId: row.assignedRepresentativeId,
    subject: row.subject,
    description: row.description,
    status: row.status,
    priority: row.priority,
    category: row.category,
    tags: row.tags,
    firstResponseAt: iso(row.firstResponseAt),
    resolvedAt: iso(row.resolvedAt),
    closedAt: iso(row.closedAt),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}
