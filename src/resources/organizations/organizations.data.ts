import type { z } from '@hono/zod-openapi'
import { users } from '../../db/schema'
import { TenantDb } from '../../db/tenant'
import { errors, postgresErrorOf } from '../../lib/errors'
import type { ProvisionOrganizationSchema } from './organizations.schemas'

/**
 * Creates the organization and its first ADMIN in one transaction (one round trip). The id is chosen
 * here so the batch can bind the new tenant first: RLS then admits both inserts.
 */
export async function provision(
  databaseUrl: string,
  input: z.output<typeof ProvisionOrganizationSchema>,
  requestId: string,
) {
  const db = TenantDb.forPlatform(databaseUrl, crypto.randomUUID(), requestId)
  const { admin, ...organization } = input
  try {
    const [[created], [createdAdmin]] = await db.run(
      db.insertOrganization(organization).returning(),
      db
        .insert(users, { email: admin.email, name: admin.name, role: 'ADMIN' })
        .returning({ id: users.id, email: users.email, name: users.name, role: users.role }),
    )
    if (!created || !createdAdmin) throw errors.internal()
    return { organization: created, admin: { ...createdAdmin, role: 'ADMIN' as const } }
  } catch (error) {
    if (postgresErrorOf(error)?.constraint === 'organizations_slug_key') {
      throw errors.conflict('SLUG_TAKEN', `The slug "${organization.slug}" is already taken.`)
    }
    throw error
  }
}
