import { actionHeadersSchema, etagResponseHeader, idempotencyKeyHeaderSchema } from '../../lib/etag'
import { jsonBody, jsonContent, problemResponses } from '../../lib/openapi'
import { protectedRoute } from '../../lib/routes'
import type { Permission } from '../../middleware/authorize'
import {
  CreateUserSchema,
  ListUsersQuerySchema,
  UpdateUserSchema,
  UserIdParamsSchema,
  UserPageSchema,
  UserSchema,
} from './users.schemas'

const readers: Permission = { roles: ['ADMIN', 'REPRESENTATIVE'] }
const writers: Permission = { roles: ['ADMIN'] }
const tags = ['Users']

export const listUsers = protectedRoute(readers, {
  method: 'get',
  path: '/v1/users',
  tags,
  summary: 'List users (filters role, isActive, emailPrefix)',
  request: { query: ListUsersQuerySchema },
  responses: { 200: jsonContent(UserPageSchema, 'A page of users.') },
})

export const getUser = protectedRoute(readers, {
  method: 'get',
  path: '/v1/users/{userId}',
  tags,
  summary: 'Get a user',
  request: { params: UserIdParamsSchema },
  responses: {
    200: { ...jsonContent(UserSchema, 'The user.'), headers: etagResponseHeader },
    ...problemResponses(404),
  },
})

export const createUser = protectedRoute(writers, {
  method: 'post',
  path: '/v1/users',
  tags,
  summary: 'Create a user (with its representative or customer profile, in one transaction)',
  description: 'Emails are unique per organization, case-insensitively (409 EMAIL_TAKEN).',
  request: { headers: idempotencyKeyHeaderSchema, body: jsonBody(CreateUserSchema) },
  responses: {
    201: { ...jsonContent(UserSchema, 'The created user.'), headers: etagResponseHeader },
    ...problemResponses(409, 413, 422),
  },
})

export const updateUser = protectedRoute(writers, {
  method: 'patch',
  path: '/v1/users/{userId}',
  tags,
  summary: 'Change a user (name, role, isActive; a representative profile for one who has none)',
  description:
    'Users are never deleted: `isActive: false` deactivates, and the user’s next request is refused. ' +
    '`representative` ({} for the defaults) creates the representative profile of a user who is, after the change, ' +
    'an ADMIN or REPRESENTATIVE and has none, in the same transaction (an ADMIN then takes tickets: ' +
    '`PUT /v1/me/status`, assignments); becoming REPRESENTATIVE without it creates the default profile. A user ' +
    'who has a profile: 409 REPRESENTATIVE_PROFILE_EXISTS (change it with `PATCH /v1/representatives/{representativeId}`); ' +
    'a CUSTOMER: 422; a `status` other than OFFLINE for a user inactive after the change: 409 ' +
    'REPRESENTATIVE_INACTIVE (as `PATCH /v1/representatives/{representativeId}` refuses it). Each refuses the whole ' +
    'PATCH: nothing changes. ' +
    'The organization’s last active ADMIN cannot be deactivated or demoted (409 LAST_ADMIN). ' +
    'Deactivating someone who takes work also hands their work back, in the same transaction: their ' +
    'representative profile goes OFFLINE, their open escalations (ASSIGNED, IN_PROGRESS) return to the queue ' +
    '(PENDING, unassigned, for `assign` or `auto` to pick up), and their tickets that are not CLOSED are ' +
    'unassigned (status unchanged). RESOLVED and CANCELLED escalations and CLOSED tickets keep them as history. ' +
    'Inactive people are never assigned (409 REPRESENTATIVE_INACTIVE). Reactivating (`isActive: true`) restores ' +
    'nothing: the profile stays OFFLINE until its status is set again.',
  request: { params: UserIdParamsSchema, headers: actionHeadersSchema, body: jsonBody(UpdateUserSchema) },
  responses: {
    200: { ...jsonContent(UserSchema, 'The updated user.'), headers: etagResponseHeader },
    ...problemResponses(404, 409, 412, 413, 422),
  },
})
