import { type SQL, sql } from 'drizzle-orm'
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgPolicy,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core'
import { agentConfigurations } from './automation'
import { messageAuthorTypeEnum, messageFormatEnum, messageVisibilityEnum } from './enums'
import {
  CURRENT_PRINCIPAL_ID_SQL,
  CURRENT_PRINCIPAL_ROLE_SQL,
  tenantIsolationPolicy,
  tenantKeys,
  versionAndTimestamps,
} from './helpers'
import { tickets } from './support'
import { organizationForeignKey, tenantForeignKey, users } from './tenancy'
import type { MessageMetadata } from './types'

/** The largest message body, in UTF-8 bytes (docs/conversations.md §2). */
export const MAX_MESSAGE_BODY_BYTES = 32 * 1024
/** The largest attachment, in bytes, and the most a message may carry. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
export const MAX_ATTACHMENTS_PER_MESSAGE = 10

/**
 * A restrictive policy that narrows what a CUSTOMER's transaction may read and write of a table (other roles
 * pass): `customerRows` is the condition its rows must meet. The code applies the same rule (TenantDb ownership
 * rules); this is the database refusing what the code forgets.
 */
function customerRowsPolicy(name: string, customerRows: string) {
  const allowed: SQL = sql.raw(
    `${CURRENT_PRINCIPAL_ROLE_SQL} is distinct from 'CUSTOMER' or (${customerRows})`,
  )
  return pgPolicy(name, { as: 'restrictive', for: 'all', to: 'public', using: allowed, withCheck: allowed })
}

/**
 * The conversation of a ticket: replies and internal notes, by its customer, staff (REPRESENTATIVE: any staff
 * user, admins included), an AI agent (its configuration) or the SYSTEM. Deleted with the ticket. A redacted
 * message keeps the fact, who and when; its body (and search terms) are gone.
 */
export const messages = pgTable(
  'messages',
  {
    ...tenantKeys(),
    ticketId: uuid('ticket_id').notNull(),
    authorType: messageAuthorTypeEnum('author_type').notNull(),
    /** The author when a person (CUSTOMER, REPRESENTATIVE); the agent configuration when AGENT; neither for SYSTEM. */
    authorUserId: uuid('author_user_id'),
    authorAgentId: uuid('author_agent_id'),
    visibility: messageVisibilityEnum('visibility').notNull().default('PUBLIC'),
    format: messageFormatEnum('format').notNull().default('TEXT'),
    /** NULL once redacted. */
    body: text('body'),
    /** AI messages: confidence (0–1), sources (≤ 20 {title, url}), model. Validated by the API. */
    metadata: jsonb('metadata').$type<MessageMetadata>(),
    redactedAt: timestamp('redacted_at', { withTimezone: true, mode: 'date', precision: 3 }),
    redactedByUserId: uuid('redacted_by_user_id'),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('messages', t.organizationId),
    tenantForeignKey('messages_ticket_fk', t.organizationId, t.ticketId, tickets).onDelete('cascade'),
    // Authors and redactors are kept (users and agents are deactivated, never deleted: NO ACTION).
    tenantForeignKey('messages_author_user_fk', t.organizationId, t.authorUserId, users),
    tenantForeignKey('messages_author_agent_fk', t.organizationId, t.authorAgentId, agentConfigurations),
    tenantForeignKey('messages_redacted_by_user_fk', t.organizationId, t.redactedByUserId, users),
    unique('messages_organization_id_id_key').on(t.organizationId, t.id),
    // The conversation, oldest first, both ways (uuid and timestamptz comparisons are LEAKPROOF: the cursor is an
    // index condition under RLS). The visibility filter is a filter on a ticket's rows, few by nature.
    index('messages_organization_id_ticket_id_created_at_id_idx').on(
      t.organizationId,
      t.ticketId,
      t.createdAt,
      t.id,
    ),
    index('messages_organization_id_author_user_id_idx')
      .on(t.organizationId, t.authorUserId)
      .where(sql`author_user_id is not null`),
    index('messages_organization_id_author_agent_id_idx')
      .on(t.organizationId, t.authorAgentId)
      .where(sql`author_agent_id is not null`),
    index('messages_organization_id_redacted_by_user_id_idx')
      .on(t.organizationId, t.redactedByUserId)
      .where(sql`redacted_by_user_id is not null`),
    check(
      'messages_author',
      sql`(author_type in ('CUSTOMER', 'REPRESENTATIVE') and author_user_id is not null and author_agent_id is null)
        or (author_type = 'AGENT' and author_agent_id is not null and author_user_id is null)
        or (author_type = 'SYSTEM' and author_user_id is null and author_agent_id is null)`,
    ),
    check('messages_body_size', sql.raw(`octet_length(body) <= ${MAX_MESSAGE_BODY_BYTES}`)),
    check('messages_body_not_blank', sql`btrim(body) <> ''`),
    check(
      'messages_redaction',
      sql`(redacted_at is null and redacted_by_user_id is null and body is not null)
        or (redacted_at is not null and redacted_by_user_id is not null and body is null)`,
    ),
    check(
      'messages_metadata',
      sql`metadata is null or (jsonb_typeof(metadata) = 'object' and author_type in ('AGENT', 'SYSTEM'))`,
    ),
    tenantIsolationPolicy(),
    // A CUSTOMER reads and writes only PUBLIC messages of its own tickets (the tickets subquery is under the
    // tickets' own policies as well). A scalar subquery, probed per row by the tickets' primary key: the planner
    // turned the former `exists (… t.customer_id = caller)` into a hashed subplan over every ticket of the caller
    // (O(the customer's tickets) per statement: 4,594 index entries for a page of 50 messages at 10⁶, issue 20).
    customerRowsPolicy(
      'customer_public_messages',
      `visibility = 'PUBLIC' and (select t.customer_id from public.tickets t where t.organization_id = messages.organization_id and t.id = messages.ticket_id) = ${CURRENT_PRINCIPAL_ID_SQL}`,
    ),
  ],
)

