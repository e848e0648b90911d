import {
  actionHeadersSchema,
  etagResponseHeader,
  idempotencyKeyHeaderSchema,
  ifMatchHeaderSchema,
} from '../../lib/etag'
import { jsonBody, jsonContent, optionalJsonBody, problemResponses } from '../../lib/openapi'
import { protectedRoute } from '../../lib/routes'
import type { Permission } from '../../middleware/authorize'
import { EventIdParamsSchema } from '../events/events.schemas'
import {
  CreatedWebhookEndpointSchema,
  CreateWebhookEndpointSchema,
  EventDeliveriesQuerySchema,
  ListWebhookDeliveriesQuerySchema,
  ListWebhookEndpointsQuerySchema,
  RedeliverEventSchema,
  RotateWebhookSecretSchema,
  UpdateWebhookEndpointSchema,
  WebhookDeliveryListSchema,
  WebhookDeliveryPageSchema,
  WebhookDeliveryParamsSchema,
  WebhookDeliverySchema,
  WebhookEndpointIdParamsSchema,
  WebhookEndpointPageSchema,
  WebhookEndpointSchema,
  WebhookEndpointWithSecretSchema,
} from './webhook-endpoints.schemas'

/** docs/conversations.md: webhook endpoints, deliveries and redelivery are an ADMIN's. */
const admins: Permission = { roles: ['ADMIN'] }
const tags = ['Webhooks']

const delivery =
  'Deliveries follow Standard Webhooks (standardwebhooks.com): a POST of the event (as GET /v1/events/{id} shows it ' +
  'to an ADMIN; over 64 KiB a thin one: id, type, object type and id, `thin: true`) with `webhook-id` (the event ' +
  'id, the same on every retry: drop duplicates by it), `webhook-timestamp` (seconds) and `webhook-signature` ' +
  '(`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` with the secret; space-separated, one more per ' +
  'rotated-out secret still valid). At least once. A 2xx within 10 s is a success; anything else is retried ' +
  'with exponential backoff and jitter for about a day (honouring Retry-After); a 410 disables the endpoint at once, ' +
  'and 3 days of failures disable it too.'

export const listWebhookEndpoints = protectedRoute(admins, {
  method: 'get',
  path: '/v1/webhook-endpoints',
  tags,
  summary: 'List webhook endpoints',
  request: { query: ListWebhookEndpointsQuerySchema },
  responses: { 200: jsonContent(WebhookEndpointPageSchema, 'A page of webhook endpoints.') },
})

export const createWebhookEndpoint = protectedRoute(admins, {
  method: 'post',
  path: '/v1/webhook-endpoints',
  tags,
  summary: 'Register a webhook endpoint (its signing secret is in this answer only)',
  description:
    `${delivery} A replay of the Idempotency-Key answers the endpoint as GET shows it, without the secret ` +
    '(rotate it for a new one). At most 20 endpoints per organization, enabled or not: the 21st is 422 ' +
    'WEBHOOK_ENDPOINT_LIMIT_REACHED.',
  request: { headers: idempotencyKeyHeaderSchema, body: jsonBody(CreateWebhookEndpointSchema) },
  responses: {
    201: {
      ...jsonContent(CreatedWebhookEndpointSchema, 'The endpoint, with its secret.'),
      headers: etagResponseHeader,
    },
    ...problemResponses(413, 422),
  },
})

export const getWebhookEndpoint = protectedRoute(admins, {
  method: 'get',
  path: '/v1/webhook-endpoints/{endpointId}',
  tags,
  summary: 'Get a webhook endpoint (without its secret)',
  request: { params: WebhookEndpointIdParamsSchema },
  responses: {
    200: { ...jsonContent(WebhookEndpointSchema, 'The endpoint.'), headers: etagResponseHeader },
    ...problemResponses(404),
  },
})

export const updateWebhookEndpoint = protectedRoute(admins, {
  method: 'patch',
  path: '/v1/webhook-endpoints/{endpointId}',
  tags,
  summary: 'Change a webhook endpoint (URL, events, description; enabled=true enables a disabled one again)',
  request: {
    params: WebhookEndpointIdParamsSchema,
    headers: actionHeadersSchema,
    body: jsonBody(UpdateWebhookEndpointSchema),
  },
  responses: {
    200: { ...jsonContent(WebhookEndpointSchema, 'The endpoint.'), headers: etagResponseHeader },
    ...problemResponses(404, 412, 413, 422),
  },
})

