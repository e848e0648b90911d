import { sql } from 'drizzle-orm'
import {
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core'
import { agentConfigurations } from './automation'
import {
  escalationPriorityEnum,
  escalationReasonEnum,
  escalationReasonValues,
  escalationStatusEnum,
  escalationStatusValues,
  messageAuthorTypeEnum,
  ticketCategoryEnum,
  ticketCategoryValues,
  ticketPriorityEnum,
  ticketStatusEnum,
  ticketStatusValues,
} from './enums'
// A cycle (refunds reference tickets): `refunds` is read only inside the table's config callback, after both load.
import { refunds } from './finance'
import { customerOwnRowsPolicy, tenantIsolationPolicy, tenantKeys, versionAndTimestamps } from './helpers'
import { representatives } from './people'
import { organizationForeignKey, tenantForeignKey, users } from './tenancy'

/**
 * A satisfaction rating's range and its comment's longest length: the tickets CHECKs below read them, and so do the
 * API's request and response schemas (src/resources/tickets/tickets.schemas.ts), so the three never disagree.
 */
export const SATISFACTION_RATING_MIN = 1
export const SATISFACTION_RATING_MAX = 5
export const SATISFACTION_COMMENT_MAX_LENGTH = 1000

/** Support tickets. `ticket_number` comes from organizations.ticket_sequence (TICKET-1001, ...). */
export const tickets = pgTable(
  'tickets',
  {
    ...tenantKeys(),
    ticketNumber: text('ticket_number').notNull(),
    customerId: uuid('customer_id').notNull(),
    assignedRepresentativeId: uuid('assigned_representative_id'),
    subject: text('subject').notNull(),
    description: text('description').notNull(),
    status: ticketStatusEnum('status').notNull().default('OPEN'),
    priority: ticketPriorityEnum('priority').notNull().default('MEDIUM'),
    category: ticketCategoryEnum('category').notNull().default('OTHER'),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    firstResponseAt: timestamp('first_response_at', { withTimezone: true, mode: 'date' }),
    /**
     * Who gave the first response (REPRESENTATIVE: a person; AGENT: an AI agent) and their user or agent
     * configuration id: a copy of the author, kept when the author is gone (no reference).
     */
    firstResponseByType: messageAuthorTypeEnum('first_response_by_type'),
    firstResponseById: uuid('first_response_by_id'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    closedAt: timestamp('closed_at', { withTimezone: true, mode: 'date' }),
    /**
     * The customer's satisfaction rating (1..5; PUT /v1/tickets/{ticketId}/satisfaction, RESOLVED or CLOSED
     * tickets only), an optional comment, and when it was last given (a new rating replaces it). CSAT in metrics.
     */
    satisfactionRating: smallint('satisfaction_rating'),
    satisfactionComment: text('satisfaction_comment'),
    satisfactionRatedAt: timestamp('satisfaction_rated_at', { withTimezone: true, mode: 'date' }),
    /**
     * `priority` as a number (LOW 1 … URGENT 4), kept by Postgres: the ±priority sorts and the priority filter use
     * it, because integer comparisons are LEAKPROOF and enum ones are not (see the indexes below).
     */
    priorityLevel: integer('priority_level')
      .notNull()
      .generatedAlwaysAs(
        sql`case priority when 'URGENT' then 4 when 'HIGH' then 3 when 'MEDIUM' then 2 else 1 end`,
      ),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('tickets', t.organizationId),
    tenantForeignKey('tickets_customer_fk', t.organizationId, t.customerId, users),
    // ON DELETE SET NULL (assigned_representative_id): re-created so by the custom migration.
    tenantForeignKey(
      'tickets_assigned_representative_fk',
      t.organizationId,
      t.assignedRepresentativeId,
      representatives,
    ).onDelete('set null'),
    unique('tickets_organization_id_id_key').on(t.organizationId, t.id),
    unique('tickets_organization_id_ticket_number_key').on(t.organizationId, t.ticketNumber),
    // Keyset pagination: every sort, and every list filter + the (created_at, id) cursor order. For the API's role
    // (app_api, under row-level security) only LEAKPROOF comparisons become index conditions: uuid, timestamptz,
    // integer, boolean, text equality do; enum comparisons do not. So an enum filter is served by one partial index
    // per value (the planner proves `status = 'CLOSED'` implies the index predicate), priority by priority_level.
    // Measured by `npm run bench -- --scale` (README, "Lists at 10⁶ rows").
    index('tickets_organization_id_created_at_id_idx').on(t.organizationId, t.createdAt, t.id),
    index('tickets_organization_id_updated_at_id_idx').on(t.organizationId, t.updatedAt, t.id),
    index('tickets_organization_id_priority_level_created_at_id_idx').on(
      t.organizationId,
      t.priorityLevel,
      t.createdAt,
      t.id,
    ),
    ...ticketStatusValues.map((value) =>
      index(`tickets_status_${value.toLowerCase()}_idx`)
        .on(t.organizationId, t.createdAt, t.id)
        .where(sql.raw(`status = '${value}'`)),
    ),
    ...ticketCategoryValues.map((value) =>
      index(`tickets_category_${value.toLowerCase()}_idx`)
        .on(t.organizationId, t.createdAt, t.id)
        .where(sql.raw(`category = '${value}'`)),
    ),
    // The representative inbox: open tickets of one assignee (or unassigned ones), by priority.
    index('tickets_open_queue_idx')
      .on(t.organizationId, t.assignedRepresentativeId, t.priorityLevel, t.createdAt, t.id)
      .where(sql.raw(`status in ('OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER')`)),
    index('tickets_organization_id_assignee_created_at_id_idx').on(
      t.organizationId,
      t.assignedRepresentativeId,
      t.createdAt,
      t.id,
    ),
    index('tickets_organization_id_customer_id_created_at_id_idx').on(
      t.organizationId,
      t.customerId,
      t.createdAt,
      t.id,
    ),
    // The metrics computation reads the tickets with an event in its span: created_at through the index above, the
    // other events through these (null until the event happens, hence partial). The span's bounds are timestamptz
    // comparisons, LEAKPROOF, so they stay index conditions under RLS. Measured by `npm run bench:metrics` (README).
    ...(['firstResponseAt', 'resolvedAt', 'closedAt', 'satisfactionRatedAt'] as const).map((key) =>
      index(`tickets_organization_id_${t[key].name}_idx`)
        .on(t.organizationId, t[key])
        .where(sql.raw(`${t[key].name} is not null`)),
    ),
    check('tickets_ticket_number_format', sql`ticket_number ~ '^TICKET-[0-9]+$'`),
    check('tickets_subject_not_blank', sql`btrim(subject) <> ''`),
    check('tickets_tags_is_array', sql`jsonb_typeof(tags) = 'array'`),
    check(
      'tickets_first_response_by',
      sql`(first_response_by_type is null and first_response_by_id is null)
        or (first_response_by_type in ('REPRESENTATIVE', 'AGENT') and first_response_by_id is not null
          and first_response_at is not null)`,
    ),
    check(
      'tickets_satisfaction_rating_range',
      sql`satisfaction_rating between ${sql.raw(String(SATISFACTION_RATING_MIN))} and ${sql.raw(String(SATISFACTION_RATING_MAX))}`,
    ),
    check(
      'tickets_satisfaction_comment_length',
      sql`char_length(satisfaction_comment) <= ${sql.raw(String(SATISFACTION_COMMENT_MAX_LENGTH))}`,
    ),
    // A rating has its time; a comment comes only with a rating.
    check(
      'tickets_satisfaction_rated',
      sql`(satisfaction_rating is null) = (satisfaction_rated_at is null)
        and (satisfaction_comment is null or satisfaction_rating is not null)`,
    ),
    tenantIsolationPolicy(),
    customerOwnRowsPolicy('customer_id'),
  ],
)

/** Conversations an AI agent handed to a human; deleted with their ticket. */
export const escalations = pgTable(
  'escalations',
  {
    ...tenantKeys(),
    ticketId: uuid('ticket_id').notNull(),
    agentConfigurationId: uuid('agent_configuration_id'),
    assignedRepresentativeId: uuid('assigned_representative_id'),
    priority: escalationPriorityEnum('priority').notNull().default('MEDIUM'),
    status: escalationStatusEnum('status').notNull().default('PENDING'),
    reason: escalationReasonEnum('reason').notNull(),
    summary: text('summary'),
    /** The agent's confidence when it escalated, 0..1. */
    aiConfidence: numeric('ai_confidence', { precision: 5, scale: 4, mode: 'string' }),
    assignedAt: timestamp('assigned_at', { withTimezone: true, mode: 'date' }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    resolutionNotes: text('resolution_notes'),
    /**
     * The refund whose decision this escalation asks a person for (one the rules escalated): once the refund is
     * decided or withdrawn the escalation is done, RESOLVED or CANCELLED by the database (migration 0071).
     */
    refundId: uuid('refund_id'),
    /**
     * The queue position of `priority` (CRITICAL 1 … LOW 4), kept by Postgres: the representative queue's order
     * "priority desc, then oldest first" is then one ascending keyset (priority_rank, created_at, id).
     */
    priorityRank: integer('priority_rank')
      .notNull()
      .generatedAlwaysAs(
        sql`case priority when 'CRITICAL' then 1 when 'HIGH' then 2 when 'MEDIUM' then 3 else 4 end`,
      ),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('escalations', t.organizationId),
    tenantForeignKey('escalations_ticket_fk', t.organizationId, t.ticketId, tickets).onDelete('cascade'),
    // The two nullable references below are ON DELETE SET NULL (column): see the custom migration.
    tenantForeignKey(
      'escalations_agent_configuration_fk',
      t.organizationId,
      t.agentConfigurationId,
      agentConfigurations,
    ).onDelete('set null'),
    tenantForeignKey(
      'escalations_assigned_representative_fk',
      t.organizationId,
      t.assignedRepresentativeId,
      representatives,
    ).onDelete('set null'),
    // Refunds are never deleted but with their organization (which deletes its escalations too).
    tenantForeignKey('escalations_refund_fk', t.organizationId, t.refundId, refunds),
    index('escalations_refund_id_idx').on(t.organizationId, t.refundId).where(sql`refund_id is not null`),
    index('escalations_organization_id_created_at_id_idx').on(t.organizationId, t.createdAt, t.id),
    // The queue order (priority desc, oldest first: priority_rank, created_at, id) alone and behind each filter of
    // the list. As for tickets: under row-level security only LEAKPROOF comparisons (uuid, integer, IS NULL)
    // become index conditions for app_api, enum ones do not, so each status and each reason value has a partial
    // index in the queue order, and the priority filter uses priority_rank. The ticket, agent and assignee ones
    // also serve their foreign keys and the open-load count of assignment.
    index('escalations_queue_idx').on(t.organizationId, t.priorityRank, t.createdAt, t.id),
    ...escalationStatusValues.map((value) =>
      index(`escalations_status_${value.toLowerCase()}_queue_idx`)
        .on(t.organizationId, t.priorityRank, t.createdAt, t.id)
        .where(sql.raw(`status = '${value}'`)),
    ),
    // The open queue (PENDING, ASSIGNED, IN_PROGRESS) in both orders: `status=PENDING,ASSIGNED,IN_PROGRESS` is no
    // single-value partial index's predicate, and `status=PENDING&sort=createdAt` read every resolved escalation
    // before the few stale open ones (issue 17). One status of the three reads about three rows per row listed.
    index('escalations_open_queue_idx')
      .on(t.organizationId, t.priorityRank, t.createdAt, t.id)
      .where(sql`status in ('PENDING', 'ASSIGNED', 'IN_PROGRESS')`),
    index('escalations_open_created_at_idx')
      .on(t.organizationId, t.createdAt, t.id)
      .where(sql`status in ('PENDING', 'ASSIGNED', 'IN_PROGRESS')`),
    ...escalationReasonValues.map((value) =>
      index(`escalations_reason_${value.toLowerCase()}_queue_idx`)
        .on(t.organizationId, t.priorityRank, t.createdAt, t.id)
        .where(sql.raw(`reason = '${value}'`)),
    ),
    ...(['ticketId', 'agentConfigurationId', 'assignedRepresentativeId'] as const).map((filter) =>
      index(`escalations_${t[filter].name}_queue_idx`).on(
        t.organizationId,
        t[filter],
        t.priorityRank,
        t.createdAt,
        t.id,
      ),
    ),
    // The agent and assignee filters in creation order (sort=±createdAt): the queue-order ones cannot give it, and at
    // 10⁶ the planner walked (organization, created_at) instead, filtering 1,000+ rows a page (issue 17). A ticket
    // has few escalations, so ticketId needs no second order.
    ...(['agentConfigurationId', 'assignedRepresentativeId'] as const).map((filter) =>
      index(`escalations_${t[filter].name}_created_at_idx`).on(
        t.organizationId,
        t[filter],
        t.createdAt,
        t.id,
      ),
    ),
    // The unassigned ones (`assignedRepresentativeId=none`) in both orders: scattered among the assigned history,
    // they cost 300-650 rows a page through the general indexes (1.26-1.52x). IS NULL is no operator, so RLS
    // leaves it an index condition.
    index('escalations_unassigned_queue_idx')
      .on(t.organizationId, t.priorityRank, t.createdAt, t.id)
      .where(sql`assigned_representative_id is null`),
    index('escalations_unassigned_created_at_idx')
      .on(t.organizationId, t.createdAt, t.id)
      .where(sql`assigned_representative_id is null`),
    check('escalations_ai_confidence_range', sql`ai_confidence >= 0 and ai_confidence <= 1`),
    tenantIsolationPolicy(),
  ],
)
