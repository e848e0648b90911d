import { z } from '@hono/zod-openapi'
import type { PgColumn } from 'drizzle-orm/pg-core'
import {
  agentConfigurations,
  customerProfiles,
  escalations,
  messages,
  refunds,
  representatives,
  tickets,
  users,
} from '../db/schema'

/*
 * The relations one request may follow (`expand`, GraphQL): each is a foreign key of the schema (src/db/schema/
 * relations.ts; test/reads/relations.test.ts holds every edge to its drizzle relation), named as the API names the
 * related resource. A `one` edge goes from a reference field (e.g. a ticket's `customerId`) to the resource it names;
 * a `many` edge goes to the rows of another resource that reference this one (a ticket's escalations).
 */

/** The resources a read plan reaches, by their OpenAPI component (and GraphQL type) name. */
export const readNodeNames = [
  'Ticket',
  'Message',
  'Escalation',
  'Refund',
  'Customer',
  'Representative',
  'User',
  'Agent',
] as const
export type ReadNodeName = (typeof readNodeNames)[number]

export interface ReadEdge {
  to: ReadNodeName
  kind: 'one' | 'many'
  /** The parent's column that the child's column equals (the join: child.column = parent.column). */
  parent: PgColumn
  child: PgColumn
  /** The drizzle relation of the parent's table that this edge follows (for the consistency test). */
  relation: { table: 'users' | 'tickets' | 'escalations' | 'refunds' | 'representatives'; name: string }
  /** A `one` edge: the parent's response field holding the reference (a role that may not see it cannot expand). */
  via?: string
  description: string
}

export const readEdges: Record<ReadNodeName, Record<string, ReadEdge>> = {
  Ticket: {
    customer: {
      to: 'Customer',
      kind: 'one',
      parent: tickets.customerId,
      child: customerProfiles.userId,
      relation: { table: 'tickets', name: 'customer' },
      via: 'customerId',
      description: 'The customer who opened the ticket.',
    },
    assignedRepresentative: {
      to: 'Representative',
      kind: 'one',
      parent: tickets.assignedRepresentativeId,
      child: representatives.id,
      relation: { table: 'tickets', name: 'assignedRepresentative' },
      via: 'assignedRepresentativeId',
      description: 'The representative working on it (null: unassigned).',
    },
    messages: {
      to: 'Message',
      kind: 'many',
      parent: tickets.id,
      child: messages.ticketId,
      relation: { table: 'tickets', name: 'messages' },
      description: 'The conversation, oldest first.',
    },
    escalations: {
      to: 'Escalation',
      kind: 'many',
      parent: tickets.id,
      child: escalations.ticketId,
      relation: { table: 'tickets', name: 'escalations' },
      description: 'The ticket’s escalations, in the queue order.',
    },
    refunds: {
      to: 'Refund',
      kind: 'many',
      parent: tickets.id,
      child: refunds.ticketId,
      relation: { table: 'tickets', name: 'refunds' },
      description: 'The refunds of the ticket, newest first.',
    },
  },
  Message: {},
  Escalation: {
    ticket: {
      to: 'Ticket',
      kind: 'one',
      parent: escalations.ticketId,
      child: tickets.id,
      relation: { table: 'escalations', name: 'ticket' },
      via: 'ticketId',
      description: 'The escalated ticket.',
    },
    agent: {
      to: 'Agent',
      kind: 'one',
      parent: escalations.agentConfigurationId,
      child: agentConfigurations.id,
      relation: { table: 'escalations', name: 'agentConfiguration' },
      via: 'agentConfigurationId',
      description: 'The AI agent that escalated (null: a person did).',
    },
    assignedRepresentative: {
      to: 'Representative',
      kind: 'one',
      parent: escalations.assignedRepresentativeId,
      child: representatives.id,
      relation: { table: 'escalations', name: 'assignedRepresentative' },
      via: 'assignedRepresentativeId',
      description: 'The representative it is assigned to (null: in the queue).',
    },
  },
  Refund: {
    customer: {
      to: 'Customer',
      kind: 'one',
      parent: refunds.customerId,
      child: customerProfiles.userId,
      relation: { table: 'refunds', name: 'customer' },
      via: 'customerId',
      description: 'The customer refunded.',
    },
    ticket: {
      to: 'Ticket',
      kind: 'one',
      parent: refunds.ticketId,
      child: tickets.id,
      relation: { table: 'refunds', name: 'ticket' },
      via: 'ticketId',
      description: 'The ticket the refund belongs to (null: none).',
    },
  },
  Customer: {
    tickets: {
      to: 'Ticket',
      kind: 'many',
      parent: customerProfiles.userId,
      child: tickets.customerId,
      relation: { table: 'users', name: 'tickets' },
      description: 'The customer’s tickets, newest first.',
    },
    refunds: {
      to: 'Refund',
      kind: 'many',
      parent: customerProfiles.userId,
      child: refunds.customerId,
      relation: { table: 'users', name: 'refunds' },
      description: 'The customer’s refunds, newest first.',
    },
  },
  Representative: {
    user: {
      to: 'User',
      kind: 'one',
      parent: representatives.userId,
      child: users.id,
      relation: { table: 'representatives', name: 'user' },
      via: 'userId',
      description: 'The representative’s user account.',
    },
  },
  User: {},
  Agent: {},
}

/** Limits of one request's reads (docs/conversations.md §6). */
export const readLimits = {
  /** `expand`: segments of one dotted path. */
  expandDepth: 3,
  /** `expand`: paths per request. */
  expandPaths: 10,
  /** Items of a nested list (per branch); the rest through the related resource's own list route. */
  nestedPage: 20,
  /** GraphQL: fields from the root field to the deepest leaf (connection wrappers `nodes`/`pageInfo` not counted). */
  graphqlDepth: 6,
  /** GraphQL: rows a document may ask for at most, each nested list counted at its page size times its parents'. */
  graphqlCost: 5_000,
  /** GraphQL: the document's size (UTF-8 bytes). */
  graphqlDocumentBytes: 16 * 1024,
  /** GraphQL: mutation fields of one document (each is its REST request, run one after the other). */
  graphqlMutations: 10,
} as const

/** The dotted paths `expand` accepts from a resource: every chain of edges up to the depth limit. */
export function expandPathsFrom(node: ReadNodeName, depth: number = readLimits.expandDepth): string[] {
  if (depth === 0) return []
  return Object.entries(readEdges[node]).flatMap(([name, edge]) => [
    name,
    ...expandPathsFrom(edge.to, depth - 1).map((rest) => `${name}.${rest}`),
  ])
}

/**
 * The `expand` query parameter of a resource's GET and list operations: comma-separated dotted paths, declared with
 * the paths it accepts (`x-expandable`); checked by src/reads/expand.ts.
 */
export function expandParameter(node: ReadNodeName) {
  const paths = expandPathsFrom(node)
  return z
    .string()
    .max(1000)
    .optional()
    .openapi({
      description:
        `Related resources to embed, read in the same database round trip: comma-separated dotted paths (at ` +
        `most ${readLimits.expandPaths}, each at most ${readLimits.expandDepth} deep), e.g. ` +
        `\`${paths.slice(0, 2).join(',')}\`. A path's parents are expanded too. A role that may not read a ` +
        'related resource (its GET operation) cannot expand it (403 naming the path); nested lists give their ' +
        `first ${readLimits.nestedPage} items and \`nextUrl\` for the rest. Allowed paths: ${paths.join(', ')}.`,
      'x-expandable': paths,
      example: paths.slice(0, 2).join(','),
    })
}
