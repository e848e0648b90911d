import { sql } from 'drizzle-orm'
import { check, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { tenantIsolationPolicy } from './helpers'
import { organizationForeignKey } from './tenancy'

/**
 * Idempotency-Key claims (docs/api.md §5, IETF draft-ietf-httpapi-idempotency-key-header): one row per
 * (organization, caller, key), claimed by `app_claim_idempotency_key` in the same transaction as the work
 * and completed (status, resource) by the same batch only if the work wrote its resource. Kept 24 h.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    organizationId: uuid('organization_id').notNull(),
    /** The caller (user or agent configuration id): keys are scoped to tenant AND caller. */
    callerId: uuid('caller_id').notNull(),
    key: text('key').notNull(),
    /** SHA-256 of method, path, body (and a file's media type): the same key with another request is 422. */
    fingerprint: text('fingerprint').notNull(),
    statusCode: integer('status_code'),
    /** Where the resource the request created or changed is read for a replay. */
    resourcePath: text('resource_path'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 })
      .notNull()
      .defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date', precision: 3 }),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'idempotency_keys_pkey', columns: [t.organizationId, t.callerId, t.key] }),
    organizationForeignKey('idempotency_keys', t.organizationId),
    check('idempotency_keys_key_length', sql`char_length(key) between 1 and 255`),
    tenantIsolationPolicy(),
  ],
)
