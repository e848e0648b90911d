import { actionHeadersSchema, etagResponseHeader } from '../../lib/etag'
import { jsonBody, jsonContent, problemResponses } from '../../lib/openapi'
import { protectedRoute } from '../../lib/routes'
import { RepresentativeSchema, UpdateOwnStatusSchema } from '../representatives/representatives.schemas'
import { MeSchema } from './me.schemas'

const tags = ['Me']

export const getMe = protectedRoute(
  { roles: ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'] },
  {
    method: 'get',
    path: '/v1/me',
    tags,
    summary: 'The caller: its user with representative or customer profile, or its agent configuration',
    responses: { 200: jsonContent(MeSchema, 'The caller.') },
  },
)

export const updateMyStatus = protectedRoute(
  { roles: ['ADMIN', 'REPRESENTATIVE'] },
  {
    method: 'put',
    path: '/v1/me/status',
    tags,
    summary: 'Set the caller’s own representative status (ONLINE, AWAY, BUSY, OFFLINE)',
    description:
      'For a REPRESENTATIVE, or an ADMIN with a representative profile (404 without one). A status other than ' +
      'OFFLINE is 409 REPRESENTATIVE_INACTIVE when the caller was deactivated while the request waited.',
    request: { headers: actionHeadersSchema, body: jsonBody(UpdateOwnStatusSchema) },
    responses: {
      200: {
        ...jsonContent(RepresentativeSchema, 'The caller’s representative profile.'),
        headers: etagResponseHeader,
      },
      ...problemResponses(404, 409, 412, 413, 422),
    },
  },
)
