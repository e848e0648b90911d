import { tickets } from '../../db/schema'
import { errors } from '../../lib/errors'
import { etagOf, ifMatchVersions } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { authorized } from '../../middleware/authorize'
import * as data from './tickets.data'
import * as routes from './tickets.routes'
import { toTicket, type UpdateTicketInput } from './tickets.schemas'

/** What a CUSTOMER may change on their own ticket: wording, and reopening a resolved one. */
function checkCustomerChanges(changes: UpdateTicketInput): void {
  const forbidden = Object.keys(changes).filter(
    (field) => !['subject', 'description', 'status'].includes(field),
  )
  if (forbidden.length > 0) {
    throw errors.forbidden('FORBIDDEN_FIELD', `A customer may not change: ${forbidden.join(', ')}.`)
  }
  if (changes.status && changes.status !== 'OPEN') {
    throw errors.forbidden('FORBIDDEN_FIELD', 'A customer may only reopen a ticket (status OPEN).')
  }
}

export const ticketsRouter = createRouter()
  .openapi(routes.listTickets, async (c) => {
    const page = await data.listTickets(authorized(c).db, c.req.valid('query'))
    return c.json({ data: page.data.map(toTicket), nextCursor: page.nextCursor }, 200)
  })
  .openapi(routes.getTicket, async (c) => {
    const ticket = await data.getTicket(authorized(c).db, c.req.valid('param').ticketId)
    return c.json(toTicket(ticket), 200, { ETag: etagOf(ticket) })
  })
  .openapi(routes.createTicket, async (c) => {
    const input = c.req.valid('json')
    const { db, principal } = authorized(c)
    const isCustomer = principal.role === 'CUSTOMER'
    if (isCustomer && input.customerId && input.customerId !== principal.subject) {
      throw errors.forbidden('FORBIDDEN', 'A customer may create tickets only for themself.')
    }
    if (isCustomer && input.assignedRepresentativeId) {
      throw errors.forbidden('FORBIDDEN_FIELD', 'A customer may not assign tickets.')
    }
    const customerId = isCustomer ? principal.subject : input.customerId
    if (!customerId) {
      throw errors.validation([
        { path: 'customerId', message: 'Required unless the caller is the customer.' },
      ])
    }
    const id = db.expectCreated(tickets, '/v1/tickets')
    const ticket = await data.createTicket(db, { ...input, customerId, id })
    return c.json(toTicket(ticket), 201, {
      ETag: etagOf(ticket),
      Location: `/v1/tickets/${ticket.id}`,
    })
  })
  .openapi(routes.updateTicket, async (c) => {
    const changes = c.req.valid('json')
    const { db, principal } = authorized(c)
    const isCustomer = principal.role === 'CUSTOMER'
    if (isCustomer) checkCustomerChanges(changes)
    const ticket = await data.updateTicket(db, c.req.valid('param').ticketId, changes, {
      versions: ifMatchVersions(c.req.valid('header')['if-match']),
      byStaff: !isCustomer,
    })
    return c.json(toTicket(ticket), 200, { ETag: etagOf(ticket) })
  })
  .openapi(routes.assignTicket, async (c) => {
    const { representativeId } = c.req.valid('json')
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const ticket = await data.assignTicket(
      authorized(c).db,
      c.req.valid('param').ticketId,
      representativeId,
      versions,
    )
    return c.json(toTicket(ticket), 200, { ETag: etagOf(ticket) })
  })
  .openapi(routes.unassignTicket, async (c) => {
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const ticket = await data.assignTicket(authorized(c).db, c.req.valid('param').ticketId, null, versions)
    return c.json(toTicket(ticket), 200, { ETag: etagOf(ticket) })
  })
