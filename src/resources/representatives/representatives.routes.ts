import { actionHeadersSchema, etagResponseHeader } from '../../lib/etag'
import { jsonBody, jsonContent, problemResponses } from '../../lib/openapi'
import { protectedRoute } from '../../lib/routes'
import type { Permission } from '../../middleware/authorize'
import {
  ListRepresentativesQuerySchema,
  RepresentativeIdParamsSchema,
  RepresentativePageSchema,
  RepresentativeSchema,
  UpdateRepresentativeSchema,
} from './representatives.schemas'

const readers: Permission = { roles: ['ADMIN', 'REPRESENTATIVE', 'AGENT'] }
const writers: Permission = { roles: ['ADMIN'] }
const tags = ['Representatives']

export const listRepresentatives = protectedRoute(readers, {
  method: 'get',
  path: '/v1/representatives',
  tags,
  summary: 'List representatives (filters status, role, skill, language)',
  request: { query: ListRepresentativesQuerySchema },
  responses: { 200: jsonContent(RepresentativePageSchema, 'A page of representatives.') },
})

export const getRepresentative = protectedRoute(readers, {
  method: 'get',
  path: '/v1/representatives/{representativeId}',
  tags,
  summary: 'Get a representative',
  request: { params: RepresentativeIdParamsSchema },
  responses: {
    200: { ...jsonContent(RepresentativeSchema, 'The representative.'), headers: etagResponseHeader },
    ...problemResponses(404),
  },
})

export const updateRepresentative = protectedRoute(writers, {
  method: 'patch',
  path: '/v1/representatives/{representativeId}',
  tags,
  summary: 'Change a representative (role, status, maxConcurrentTickets, skills, languages)',
  description:
    'A REPRESENTATIVE sets its own status through `PUT /v1/me/status`. A deactivated user’s profile is OFFLINE and ' +
    'stays so until the user is reactivated (any other status: 409 REPRESENTATIVE_INACTIVE).',
  request: {
    params: RepresentativeIdParamsSchema,
    headers: actionHeadersSchema,
    body: jsonBody(UpdateRepresentativeSchema),
  },
  responses: {
    200: { ...jsonContent(RepresentativeSchema, 'The updated representative.'), headers: etagResponseHeader },
    ...problemResponses(404, 409, 412, 413, 422),
  },
})
