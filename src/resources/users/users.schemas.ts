import { z } from '@hono/zod-openapi'
import {
  accountStandingValues,
  accountTierValues,
  representativeRoleValues,
  representativeStatusValues,
  userRoleValues,
  users,
} from '../../db/schema'
import { pageQuerySchema, pageSchema } from '../../lib/pagination'
import {
  atLeastOneChange,
  booleanQuery,
  createSelectSchema,
  csvOf,
  currencyCode,
  displayName,
  distinct,
  type EmailSearchSort,
  emailAddress,
  emailSearchQuery,
  idParams,
  isoTimestamp,
  jsonObject,
  label,
  languageTag,
  moneyInput,
  timestampFields,
} from '../../lib/schemas'

export const UserSchema = createSelectSchema(users, {
  lastLoginAt: isoTimestamp.nullable(),
  ...timestampFields,
})
  .omit({ organizationId: true })
  .extend({
    representativeId: z.uuid().nullable().openapi({
      description: 'The representative profile of a REPRESENTATIVE (or ADMIN who takes tickets).',
    }),
  })
  .openapi('User')

export const UserPageSchema = pageSchema(UserSchema, 'UserPage')
export const UserIdParamsSchema = idParams('userId')

export type UserSort = EmailSearchSort

export const ListUsersQuerySchema = z.object({
  ...pageQuerySchema,
  ...emailSearchQuery,
  role: csvOf(userRoleValues),
  isActive: booleanQuery,
})

export const onlyStaff = 'Only for REPRESENTATIVE or ADMIN.'

/** The representative profile a REPRESENTATIVE (or an ADMIN who takes tickets) gets when created. */
export const RepresentativeProfileInputSchema = z
  .strictObject({
    role: z.enum(representativeRoleValues).default('AGENT'),
    status: z.enum(representativeStatusValues).default('OFFLINE'),
    maxConcurrentTickets: z.number().int().min(1).max(1000).default(5),
    skills: z
      .array(label)
      .max(50)
      .transform((values) => distinct(values))
      .default([]),
    languages: z
      .array(languageTag)
      .min(1)
      .max(20)
      .transform((values) => distinct(values))
      .default(['en']),
  })
  .openapi('RepresentativeProfileInput')

/** The customer profile a CUSTOMER gets when created. */
export const CustomerProfileInputSchema = z
  .strictObject({
    accountTier: z.enum(accountTierValues).default('BASIC'),
    accountStanding: z.enum(accountStandingValues).default('GOOD'),
    lifetimeValue: moneyInput.default('0.00'),
    currency: currencyCode.default('USD'),
    context: jsonObject.default({}),
    preferences: jsonObject.default({}),
  })
  .openapi('CustomerProfileInput')

export const CreateUserSchema = z
  .strictObject({
    email: emailAddress,
    name: displayName,
    role: z.enum(userRoleValues),
    representative: RepresentativeProfileInputSchema.optional().openapi({
      description:
        'REPRESENTATIVE (always gets a profile; these override its defaults) or ADMIN (gets one only if given).',
    }),
    customer: CustomerProfileInputSchema.optional().openapi({
      description: 'CUSTOMER only (always gets a profile; these override its defaults).',
    }),
  })
  .superRefine((body, ctx) => {
    if (body.representative && body.role === 'CUSTOMER') {
      ctx.addIssue({ code: 'custom', path: ['representative'], message: onlyStaff })
    }
    if (body.customer && body.role !== 'CUSTOMER') {
      ctx.addIssue({ code: 'custom', path: ['customer'], message: 'Only for CUSTOMER.' })
    }
  })
  .openapi('CreateUser')

export const UpdateUserSchema = z
  .strictObject({
    email: emailAddress.optional().openapi({ description: 'Unique per organization, case-insensitively.' }),
    name: displayName.optional(),
    role: z.enum(userRoleValues).optional().openapi({
      description:
        'REPRESENTATIVE ↔ ADMIN only (a customer stays a customer); becoming REPRESENTATIVE creates the profile.',
    }),
    isActive: z
      .boolean()
      .optional()
      .openapi({
        description:
          'false deactivates: the user’s next request is refused, and their open work is handed back (see the ' +
          'operation).',
      }),
    // No description of its own: it would make the field `allOf` [ref, description], which GraphQL types as JSON.
    // The operation's description says what it does.
    representative: RepresentativeProfileInputSchema.optional(),
  })
  .refine(...atLeastOneChange)
  .refine((body) => !(body.representative && body.role === 'CUSTOMER'), {
    path: ['representative'],
    message: onlyStaff,
  })
  .openapi('UpdateUser')

export type ListUsersQuery = z.output<typeof ListUsersQuerySchema>
export type CreateUserInput = z.output<typeof CreateUserSchema>
export type UpdateUserInput = z.output<typeof UpdateUserSchema>
