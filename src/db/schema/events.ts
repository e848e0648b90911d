import { sql } from 'drizzle-orm'
import {
  bigint,
  check,
  index,
  jsonb,
  pgPolicy,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core'
import { tenantIsolationPolicy } from './helpers'
import { organizationForeignKey } from './tenancy'
import type { JsonObject } from './types'

/*
 * The event feed and audit history (transactional outbox). Rows are written only by the database: an AFTER
 * INSERT/UPDATE/DELETE row trigger on every table with a public resource (`app_record_event()`, custom migration
 * 0013) inserts them in the transaction of the change, so a change and its events commit or roll back together
 * and cost no extra round trip. app_api may only read them. Kept 30 days (EVENT_RETENTION_DAYS).
 */

/** What an event is about: one per public resource (the `<resource>` of `<resource>.<verb>`). */
export const eventObjectTypeValues = [
  'organization',
  'user',
  'representative',
  'customer',
  'agent',
  'decision_rule',
  'ticket',
  'escalation',
  'refund',
  'budget',
  'budget_usage',
  'message',
  'attachment',
] as const
export type EventObjectType = (typeof eventObjectTypeValues)[number]

/**
 * THE list of event types, `<resource>.<verb>` in the past tense. The database refuses any other (a CHECK built
 * from this list), the OpenAPI document and the README show it. The verb of an UPDATE comes from what changed:
 * the status (its own verb where the lifecycle names one: refund.approved, escalation.started, …; otherwise
 * `status_changed`), else the assignee (`assigned` / `unassigned`), else `updated`. An INSERT is `created`, and
 * also the verb of its status or assignee when it is born past the first step (a refund approved at once).
 */
export const eventTypeValues = [
  'organization.created',
  'organization.updated',
  'organization.status_changed',
  'user.created',
  'user.updated',
  'user.deleted',
  'representative.created',
  'representative.updated',
  'representative.status_changed',
  'representative.deleted',
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'agent.created',
  'agent.updated',
  'agent.status_changed',
  'agent.deleted',
  'decision_rule.created',
  'decision_rule.updated',
  'decision_rule.deleted',
  'ticket.created',
  'ticket.updated',
  'ticket.status_changed',
  'ticket.assigned',
  'ticket.unassigned',
  'ticket.deleted',
  'escalation.created',
  'escalation.updated',
  'escalation.assigned',
  'escalation.unassigned',
  'escalation.started',
  'escalation.resolved',
  'escalation.cancelled',
  'escalation.deleted',
  'refund.created',
  'refund.updated',
  'refund.approved',
  'refund.rejected',
  'refund.cancelled',
  'refund.processed',
  'refund.deleted',
  'budget.created',
  'budget.updated',
  'budget.deleted',
  'budget_usage.created',
  'budget_usage.updated',
  'budget_usage.deleted',
  'message.created',
  'message.updated',
  'message.redacted',
  'message.deleted',
  'attachment.created',
  'attachment.updated',
  'attachment.deleted',
] as const
export type EventType = (typeof eventTypeValues)[number]

/** Who made a change: a person (USER), an AI agent (AGENT), the platform's own jobs (SYSTEM), or an operator (PLATFORM). */
export const eventActorTypeValues = ['USER', 'AGENT', 'SYSTEM', 'PLATFORM'] as const
export type EventActorType = (typeof eventActorTypeValues)[number]

/** How long the feed keeps an event; the scheduled cleanup deletes older ones (src/cron/events.ts). */
export const EVENT_RETENTION_DAYS = 30

const quotedList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ')

export const events = pgTable(
  'events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull(),
    /** Insertion order: ties of created_at (one transaction's events share it) keep the order they happened in. */
    ordinal: bigint('ordinal', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    type: text('type').notNull(),
    objectType: text('object_type').notNull(),
    objectId: uuid('object_id').notNull(),
    /** The row after the change (before it, for a deletion), column names as in the database. */
    object: jsonb('object').$type<JsonObject>().notNull(),
    /** The changed columns' values before an UPDATE (version and updated_at left out); null otherwise. */
    previous: jsonb('previous').$type<JsonObject>(),
    /**
     * Who, besides the roles that read every object of its type, reads this event's object: the caller id its read
     * route's ownership rule names (an escalation's agent_configuration_id: the AGENT that opened it), else null.
     * Copied from `object` by a BEFORE INSERT trigger (app_set_event_owner, migration 0059; its mapping is the one
     * of ownedObjectTypes(), test/events/feed-owner.test.ts). A column, not `object ->> …`: under RLS only a
     * LEAKPROOF comparison is an index condition, and jsonb's `->>` is not, so the feed could only filter on it.
     */
    ownerId: uuid('owner_id'),
    actorType: text('actor_type').notNull(),
    /** The caller's role (CUSTOMER, REPRESENTATIVE, ADMIN, AGENT); null for SYSTEM and PLATFORM. */
    actorRole: text('actor_role'),
    /** The user or agent configuration id; null for SYSTEM and PLATFORM. */
    actorId: uuid('actor_id'),
    requestId: text('request_id'),
    idempotencyKey: text('idempotency_key'),
    /** The change's transaction start (now()): the same instant as the changed row's updated_at. */
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 })
      .notNull()
      .defaultNow(),
  },
  (t) => [
    organizationForeignKey('events', t.organizationId),
    // The target of the webhook deliveries' composite tenant foreign key.
    unique('events_organization_id_id_key').on(t.organizationId, t.id),
    // The feed's order, alone and behind the object type (wildcards, what a role may read) and the object id
    // (one object's history); all LEAKPROOF comparisons, so usable as index conditions under row-level security.
    index('events_organization_id_created_at_ordinal_idx').on(t.organizationId, t.createdAt, t.ordinal),
    index('events_organization_id_object_type_created_at_ordinal_idx').on(
      t.organizationId,
      t.objectType,
      t.createdAt,
      t.ordinal,
    ),
    // One exact type (`type=ticket.deleted`): a rare type behind its object type's index read every event of that
    // object type to fill a page (3,160 rows for 25 at 10⁵ events: npm run bench -- --scale --lists events).
    index('events_organization_id_type_created_at_ordinal_idx').on(
      t.organizationId,
      t.type,
      t.createdAt,
      t.ordinal,
    ),
    index('events_organization_id_object_id_created_at_ordinal_idx').on(
      t.organizationId,
      t.objectId,
      t.createdAt,
      t.ordinal,
    ),
    // What a caller reads of an object type it reads only in part (an AGENT's escalations): its own events, in the
    // feed's order, however many of that type the tenant has. Partial: most events have no owner.
    index('events_organization_id_owner_id_created_at_ordinal_idx')
      .on(t.organizationId, t.ownerId, t.createdAt, t.ordinal)
      .where(sql`owner_id is not null`),
    // The retention cleanup, across tenants.
    index('events_created_at_idx').on(t.createdAt),
    check('events_type_known', sql.raw(`type in (${quotedList(eventTypeValues)})`)),
    check('events_object_type_known', sql.raw(`object_type in (${quotedList(eventObjectTypeValues)})`)),
    check('events_type_of_object', sql`split_part(type, '.', 1) = object_type`),
    check('events_actor_type_known', sql.raw(`actor_type in (${quotedList(eventActorTypeValues)})`)),
    check('events_object_is_object', sql`jsonb_typeof(object) = 'object'`),
    tenantIsolationPolicy(),
    // docs/conversations.md §1: a CUSTOMER reads no events, in the database too (restrictive: it only narrows).
    // Reads only: the trigger writes events in a CUSTOMER's transactions as well.
    pgPolicy('no_customer_reads', {
      as: 'restrictive',
      for: 'select',
      to: 'public',
      using: sql`(select nullif(current_setting('app.principal_role', true), '')) is distinct from 'CUSTOMER'`,
    }),
  ],
)

export type Event = typeof events.$inferSelect
