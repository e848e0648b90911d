import { tickets } from '../../db/schema'
import type { TenantDb } from '../../db/tenant'
import { errors } from '../../lib/errors'
import { etagOf, ifMatchVersions } from '../../lib/etag'
import { sameUuid } from '../../lib/input'
import { createRouter } from '../../lib/openapi'
import { rolesOf } from '../../lib/representation'
import { authorized } from '../../middleware/authorize'
import { getOrExpand, listOrExpand, readNodes } from '../../reads/expand'
import { cancelEscalation } from '../escalations/escalations.routes'
import { customerChangeRefusal } from './ticket-status'
import * as data from './tickets.data'
import * as routes from './tickets.routes'
import { refuseHiddenTicketFilters, toTicket } from './tickets.schemas'

/** A write of the ticket, for a replay of its Idempotency-Key (src/middleware/idempotency.ts). */
function ticketOf(db: TenantDb, ticketId: string): string {
  db.expectChanged(tickets, `/v1/tickets/${ticketId}`, ticketId)
  return ticketId
}

export const ticketsRouter = createRouter()
  .openapi(routes.listTickets, async (c) => {
    const { db, principal } = authorized(c)
    const query = c.req.valid('query')
    refuseHiddenTicketFilters(query, principal)
    const page = await listOrExpand(
      db,
      principal,
      readNodes.Ticket,
      query,
      () => data.listTickets(db, query),
      (row) => toTicket(row, principal),
    )
    return c.json(page, 200)
  })
  .openapi(routes.getTicket, async (c) => {
    const { db, principal } = authorized(c)
    const read = await getOrExpand(
      db,
      principal,
      readNodes.Ticket,
      c.req.valid('param').ticketId,
      c.req.valid('query').expand,
      (id) => data.getTicket(db, id),
      (row) => toTicket(row, principal),
    )
    return c.json(read.body, 200, { ETag: read.etag })
  })
  .openapi(routes.createTicket, async (c) => {
    const input = c.req.valid('json')
    const { db, principal } = authorized(c)
    const isCustomer = principal.role === 'CUSTOMER'
    if (isCustomer && input.customerId && !sameUuid(input.customerId, principal.subject)) {
      throw errors.forbidden('FORBIDDEN', 'A customer may create tickets only for themself.')
    }
    if (isCustomer && input.assignedRepresentativeId) {
      throw errors.forbidden('FORBIDDEN_FIELD', 'A customer may not assign tickets.')
    }
    // Tags are the team's labels, not shown to customers (TicketSchema): a customer does not set them either.
    if (isCustomer && input.tags.length > 0) {
      throw errors.forbidden('FORBIDDEN_FIELD', 'A customer may not tag tickets.')
    }
    const customerId = isCustomer ? principal.subject : input.customerId
    if (!customerId) {
      throw errors.validation([
        { path: 'customerId', message: 'Required unless the caller is the customer.' },
      ])
    }
    const id = db.expectCreated(tickets, '/v1/tickets')
    const ticket = await data.createTicket(db, { ...input, customerId, id })
    return c.json(toTicket(ticket, principal), 201, {
      ETag: etagOf(ticket),
      Location: `/v1/tickets/${ticket.id}`,
    })
  })
  .openapi(routes.updateTicket, async (c) => {
    const changes = c.req.valid('json')
    const { db, principal } = authorized(c)
    const isCustomer = principal.role === 'CUSTOMER'
    const refusal = isCustomer ? customerChangeRefusal(changes) : undefined
    if (refusal) throw refusal
    const ticket = await data.updateTicket(db, ticketOf(db, c.req.valid('param').ticketId), changes, {
      versions: ifMatchVersions(c.req.valid('header')['if-match']),
      // A customer's change is no response; the team's is, by a person or (AGENT) the AI.
      responder: isCustomer
        ? null
        : { type: principal.role === 'AGENT' ? 'AGENT' : 'REPRESENTATIVE', id: principal.subject },
      // Closing cancels the ticket's open escalations: only for a caller who may cancel them.
      mayCancelEscalations: rolesOf(cancelEscalation).includes(principal.role),
    })
    return c.json(toTicket(ticket, principal), 200, { ETag: etagOf(ticket) })
  })
  .openapi(routes.assignTicket, async (c) => {
    const { db, principal } = authorized(c)
    const { representativeId } = c.req.valid('json')
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const ticketId = ticketOf(db, c.req.valid('param').ticketId)
    const ticket = await data.assignTicket(db, ticketId, representativeId, versions)
    return c.json(toTicket(ticket, principal), 200, { ETag: etagOf(ticket) })
  })
  .openapi(routes.unassignTicket, async (c) => {
    const { db, principal } = authorized(c)
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const ticket = await data.assignTicket(db, ticketOf(db, c.req.valid('param').ticketId), null, versions)
    return c.json(toTicket(ticket, principal), 200, { ETag: etagOf(ticket) })
  })
  .openapi(routes.rateTicket, async (c) => {
    const { db, principal } = authorized(c)
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const ticketId = ticketOf(db, c.req.valid('param').ticketId)
    const ticket = await data.rateTicket(db, ticketId, c.req.valid('json'), versions)
    return c.json(toTicket(ticket, principal), 200, { ETag: etagOf(ticket) })
  })
