import { customerProfiles, users } from '../../db/schema'
import { actionHeadersSchema, etagResponseHeader } from '../../lib/etag'
import { jsonBody, jsonContent, problemResponses } from '../../lib/openapi'
import { protectedRoute } from '../../lib/routes'
import type { Permission } from '../../middleware/authorize'
import {
  CustomerIdParamsSchema,
  CustomerPageSchema,
  CustomerSchema,
  ListCustomersQuerySchema,
  UpdateCustomerSchema,
} from './customers.schemas'

const customerIsItself = {
  CUSTOMER: {
    description: 'only itself',
    rules: [
      { table: customerProfiles, key: 'userId' },
      { table: users, key: 'id' },
    ],
  },
}
const readers: Permission = {
  roles: ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'],
  ownership: customerIsItself,
}
const writers: Permission = { roles: ['ADMIN', 'REPRESENTATIVE', 'CUSTOMER'], ownership: customerIsItself }
const tags = ['Customers']

export const listCustomers = protectedRoute(readers, {
  method: 'get',
  path: '/v1/customers',
  tags,
  summary: 'List customers (filters accountTier, accountStanding, emailPrefix)',
  request: { query: ListCustomersQuerySchema },
  responses: { 200: jsonContent(CustomerPageSchema, 'A page of customers.') },
})

export const getCustomer = protectedRoute(readers, {
  method: 'get',
  path: '/v1/customers/{customerId}',
  tags,
  summary: 'Get a customer (the CUSTOMER user with its profile)',
  request: { params: CustomerIdParamsSchema },
  responses: {
    200: { ...jsonContent(CustomerSchema, 'The customer.'), headers: etagResponseHeader },
    ...problemResponses(404),
  },
})

export const updateCustomer = protectedRoute(writers, {
  method: 'patch',
  path: '/v1/customers/{customerId}',
  tags,
  summary: 'Change a customer’s profile',
  description: 'A CUSTOMER may change only its own `preferences` (403 FORBIDDEN_FIELD otherwise).',
  request: {
    params: CustomerIdParamsSchema,
    headers: actionHeadersSchema,
    body: jsonBody(UpdateCustomerSchema),
  },
  responses: {
    200: { ...jsonContent(CustomerSchema, 'The updated customer.'), headers: etagResponseHeader },
    ...problemResponses(404, 412, 413, 422),
  },
})
