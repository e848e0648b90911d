import { and, eq, getTableColumns, inArray, type SQL, sql } from 'drizzle-orm'
import { foundOr404, getById, keysetPage, listTable, refusalOf, updateVersioned } from '../../db/crud'
import {
  events,
  type WebhookEndpoint,
  webhookDeliveries,
  webhookDeliveryAttempts,
  webhookEndpoints,
} from '../../db/schema'
import { deletedMark, type Statement, type TenantDb, type TenantTable } from '../../db/tenant'
import { errors } from '../../lib/errors'
import { versionMatches } from '../../lib/etag'
import type { SortOrder } from '../../lib/pagination'
import {
  generateWebhookSecret,
  stillSigning,
  WEBHOOK_MAX_PREVIOUS_SECRETS,
  WEBHOOK_SECRET_OVERLAP_MS,
} from '../../webhooks/signature'
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
  id: string = crypto.randomUUID(),
): Promise<WebhookEndpoint> {
  const [rows] = await db.run(
    db
      .insert(webhookEndpoints, {
        id,
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

/**
 * PATCH; disabling records MANUAL, enabling a disabled endpoint clears why it was disabled. The failure streak
 * (failingSince) survives only a PATCH that leaves the receiver as it was: enabled=true on one already enabled
 * enables nothing, and the same URL sent again is the same receiver; a new URL has not been failing.
 */
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
        ? { enabled: true, disabledReason: null }
        : { enabled: false, disabledReason: 'MANUAL' }
  const sameReceiver = and(
    enabled ? sql`${webhookEndpoints.enabled}` : undefined,
    fields.url === undefined ? undefined : eq(webhookEndpoints.url, fields.url),
  )
  const streak = sameReceiver
    ? { failingSince: sql`case when ${sameReceiver} then ${webhookEndpoints.failingSince} end` }
    : {}
  return updateVersioned<typeof webhookEndpoints, WebhookEndpoint>(
    db,
    webhookEndpoints,
    endpointId,
    { ...fields, ...toggle, ...streak },
    { what: 'webhook endpoint', versions },
  )
}

/**
 * A new secret. The one it replaces keeps signing for WEBHOOK_SECRET_OVERLAP_MS, and so does every secret rotated out
 * earlier until its own expiry (expired ones are dropped here): a repeated rotation (a retry after a lost answer)
 * ends no receiver's overlap. Refused (409) while WEBHOOK_MAX_PREVIOUS_SECRETS still sign; `revokePrevious` (a leaked
 * secret) ends every overlap now, the replaced secret's included.
 */
export function rotateSecret(
  db: TenantDb,
  endpointId: string,
  versions: number[] | undefined,
  revokePrevious = false,
): Promise<WebhookEndpoint> {
  const live = sql`(select coalesce(jsonb_agg(e.p order by e.n), '[]'::jsonb)
    from jsonb_array_elements(${webhookEndpoints.previousSecrets}) with ordinality as e(p, n)
    where (e.p->>'expiresAt')::timestamptz > now())`
  const replaced = sql`jsonb_build_array(jsonb_build_object('secret', ${webhookEndpoints.secret},
    'expiresAt', now() + ${`${WEBHOOK_SECRET_OVERLAP_MS} milliseconds`}::interval))`
  return updateVersioned<typeof webhookEndpoints, WebhookEndpoint>(
    db,
    webhookEndpoints,
    endpointId,
    {
      previousSecrets: revokePrevious ? sql`'[]'::jsonb` : sql`${replaced} || ${live}`,
      secret: generateWebhookSecret(),
    },
    {
      what: 'webhook endpoint',
      versions,
      conditions: [
        revokePrevious ? undefined : sql`jsonb_array_length(${live}) < ${WEBHOOK_MAX_PREVIOUS_SECRETS}`,
      ],
      explain: (current) => {
        const expiries = stillSigning(current.previousSecrets, Date.now()).map((entry) =>
          Date.parse(entry.expiresAt),
        )
        if (expiries.length < WEBHOOK_MAX_PREVIOUS_SECRETS) return undefined
        return errors.conflict(
          'TOO_MANY_SIGNING_SECRETS',
          `${expiries.length} rotated-out secrets still sign; the first stops at ` +
            `${new Date(Math.min(...expiries)).toISOString()}: rotate after then, or with revokePrevious=true to end ` +
            'every overlap now.',
        )
      },
    },
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
      .returning({ id: webhookEndpoints.id, mark: deletedMark }),
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
  const keyset = keysetPage({ ...query, endpointId }, deliverySorts)
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

/** One of the endpoint's deliveries (another endpoint's is not its: 404). */
const deliveryOf = (endpointId: string, deliveryId: string) =>
  and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId))

/** One delivery with its attempts, as the list shows it; 404 when the endpoint has no such delivery. */
export async function getDelivery(db: TenantDb, endpointId: string, deliveryId: string) {
  const [rows] = await db.run(selectDeliveries(db, deliveryOf(endpointId, deliveryId)) as Statement)
  return foundOr404(rows as unknown as WebhookDeliveryRow[], 'webhook delivery')
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
  const which = deliveryOf(endpointId, deliveryId)
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

/** Rows of webhook_deliveries this transaction wrote (inserted or updated). */
const writtenHere = sql`${webhookDeliveries}.xmin = pg_current_xact_id()::xid`

/** The condition an Idempotency-Key of POST /v1/events/{id}/redeliver completes on: the work queued a delivery. */
export const eventRedelivered = (eventId: string) =>
  sql`exists (select 1 from ${webhookDeliveries} where ${webhookDeliveries.eventId} = ${eventId} and ${writtenHere})`

/** An event's deliveries (one per endpoint at most), optionally one endpoint's; 404 for an unknown event. */
export async function eventDeliveries(
  db: TenantDb,
  eventId: string,
  endpointId?: string,
): Promise<WebhookDeliveryRow[]> {
  const [event, rows] = await db.run(
    db.selectFields(events as unknown as TenantTable, { id: events.id }, eq(events.id, eventId)),
    selectDeliveries(
      db,
      eq(webhookDeliveries.eventId, eventId),
      endpointId ? eq(webhookDeliveries.endpointId, endpointId) : undefined,
    ).orderBy(webhookDeliveries.createdAt, webhookDeliveries.id) as Statement,
  )
  foundOr404(event, 'event')
  return rows as unknown as WebhookDeliveryRow[]
}

/**
 * POST /v1/events/{id}/redeliver: the event delivered again to every enabled endpoint subscribed to its type (the
 * fan-out's rule: the SQL function app_webhook_subscribes, migration webhook_subscription_rule), or to `endpointId`
 * only, in one round trip. Each endpoint has one
 * delivery of an event (unique endpoint, event): an existing one is re-opened exactly as the per-delivery
 * redelivery does (pending, due now, attempts continue from its count; same webhook-id), a missing one (the
 * endpoint was created or subscribed after the event) is created. The caller enqueues the returned deliveries.
 * 404 for an unknown event; 422 for an unknown endpointId; 409 when nothing can be delivered (the endpoint is
 * disabled or not subscribed to the type, or no enabled endpoint is).
 */
export async function redeliverEvent(
  db: TenantDb,
  eventId: string,
  endpointId: string | undefined,
): Promise<WebhookDeliveryRow[]> {
  // The fan-out's rule (one SQL function, app_webhook_subscribes, also called by the app_fan_out_event trigger).
  const subscribed = sql`app_webhook_subscribes(e.enabled_events, ev.type, ev.object_type)`
  const onlyEndpoint = endpointId ? sql`and e.id = ${endpointId}` : sql``
  const queue = db.raw(sql`insert into ${webhookDeliveries} as d
      (organization_id, endpoint_id, event_id, next_attempt_at, enqueued_at)
    select ev.organization_id, e.id, ev.id, now(), now()
    from ${events} ev join ${webhookEndpoints} e on e.organization_id = ev.organization_id
    where ev.organization_id = ${db.organizationId} and ev.id = ${eventId} and e.enabled and ${subscribed}
      ${onlyEndpoint}
    on conflict (organization_id, endpoint_id, event_id) do update
      set status = 'PENDING', next_attempt_at = now(), enqueued_at = now(),
        version = d.version + 1, updated_at = greatest(now(), d.updated_at)
    returning d.id`)
  // Why nothing was queued, read in the same batch: the event, and the named endpoint with its subscription.
  const why = db.raw(sql`select ev.id as event_id, e.id as endpoint_id, e.enabled,
      coalesce(${subscribed}, false) as subscribed
    from ${events} ev left join ${webhookEndpoints} e
      on e.organization_id = ev.organization_id and e.id = ${endpointId ?? null}::uuid
    where ev.organization_id = ${db.organizationId} and ev.id = ${eventId}`)
  const [, reasons, rows] = await db.run(
    queue,
    why,
    selectDeliveries(db, eq(webhookDeliveries.eventId, eventId), writtenHere).orderBy(
      webhookDeliveries.createdAt,
      webhookDeliveries.id,
    ) as Statement,
  )
  const reason = (
    reasons as unknown as {
      rows: Array<{ endpoint_id: string | null; enabled: boolean | null; subscribed: boolean }>
    }
  ).rows[0]
  if (!reason) throw errors.notFound('No such event.')
  const queued = rows as unknown as WebhookDeliveryRow[]
  if (queued.length > 0) return queued
  if (endpointId === undefined)
    throw errors.conflict(
      'NO_SUBSCRIBED_ENDPOINT',
      'No enabled webhook endpoint subscribes to this event’s type: create or enable one (or name one with endpointId).',
    )
  if (reason.endpoint_id === null) {
    const message = 'No such webhook endpoint.'
    throw errors.unprocessable('UNKNOWN_WEBHOOK_ENDPOINT', message, [{ path: 'endpointId', message }])
  }
  if (!reason.enabled)
    throw errors.conflict(
      'ENDPOINT_DISABLED',
      'The endpoint is disabled; enable it (PATCH enabled=true) first.',
    )
  throw errors.conflict(
    'ENDPOINT_NOT_SUBSCRIBED',
    'The endpoint does not subscribe to this event’s type (enabledEvents); add it first.',
  )
}
