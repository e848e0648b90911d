import type { z } from '@hono/zod-openapi'
import { getTableColumns } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { Principal, PrincipalRole } from '../../auth/principal'
import {
  type AgentConfiguration,
  agentConfigurations,
  type Budget,
  type BudgetUsageRecord,
  budgets,
  budgetUsageRecords,
  customerProfiles,
  type DecisionRule,
  decisionRules,
  type EventObjectType,
  escalations,
  type JsonObject,
  type Message,
  type MessageAttachment,
  messageAttachments,
  messages,
  type Organization,
  organizations,
  type Refund,
  refunds,
  representatives,
  type Ticket,
  tickets,
  users,
} from '../../db/schema'
import { represent } from '../../lib/representation'
import type { Permission } from '../../middleware/authorize'
import { toAgent } from '../agents/agents.index'
import * as agentRoutes from '../agents/agents.routes'
import { AgentSchema } from '../agents/agents.schemas'
import { toBudget } from '../budgets/budgets.index'
import * as budgetRoutes from '../budgets/budgets.routes'
import { BudgetSchema, BudgetUsageSchema } from '../budgets/budgets.schemas'
import type { CustomerRow } from '../customers/customers.data'
import { toCustomer } from '../customers/customers.index'
import * as customerRoutes from '../customers/customers.routes'
import { CustomerSchema } from '../customers/customers.schemas'
import { toRule } from '../decision-rules/decision-rules.index'
import * as ruleRoutes from '../decision-rules/decision-rules.routes'
import { DecisionRuleSchema } from '../decision-rules/decision-rules.schemas'
import type { EscalationRow } from '../escalations/escalations.data'
import { toEscalation } from '../escalations/escalations.index'
import * as escalationRoutes from '../escalations/escalations.routes'
import { EscalationSchema } from '../escalations/escalations.schemas'
import * as attachmentRoutes from '../messages/attachments.routes'
import * as messageRoutes from '../messages/messages.routes'
import { AttachmentSchema, MessageSchema, toAttachment, toMessage } from '../messages/messages.schemas'
import * as organizationRoutes from '../organizations/organizations.routes'
import { OrganizationSchema, toOrganization } from '../organizations/organizations.schemas'
import { toRefund } from '../refunds/refunds.index'
import * as refundRoutes from '../refunds/refunds.routes'
import { RefundSchema } from '../refunds/refunds.schemas'
import type { RepresentativeRow } from '../representatives/representatives.data'
import { toRepresentative } from '../representatives/representatives.index'
import * as representativeRoutes from '../representatives/representatives.routes'
import { RepresentativeSchema } from '../representatives/representatives.schemas'
import * as ticketRoutes from '../tickets/tickets.routes'
import { TicketSchema, toTicket } from '../tickets/tickets.schemas'
import type { UserRow } from '../users/users.data'
import { toUser } from '../users/users.index'
import * as userRoutes from '../users/users.routes'
import { UserSchema } from '../users/users.schemas'

/*
 * What an event's object is, per object type: the table its stored row comes from (app_record_event stores the row
 * as to_jsonb(row), with the joined fields of the resources whose representation joins the users table), the
 * resource's own representation (the one its REST GET answers, for the reader), and the route that guards reading
 * it. Who may read an object type's events is derived from that route's declared permission, never listed here.
 */

/** A route declared with protectedRoute: its permission as the OpenAPI document shows it. */
interface ReadRoute {
  'x-permission': { roles: readonly PrincipalRole[]; ownership: Partial<Record<PrincipalRole, unknown>> }
}

export interface EventObjectKind {
  /** The table of the stored row, and the joined fields the trigger adds (stored name → column, for its type). */
  table: PgTable
  joined?: Record<string, { key: string; column: PgColumn }>
  /** The operation whose permission decides who may read these events. */
  readRoute: ReadRoute
  /**
   * That operation's ownership rules, for a role it lets read only its own rows: the feed applies the rule on the
   * object's own table to the stored object (`ownedObjectTypes`). Without them such a role reads none of these events.
   */
  ownership?: Permission['ownership']
  /** The response schema of the object (the OpenAPI document's `data.object` is one of them). */
  schema: z.ZodObject
  represent(row: Record<string, unknown>, reader: Principal): Record<string, unknown>
}

const userJoined = {
  name: { key: 'name', column: users.name },
  email: { key: 'email', column: users.email },
  is_active: { key: 'isActive', column: users.isActive },
}

