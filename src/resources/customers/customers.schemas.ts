import { z } from '@hono/zod-openapi'
import { accountStandingValues, accountTierValues, customerProfiles } from '../../db/schema'
import { pageQuerySchema, pageSchema } from '../../lib/pagination'
import {
  createSelectSchema,
  csvOf,
  idParams,
  isoTimestamp,
  jsonObject,
  moneyInput,
  timestampFields,
} from '../../lib/schemas'

export const CustomerProfileSchema = createSelectSchema(customerProfiles, {
  context: jsonObject,
  preferences: jsonObject,
  ...timestampFields,
})
  .omit({ organizationId: true, userId: true })
  .openapi('CustomerProfile')

/** A customer: the CUSTOMER user, its profile embedded. Its ETag is the profile's version. */
export const CustomerSchema = z
  .object({
    id: z.uuid().openapi({ description: 'The CUSTOMER user’s id.' }),
    email: z.string(),
    name: z.string(),
    isActive: z.boolean(),
    createdAt: isoTimestamp,
    profile: CustomerProfileSchema,
  })
  .openapi('Customer')

export const CustomerPageSchema = pageSchema(CustomerSchema, 'CustomerPage')
export const CustomerIdParamsSchema = idParams('customerId')

export const customerSorts = ['-createdAt', 'createdAt', 'email'] as const
export type CustomerSort = (typeof customerSorts)[number]

export const ListCustomersQuerySchema = z.object({
  ...pageQuerySchema,
  sort: z.enum(customerSorts).optional().openapi({
    description:
      'Sort order (whitelist). Default: `email` when `emailPrefix` is given (search results), else `-createdAt`.',
  }),
  accountTier: csvOf(accountTierValues),
  accountStanding: csvOf(accountStandingValues),
  emailPrefix: z
    .string()
    .min(1)
    .max(320)
    .transform((prefix) => prefix.toLowerCase())
    .optional()
    .openapi({ description: 'Customers whose email starts with this text (case-insensitive).' }),
})

export const UpdateCustomerSchema = z
  .strictObject({
    accountTier: z.enum(accountTierValues).optional(),
    accountStanding: z.enum(accountStandingValues).optional(),
    lifetimeValue: moneyInput.optional(),
    context: jsonObject.optional(),
    preferences: jsonObject.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'Provide at least one field to change.' })
  .openapi('UpdateCustomer')

export type ListCustomersQuery = z.output<typeof ListCustomersQuerySchema>
export type UpdateCustomerInput = z.output<typeof UpdateCustomerSchema>
