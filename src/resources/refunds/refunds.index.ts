import type { Principal } from '../../auth/principal'
import { type Refund, refunds } from '../../db/schema'
import { errors } from '../../lib/errors'
import { etagOf, ifMatchVersions } from '../../lib/etag'
import { sameUuid } from '../../lib/input'
import { createRouter } from '../../lib/openapi'
import { represent } from '../../lib/representation'
import { authorized } from '../../middleware/authorize'
import { getOrExpand, listOrExpand, readNodes } from '../../reads/expand'
import { allowedRefundActions } from './refund-actions'
import { refundOutcome } from './refund-outcome'
import * as data from './refunds.data'
import * as routes from './refunds.routes'
import { RefundSchema } from './refunds.schemas'

/** The caller's representation: what its role may see (RefundSchema), the outcome in the customer's words. */
export const toRefund = (row: Refund, principal: Principal) =>
  represent(
    RefundSchema,
    { ...row, ...refundOutcome(row), allowedActions: allowedRefundActions(row, principal) },
    principal,
  )

export const refundsRouter = createRouter()
  .openapi(routes.listRefunds, async (c) => {
    const { db, principal } = authorized(c)
    const query = c.req.valid('query')
    const page = await listOrExpand(
      db,
      principal,
      readNodes.Refund,
      query,
      () => data.listRefunds(db, query),
      (row) => toRefund(row, principal),
    )
    return c.json(page, 200)
  })
  .openapi(routes.getRefund, async (c) => {
    const { db, principal } = authorized(c)
    const read = await getOrExpand(
      db,
      principal,
      readNodes.Refund,
      c.req.valid('param').refundId,
      c.req.valid('query').expand,
      (id) => data.getRefund(db, id),
      (row) => toRefund(row, principal),
    )
    return c.json(read.body, 200, { ETag: read.etag })
  })
  .openapi(routes.createRefund, async (c) => {
    const { db, principal } = authorized(c)
    const input = c.req.valid('json')
    const isCustomer = principal.role === 'CUSTOMER'
    if (isCustomer && input.customerId && !sameUuid(input.customerId, principal.subject)) {
      throw errors.forbidden('FORBIDDEN', 'A customer may request refunds only for itself.')
    }
    const customerId = isCustomer ? principal.subject : input.customerId
    if (!customerId)
      throw errors.validation([
        { path: 'customerId', message: 'Required unless the caller is the customer.' },
      ])
    const id = db.expectCreated(refunds, '/v1/refunds')
    const { refund } = await data.createRefund(db, principal, { ...input, customerId }, id)
    return c.json(toRefund(refund, principal), 201, {
      ETag: etagOf(refund),
      Location: `/v1/refunds/${refund.id}`,
    })
  })
  .openapi(routes.approveRefund, async (c) => {
    const { db, principal } = authorized(c)
    const refundId = c.req.valid('param').refundId
    db.expectChanged(refunds, `/v1/refunds/${refundId}`, refundId)
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const refund = await data.approveRefund(db, principal, refundId, {
      versions,
      notes: c.req.valid('json').notes,
    })
    return c.json(toRefund(refund, principal), 200, { ETag: etagOf(refund) })
  })
  .openapi(routes.rejectRefund, async (c) => {
    const { db, principal } = authorized(c)
    const refundId = c.req.valid('param').refundId
    db.expectChanged(refunds, `/v1/refunds/${refundId}`, refundId)
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const refund = await data.moveRefund(db, principal, c.req.valid('param').refundId, 'reject', {
      versions,
      notes: c.req.valid('json').notes,
    })
    return c.json(toRefund(refund, principal), 200, { ETag: etagOf(refund) })
  })
  .openapi(routes.cancelRefund, async (c) => {
    const { db, principal } = authorized(c)
    const refundId = c.req.valid('param').refundId
    db.expectChanged(refunds, `/v1/refunds/${refundId}`, refundId)
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const refund = await data.moveRefund(db, principal, c.req.valid('param').refundId, 'cancel', { versions })
    return c.json(toRefund(refund, principal), 200, { ETag: etagOf(refund) })
  })
  .openapi(routes.processRefund, async (c) => {
    const { db, principal } = authorized(c)
    const refundId = c.req.valid('param').refundId
    db.expectChanged(refunds, `/v1/refunds/${refundId}`, refundId)
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const refund = await data.moveRefund(db, principal, c.req.valid('param').refundId, 'process', {
      versions,
    })
    return c.json(toRefund(refund, principal), 200, { ETag: etagOf(refund) })
  })
