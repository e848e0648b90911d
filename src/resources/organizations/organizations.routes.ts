import {
  actionHeadersSchema,
  etagResponseHeader,
  idempotencyKeyHeaderSchema,
  ifMatchHeaderSchema,
} from '../../lib/etag'
import { jsonContent, problemResponses } from '../../lib/openapi'
import { platformRoute, protectedRoute } from '../../lib/routes'
import {
  ChangeOrganizationSchema,
  OrganizationIdParamsSchema,
  OrganizationSchema,
  ProvisionedOrganizationSchema,
  ProvisionOrganizationSchema,
  UpdateOrganizationSchema,
} from './organizations.schemas'

export const getOrganization = protectedRoute(
  { roles: ['ADMIN', 'REPRESENTATIVE', 'AGENT'] },
  {
    method: 'get',
    path: '/v1/organization',
    tags: ['Organization'],
    summary: 'The caller’s own organization',
    responses: {
      200: { ...jsonContent(OrganizationSchema, 'The organization.'), headers: etagResponseHeader },
    },
  },
)

export const updateOrganization = protectedRoute(
  { roles: ['ADMIN'] },
  {
    method: 'patch',
    path: '/v1/organization',
    tags: ['Organization'],
    summary: 'Change the caller’s organization (name, settings)',
    request: {
      headers: actionHeadersSchema,
      body: { content: { 'application/json': { schema: UpdateOrganizationSchema } }, required: true },
    },
    responses: {
      200: { ...jsonContent(OrganizationSchema, 'The updated organization.'), headers: etagResponseHeader },
      ...problemResponses(412, 413, 422),
    },
  },
)

export const provisionOrganization = platformRoute({
  method: 'post',
  path: '/v1/organizations',
  tags: ['Platform'],
  summary: 'Provision an organization with its first ADMIN user (one transaction)',
  description:
    'With an `Idempotency-Key`, a retry whose first answer was lost gets that provisioning again (201, ' +
    '`Idempotent-Replayed: true`: the organization and its admin as they are now), never a second organization ' +
    'or a 409 for its own slug. The key is kept 24 hours; later, the same key is 409 `IDEMPOTENCY_KEY_EXPIRED` ' +
    '(it names one organization for good).',
  request: {
    headers: idempotencyKeyHeaderSchema,
    body: { content: { 'application/json': { schema: ProvisionOrganizationSchema } }, required: true },
  },
  responses: {
    201: jsonContent(ProvisionedOrganizationSchema, 'The organization and its admin.'),
    ...problemResponses(409, 413, 422),
  },
})

export const changeOrganization = platformRoute({
  method: 'patch',
  path: '/v1/organizations/{organizationId}',
  tags: ['Platform'],
  summary: 'Change an organization’s plan or status (suspend, reactivate, cancel)',
  description:
    'From the next request on, a SUSPENDED or CANCELLED organization’s tokens are refused (403 ' +
    '`ORGANIZATION_INACTIVE`) and a TRIAL or ACTIVE one’s admitted again; the daily metrics skip it meanwhile, its queued webhooks are still sent. ' +
    'A plan change reaches the rate limits within about a minute. A status change is the ' +
    '`organization.status_changed` event, by the PLATFORM actor.',
  request: {
    params: OrganizationIdParamsSchema,
    headers: ifMatchHeaderSchema,
    body: { content: { 'application/json': { schema: ChangeOrganizationSchema } }, required: true },
  },
  responses: {
    200: { ...jsonContent(OrganizationSchema, 'The changed organization.'), headers: etagResponseHeader },
    ...problemResponses(404, 412, 413, 422),
  },
})