export const deleteWebhookEndpoint = protectedRoute(admins, {
  method: 'delete',
  path: '/v1/webhook-endpoints/{endpointId}',
  tags,
  summary: 'Delete a webhook endpoint (its pending deliveries are dropped)',
  request: { params: WebhookEndpointIdParamsSchema, headers: actionHeadersSchema },
  responses: { 204: { description: 'Deleted.' }, ...problemResponses(404, 412) },
})

export const rotateWebhookSecret = protectedRoute(admins, {
  method: 'post',
  path: '/v1/webhook-endpoints/{endpointId}/rotate-secret',
  tags,
  summary: 'Rotate the signing secret (the replaced one keeps signing for 24 hours)',
  description:
    'The new secret is in this answer only. For 24 hours deliveries carry a signature with the replaced secret too, ' +
    'so the receiver can switch without losing a delivery; rotating again within them ends no earlier overlap (each ' +
    'rotated-out secret signs until its own expiry). At most 4 rotated-out secrets sign: a fifth rotation within ' +
    'their 24 hours is 409 TOO_MANY_SIGNING_SECRETS, naming when the first stops. `revokePrevious: true` (a leaked ' +
    'secret) ends every overlap at once.',
  request: {
    params: WebhookEndpointIdParamsSchema,
    headers: ifMatchHeaderSchema,
    body: optionalJsonBody(RotateWebhookSecretSchema),
  },
  responses: {
    200: {
      ...jsonContent(WebhookEndpointWithSecretSchema, 'The endpoint, with its new secret.'),
      headers: etagResponseHeader,
    },
    ...problemResponses(404, 409, 412),
  },
})

export const listWebhookDeliveries = protectedRoute(admins, {
  method: 'get',
  path: '/v1/webhook-endpoints/{endpointId}/deliveries',
  tags,
  summary: 'List an endpoint’s deliveries, each with every attempt (kept as long as their event: 30 days)',
  request: { params: WebhookEndpointIdParamsSchema, query: ListWebhookDeliveriesQuerySchema },
  responses: {
    200: jsonContent(WebhookDeliveryPageSchema, 'A page of deliveries.'),
    ...problemResponses(404),
  },
})

export const getWebhookDelivery = protectedRoute(admins, {
  method: 'get',
  path: '/v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}',
  tags,
  summary: 'Get one of an endpoint’s deliveries, with every attempt',
  request: { params: WebhookDeliveryParamsSchema },
  responses: {
    200: jsonContent(WebhookDeliverySchema, 'The delivery.'),
    ...problemResponses(404),
  },
})

export const redeliverWebhook = protectedRoute(admins, {
  method: 'post',
  path: '/v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/redeliver',
  tags,
  summary: 'Deliver again now (same webhook-id); the attempt is recorded like any other',
  description:
    'A replay of the Idempotency-Key answers the delivery as it is then (GET …/deliveries/{deliveryId}).',
  request: { params: WebhookDeliveryParamsSchema, headers: idempotencyKeyHeaderSchema },
  responses: {
    202: jsonContent(WebhookDeliverySchema, 'The delivery, pending and queued.'),
    ...problemResponses(404, 409),
  },
})

export const listEventDeliveries = protectedRoute(admins, {
  method: 'get',
  path: '/v1/events/{eventId}/deliveries',
  tags,
  summary: 'List an event’s webhook deliveries (one per endpoint it was sent to), each with every attempt',
  request: { params: EventIdParamsSchema, query: EventDeliveriesQuerySchema },
  responses: {
    200: jsonContent(WebhookDeliveryListSchema, 'The event’s deliveries, oldest first.'),
    ...problemResponses(404),
  },
})

export const redeliverEvent = protectedRoute(admins, {
  method: 'post',
  path: '/v1/events/{eventId}/redeliver',
  tags,
  summary: 'Deliver an event again, now, to every enabled endpoint subscribed to its type (or to one)',
  description:
    'Each endpoint has one delivery of an event: an existing one is delivered again as by the per-delivery ' +
    'redeliver (pending and due now, attempts continue from its count, the same `webhook-id`: the event id), and one ' +
    'is created for an endpoint that subscribed after the event. The answer lists the deliveries queued. ' +
    'A replay of the Idempotency-Key answers the event’s deliveries as they are then (GET …/deliveries). 409 when ' +
    'nothing can be delivered: no enabled endpoint subscribes to the type, or the one named is disabled or not ' +
    'subscribed; 422 when `endpointId` names no endpoint.',
  request: {
    params: EventIdParamsSchema,
    headers: idempotencyKeyHeaderSchema,
    body: optionalJsonBody(RedeliverEventSchema),
  },
  responses: {
    202: jsonContent(WebhookDeliveryListSchema, 'The deliveries queued (pending).'),
    ...problemResponses(404, 409),
  },
})
