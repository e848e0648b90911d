import { z } from '@hono/zod-openapi'
import { representativeRoleValues, representativeStatusValues, representatives } from '../../db/schema'
import { pageQuerySchema, pageSchema, sortQuerySchema } from '../../lib/pagination'
import { rolesOf, visibleTo } from '../../lib/representation'
import {
  atLeastOneChange,
  createSelectSchema,
  csvOf,
  distinct,
  idParams,
  label,
  languageTag,
  timestampFields,
} from '../../lib/schemas'
import { getUser } from '../users/users.routes'

export const RepresentativeSchema = createSelectSchema(representatives, {
  skills: z.array(z.string()),
  languages: z.array(z.string()),
  ...timestampFields,
})
  .omit({ organizationId: true })
  .extend({
    name: z.string().openapi({ description: 'The user’s name.' }),
    // User data: for those who may read users (an AGENT reads representatives, not users).
    email: visibleTo(rolesOf(getUser), z.string(), 'The user’s email.'),
    isActive: z.boolean().openapi({ description: 'Whether the user account is active.' }),
  })
  .openapi('Representative')

export const RepresentativePageSchema = pageSchema(RepresentativeSchema, 'RepresentativePage')
export const RepresentativeIdParamsSchema = idParams('representativeId')

export const representativeSorts = ['-createdAt', 'createdAt'] as const
export type RepresentativeSort = (typeof representativeSorts)[number]

export const ListRepresentativesQuerySchema = z.object({
  ...pageQuerySchema,
  sort: sortQuerySchema(representativeSorts, '-createdAt'),
  status: csvOf(representativeStatusValues),
  role: csvOf(representativeRoleValues),
  skill: label.optional().openapi({ description: 'Representatives having this skill.' }),
  language: languageTag.optional().openapi({
    description:
      'Representatives speaking this language (case-insensitive: languages are stored lower-cased).',
  }),
})

export const representativeStatus = z.enum(representativeStatusValues)

export const UpdateRepresentativeSchema = z
  .strictObject({
    role: z.enum(representativeRoleValues).optional(),
    status: representativeStatus.optional(),
    maxConcurrentTickets: z.number().int().min(1).max(1000).optional(),
    skills: z
      .array(label)
      .max(50)
      .transform((values) => distinct(values))
      .optional(),
    languages: z
      .array(languageTag)
      .min(1)
      .max(20)
      .transform((values) => distinct(values))
      .optional(),
  })
  .refine(...atLeastOneChange)
  .openapi('UpdateRepresentative')

export const UpdateOwnStatusSchema = z
  .strictObject({ status: representativeStatus })
  .openapi('UpdateOwnStatus')

export type ListRepresentativesQuery = z.output<typeof ListRepresentativesQuerySchema>
export type UpdateRepresentativeInput = z.output<typeof UpdateRepresentativeSchema>
