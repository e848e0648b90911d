import { z } from '@hono/zod-openapi'
import { accountStandingValues, accountTierValues, customerProfiles } from '../../db/schema'
import { pageQuerySchema, pageSchema } from '../../lib/pagination'
import { staffRoles, visibleTo } from '../../lib/representation'
import {
  atLeastOneChange,
  createSelectSchema,
  csvOf,
  currencyCode,
  type EmailSearchSort,
  emailSearchQuery,
  idParams,
  isoTimestamp,
  jsonMergePatch,
  jsonObject,
  moneyInput,
  timestampFields,
} from '../../lib/schemas'

/*
 * A CUSTOMER reading itself (GET /v1/customers/{id}, GET /v1/me) sees its tier, currency and preferences; how the
 * organization rates it (standing, lifetime value: facts the refund rules decide on) and what it notes about it
 * (`context`) stay with staff (src/lib/representation.ts).
 */
export const CustomerProfileSchema = createSelectSchema(customerProfiles, {
  preferences: jsonObject,
  ...timestampFields,
})
  .omit({ organizationId: true, userId: true })
  .extend({
    accountStanding: visibleTo(
      staffRoles,
      z.enum(accountStandingValues),
      'The organization’s rating of the account.',
    ),
    lifetimeValue: visibleTo(staffRoles, z.string(), 'What the customer has been worth (money).'),
    context: visibleTo(staffRoles, jsonObject, 'The organization’s notes and data about the customer.'),
  })
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

export type CustomerSort = EmailSearchSort

export const ListCustomersQuerySchema = z.object({
  ...pageQuerySchema,
  ...emailSearchQuery,
  accountTier: csvOf(accountTierValues),
  accountStanding: csvOf(accountStandingValues),
})

export const UpdateCustomerSchema = z
  .strictObject({
    accountTier: z.enum(accountTierValues).optional(),
    accountStanding: z.enum(accountStandingValues).optional(),
    lifetimeValue: moneyInput.optional(),
    currency: currencyCode.optional().openapi({
      description: 'The currency of `lifetimeValue` (a rule reads it only for refunds in this currency).',
    }),
    context: jsonMergePatch,
    preferences: jsonMergePatch,
  })
  .refine(...atLeastOneChange)
  .openapi('UpdateCustomer')

export type ListCustomersQuery = z.output<typeof ListCustomersQuerySchema>
export type UpdateCustomerInput = z.output<typeof UpdateCustomerSchema>
