import { and, eq, getTableColumns, inArray, type SQL, sql } from 'drizzle-orm'
import { foundOr404, getById, keysetPage, listTable, refusalOf, updateVersioned } from '../../db/crud'
import {
  events,
  type WebhookEndpoint,
  webhookDeliveries,
  webhookDeliveryAttempts,
  webhookEndpoints,
} from '../../db/schema'
import type { Statement, TenantDb } from '../../db/tenant'
import { errors } from '../../lib/errors'
import { versionMatches } from '../../lib/etag'
import type { SortOrder } from '../../lib/pagination'
import { WEBHOOK_SECRET_OVERLAP_MS } from '../../webhooks/delivery'
import { generateWebhookSecret } from '../../webhooks/signature'
import type {
  CreateWebhookEndpointInput,
  ListWebhookDeliveriesQuery,
  ListWebhookEndpointsQuery,
  UpdateWebhookEndpointInput,
  WebhookDeliveryRow,
  WebhookSort,
} from './webhook-endpoints.schemas'

const endpointSorts: Record<WebhookSort, SortOrder> = {
  '-createdAt': { columns: [webhookEndpoints.createdAt, webhookEndpoints.id], direction: 'desc' },
  createdAt: { columns: [webhookEndpoints.createdAt, webhookEndpoints.id], direction: 'asc' },
}
const deliverySorts: Record<WebhookSort, SortOrder> = {
  '-createdAt': { columns: [webhookDeliveries.createdAt, webhookDeliveries.id], direction: 'desc' },
  createdAt: { columns: [webhookDeliveries.createdAt, webhookDeliveries.id], direction: 'asc' },
}

export function listEndpoints(db: TenantDb, query: ListWebhookEndpointsQuery) {
  return listTable<typeof webhookEndpoints, WebhookSort, WebhookEndpoint>(
    db,
    webhookEndpoints,
    query,
    endpointSorts,
    [],
  )
}

export function getEndpoint(db: TenantDb, endpointId: string): Promise<WebhookEndpoint> {
  return getById(db, webhookEndpoints, endpointId, 'webhook endpoint')
}

export async function createEndpoint(
  db: TenantDb,
  input: CreateWebhookEndpointInput,
): Promise<WebhookEndpoint> {
  const [rows] = await db.run(
    db
      .insert(webhookEndpoints, {
        url: input.url,
        description: input.description ?? null,
        enabledEvents: input.enabledEvents,
        enabled: input.enabled,
        disabledReason: input.enabled ? null : 'MANUAL',
        secret: generateWebhookSecret(),
      })
      .returning(),
  )
  return foundOr404(rows as WebhookEndpoint[], 'webhook endpoint')
}

/** PATCH; enabling again clears why it was disabled and its failure streak, disabling records MANUAL. */
export function updateEndpoint(
  db: TenantDb,
  endpointId: string,
  changes: UpdateWebhookEndpointInput,
  versions: number[] | undefined,
): Promise<WebhookEndpoint> {
  const { enabled, ...fields } = changes
  const toggle =
    enabled === undefined
      ? {}
      : enabled
        ? { enabled: true, disabledReason: null, failingSince: null }
        : { enabled: false, disabledReason: 'MANUAL' }
  return updateVersioned<typeof webhookEndpoints, WebhookEndpoint>(
    db,
    webhookEndpoints,
    endpointId,
    { ...fields, ...toggle },
    { what: 'webhook endpoint', versions },
  )
}

/** A new secret; the previous one keeps signing (a second signature) for WEBHOOK_SECRET_OVERLAP_MS. */
export function rotateSecret(
  db: TenantDb,
  endpointId: string,
  versions: number[] | undefined,
): Promise<WebhookEndpoint> {
  return updateVersioned<typeof webhookEndpoints, WebhookEndpoint>(
    db,
    webhookEndpoints,
    endpointId,
    {
      previousSecret: sql`${webhookEndpoints.secret}`,
      previousSecretExpiresAt: sql`now() + ${`${WEBHOOK_SECRET_OVERLAP_MS} milliseconds`}::interval`,
      secret: generateWebhookSecret(),
    },
    { what: 'webhook endpoint', versions },
  )
}