/** Every object type the database records events of (the Record makes a new one fail to compile until added). */
export const eventObjects: Record<EventObjectType, EventObjectKind> = {
  organization: {
    table: organizations,
    readRoute: organizationRoutes.getOrganization,
    schema: OrganizationSchema,
    represent: (row) => toOrganization(row as Organization),
  },
  user: {
    table: users,
    joined: { representative_id: { key: 'representativeId', column: representatives.id } },
    readRoute: userRoutes.getUser,
    schema: UserSchema,
    represent: (row, reader) => toUser(row as UserRow, reader),
  },
  representative: {
    table: representatives,
    joined: userJoined,
    readRoute: representativeRoutes.getRepresentative,
    schema: RepresentativeSchema,
    represent: (row, reader) => toRepresentative(row as RepresentativeRow, reader),
  },
  customer: {
    table: customerProfiles,
    joined: { ...userJoined, user_created_at: { key: 'userCreatedAt', column: users.createdAt } },
    readRoute: customerRoutes.getCustomer,
    schema: CustomerSchema,
    represent: (row, reader) => toCustomer(row as CustomerRow, reader),
  },
  agent: {
    table: agentConfigurations,
    readRoute: agentRoutes.getAgent,
    schema: AgentSchema,
    represent: (row, reader) => toAgent(row as AgentConfiguration, reader),
  },
  decision_rule: {
    table: decisionRules,
    readRoute: ruleRoutes.getRule,
    schema: DecisionRuleSchema,
    represent: (row, reader) => toRule(row as DecisionRule, reader),
  },
  ticket: {
    table: tickets,
    readRoute: ticketRoutes.getTicket,
    schema: TicketSchema,
    represent: (row, reader) => toTicket(row as Ticket, reader),
  },
  escalation: {
    table: escalations,
    readRoute: escalationRoutes.getEscalation,
    // An AGENT reads the escalations it opened.
    ownership: escalationRoutes.readers.ownership,
    schema: EscalationSchema,
    // allowedActions as for a reader who is not the assignee: what the reader may do is a question for now, not
    // for the moment of the event.
    represent: (row, reader) =>
      toEscalation({ ...row, callerRepresentativeId: null } as EscalationRow, reader.role),
  },
  refund: {
    table: refunds,
    readRoute: refundRoutes.getRefund,
    schema: RefundSchema,
    represent: (row, reader) => toRefund(row as Refund, reader),
  },
  budget: {
    table: budgets,
    readRoute: budgetRoutes.getBudget,
    schema: BudgetSchema,
    represent: (row, reader) => toBudget(row as Budget, reader),
  },
  budget_usage: {
    table: budgetUsageRecords,
    readRoute: budgetRoutes.listUsage,
    schema: BudgetUsageSchema,
    represent: (row, reader) => represent(BudgetUsageSchema, row as BudgetUsageRecord, reader),
  },
  message: {
    table: messages,
    readRoute: messageRoutes.getMessage,
    schema: MessageSchema,
    // Attachments are stored after their message (and listed by its GET): an event's message carries none.
    represent: (row, reader) => toMessage({ ...(row as Message), attachments: [] }, reader),
  },
  attachment: {
    table: messageAttachments,
    // The message's permission (conversationUsers): who reads a note reads its files' events, no one else.
    readRoute: attachmentRoutes.getAttachment,
    schema: AttachmentSchema,
    represent: (row) => toAttachment(row as MessageAttachment),
  },
}

/**
 * The object types whose events `role` may read: those whose read operation allows the role on every row (a role
 * the route restricts to its own rows reads those through `ownedObjectTypes`). ADMIN reads all.
 */
export function readableObjectTypes(role: PrincipalRole): EventObjectType[] {
  return (Object.keys(eventObjects) as EventObjectType[]).filter((type) => {
    const permission = eventObjects[type].readRoute['x-permission']
    return role === 'ADMIN' || (permission.roles.includes(role) && permission.ownership[role] === undefined)
  })
}

/** An object type a role reads only in part: its events whose stored object has the caller's id in `column`. */
export interface OwnedObjectType {
  type: EventObjectType
  column: string
}

/**
 * The object types whose events `role` may read only in part, as their read operation allows it: the ownership rule
 * of the role on the object's own table (a key column that must be the caller's id, e.g. an AGENT's escalations),
 * applied to the stored object. A type whose rule is not of that form is not readable in part (none of its events).
 * The database copies that key of the stored object into events.owner_id as it records the event (migration 0059,
 * app_event_owner_key: test/events/feed-owner.test.ts holds it to this list), which the feed compares.
 */
export function ownedObjectTypes(role: PrincipalRole): OwnedObjectType[] {
  return (Object.keys(eventObjects) as EventObjectType[]).flatMap((type) => {
    const kind = eventObjects[type]
    const permission = kind.readRoute['x-permission']
    if (role === 'ADMIN' || !permission.roles.includes(role) || permission.ownership[role] === undefined)
      return []
    const rule = kind.ownership?.[role]?.rules.find(
      (candidate) => (candidate.table as PgTable) === kind.table,
    )
    const column = rule?.key === undefined ? undefined : getTableColumns(kind.table)[rule.key]?.name
    return column === undefined ? [] : [{ type, column }]
  })
}

/** The kind of an event's object (object_type is one of the list: a CHECK of the events table). */
export function eventObjectKind(type: string): EventObjectKind {
  return eventObjects[type as EventObjectType]
}

/**
 * The stored row (to_jsonb: column names, timestamps as ISO strings, numerics as JSON numbers) as the row a
 * select returns (property names, Dates, numerics as decimal strings of the column's scale), joined fields included.
 */
export function rowFromStored(kind: EventObjectKind, stored: JsonObject): Record<string, unknown> {
  const row: Record<string, unknown> = {}
  const columns = [
    ...Object.entries(getTableColumns(kind.table)).map(
      ([key, column]) => [column.name, { key, column }] as const,
    ),
    ...Object.entries(kind.joined ?? {}),
  ]
  for (const [name, { key, column }] of columns) row[key] = valueFromStored(column, stored[name])
  return row
}

function valueFromStored(column: PgColumn, value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (column.columnType === 'PgTimestamp' && typeof value === 'string') return new Date(value)
  if (column.columnType === 'PgNumeric' && typeof value === 'number') {
    const scale = (column as unknown as { scale?: number }).scale ?? 0
    return value.toFixed(scale)
  }
  return value
}
