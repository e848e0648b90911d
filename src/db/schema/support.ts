import { sql } from 'drizzle-orm'
import {
  check,
  foreignKey,
  index,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core'
import { agentConfigurations } from './automation'
import {
  escalationPriorityEnum,
  escalationReasonEnum,
  escalationStatusEnum,
  ticketCategoryEnum,
  ticketPriorityEnum,
  ticketStatusEnum,
} from './enums'
import { customerOwnRowsPolicy, tenantIsolationPolicy, tenantKeys, versionAndTimestamps } from './helpers'
import { representatives } from './people'
import { organizationForeignKey, users } from './tenancy'

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
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    closedAt: timestamp('closed_at', { withTimezone: true, mode: 'date' }),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('tickets', t.organizationId),
    foreignKey({
      name: 'tickets_customer_fk',
      columns: [t.organizationId, t.customerId],
      foreignColumns: [users.organizationId, users.id],
    }),
    // ON DELETE SET NULL (assigned_representative_id): re-created so by the custom migration.
    foreignKey({
      name: 'tickets_assigned_representative_fk',
      columns: [t.organizationId, t.assignedRepresentativeId],
      foreignColumns: [representatives.organizationId, representatives.id],
    }).onDelete('set null'),
    unique('tickets_organization_id_id_key').on(t.organizationId, t.id),
    unique('tickets_organization_id_ticket_number_key').on(t.organizationId, t.ticketNumber),
    // Keyset pagination: every list filter + the (created_at, id) cursor order.
    index('tickets_organization_id_created_at_id_idx').on(t.organizationId, t.createdAt, t.id),
    index('tickets_organization_id_status_created_at_id_idx').on(
      t.organizationId,
      t.status,
      t.createdAt,
      t.id,
    ),
    index('tickets_organization_id_priority_created_at_id_idx').on(
      t.organizationId,
      t.priority,
      t.createdAt,
      t.id,
    ),
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
    index('tickets_organization_id_category_created_at_id_idx').on(
      t.organizationId,
      t.category,
      t.createdAt,
      t.id,
    ),
    check('tickets_ticket_number_format', sql`ticket_number ~ '^TICKET-[0-9]+$'`),
    check('tickets_subject_not_blank', sql`btrim(subject) <> ''`),
    check('tickets_tags_is_array', sql`jsonb_typeof(tags) = 'array'`),
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
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('escalations', t.organizationId),
    foreignKey({
      name: 'escalations_ticket_fk',
      columns: [t.organizationId, t.ticketId],
      foreignColumns: [tickets.organizationId, tickets.id],
    }).onDelete('cascade'),
    // The two nullable references below are ON DELETE SET NULL (column): see the custom migration.
    foreignKey({
      name: 'escalations_agent_configuration_fk',
      columns: [t.organizationId, t.agentConfigurationId],
      foreignColumns: [agentConfigurations.organizationId, agentConfigurations.id],
    }).onDelete('set null'),
    foreignKey({
      name: 'escalations_assigned_representative_fk',
      columns: [t.organizationId, t.assignedRepresentativeId],
      foreignColumns: [representatives.organizationId, representatives.id],
    }).onDelete('set null'),
    index('escalations_organization_id_created_at_id_idx').on(t.organizationId, t.createdAt, t.id),
    index('escalations_organization_id_status_created_at_id_idx').on(
      t.organizationId,
      t.status,
      t.createdAt,
      t.id,
    ),
    index('escalations_organization_id_ticket_id_idx').on(t.organizationId, t.ticketId),
    index('escalations_organization_id_agent_configuration_id_idx').on(
      t.organizationId,
      t.agentConfigurationId,
    ),
    index('escalations_organization_id_assignee_created_at_id_idx').on(
      t.organizationId,
      t.assignedRepresentativeId,
      t.createdAt,
      t.id,
    ),
    check('escalations_ai_confidence_range', sql`ai_confidence >= 0 and ai_confidence <= 1`),
    tenantIsolationPolicy(),
  ],
)