/**
 * Files attached to a message, stored in R2 under `storage_key` (tenant-prefixed); never public. Deleted with
 * their message. Whoever may read the message may read them: the policy asks the messages' own policies.
 */
export const messageAttachments = pgTable(
  'message_attachments',
  {
    ...tenantKeys(),
    messageId: uuid('message_id').notNull(),
    /** Sanitized by the API (no paths, controls or bidi overrides; ≤ 255 characters). */
    fileName: text('file_name').notNull(),
    /** One of the API's allow-listed media types. */
    contentType: text('content_type').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    /** Hex SHA-256 of the content. */
    sha256: text('sha256').notNull(),
    /** `<organization id>/tickets/<ticket id>/messages/<message id>/<attachment id>` in the ATTACHMENTS bucket. */
    storageKey: text('storage_key').notNull(),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('message_attachments', t.organizationId),
    tenantForeignKey('message_attachments_message_fk', t.organizationId, t.messageId, messages).onDelete(
      'cascade',
    ),
    unique('message_attachments_organization_id_id_key').on(t.organizationId, t.id),
    unique('message_attachments_storage_key_key').on(t.storageKey),
    index('message_attachments_organization_id_message_id_created_at_id_idx').on(
      t.organizationId,
      t.messageId,
      t.createdAt,
      t.id,
    ),
    check(
      'message_attachments_file_name',
      sql`btrim(file_name) <> '' and char_length(file_name) <= 255 and strpos(file_name, '/') = 0
        and strpos(file_name, chr(92)) = 0 and file_name !~ '[[:cntrl:]]'`,
    ),
    check('message_attachments_content_type_format', sql`content_type ~ '^[a-z]+/[a-z0-9.+-]+$'`),
    check('message_attachments_size', sql.raw(`size_bytes > 0 and size_bytes <= ${MAX_ATTACHMENT_BYTES}`)),
    check('message_attachments_sha256_format', sql`sha256 ~ '^[0-9a-f]{64}$'`),
    check(
      'message_attachments_storage_key_tenant',
      sql`starts_with(storage_key, organization_id::text || '/')`,
    ),
    tenantIsolationPolicy(),
    customerRowsPolicy(
      'customer_readable_messages',
      'exists (select 1 from public.messages m where m.organization_id = message_attachments.organization_id and m.id = message_attachments.message_id)',
    ),
  ],
)

/**
 * The search index of tickets (DATABASE.md, "Search under row-level security"): one row per ticket, lexeme and
 * audience (internal: only in INTERNAL notes), kept by triggers on tickets and messages in the writing
 * transaction. `@@` is not LEAKPROOF, so a GIN index could never serve app_api under RLS; text equality is, and
 * these btrees serve it. `documents` counts the ticket's texts holding the lexeme (subject + description is one;
 * each message another), so removing one text keeps lexemes the others still hold.
 */
export const ticketSearchTerms = pgTable(
  'ticket_search_terms',
  {
    organizationId: uuid('organization_id').notNull(),
    ticketId: uuid('ticket_id').notNull(),
    internal: boolean('internal').notNull(),
    lexeme: text('lexeme').notNull(),
    /** The ticket's customer: a customer's search reads its own postings only. */
    customerId: uuid('customer_id').notNull(),
    documents: integer('documents').notNull().default(1),
    /** When a text holding the lexeme was last written: the order in which a term's postings are read. */
    lastMentionedAt: timestamp('last_mentioned_at', {
      withTimezone: true,
      mode: 'date',
      precision: 3,
    }).notNull(),
  },
  (t) => [
    primaryKey({
      name: 'ticket_search_terms_pkey',
      columns: [t.organizationId, t.ticketId, t.internal, t.lexeme],
    }),
    organizationForeignKey('ticket_search_terms', t.organizationId),
    tenantForeignKey('ticket_search_terms_ticket_fk', t.organizationId, t.ticketId, tickets).onDelete(
      'cascade',
    ),
    // Staff: a term's most recent postings. Customers: their own public postings of a term.
    index('ticket_search_terms_lexeme_idx').on(t.organizationId, t.lexeme, t.lastMentionedAt, t.ticketId),
    index('ticket_search_terms_customer_lexeme_idx').on(
      t.organizationId,
      t.customerId,
      t.internal,
      t.lexeme,
      t.lastMentionedAt,
    ),
    check('ticket_search_terms_documents_positive', sql`documents > 0`),
    tenantIsolationPolicy(),
    customerRowsPolicy(
      'customer_public_terms',
      `internal = false and customer_id = ${CURRENT_PRINCIPAL_ID_SQL}`,
    ),
  ],
)
