import { etagResponseHeader, ifMatchHeaderSchema } from '../../lib/etag'
import { jsonContent, problemResponses } from '../../lib/openapi'
import { platformRoute, protectedRoute } from '../../lib/routes'
import {
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
      headers: ifMatchHeaderSchema,
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
  request: {
    body: { content: { 'application/json': { schema: ProvisionOrganizationSchema } }, required: true },
  },
  responses: {
    201: jsonContent(ProvisionedOrganizationSchema, 'The organization and its admin.'),
    ...problemResponses(409, 413, 422),
  },
})