export async function deleteEndpoint(db: TenantDb, endpointId: string, versions: number[] | undefined) {
  const [deleted, current] = await db.run(
    db
      .delete(
        webhookEndpoints,
        eq(webhookEndpoints.id, endpointId),
        versionMatches(webhookEndpoints.version, versions),
      )
      .returning({ id: webhookEndpoints.id }),
    db.select(webhookEndpoints, eq(webhookEndpoints.id, endpointId)),
  )
  if (deleted.length > 0) return
  throw refusalOf((current as WebhookEndpoint[])[0], { what: 'webhook endpoint', versions })
}

/** A delivery with its event's type and every attempt, oldest first (one statement). */
function selectDeliveries(db: TenantDb, ...conditions: Array<SQL | undefined>) {
  const attemptLog = sql<WebhookDeliveryRow['attemptLog']>`coalesce((
    select jsonb_agg(jsonb_build_object('attempt', a.attempt, 'statusCode', a.status_code, 'error', a.error,
      'durationMs', a.duration_ms, 'createdAt', a.created_at) order by a.attempt)
    from ${webhookDeliveryAttempts} a
    where a.organization_id = ${webhookDeliveries.organizationId} and a.delivery_id = ${webhookDeliveries.id}
  ), '[]'::jsonb)`
  return db
    .selectFields(
      webhookDeliveries,
      { ...getTableColumns(webhookDeliveries), eventType: events.type, attemptLog },
      ...conditions,
    )
    .innerJoin(
      events,
      and(
        eq(events.organizationId, webhookDeliveries.organizationId),
        eq(events.id, webhookDeliveries.eventId),
      ),
    )
}

/** One page of an endpoint's deliveries (404 for an unknown endpoint), in one round trip. */
export async function listDeliveries(db: TenantDb, endpointId: string, query: ListWebhookDeliveriesQuery) {
  const keyset = keysetPage(query, deliverySorts)
  const [endpoint, rows] = await db.run(
    db.selectFields(webhookEndpoints, { id: webhookEndpoints.id }, eq(webhookEndpoints.id, endpointId)),
    selectDeliveries(
      db,
      eq(webhookDeliveries.endpointId, endpointId),
      query.status ? inArray(webhookDeliveries.status, query.status) : undefined,
      keyset.after,
    )
      .orderBy(...keyset.orderBy)
      .limit(keyset.limit) as Statement,
  )
  foundOr404(endpoint, 'webhook endpoint')
  return keyset.page(rows as unknown as WebhookDeliveryRow[])
}

/**
 * Delivers again: the delivery is pending and due now (attempts continue from its count; a FAILED or SUCCEEDED one
 * is re-opened). The caller enqueues it. A disabled endpoint is refused (409): enable it first.
 */
export async function redeliver(
  db: TenantDb,
  endpointId: string,
  deliveryId: string,
): Promise<WebhookDeliveryRow> {
  const which = and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId))
  const enabledEndpoint = sql`exists (select 1 from ${webhookEndpoints} where ${webhookEndpoints.organizationId} =
    ${webhookDeliveries.organizationId} and ${webhookEndpoints.id} = ${webhookDeliveries.endpointId}
    and ${webhookEndpoints.enabled})`
  const [updated, current] = await db.run(
    db
      .update(
        webhookDeliveries,
        { status: 'PENDING', nextAttemptAt: sql`now()`, enqueuedAt: sql`now()` },
        which,
        enabledEndpoint,
      )
      .returning({ id: webhookDeliveries.id }),
    selectDeliveries(db, which),
  )
  const row = (current as unknown as WebhookDeliveryRow[])[0]
  if (!row) throw errors.notFound('No such webhook delivery.')
  if (updated.length === 0)
    throw errors.conflict(
      'ENDPOINT_DISABLED',
      'The endpoint is disabled; enable it (PATCH enabled=true) first.',
    )
  return row
}
