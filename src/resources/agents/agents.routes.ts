import { actionHeadersSchema, etagResponseHeader, idempotencyKeyHeaderSchema } from '../../lib/etag'
import { jsonBody, jsonContent, problemResponses } from '../../lib/openapi'
import { protectedRoute } from '../../lib/routes'
import type { Permission } from '../../middleware/authorize'
import {
  AgentIdParamsSchema,
  AgentPageSchema,
  AgentSchema,
  CreateAgentSchema,
  ListAgentsQuerySchema,
  UpdateAgentSchema,
} from './agents.schemas'

const readers: Permission = { roles: ['ADMIN', 'REPRESENTATIVE'] }
const writers: Permission = { roles: ['ADMIN'] }
const tags = ['Agents']

export const listAgents = protectedRoute(readers, {
  method: 'get',
  path: '/v1/agents',
  tags,
  summary: 'List AI agent configurations (filters status, type)',
  request: { query: ListAgentsQuerySchema },
  responses: { 200: jsonContent(AgentPageSchema, 'A page of agent configurations.') },
})

export const getAgent = protectedRoute(readers, {
  method: 'get',
  path: '/v1/agents/{agentId}',
  tags,
  summary: 'Get an agent configuration',
  request: { params: AgentIdParamsSchema },
  responses: {
    200: { ...jsonContent(AgentSchema, 'The agent configuration.'), headers: etagResponseHeader },
    ...problemResponses(404),
  },
})

export const createAgent = protectedRoute(writers, {
  method: 'post',
  path: '/v1/agents',
  tags,
  summary: 'Create an agent configuration (its id is the `sub` of the agent’s tokens)',
  request: { headers: idempotencyKeyHeaderSchema, body: jsonBody(CreateAgentSchema) },
  responses: {
    201: { ...jsonContent(AgentSchema, 'The created agent configuration.'), headers: etagResponseHeader },
    ...problemResponses(413, 422),
  },
})

export const updateAgent = protectedRoute(writers, {
  method: 'patch',
  path: '/v1/agents/{agentId}',
  tags,
  summary: 'Change an agent configuration (pausing it refuses its next request)',
  request: { params: AgentIdParamsSchema, headers: actionHeadersSchema, body: jsonBody(UpdateAgentSchema) },
  responses: {
    200: { ...jsonContent(AgentSchema, 'The updated agent configuration.'), headers: etagResponseHeader },
    ...problemResponses(404, 412, 413, 422),
  },
})
