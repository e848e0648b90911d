import { z } from '@hono/zod-openapi'
import { tickets } from '../../db/schema'
import { actionHeadersSchema, etagResponseHeader, idempotencyKeyHeaderSchema } from '../../lib/etag'
import { jsonContent, problemResponses } from '../../lib/openapi'
import { protectedRoute } from '../../lib/routes'
import type { Permission } from '../../middleware/authorize'
import { expandedPageSchema, expandedSchema } from '../../reads/expanded-schemas'
import { expandParameter } from '../../reads/relations'
import { ticketAssigners } from './ticket-status'
import {
  AssignTicketSchema,
  CreateTicketSchema,
  ListTicketsQuerySchema,
  RateTicketSchema,
  TicketIdParamsSchema,
  TicketSchema,
  UpdateTicketSchema,
} from './tickets.schemas'

const customerOwnsTicket = {
  CUSTOMER: {
    description: 'only tickets whose customer is the caller',
    rules: [{ table: tickets, key: 'customerId' }],
  },
}

/** Everyone of the organization, a CUSTOMER only for their own tickets. */
const ticketUsers: Permission = {
  roles: ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'],
  ownership: customerOwnsTicket,
}
const ticketStaff: Permission = { roles: ticketAssigners }
/** The ticket's own customer only (the satisfaction rating). */
const ticketCustomer: Permission = { roles: ['CUSTOMER'], ownership: customerOwnsTicket }

export const listTickets = protectedRoute(ticketUsers, {
  method: 'get',
  path: '/v1/tickets',
  tags: ['Tickets'],
  summary: 'List tickets (cursor pagination, filters, sorts)',
  request: { query: ListTicketsQuerySchema },
  responses: {
    200: jsonContent(expandedPageSchema('Ticket'), 'A page of tickets (with what `expand` asked for).'),
  },
})

export const getTicket = protectedRoute(ticketUsers, {
  method: 'get',
  path: '/v1/tickets/{ticketId}',
  tags: ['Tickets'],
  summary: 'Get a ticket',
  request: { params: TicketIdParamsSchema, query: z.object({ expand: expandParameter('Ticket') }) },
  responses: {
    200: {
      ...jsonContent(expandedSchema('Ticket'), 'The ticket (with what `expand` asked for).'),
      headers: etagResponseHeader,
    },
    ...problemResponses(404),
  },
})

export const createTicket = protectedRoute(ticketUsers, {
  method: 'post',
  path: '/v1/tickets',
  tags: ['Tickets'],
  summary: 'Create a ticket (the number is allocated by the server)',
  description:
    'A CUSTOMER creates tickets only for themself and can neither assign nor tag them (403 FORBIDDEN_FIELD). ' +
    'An assignee must be a representative whose user is active (409 REPRESENTATIVE_INACTIVE).',
  request: {
    headers: idempotencyKeyHeaderSchema,
    body: { content: { 'application/json': { schema: CreateTicketSchema } }, required: true },
  },
  responses: {
    201: { ...jsonContent(TicketSchema, 'The created ticket.'), headers: etagResponseHeader },
    ...problemResponses(409, 413, 422),
  },
})

export const updateTicket = protectedRoute(ticketUsers, {
  method: 'patch',
  path: '/v1/tickets/{ticketId}',
  tags: ['Tickets'],
  summary: 'Change a ticket (partial; status follows the state machine)',
  description:
    'Status moves: OPEN → IN_PROGRESS ↔ WAITING_ON_CUSTOMER → RESOLVED → CLOSED, IN_PROGRESS → RESOLVED, ' +
    'RESOLVED → OPEN (reopen); anything else is 409. firstResponseAt, resolvedAt and closedAt are set by the ' +
    'server: the team’s first status change is a first response when there was none, recorded with who gave it ' +
    '(an AGENT’s is the AI’s, not a person’s: metrics’ aiResolutionRate). A CUSTOMER may change subject and ' +
    'description of their own tickets and reopen them. Closing cancels the ticket’s open escalations (PENDING, ' +
    'ASSIGNED, IN_PROGRESS) in the same transaction: a CLOSED ticket takes no message, nobody could work them; ' +
    'a caller who may not cancel escalations (an AGENT) may not close a ticket that has open ones (409 ' +
    'TICKET_ESCALATED: a person resolves or cancels them, or closes it). ' +
    'The priority may not go below an open escalation’s (CRITICAL → URGENT): 409 PRIORITY_BELOW_ESCALATION ' +
    'naming the lowest allowed, nothing written; lower, resolve or cancel the escalation first (a PATCH that ' +
    'closes the ticket may set any priority: its close cancels them).',
  request: {
    params: TicketIdParamsSchema,
    headers: actionHeadersSchema,
    body: { content: { 'application/json': { schema: UpdateTicketSchema } }, required: true },
  },
  responses: {
    200: { ...jsonContent(TicketSchema, 'The updated ticket.'), headers: etagResponseHeader },
    ...problemResponses(404, 409, 412, 413, 422),
  },
})

export const assignTicket = protectedRoute(ticketStaff, {
  method: 'put',
  path: '/v1/tickets/{ticketId}/assignee',
  tags: ['Tickets'],
  summary: 'Assign the ticket to a representative of the organization',
  description:
    'The representative’s user must be active (409 REPRESENTATIVE_INACTIVE; an unknown one is 422). Deactivating ' +
    'a user unassigns their tickets that are not CLOSED (PATCH /v1/users/{userId}).',
  request: {
    params: TicketIdParamsSchema,
    headers: actionHeadersSchema,
    body: { content: { 'application/json': { schema: AssignTicketSchema } }, required: true },
  },
  responses: {
    200: { ...jsonContent(TicketSchema, 'The assigned ticket.'), headers: etagResponseHeader },
    ...problemResponses(404, 409, 412, 422),
  },
})

export const unassignTicket = protectedRoute(ticketStaff, {
  method: 'delete',
  path: '/v1/tickets/{ticketId}/assignee',
  tags: ['Tickets'],
  summary: 'Remove the ticket’s assignee',
  request: { params: TicketIdParamsSchema, headers: actionHeadersSchema },
  responses: {
    200: { ...jsonContent(TicketSchema, 'The unassigned ticket.'), headers: etagResponseHeader },
    ...problemResponses(404, 409, 412),
  },
})

export const rateTicket = protectedRoute(ticketCustomer, {
  method: 'put',
  path: '/v1/tickets/{ticketId}/satisfaction',
  tags: ['Tickets'],
  summary: 'Rate your satisfaction with a resolved ticket (customer; replaces an earlier rating)',
  description:
    'Only while the ticket is RESOLVED or CLOSED (409 TICKET_NOT_RESOLVED). A new rating replaces the old one and ' +
    'its comment (`ratedAt` is now). Ratings of 4 and 5 count as satisfied in metrics’ csatScore.',
  request: {
    params: TicketIdParamsSchema,
    headers: actionHeadersSchema,
    body: { content: { 'application/json': { schema: RateTicketSchema } }, required: true },
  },
  responses: {
    200: { ...jsonContent(TicketSchema, 'The rated ticket.'), headers: etagResponseHeader },
    ...problemResponses(404, 409, 412, 422),
  },
})
