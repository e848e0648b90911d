import type { z } from '@hono/zod-openapi'
import { eq, getTableColumns, type SQL, sql } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import type { Principal } from '../auth/principal'
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
import type { TenantDb, TenantTable } from '../db/tenant'
import { errors } from '../lib/errors'
import type { SortOrder } from '../lib/pagination'
import { permissionOf } from '../lib/routes'
import type { Permission } from '../middleware/authorize'
import { toAgent } from '../resources/agents/agents.index'
import { getAgent } from '../resources/agents/agents.routes'
import { AgentSchema } from '../resources/agents/agents.schemas'
import { toCustomer } from '../resources/customers/customers.index'
import { getCustomer } from '../resources/customers/customers.routes'
import { CustomerSchema } from '../resources/customers/customers.schemas'
import * as escalationData from '../resources/escalations/escalations.data'
import { toEscalation } from '../resources/escalations/escalations.index'
import { getEscalation, listEscalations } from '../resources/escalations/escalations.routes'
import { EscalationSchema, ListEscalationsQuerySchema } from '../resources/escalations/escalations.schemas'
import * as messageData from '../resources/messages/messages.data'
import { getMessage } from '../resources/messages/messages.routes'
import { MessageSchema, toMessage } from '../resources/messages/messages.schemas'
import * as refundData from '../resources/refunds/refunds.data'
import { toRefund } from '../resources/refunds/refunds.index'
import { getRefund, listRefunds } from '../resources/refunds/refunds.routes'
import { ListRefundsQuerySchema, RefundSchema } from '../resources/refunds/refunds.schemas'
import { toRepresentative } from '../resources/representatives/representatives.index'
import { getRepresentative } from '../resources/representatives/representatives.routes'
import { RepresentativeSchema } from '../resources/representatives/representatives.schemas'
import { ticketListSort, ticketNumberIn } from '../resources/tickets/ticket-search'
import * as ticketData from '../resources/tickets/tickets.data'
import { getTicket, listTickets } from '../resources/tickets/tickets.routes'
import {
  ListTicketsQuerySchema,
  refuseHiddenTicketFilters,
  TicketSchema,
  toTicket,
} from '../resources/tickets/tickets.schemas'
import { toUser } from '../resources/users/users.index'
import { getUser } from '../resources/users/users.routes'
import { UserSchema } from '../resources/users/users.schemas'
import { type ReadEdge, type ReadNodeName, readEdges } from './relations'

/*
 * How each resource is read by a read plan (src/reads/planner.ts), from the resource's own pieces: its row (the
 * fields its data module selects), its representation (the `toX` its routes answer with), the permission of its GET
 * route (roles, and ownership rules applied at every level it is reached), and, for the resources listed at the
 * root, the list route's query schema, filters and sorts. Nothing here restates a rule of a resource.
 */

/** A row's field: a column of the node's table, or an expression on the node's row (named by the table). */
export type RowField = PgColumn | SQL

export interface ReadList {
  /** The list route (its permission applies to a root list) and its query schema (GraphQL's arguments). */
  route: object
  path: string
  query: z.ZodObject
  sorts: Record<string, SortOrder>
  defaultSort: string
  /**
   * The list's own filters from its parsed query (and its sort, which a ticket search would decide); a filter the
   * reader may not use (on a field it does not see) is refused as its list route refuses it.
   */
  plan(query: Record<string, unknown>, reader: Principal): { filters: Array<SQL | undefined>; sort: string }
}

export interface ReadNode {
  name: ReadNodeName
  table: TenantTable
  /** What identifies the resource in its URL (a customer is its user id). */
  identity: PgColumn
  fields(db: TenantDb): Record<string, RowField>
  schema: z.ZodObject
  represent(row: Record<string, unknown>, principal: Principal): Record<string, unknown>
  /** GET one: who may read the resource at all, and the ownership rules of each role. */
  getRoute: object
  list?: ReadList
}

/** A `many` edge's continuation: the related resource's own list route, filtered to this parent, in its order. */
export interface ReadContinuation {
  path: (parentId: string) => string
  params: (parentId: string) => Record<string, string>
  /** The list's path ids for this parent: its cursors are bound to them too (`filterKey`), not in the URL's query. */
  pathIds?: (parentId: string) => Record<string, string>
  sortName: string
  order: SortOrder
}

/** A user's field, read where the row names its user in `userColumn` (a scalar subquery by primary key). */
function userField(organizationColumn: PgColumn, userColumn: PgColumn, field: PgColumn): SQL {
  return sql`(select ${field} from ${users} where ${users.organizationId} = ${organizationColumn}
    and ${users.id} = ${userColumn})`.mapWith(field)
}

/** A resource's `toX`, called when a row is shaped (not at load: the resources' modules import this one's users). */
const as =
  <Row>(represent: () => (row: Row, principal: Principal) => unknown): ReadNode['represent'] =>
  (row, principal) =>
    represent()(row as Row, principal) as Record<string, unknown>

