import { z } from '@hono/zod-openapi'
import {
  type Organization,
  organizationPlanValues,
  organizationStatusValues,
  organizations,
} from '../../db/schema'
import {
  atLeastOneChange,
  createSelectSchema,
  idParams,
  isoTimestamp,
  jsonMergePatch,
  jsonObject,
} from '../../lib/schemas'

export const OrganizationSchema = createSelectSchema(organizations, {
  settings: jsonObject,
  createdAt: isoTimestamp,
  updatedAt: isoTimestamp,
})
  .omit({ ticketSequence: true })
  .openapi('Organization')

const name = z.string().trim().min(1).max(200)
const slug = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
    'lower-case letters, digits and inner hyphens, 1–63 characters',
  )

/** Fields an ADMIN may change; plan, status and slug belong to the platform (never from a tenant's body). */
export const UpdateOrganizationSchema = z
  .strictObject({
    name: name.optional(),
    settings: jsonMergePatch,
  })
  .refine(...atLeastOneChange)
  .openapi('UpdateOrganization')

export const OrganizationIdParamsSchema = idParams('organizationId')

/** What the platform changes of a tenant: its plan and its status (name and settings are its ADMIN's). */
export const ChangeOrganizationSchema = z
  .strictObject({
    plan: z.enum(organizationPlanValues).optional(),
    status: z.enum(organizationStatusValues).optional(),
  })
  .refine(...atLeastOneChange)
  .openapi('ChangeOrganization')

export const ProvisionOrganizationSchema = z
  .strictObject({
    name,
    slug,
    plan: z.enum(organizationPlanValues).default('FREE'),
    status: z.enum(['TRIAL', 'ACTIVE']).default('TRIAL'),
    settings: jsonObject.default({}),
    admin: z.strictObject({
      email: z
        .email()
        .max(320)
        .transform((email) => email.toLowerCase()),
      name,
    }),
  })
  .openapi('ProvisionOrganization')

export const ProvisionedUserSchema = z
  .object({ id: z.uuid(), email: z.string(), name: z.string(), role: z.literal('ADMIN') })
  .openapi('ProvisionedAdmin')

export const ProvisionedOrganizationSchema = z
  .object({ organization: OrganizationSchema, admin: ProvisionedUserSchema })
  .openapi('ProvisionedOrganization')

/** The representation: explicit fields only (the ticket counter is internal). */
export function toOrganization(row: Organization): z.infer<typeof OrganizationSchema> {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    plan: row.plan,
    status: row.status,
    settings: row.settings as z.infer<typeof OrganizationSchema>['settings'],
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}
