import { webhookDeliveries, webhookEndpoints } from '../../db/schema'
import type { Bindings } from '../../env'
import { errors } from '../../lib/errors'
import { etagOf, ifMatchVersions } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { authorized } from '../../middleware/authorize'
import { sendAfterCommit } from '../../webhooks/dispatch'
import { webhookUrlRefusal } from '../../webhooks/url-safety'
import * as data from './webhook-endpoints.data'
import * as routes from './webhook-endpoints.routes'
import { toWebhookDelivery, toWebhookEndpoint } from './webhook-endpoints.schemas'

/** The URL rule (webhooks/url-safety.ts) as a 422 on the field. */
function checkUrl(url: string | undefined, appEnv: string | undefined): void {
  const refusal = url === undefined ? undefined : webhookUrlRefusal(url, appEnv)
  if (refusal) throw errors.unprocessable('WEBHOOK_URL_REFUSED', refusal, [{ path: 'url', message: refusal }])
}

/** Redelivered deliveries go to the queue after the response (the producer's path: webhooks/dispatch.ts). */
async function enqueueAfterResponse(
  c: { env: Bindings; executionCtx: { waitUntil(promise: Promise<unknown>): void } },
  organizationId: string,
  deliveryIds: string[],
): Promise<void> {
  const sent = sendAfterCommit(c.env, organizationId, deliveryIds)
  try {
    c.executionCtx.waitUntil(sent)
  } catch {
    await sent
  }
}

export const webhookEndpointsRouter = createRouter()
  .openapi(routes.listWebhookEndpoints, async (c) => {
    const page = await data.listEndpoints(authorized(c).db, c.req.valid('query'))
    return c.json({ data: page.data.map(toWebhookEndpoint), nextCursor: page.nextCursor }, 200)
  })
  .openapi(routes.createWebhookEndpoint, async (c) => {
    const input = c.req.valid('json')
    checkUrl(input.url, c.env.APP_ENV)
    const { db } = authorized(c)
    const endpoint = await data.createEndpoint(
      db,
      input,
      db.expectCreated(webhookEndpoints, '/v1/webhook-endpoints'),
    )
    return c.json({ ...toWebhookEndpoint(endpoint), secret: endpoint.secret }, 201, {
      ETag: etagOf(endpoint),
      Location: `/v1/webhook-endpoints/${endpoint.id}`,
    })
  })
  .openapi(routes.getWebhookEndpoint, async (c) => {
    const endpoint = await data.getEndpoint(authorized(c).db, c.req.valid('param').endpointId)
    return c.json(toWebhookEndpoint(endpoint), 200, { ETag: etagOf(endpoint) })
  })
  .openapi(routes.updateWebhookEndpoint, async (c) => {
    const changes = c.req.valid('json')
    checkUrl(changes.url, c.env.APP_ENV)
    const { db } = authorized(c)
    const { endpointId } = c.req.valid('param')
    db.expectChanged(webhookEndpoints, `/v1/webhook-endpoints/${endpointId}`, endpointId)
    const endpoint = await data.updateEndpoint(
      db,
      endpointId,
      changes,
      ifMatchVersions(c.req.valid('header')['if-match']),
    )
    return c.json(toWebhookEndpoint(endpoint), 200, { ETag: etagOf(endpoint) })
  })
  .openapi(routes.deleteWebhookEndpoint, async (c) => {
    const { db } = authorized(c)
    const { endpointId } = c.req.valid('param')
    db.expectDeleted(`/v1/webhook-endpoints/${endpointId}`)
    await data.deleteEndpoint(db, endpointId, ifMatchVersions(c.req.valid('header')['if-match']))
    return c.body(null, 204)
  })
  .openapi(routes.rotateWebhookSecret, async (c) => {
    const endpoint = await data.rotateSecret(
      authorized(c).db,
      c.req.valid('param').endpointId,
      ifMatchVersions(c.req.valid('header')['if-match']),
      c.req.valid('json')?.revokePrevious,
    )
    return c.json({ ...toWebhookEndpoint(endpoint), secret: endpoint.secret }, 200, {
      ETag: etagOf(endpoint),
    })
  })
  .openapi(routes.listWebhookDeliveries, async (c) => {
    const page = await data.listDeliveries(
      authorized(c).db,
      c.req.valid('param').endpointId,
      c.req.valid('query'),
    )
    return c.json({ data: page.data.map(toWebhookDelivery), nextCursor: page.nextCursor }, 200)
  })
  .openapi(routes.getWebhookDelivery, async (c) => {
    const { endpointId, deliveryId } = c.req.valid('param')
    return c.json(toWebhookDelivery(await data.getDelivery(authorized(c).db, endpointId, deliveryId)), 200)
  })
  .openapi(routes.redeliverWebhook, async (c) => {
    const { db, principal } = authorized(c)
    const { endpointId, deliveryId } = c.req.valid('param')
    const path = `/v1/webhook-endpoints/${endpointId}/deliveries/${deliveryId}`
    db.expectResult({ status: 202, table: webhookDeliveries, id: deliveryId, path })
    const delivery = await data.redeliver(db, endpointId, deliveryId)
    await enqueueAfterResponse(c, principal.organizationId, [delivery.id])
    return c.json(toWebhookDelivery(delivery), 202)
  })
  .openapi(routes.listEventDeliveries, async (c) => {
    const { eventId } = c.req.valid('param')
    const rows = await data.eventDeliveries(authorized(c).db, eventId, c.req.valid('query').endpointId)
    return c.json({ data: rows.map(toWebhookDelivery) }, 200)
  })
  .openapi(routes.redeliverEvent, async (c) => {
    const { db, principal } = authorized(c)
    const { eventId } = c.req.valid('param')
    const { endpointId } = c.req.valid('json') ?? {}
    // A replay reads the event's deliveries (to the one endpoint when named) through GET.
    const path = `/v1/events/${eventId}/deliveries${endpointId ? `?endpointId=${endpointId}` : ''}`
    db.expectResult({ status: 202, path, written: data.eventRedelivered(eventId) })
    const deliveries = await data.redeliverEvent(db, eventId, endpointId)
    await enqueueAfterResponse(
      c,
      principal.organizationId,
      deliveries.map((delivery) => delivery.id),
    )
    return c.json({ data: deliveries.map(toWebhookDelivery) }, 202)
  })
