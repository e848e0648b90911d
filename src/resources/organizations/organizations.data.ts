import type { z } from '@hono/zod-openapi'
import { eq } from 'drizzle-orm'
import { mergePatch, refusalOf } from '../../db/crud'
import { organizations, users } from '../../db/schema'
import { type IdempotencyClaim, TenantDb } from '../../db/tenant'
import { errors, postgresErrorOf } from '../../lib/errors'
import { versionMatches } from '../../lib/etag'
import { idempotentReplayOf } from '../../middleware/idempotency'
import type {
  ChangeOrganizationSchema,
  ProvisionOrganizationSchema,
  UpdateOrganizationSchema,
} from './organizations.schemas'

/** The namespace of organization ids derived from Idempotency-Keys (UUID v5). Fixed forever: ids depend on it. */
const KEYED_ORGANIZATION_NAMESPACE = 'f69257c7-6d97-4258-b0d9-2f4b4de4fbd6'

const uuidBytes = (uuid: string) =>
  Uint8Array.from(uuid.replaceAll('-', '').match(/../g) ?? [], (h) => parseInt(h, 16))

/**
 * The id of the organization a provisioning with this Idempotency-Key creates: a name-based UUID (v5, RFC 9562
 * §5.5) of the key. Why derived: a key's row (idempotency_keys) belongs to an organization (tenant foreign key,
 * RLS) and a provisioning has none yet; an id that follows from the key names the tenant in which a retry's or a
 * concurrent duplicate's claim finds the first one's row, in its first batch, as every route's claim does (one
 * mechanism, TenantDb.run). Not a secret: organization ids never were. A key thus names one organization for
 * good: once its 24 hours are over, the same key is 409 (the id is taken), never a second organization.
 */
export async function keyedOrganizationId(key: string): Promise<string> {
  const name = new TextEncoder().encode(key)
  const namespace = uuidBytes(KEYED_ORGANIZATION_NAMESPACE)
  const input = new Uint8Array(namespace.byteLength + name.byteLength)
  input.set(namespace)
  input.set(name, namespace.byteLength)
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-1', input)).slice(0, 16)
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50 // version 5
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80 // RFC 9562 variant
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * Creates the organization and its first ADMIN in one transaction (one round trip). The id is chosen
 * here so the batch can bind the new tenant first: RLS then admits both inserts. With an Idempotency-Key the id
 * is the key's (keyedOrganizationId) and the batch claims the key first (under the platform's caller id; the key
 * row's foreign key to the organization is checked at commit, migration 0030), so the key's row is written with
 * the organization and its admin or not at all; `replayed`: the key was completed, and
 * this is the organization and its admin as they are now (nothing of the answer is stored: the key's row holds
 * the status and the admin's path, read again here).
 */
export async function provision(
  databaseUrl: string,
  input: z.output<typeof ProvisionOrganizationSchema>,
  requestId: string,
  idempotency?: IdempotencyClaim,
) {
  const organizationId = idempotency ? await keyedOrganizationId(idempotency.key) : crypto.randomUUID()
  const db = TenantDb.forPlatform(databaseUrl, organizationId, requestId, idempotency)
  // The admin is the resource the key is completed with (its row written by this transaction) and read again.
  const adminId = db.expectCreated(users, '/v1/users')
  const { admin, ...organization } = input
  try {
    const [[created], [createdAdmin]] = await db.run(
      db.insertOrganization(organization).returning(),
      db
        .insert(users, { id: adminId, email: admin.email, name: admin.name, role: 'ADMIN' })
        .returning({ id: users.id, email: users.email, name: users.name, role: users.role }),
    )
    if (!created || !createdAdmin) throw errors.internal()
    return { organization: created, admin: { ...createdAdmin, role: 'ADMIN' as const }, replayed: false }
  } catch (error) {
    const replay = idempotentReplayOf(error)
    if (replay) return replayOf(databaseUrl, organizationId, replay.path, requestId)
    const pg = postgresErrorOf(error)
    if (pg?.constraint === 'organizations_slug_key') {
      throw errors.conflict('SLUG_TAKEN', `The slug "${organization.slug}" is already taken.`)
    }
    // The key's organization exists but the claim found no live row for the key: its 24 hours are over.
    if (idempotency && pg?.constraint === 'organizations_pkey') {
      throw errors.conflict(
        'IDEMPOTENCY_KEY_EXPIRED',
        'This Idempotency-Key provisioned an organization more than 24 hours ago; use a new key.',
      )
    }
    throw error
  }
}

/** A completed key's answer: the organization and the admin at `adminPath`, read now (keyless: no peek). */
async function replayOf(databaseUrl: string, organizationId: string, adminPath: string, requestId: string) {
  const db = TenantDb.forPlatform(databaseUrl, organizationId, requestId)
  const adminId = adminPath.slice(adminPath.lastIndexOf('/') + 1)
  const [[organization], [admin]] = await db.read(
    db.selectOrganization(),
    db.selectFields(users, { id: users.id, email: users.email, name: users.name }, eq(users.id, adminId)),
  )
  if (!organization || !admin) throw errors.notFound()
  return { organization, admin: { ...admin, role: 'ADMIN' as const }, replayed: true }
}

/**
 * PATCH of the tenant's organization, by its ADMIN or (plan, status) by the platform: `settings` is a JSON Merge
 * Patch (mergePatch). The row as it is after the UPDATE (same batch) explains a refusal: 412 with its ETag, 404
 * when there is none (an unknown id of the platform's).
 */
export async function update(
  db: TenantDb,
  {
    settings,
    ...changes
  }: z.output<typeof UpdateOrganizationSchema> & z.output<typeof ChangeOrganizationSchema>,
  versions: number[] | undefined,
) {
  const [[row], [current]] = await db.run(
    db
      .updateOrganization(
        { ...changes, settings: mergePatch(organizations.settings, settings) },
        versionMatches(organizations.version, versions),
      )
      .returning(),
    db.selectOrganization(),
  )
  if (!row) throw refusalOf(current, { what: 'organization', versions })
  return row
}