export const readNodes: Record<ReadNodeName, ReadNode> = {
  Ticket: {
    name: 'Ticket',
    table: tickets,
    identity: tickets.id,
    fields: () => getTableColumns(tickets),
    schema: TicketSchema,
    represent: as(() => toTicket),
    getRoute: getTicket,
    list: {
      route: listTickets,
      path: '/v1/tickets',
      query: ListTicketsQuerySchema,
      sorts: ticketData.sortOrders,
      defaultSort: '-createdAt',
      plan: (query, reader) => {
        const q = query as z.output<typeof ListTicketsQuerySchema>
        refuseHiddenTicketFilters(q, reader)
        const number = ticketNumberIn(q.q)
        // The ranked text search reads its own index (ticket-search.ts): not a read plan's root.
        if (q.q !== undefined && number === undefined) {
          throw errors.badRequest(
            'INVALID_PARAMETERS',
            'A text search (`q`) is a list of its own, GET /v1/tickets?q=… (here `q` takes a ticket number): ' +
              'search there, then read the tickets you open.',
          )
        }
        return {
          filters: [...ticketData.filtersOf(q), number ? eq(tickets.ticketNumber, number) : undefined],
          sort: ticketListSort(q, false),
        }
      },
    },
  },
  Message: {
    name: 'Message',
    table: messages,
    identity: messages.id,
    fields: () => messageData.messageFields,
    schema: MessageSchema,
    represent: as(() => toMessage),
    getRoute: getMessage,
  },
  Escalation: {
    name: 'Escalation',
    table: escalations,
    identity: escalations.id,
    fields: (db) => escalationData.escalationFields(db),
    schema: EscalationSchema,
    represent: as(
      () => (row: escalationData.EscalationRow, principal: Principal) => toEscalation(row, principal.role),
    ),
    getRoute: getEscalation,
    list: {
      route: listEscalations,
      path: '/v1/escalations',
      query: ListEscalationsQuerySchema,
      sorts: escalationData.sortOrders,
      defaultSort: 'queue',
      plan: (query) => ({
        filters: escalationData.filtersOf(query as z.output<typeof ListEscalationsQuerySchema>),
        sort: (query as { sort: string }).sort,
      }),
    },
  },
  Refund: {
    name: 'Refund',
    table: refunds,
    identity: refunds.id,
    fields: () => getTableColumns(refunds),
    schema: RefundSchema,
    represent: as(() => toRefund),
    getRoute: getRefund,
    list: {
      route: listRefunds,
      path: '/v1/refunds',
      query: ListRefundsQuerySchema,
      sorts: refundData.sortOrders,
      defaultSort: '-createdAt',
      plan: (query) => {
        const q = query as z.output<typeof ListRefundsQuerySchema>
        return { filters: refundData.filtersOf(q), sort: refundData.refundListSort(q) }
      },
    },
  },
  Customer: {
    name: 'Customer',
    table: customerProfiles,
    identity: customerProfiles.userId,
    fields: () => ({
      ...getTableColumns(customerProfiles),
      email: userField(customerProfiles.organizationId, customerProfiles.userId, users.email),
      name: userField(customerProfiles.organizationId, customerProfiles.userId, users.name),
      isActive: userField(customerProfiles.organizationId, customerProfiles.userId, users.isActive),
      userCreatedAt: userField(customerProfiles.organizationId, customerProfiles.userId, users.createdAt),
    }),
    schema: CustomerSchema,
    represent: as(() => toCustomer),
    getRoute: getCustomer,
  },
  Representative: {
    name: 'Representative',
    table: representatives,
    identity: representatives.id,
    fields: () => ({
      ...getTableColumns(representatives),
      name: userField(representatives.organizationId, representatives.userId, users.name),
      email: userField(representatives.organizationId, representatives.userId, users.email),
      isActive: userField(representatives.organizationId, representatives.userId, users.isActive),
    }),
    schema: RepresentativeSchema,
    represent: as(() => toRepresentative),
    getRoute: getRepresentative,
  },
  User: {
    name: 'User',
    table: users,
    identity: users.id,
    fields: () => ({
      ...getTableColumns(users),
      representativeId: sql`(select ${representatives.id} from ${representatives}
        where ${representatives.organizationId} = ${users.organizationId} and ${representatives.userId} = ${users.id})`,
    }),
    schema: UserSchema,
    represent: as(() => toUser),
    getRoute: getUser,
  },
  Agent: {
    name: 'Agent',
    table: agentConfigurations,
    identity: agentConfigurations.id,
    fields: () => getTableColumns(agentConfigurations),
    schema: AgentSchema,
    represent: as(() => toAgent),
    getRoute: getAgent,
  },
}

/** Where each `many` edge continues past its first page: the related resource's own list route. */
export const continuations: Record<string, ReadContinuation> = {
  'Ticket.messages': {
    path: (ticketId) => `/v1/tickets/${ticketId}/messages`,
    params: () => ({}),
    pathIds: (ticketId) => ({ ticketId }),
    sortName: messageData.POSITION,
    order: messageData.forward,
  },
  'Ticket.escalations': {
    path: () => '/v1/escalations',
    params: (ticketId) => ({ ticketId, sort: 'queue' }),
    sortName: 'queue',
    order: escalationData.sortOrders.queue,
  },
  'Ticket.refunds': {
    path: () => '/v1/refunds',
    params: (ticketId) => ({ ticketId, sort: '-createdAt' }),
    sortName: '-createdAt',
    order: refundData.sortOrders['-createdAt'],
  },
  'Customer.tickets': {
    path: () => '/v1/tickets',
    params: (customerId) => ({ customerId, sort: '-createdAt' }),
    sortName: '-createdAt',
    order: ticketData.sortOrders['-createdAt'],
  },
  'Customer.refunds': {
    path: () => '/v1/refunds',
    params: (customerId) => ({ customerId, sort: '-createdAt' }),
    sortName: '-createdAt',
    order: refundData.sortOrders['-createdAt'],
  },
}

/** The continuation of a `many` edge (every `many` edge has one). */
export function continuationOf(from: ReadNodeName, edgeName: string): ReadContinuation {
  const continuation = continuations[`${from}.${edgeName}`]
  if (!continuation) throw new Error(`no continuation for ${from}.${edgeName}`)
  return continuation
}

/** The permission a node is read with: its GET route's (a root list: its list route's). */
export function nodePermission(node: ReadNode, asList = false): Permission {
  return permissionOf(asList && node.list ? node.list.route : node.getRoute)
}

export type { ReadEdge }
export { readEdges }
