import { z } from '@hono/zod-openapi'
import { escalations } from '../../db/schema'
import { actionHeadersSchema, etagResponseHeader, idempotencyKeyHeaderSchema } from '../../lib/etag'
import { jsonBody, jsonContent, problemResponses } from '../../lib/openapi'
import { protectedRoute } from '../../lib/routes'
import type { Permission } from '../../middleware/authorize'
import { expandedPageSchema, expandedSchema } from '../../reads/expanded-schemas'
import { expandParameter } from '../../reads/relations'
import {
  AssignEscalationSchema,
  CreateEscalationSchema,
  EscalationIdParamsSchema,
  EscalationSchema,
  ListEscalationsQuerySchema,
  ResolveEscalationSchema,
  UpdateEscalationSchema,
} from './escalations.schemas'

/** An AGENT opens escalations and reads back those it opened; people manage them. */
const openers: Permission = { roles: ['ADMIN', 'REPRESENTATIVE', 'AGENT'] }
export const readers: Permission = {
  roles: ['ADMIN', 'REPRESENTATIVE', 'AGENT'],
  ownership: {
    AGENT: {
      description: 'only the escalations it opened (agentConfigurationId = the caller)',
      rules: [{ table: escalations, key: 'agentConfigurationId' }],
    },
  },
}
const managers: Permission = { roles: ['ADMIN', 'REPRESENTATIVE'] }
const tags = ['Escalations']

const one = (description: string) => ({
  ...jsonContent(EscalationSchema, description),
  headers: etagResponseHeader,
})

export const listEscalations = protectedRoute(readers, {
  method: 'get',
  path: '/v1/escalations',
  tags,
  summary: 'The representative queue: escalations by priority (CRITICAL first), oldest first',
  request: { query: ListEscalationsQuerySchema },
  responses: {
    200: jsonContent(
      expandedPageSchema('Escalation'),
      'A page of escalations (with what `expand` asked for).',
    ),
  },
})

export const createEscalation = protectedRoute(openers, {
  method: 'post',
  path: '/v1/escalations',
  tags,
  summary: 'Escalate a ticket to a human',
  description:
    'Opens a PENDING escalation (an AGENT is recorded as the escalating agent) and, in the same transaction, ' +
    'raises the ticket’s priority to at least the escalation’s (LOW→LOW, MEDIUM→MEDIUM, HIGH→HIGH, ' +
    'CRITICAL→URGENT; never lowered). Only an open ticket (OPEN, IN_PROGRESS, WAITING_ON_CUSTOMER) is ' +
    'escalated: a RESOLVED or CLOSED one is 409 TICKET_NOT_OPEN (reopen a RESOLVED ticket with ' +
    '`PATCH /v1/tickets/{ticketId}` `{"status": "OPEN"}`, or create a new ticket, then escalate). An AGENT reads ' +
    'back the escalations it opened (so an Idempotency-Key replay answers it as the original did).',
  request: { headers: idempotencyKeyHeaderSchema, body: jsonBody(CreateEscalationSchema) },
  responses: {
    201: one('The escalation.'),
    ...problemResponses(409, 413, 422),
  },
})

export const getEscalation = protectedRoute(readers, {
  method: 'get',
  path: '/v1/escalations/{escalationId}',
  tags,
  summary: 'Get an escalation',
  request: { params: EscalationIdParamsSchema, query: z.object({ expand: expandParameter('Escalation') }) },
  responses: {
    200: {
      ...jsonContent(expandedSchema('Escalation'), 'The escalation (with what `expand` asked for).'),
      headers: etagResponseHeader,
    },
    ...problemResponses(404),
  },
})

export const updateEscalation = protectedRoute(managers, {
  method: 'patch',
  path: '/v1/escalations/{escalationId}',
  tags,
  summary: 'Change an open escalation’s summary or priority',
  description:
    'A higher priority raises the ticket to at least it, as opening did (LOW→LOW, MEDIUM→MEDIUM, HIGH→HIGH, ' +
    'CRITICAL→URGENT; never lowered, a CLOSED ticket unchanged), in the same transaction.',
  request: {
    params: EscalationIdParamsSchema,
    headers: actionHeadersSchema,
    body: jsonBody(UpdateEscalationSchema),
  },
  responses: { 200: one('The updated escalation.'), ...problemResponses(404, 409, 412, 413, 422) },
})

export const assignEscalation = protectedRoute(managers, {
  method: 'post',
  path: '/v1/escalations/{escalationId}/assign',
  tags,
  summary: 'Assign (or reassign) to a representative, or `auto`',
  description:
    'PENDING, ASSIGNED or IN_PROGRESS → ASSIGNED. An OFFLINE representative: 409 REPRESENTATIVE_OFFLINE; one with ' +
    'as many open (ASSIGNED/IN_PROGRESS) escalations as its maxConcurrentTickets: 409 REPRESENTATIVE_AT_CAPACITY. ' +
    '`auto` picks the ONLINE representative below capacity that best matches the customer’s preferences ' +
    '(`language`/`languages`, then `skills`), then the one with the fewest open escalations; none: 409 ' +
    'NO_REPRESENTATIVE_AVAILABLE. Concurrent assignments never put a representative over capacity.',
  request: {
    params: EscalationIdParamsSchema,
    headers: actionHeadersSchema,
    body: jsonBody(AssignEscalationSchema),
  },
  responses: { 200: one('The assigned escalation.'), ...problemResponses(404, 409, 412, 413, 422) },
})

export const startEscalation = protectedRoute(managers, {
  method: 'post',
  path: '/v1/escalations/{escalationId}/start',
  tags,
  summary: 'Start working on an assigned escalation (ASSIGNED → IN_PROGRESS)',
  description: 'A REPRESENTATIVE only on an escalation assigned to them (403 NOT_ASSIGNEE); an ADMIN on any.',
  request: { params: EscalationIdParamsSchema, headers: actionHeadersSchema },
  responses: { 200: one('The started escalation.'), ...problemResponses(404, 409, 412) },
})

export const resolveEscalation = protectedRoute(managers, {
  method: 'post',
  path: '/v1/escalations/{escalationId}/resolve',
  tags,
  summary: 'Resolve an escalation in progress, with notes (IN_PROGRESS → RESOLVED)',
  description: 'A REPRESENTATIVE only on an escalation assigned to them (403 NOT_ASSIGNEE); an ADMIN on any.',
  request: {
    params: EscalationIdParamsSchema,
    headers: actionHeadersSchema,
    body: jsonBody(ResolveEscalationSchema),
  },
  responses: { 200: one('The resolved escalation.'), ...problemResponses(404, 409, 412, 413, 422) },
})

export const cancelEscalation = protectedRoute(managers, {
  method: 'post',
  path: '/v1/escalations/{escalationId}/cancel',
  tags,
  summary: 'Cancel an open escalation (PENDING, ASSIGNED or IN_PROGRESS → CANCELLED)',
  request: { params: EscalationIdParamsSchema, headers: actionHeadersSchema },
  responses: { 200: one('The cancelled escalation.'), ...problemResponses(404, 409, 412) },
})
