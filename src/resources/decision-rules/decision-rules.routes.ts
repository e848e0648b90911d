import { actionHeadersSchema, etagResponseHeader, idempotencyKeyHeaderSchema } from '../../lib/etag'
import { jsonBody, jsonContent, problemResponses } from '../../lib/openapi'
import { protectedRoute } from '../../lib/routes'
import type { Permission } from '../../middleware/authorize'
import {
  CreateDecisionRuleSchema,
  DecisionRuleIdParamsSchema,
  DecisionRulePageSchema,
  DecisionRuleSchema,
  EvaluateRefundSchema,
  EvaluationSchema,
  ListDecisionRulesQuerySchema,
  UpdateDecisionRuleSchema,
} from './decision-rules.schemas'

const readers: Permission = { roles: ['ADMIN', 'REPRESENTATIVE', 'AGENT'] }
const writers: Permission = { roles: ['ADMIN'] }
const tags = ['Decision rules']
const ruleResponse = (description: string) => ({
  ...jsonContent(DecisionRuleSchema, description),
  headers: etagResponseHeader,
})

export const listRules = protectedRoute(readers, {
  method: 'get',
  path: '/v1/decision-rules',
  tags,
  summary: 'List decision rules (default: evaluation order)',
  request: { query: ListDecisionRulesQuerySchema },
  responses: { 200: jsonContent(DecisionRulePageSchema, 'A page of decision rules.') },
})

export const getRule = protectedRoute(readers, {
  method: 'get',
  path: '/v1/decision-rules/{ruleId}',
  tags,
  summary: 'Get a decision rule',
  request: { params: DecisionRuleIdParamsSchema },
  responses: { 200: ruleResponse('The decision rule.'), ...problemResponses(404) },
})

export const createRule = protectedRoute(writers, {
  method: 'post',
  path: '/v1/decision-rules',
  tags,
  summary: 'Create a decision rule (conditions validated: 422 with the JSON path of the offending node)',
  description:
    'An organization has at most 1,000 active rules (a decision reads at most that many): an active rule past ' +
    'the limit is 422 RULE_LIMIT_REACHED, here and when a PATCH activates one.',
  request: { headers: idempotencyKeyHeaderSchema, body: jsonBody(CreateDecisionRuleSchema) },
  responses: { 201: ruleResponse('The created rule.'), ...problemResponses(413, 422) },
})

export const updateRule = protectedRoute(writers, {
  method: 'patch',
  path: '/v1/decision-rules/{ruleId}',
  tags,
  summary: 'Change a decision rule',
  request: {
    params: DecisionRuleIdParamsSchema,
    headers: actionHeadersSchema,
    body: jsonBody(UpdateDecisionRuleSchema),
  },
  responses: { 200: ruleResponse('The updated rule.'), ...problemResponses(404, 412, 413, 422) },
})

export const deleteRule = protectedRoute(writers, {
  method: 'delete',
  path: '/v1/decision-rules/{ruleId}',
  tags,
  summary: 'Delete a decision rule that decided no refund',
  description:
    'A rule that decided refunds is part of their record (`decisionRuleId`, the trace): 409 DECISION_RULE_IN_USE, ' +
    'deactivate it instead (`PATCH` with `isActive: false`).',
  request: { params: DecisionRuleIdParamsSchema, headers: actionHeadersSchema },
  responses: { 204: { description: 'Deleted.' }, ...problemResponses(404, 409, 412) },
})

export const evaluateRules = protectedRoute(readers, {
  method: 'post',
  path: '/v1/decision-rules/evaluate',
  tags,
  summary: 'Dry run: how the rules would decide a hypothetical refund (writes nothing)',
  description: 'Optionally over unsaved `rules`, to test them before saving. One database round trip.',
  // A read that takes its hypothetical refund as a body: its MCP tool is marked readOnlyHint as GETs are.
  'x-read-only': true,
  request: { body: jsonBody(EvaluateRefundSchema) },
  responses: {
    200: jsonContent(EvaluationSchema, 'The decision and its trace.'),
    ...problemResponses(413, 422),
  },
})
