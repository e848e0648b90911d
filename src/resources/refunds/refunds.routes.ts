import { z } from '@hono/zod-openapi'
import { refunds } from '../../db/schema'
import { actionHeadersSchema, etagResponseHeader, idempotencyKeyHeaderSchema } from '../../lib/etag'
import { jsonBody, jsonContent, optionalJsonBody, problemResponses } from '../../lib/openapi'
import { protectedRoute } from '../../lib/routes'
import type { Permission } from '../../middleware/authorize'
import { expandedPageSchema, expandedSchema } from '../../reads/expanded-schemas'
import { expandParameter } from '../../reads/relations'
import {
  CreateRefundSchema,
  ListRefundsQuerySchema,
  RefundActionNotesSchema,
  RefundIdParamsSchema,
  RefundSchema,
  RejectRefundSchema,
} from './refunds.schemas'

const customerOwnsRefund = {
  CUSTOMER: { description: 'only its own refunds', rules: [{ table: refunds, key: 'customerId' }] },
}
const everyone: Permission = {
  roles: ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'],
  ownership: customerOwnsRefund,
}
const deciders: Permission = { roles: ['ADMIN', 'REPRESENTATIVE'] }
const tags = ['Refunds']
const refundResponse = (description: string) => ({
  ...jsonContent(RefundSchema, description),
  headers: etagResponseHeader,
})

export const listRefunds = protectedRoute(everyone, {
  method: 'get',
  path: '/v1/refunds',
  tags,
  summary: 'List refunds (filters status, reason, customerId, ticketId, currency, amount and date ranges)',
  request: { query: ListRefundsQuerySchema },
  responses: {
    200: jsonContent(expandedPageSchema('Refund'), 'A page of refunds (with what `expand` asked for).'),
  },
})

export const getRefund = protectedRoute(everyone, {
  method: 'get',
  path: '/v1/refunds/{refundId}',
  tags,
  summary: 'Get a refund, with its decision trace and allowed actions',
  request: { params: RefundIdParamsSchema, query: z.object({ expand: expandParameter('Refund') }) },
  responses: {
    200: {
      ...jsonContent(expandedSchema('Refund'), 'The refund (with what `expand` asked for).'),
      headers: etagResponseHeader,
    },
    ...problemResponses(404),
  },
})

export const createRefund = protectedRoute(everyone, {
  method: 'post',
  path: '/v1/refunds',
  tags,
  summary: 'Request a refund: the decision rules decide at once',
  description:
    'AUTO_APPROVE charges the budget (APPROVED; or PENDING with NO_BUDGET / BUDGET_EXHAUSTED in the trace); ' +
    'AUTO_REJECT → REJECTED; REQUIRE_APPROVAL → PENDING; ESCALATE → PENDING plus an escalation (and a ' +
    'REFUND_REQUEST ticket when the refund has none). An AGENT’s maxAutoRefundAmount turns an AUTO_APPROVE above ' +
    'it into ESCALATE (REFUND_OVER_LIMIT). A CUSTOMER requests only for itself. The escalation is on the ' +
    'refund’s `ticketId`, which must then be open: when the decision escalates and that ticket is RESOLVED or ' +
    'CLOSED, the request is 409 TICKET_NOT_OPEN and nothing is written (reopen a RESOLVED ticket, or request ' +
    'without `ticketId`); a decision that escalates nothing is recorded on any ticket of the customer.',
  request: { headers: idempotencyKeyHeaderSchema, body: jsonBody(CreateRefundSchema) },
  responses: { 201: refundResponse('The refund as decided.'), ...problemResponses(409, 413, 422) },
})

export const approveRefund = protectedRoute(deciders, {
  method: 'post',
  path: '/v1/refunds/{refundId}/approve',
  tags,
  summary: 'Approve a PENDING refund, charging its budget atomically (409 NO_BUDGET / BUDGET_EXHAUSTED)',
  description: 'Optional body: `notes`, stored on the refund (as a rejection’s are).',
  request: {
    params: RefundIdParamsSchema,
    headers: actionHeadersSchema,
    body: optionalJsonBody(RefundActionNotesSchema),
  },
  responses: { 200: refundResponse('The approved refund.'), ...problemResponses(404, 409, 412, 413, 422) },
})
export const rejectRefund = protectedRoute(deciders, {
  method: 'post',
  path: '/v1/refunds/{refundId}/reject',
  tags,
  summary: 'Reject a PENDING refund (notes required)',
  request: { params: RefundIdParamsSchema, headers: actionHeadersSchema, body: jsonBody(RejectRefundSchema) },
  responses: { 200: refundResponse('The rejected refund.'), ...problemResponses(404, 409, 412, 413, 422) },
})
export const cancelRefund = protectedRoute(everyone, {
  method: 'post',
  path: '/v1/refunds/{refundId}/cancel',
  tags,
  summary: 'Cancel a PENDING refund (its requester, a representative or an admin)',
  request: { params: RefundIdParamsSchema, headers: actionHeadersSchema },
  responses: { 200: refundResponse('The cancelled refund.'), ...problemResponses(404, 409, 412) },
})
export const processRefund = protectedRoute(deciders, {
  method: 'post',
  path: '/v1/refunds/{refundId}/process',
  tags,
  summary: 'Mark an APPROVED refund as paid out (PROCESSED)',
  request: { params: RefundIdParamsSchema, headers: actionHeadersSchema },
  responses: { 200: refundResponse('The processed refund.'), ...problemResponses(404, 409, 412) },
})
