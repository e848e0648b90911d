import { writtenNow } from '../../db/crud'
import { customerProfiles } from '../../db/schema'
import { errors } from '../../lib/errors'
import { etagOf, ifMatchVersions } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { refuseHiddenFilters, represent, type Viewer } from '../../lib/representation'
import { authorized } from '../../middleware/authorize'
import * as data from './customers.data'
import * as routes from './customers.routes'
import { CustomerProfileSchema, CustomerSchema, type UpdateCustomerInput } from './customers.schemas'

export const toCustomer = (row: data.CustomerRow, viewer: Viewer) =>
  represent(CustomerSchema, { ...row, id: row.userId, createdAt: row.userCreatedAt, profile: row }, viewer)

/** A CUSTOMER changes only its preferences (tier, standing and value are the organization's to set). */
function checkCustomerChanges(changes: UpdateCustomerInput): void {
  const forbidden = Object.keys(changes).filter((field) => field !== 'preferences')
  if (forbidden.length > 0) {
    throw errors.forbidden('FORBIDDEN_FIELD', `A customer may not change: ${forbidden.join(', ')}.`)
  }
}

export const customersRouter = createRouter()
  .openapi(routes.listCustomers, async (c) => {
    const { db, principal } = authorized(c)
    const query = c.req.valid('query')
    refuseHiddenFilters(principal, {
      accountStanding: { value: query.accountStanding, field: CustomerProfileSchema.shape.accountStanding },
    })
    const page = await data.listCustomers(db, query)
    return c.json(
      { data: page.data.map((row) => toCustomer(row, principal)), nextCursor: page.nextCursor },
      200,
    )
  })
  .openapi(routes.getCustomer, async (c) => {
    const { db, principal } = authorized(c)
    const row = await data.getCustomer(db, c.req.valid('param').customerId)
    return c.json(toCustomer(row, principal), 200, { ETag: etagOf(row) })
  })
  .openapi(routes.updateCustomer, async (c) => {
    const { db, principal } = authorized(c)
    const changes = c.req.valid('json')
    if (principal.role === 'CUSTOMER') checkCustomerChanges(changes)
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const { customerId } = c.req.valid('param')
    db.expectResult({
      status: 200,
      path: `/v1/customers/${customerId}`,
      written: writtenNow(db, customerProfiles, customerId, customerProfiles.userId),
    })
    const row = await data.updateCustomer(db, customerId, changes, versions)
    return c.json(toCustomer(row, principal), 200, { ETag: etagOf(row) })
  })
