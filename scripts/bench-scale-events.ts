/**
 * The scale bench's third part (scripts/bench-scale.ts): the event feed and the webhook lists: GET /v1/events,
 * /v1/events/{id}/deliveries, /v1/webhook-endpoints and /v1/webhook-endpoints/{id}/deliveries. Their fill (set-based
 * SQL, as the owner) and their list shapes: every sort alone, every filter alone (the default sort) and every filter
 * × sort pair, the deep cursor, and the feed as a REPRESENTATIVE reads it (only the object types its role may read).
 *
 * Distributions, like real use: an organization's events over the 30-day retention window (EVENT_RETENTION_DAYS;
 * the table keeps nothing older), most of them ticket.* (45 %) and message.* (35 %), then escalations, refunds,
 * customers, users, budget usage, and a few representative, agent, decision rule, budget and organization events;
 * the verbs of each resource in plausible shares (ticket.deleted 1 % of ticket events, message.created 90 % of
 * message events …); object ids spread over the tenant's tickets (so `objectId=<ticket>` is one ticket's audit
 * history: ticket 1 has the tenant's first 30 events, from the last hour); actors mostly people, some agents and
 * the system. Events 61–150 are 30 budget.*, 30 refund.approved and 30 ticket.deleted ones over the window, so that
 * the rare types' filters fill a page at the small size too (at 10⁶ they are lost in the crowd); events 151–180 are
 * escalation.* ones of 30 escalations agent 19 opened, so that an AGENT's own fill a page at the small size too. An
 * escalation's stored object names the agent that opened it (`agent_configuration_id`, as the feed of an AGENT reads
 * it): 70 % of escalations, skewed over the odd-numbered agents; the even-numbered ones open none. A handful of
 * webhook endpoints (ticket.*, message.created, refund.* + escalation.*, customer.* +
 * user.* failing for two days, two exact types; at the large size three more on rare resources); one delivery per
 * subscribed endpoint and event (as the fan-out trigger would write it, created with the event): most SUCCEEDED
 * after 1–3 attempts, ~0.3 % FAILED after 8, the last day's of those still PENDING (retrying), the last 2 minutes'
 * PENDING (just enqueued); each attempt a webhook_delivery_attempts row (the list returns every attempt). The first
 * 30 events' deliveries are PENDING and the next 30's FAILED (ticket events of the last three days), so the status
 * filters fill a page at the small size too.
 *
 * Loaded like bulkLoad (scripts/lib/scratch-database.ts): each chunk in a transaction with triggers off
 * (session_replication_role = replica: no fan-out, no foreign key checks; the ids are consistent by construction).
 * While the other tables are filled, their event triggers are disabled (`withoutEventTriggers`): otherwise every
 * bench row would also write `<resource>.created` events dated at the fill (millions at 10⁶, all newer than the
 * measured window) and fan them out to the endpoints.
 */
import type pg from 'pg'
import type { PrincipalRole } from '../src/auth/principal'
import type { TenantDb } from '../src/db/tenant'
import { listEvents } from '../src/resources/events/events.data'
import { ListEventsQuerySchema } from '../src/resources/events/events.schemas'
import {
  eventDeliveries,
  listDeliveries,
  listEndpoints,
} from '../src/resources/webhook-endpoints/webhook-endpoints.data'
import {
  EventDeliveriesQuerySchema,
  ListWebhookDeliveriesQuerySchema,
  ListWebhookEndpointsQuerySchema,
} from '../src/resources/webhook-endpoints/webhook-endpoints.schemas'

export interface EventsSize {
  events: number
  endpoints: number
}

/** 10³ → 10⁶ events (`factor` scales the large size as for tickets), 5 → 8 endpoints; noise tenants 10³ → 10⁵, 3. */
export function eventsSizes(factor: number): { small: EventsSize; large: EventsSize; noise: EventsSize } {
  const scaled = (n: number) => Math.max(1_000, Math.round(n * factor))
  return {
    small: { events: 1_000, endpoints: 5 },
    large: { events: scaled(1_000_000), endpoints: 8 },
    noise: { events: scaled(100_000), endpoints: 3 },
  }
}

export const EMPTY_EVENTS: EventsSize = { events: 0, endpoints: 0 }

export const EVENTS_TABLES = [
  'events',
  'webhook_endpoints',
  'webhook_deliveries',
  'webhook_delivery_attempts',
]

// ---------------------------------------------------------------------------------------------------------------
// Fill. $1 org id, $2 slug, $3 from (exclusive), $4 to, $5 "now", then per statement.

/** `case when r < p1 then 'a' when r < p1 + p2 then 'b' … else 'last' end` from [value, share] pairs. */
function pick(r: string, shares: ReadonlyArray<readonly [string, number]>): string {
  let sum = 0
  const whens = shares.slice(0, -1).map(([value, share]) => {
    sum += share
    return `when ${r} < ${sum.toFixed(4)} then '${value}'`
  })
  return `case ${whens.join(' ')} else '${shares[shares.length - 1]?.[0]}' end`
}

const OBJECT_SHARES = [
  ['ticket', 0.45],
  ['message', 0.35],
  ['escalation', 0.06],
  ['refund', 0.05],
  ['customer', 0.03],
  ['user', 0.02],
  ['budget_usage', 0.02],
  ['representative', 0.01],
  ['agent', 0.004],
  ['decision_rule', 0.003],
  ['budget', 0.002],
  ['organization', 0.001],
] as const

/** The verbs of each object type (every one a type of eventTypeValues: the events_type_known CHECK refuses others). */
const VERB_SHARES: Record<string, ReadonlyArray<readonly [string, number]>> = {
  ticket: [
    ['created', 0.25],
    ['updated', 0.3],
    ['status_changed', 0.27],
    ['assigned', 0.13],
    ['unassigned', 0.04],
    ['deleted', 0.01],
  ],
  message: [
    ['created', 0.9],
    ['updated', 0.07],
    ['redacted', 0.02],
    ['deleted', 0.01],
  ],
  escalation: [
    ['created', 0.25],
    ['assigned', 0.2],
    ['started', 0.15],
    ['resolved', 0.2],
    ['updated', 0.1],
    ['cancelled', 0.05],
    ['unassigned', 0.04],
    ['deleted', 0.01],
  ],
  refund: [
    ['created', 0.35],
    ['approved', 0.2],
    ['processed', 0.2],
    ['rejected', 0.1],
    ['cancelled', 0.05],
    ['updated', 0.09],
    ['deleted', 0.01],
  ],
  customer: [
    ['created', 0.5],
    ['updated', 0.48],
    ['deleted', 0.02],
  ],
  user: [
    ['created', 0.5],
    ['updated', 0.48],
    ['deleted', 0.02],
  ],
  budget_usage: [
    ['created', 0.9],
    ['updated', 0.08],
    ['deleted', 0.02],
  ],
  representative: [
    ['created', 0.1],
    ['updated', 0.3],
    ['status_changed', 0.58],
    ['deleted', 0.02],
  ],
  agent: [
    ['created', 0.1],
    ['updated', 0.4],
    ['status_changed', 0.48],
    ['deleted', 0.02],
  ],
  decision_rule: [
    ['created', 0.3],
    ['updated', 0.6],
    ['deleted', 0.1],
  ],
  budget: [
    ['created', 0.5],
    ['updated', 0.45],
    ['deleted', 0.05],
  ],
  organization: [
    ['updated', 0.9],
    ['status_changed', 0.1],
  ],
}

/** A pseudo-random 0 … 2³²−1 of an integer expression (as in bench-scale.ts). */
const H = (expr: string) => `(hashint4(${expr})::bigint + 2147483648)`

const VERB = `case object_type ${Object.entries(VERB_SHARES)
  .map(([type, shares]) => `when '${type}' then ${pick('r_v', shares)}`)
  .join(' ')} end`

/**
 * Endpoints $3+1 … $4. The first five: ticket.* (the measured one), message.created, refund.* + escalation.*,
 * customer.* + user.* (failing for two days), two exact types; more: one rare resource each. Created before the
 * retention window, so every event in it was fanned out to them.
 */
const SQL_ENDPOINTS = `
insert into webhook_endpoints (id, organization_id, url, description, enabled_events, enabled, secret, failing_since,
  created_at, updated_at)
select bench.uid($2 || ':endpoint:' || k), $1::uuid, 'https://hooks.' || $2 || '.example/webhooks/' || k, 'Endpoint ' || k,
  (array['["ticket.*"]', '["message.created"]', '["refund.*", "escalation.*"]', '["customer.*", "user.*"]',
         '["ticket.created", "refund.approved"]', '["budget.*"]', '["agent.*"]', '["decision_rule.*"]',
         '["representative.*"]'])[1 + (k - 1) % 9]::jsonb,
  true, 'whsec_' || encode(sha256(convert_to($2 || ':secret:' || k, 'UTF8')), 'base64'),
  case when k = 4 then $5::timestamptz - interval '2 days' end,
  $5::timestamptz - interval '1 day' * (400 - k), $5::timestamptz - interval '1 day' * (400 - k)
from generate_series($3::int + 1, $4::int) k`

/**
 * Events $3+1 … $4 with their deliveries and attempts. $6 tickets (object ids are spread over 3× as many objects of
 * the other types), $7 busy representatives, $8 customers, $9 agents, $10 … $11 the events of this fill (a size's
 * growth). Beyond the first 180, events are dated in the order of n over the window (each fill spreads its events
 * over all 30 days) and inserted in that order, as the feed is written: appended in time, so that a page of recent
 * events lies on a few heap pages, as in a real table, not on 25.
 */
const SQL_EVENTS = `
with raw as (
  select n, r_o, r_v, r_obj, r_act, r_who,
    case when n <= 30 then $5::timestamptz - interval '2 minutes' * (31 - n)
         when n <= 60 then $5::timestamptz - r_age * interval '3 days'
         when n <= 180 then $5::timestamptz - r_age * interval '30 days'
         else $5::timestamptz - interval '30 days' * (($11::int - n + r_age) / ($11::int - greatest($10::int, 180))::float8)
    end as created_at
  from (select n, random() as r_o, random() as r_v, random() as r_obj, random() as r_act, random() as r_who,
          random() as r_age
        from generate_series($3::int + 1, $4::int) n) s
), typed as (
  select *,
    case when n <= 60 then 'ticket' when n <= 90 then 'budget' when n <= 120 then 'refund' when n <= 150 then 'ticket'
         when n <= 180 then 'escalation'
         else ${pick('r_o', OBJECT_SHARES)} end as object_type
  from raw
), shaped as (
  select n, created_at, object_type, object_type || '.' || verb as type, r_act, r_who,
    case when n <= 30 then bench.uid($2 || ':ticket:1')
         when n between 151 and 180 then bench.uid($2 || ':escalation:of-agent-19:' || n)
         else bench.uid($2 || ':' || object_type || ':' || object_n) end
      as object_id,
    -- The agent that opened an escalation (a function of the escalation, so its every event agrees): 70 % of them,
    -- skewed over the odd-numbered agents (agent 1 the busiest); the even-numbered ones open none.
    case when n between 151 and 180 then bench.uid($2 || ':agent:19')
         when object_type = 'escalation' and ${H('object_n')} % 10 < 7
         then bench.uid($2 || ':agent:' || (1 + 2 * floor(($9::int / 2) * (${H('object_n + 1')} / 4294967296.0) ^ 2))::int) end
      as opened_by,
    bench.uid($2 || ':event:' || n) as id
  from (
    select *,
      case when n = 1 then 'created' when n = 2 then 'assigned' when n <= 30 then (array['updated', 'status_changed'])[1 + n % 2]
           when n between 91 and 120 then 'approved' when n between 121 and 150 then 'deleted'
           else ${VERB} end as verb,
      (1 + floor($6::int * (case when object_type = 'ticket' then 1 else 3 end) * r_obj))::int as object_n
    from typed
  ) v
), new_events as (
  insert into events (id, organization_id, type, object_type, object_id, object, previous, actor_type, actor_role,
    actor_id, request_id, idempotency_key, created_at)
  select id, $1::uuid, type, object_type, object_id,
    jsonb_build_object('id', object_id, 'organization_id', $1::text, 'version', 1 + n % 7,
      'status', (array['OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESOLVED', 'CLOSED'])[1 + n % 5],
      'subject', initcap(replace(object_type, '_', ' ')) || ' ' || n || ': a question about billing',
      'description', 'The customer wrote about their last invoice and a refund (bench event ' || n || ').',
      'tags', '[]'::jsonb, 'created_at', created_at - interval '2 days', 'updated_at', created_at)
      || case when object_type = 'escalation' then jsonb_build_object('agent_configuration_id', opened_by) else '{}' end,
    case when type ~ '\\.(updated|status_changed|assigned|unassigned|approved|processed|rejected|cancelled|started|resolved|redacted)$'
         then jsonb_build_object('status', 'OPEN', 'assigned_representative_id', null) end,
    actor_type, actor_role,
    case actor_role
      when 'REPRESENTATIVE' then bench.uid($2 || ':repuser:' || (1 + floor($7::int * r_who ^ 2))::int)
      when 'CUSTOMER' then bench.uid($2 || ':cust:' || (1 + floor($8::int * r_who ^ 3))::int)
      when 'ADMIN' then bench.uid($2 || ':admin')
      when 'AGENT' then bench.uid($2 || ':agent:' || (1 + floor($9::int * r_who ^ 2))::int) end,
    case when actor_type <> 'SYSTEM' then 'req_' || substr(md5($2 || n), 1, 24) end,
    case when actor_type <> 'SYSTEM' and r_who < 0.3 then 'idem-' || substr(md5(n || $2), 1, 16) end,
    created_at
  from (
    select *,
      case when r_act < 0.75 or r_act >= 0.97 then 'USER' when r_act < 0.85 then 'AGENT' else 'SYSTEM' end as actor_type,
      case when r_act < 0.55 then 'REPRESENTATIVE' when r_act < 0.75 then 'CUSTOMER' when r_act < 0.85 then 'AGENT'
           when r_act >= 0.97 then 'ADMIN' end as actor_role
    from shaped
  ) a
  order by n
  returning 1
), delivered as (
  select *,
    case
      when n <= 30 or age < interval '2 minutes' then 'PENDING'
      when n <= 60 then 'FAILED'
      when failing_since is not null and created_at >= failing_since or r_d < 0.003 then
        case when age < interval '1 day' then 'PENDING' else 'FAILED' end
      else 'SUCCEEDED'
    end as status
  from (
    select s.n, s.id as event_id, s.created_at, $5::timestamptz - s.created_at as age, e.id as endpoint_id,
      e.failing_since, bench.uid('delivery:' || e.id || ':' || s.n) as id, random() as r_d, random() as r_n
    from shaped s
    join webhook_endpoints e on e.organization_id = $1::uuid and e.created_at <= s.created_at
      and app_webhook_subscribes(e.enabled_events, s.type, s.object_type)
  ) j
), counted as (
  select *,
    case
      when n <= 30 then 2
      when status = 'FAILED' then 8
      when status = 'PENDING' and age < interval '2 minutes' then 0
      when status = 'PENDING' then 1 + floor(r_n * 6)::int
      when r_n < 0.97 then 1 when r_n < 0.995 then 2 else 3
    end as attempts
  from delivered
), new_deliveries as (
  insert into webhook_deliveries (id, organization_id, endpoint_id, event_id, status, attempts, next_attempt_at,
    enqueued_at, last_attempt_at, last_status_code, last_error, created_at, updated_at)
  select id, $1::uuid, endpoint_id, event_id, status, attempts,
    case when status = 'PENDING' and attempts > 0 then $5::timestamptz + interval '10 minutes' * attempts
         else created_at + interval '30 seconds' * attempts end,
    created_at + interval '30 seconds' * greatest(attempts - 1, 0),
    case when attempts > 0 then created_at + interval '30 seconds' * attempts end,
    case when attempts = 0 then null when status = 'SUCCEEDED' then 200 when n % 3 = 0 then 503 else 500 end,
    case when attempts > 0 and status <> 'SUCCEEDED' then 'HTTP ' || case when n % 3 = 0 then 503 else 500 end end,
    created_at, created_at + interval '30 seconds' * attempts
  from counted
  order by n, endpoint_id
  returning 1
)
insert into webhook_delivery_attempts (id, organization_id, delivery_id, attempt, status_code, error, duration_ms,
  created_at, updated_at)
select bench.uid('attempt:' || c.id || ':' || a), $1::uuid, c.id, a,
  case when c.status = 'SUCCEEDED' and a = c.attempts then 200 when a % 4 = 0 then null when c.n % 3 = 0 then 503 else 500 end,
  case when c.status = 'SUCCEEDED' and a = c.attempts then null when a % 4 = 0 then 'timeout after 10000 ms' else 'HTTP 5xx' end,
  40 + (hashint4(a + c.n)::bigint + 2147483648) % 900,
  c.created_at + interval '30 seconds' * a, c.created_at + interval '30 seconds' * a
from counted c, generate_series(1, c.attempts) a
order by c.n, c.endpoint_id, a`

export interface EventsFillContext {
  client: pg.Client
  tenant: { id: string; slug: string }
  now: Date
  log: (line: string) => void
  /** The sizes of the other tables after the fill (object and actor ids). */
  tickets: number
  busyReps: number
  customers: number
  agents: number
}

const CHUNK = 100_000

/** One statement in a transaction with triggers off (bulkLoad's way: no fan-out, no foreign key triggers). */
async function replica(client: pg.Client, sql: string, params: unknown[]): Promise<void> {
  await client.query('begin')
  try {
    await client.query('set local session_replication_role = replica')
    await client.query(sql, params)
    await client.query('commit')
  } catch (error) {
    await client.query('rollback').catch(() => {})
    throw error
  }
}

export async function fillEvents(ctx: EventsFillContext, from: EventsSize, to: EventsSize): Promise<void> {
  const base = [ctx.tenant.id, ctx.tenant.slug]
  if (to.endpoints > from.endpoints) {
    await replica(ctx.client, SQL_ENDPOINTS, [...base, from.endpoints, to.endpoints, ctx.now])
  }
  for (let start = from.events; start < to.events; start += CHUNK) {
    const end = Math.min(to.events, start + CHUNK)
    const t0 = performance.now()
    await replica(ctx.client, SQL_EVENTS, [
      ...base,
      start,
      end,
      ctx.now,
      ctx.tickets,
      ctx.busyReps,
      ctx.customers,
      ctx.agents,
      from.events,
      to.events,
    ])
    ctx.log(
      `  ${ctx.tenant.slug}: events (with deliveries) ${start + 1}…${end} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    )
  }
}

/**
 * Runs `fill` with the event triggers of the other tables off (`ALTER TABLE … DISABLE TRIGGER`, as the owner; the
 * other triggers, e.g. the assignee checks and the search terms, stay on), and turns them on again.
 */
export async function withoutEventTriggers<T>(client: pg.Client, fill: () => Promise<T>): Promise<T> {
  const { rows } = await client.query<{ table: string; name: string }>(
    `select c.relname as table, t.tgname as name from pg_trigger t join pg_class c on c.oid = t.tgrelid
     where not t.tgisinternal and t.tgfoid in ('app_record_event'::regproc, 'app_fan_out_event'::regproc,
       'app_record_user_profile_events'::regproc)`,
  )
  const alter = async (action: 'disable' | 'enable') => {
    for (const { table, name } of rows) {
      await client.query(`alter table ${JSON.stringify(table)} ${action} trigger ${JSON.stringify(name)}`)
    }
  }
  await alter('disable')
  try {
    return await fill()
  } finally {
    await alter('enable')
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Listers and shapes

type Page = { data: unknown[]; nextCursor: string | null }
type Lister = (db: TenantDb, query: URLSearchParams) => Promise<Page>

const params = (query: URLSearchParams) => Object.fromEntries(query)

export const eventsListers = {
  /** The route passes the caller (its role, and its id for the objects it reads only in part). */
  events: (db, q) => {
    const { role, principalId } = db.context
    if (!role || !principalId) throw new Error('the event feed is read by a principal')
    return listEvents(db, { role, subject: principalId }, ListEventsQuerySchema.parse(params(q)))
  },
  /** `eventId` is the path parameter of GET /v1/events/{eventId}/deliveries (not a page: one per endpoint). */
  'events/deliveries': async (db, q) => {
    const { eventId, ...rest } = params(q)
    const rows = await eventDeliveries(db, String(eventId), EventDeliveriesQuerySchema.parse(rest).endpointId)
    return { data: rows, nextCursor: null }
  },
  'webhook-endpoints': (db, q) => listEndpoints(db, ListWebhookEndpointsQuerySchema.parse(params(q))),
  /** `endpointId` is the path parameter of GET /v1/webhook-endpoints/{endpointId}/deliveries. */
  'webhook-endpoints/deliveries': (db, q) => {
    const { endpointId, ...rest } = params(q)
    return listDeliveries(db, String(endpointId), ListWebhookDeliveriesQuerySchema.parse(rest))
  },
} satisfies Record<string, Lister>

export type EventsResource = keyof typeof eventsListers

/** A shape's name: the path parameter in the path, the ids shortened. */
export function eventsShapePath(
  resource: string,
  query: string,
  ids: Pick<EventsIds, 'endpoint' | 'endpoint5' | 'event' | 'foreignEscalation'>,
): { resource: string; query: string } | undefined {
  const shorten = (text: string) =>
    text
      .replaceAll(ids.endpoint, '<endpoint>')
      .replaceAll(ids.endpoint5, '<endpoint 5>')
      .replaceAll(ids.event, '<event>')
      .replaceAll(ids.foreignEscalation, '<escalation of another agent>')
  if (resource === 'events/deliveries')
    return { resource: 'events/<event>/deliveries', query: shorten(query.replace(/eventId=[^&]*&?/, '')) }
  if (resource === 'webhook-endpoints/deliveries')
    return {
      resource: 'webhook-endpoints/<endpoint>/deliveries',
      query: shorten(query.replace(/endpointId=[^&]*&?/, '')),
    }
  return undefined
}

export interface EventsIds {
  ticket: string
  /**
   * Agent 19: opened a typical share of the escalations (~1.6 % of their events; the mean of the openers is 1.4 %),
   * and the 30 of events 151–180.
   */
  agentTypical: string
  /** Agent 2: opened none (the even-numbered agents open none). */
  agentNone: string
  /** The newest escalation event's object that agent 19 did not open (another agent's, or a person's). */
  foreignEscalation: string
  /** The tenant's first event (ticket 1 created, delivered to the ticket.* and ticket.created endpoints). */
  event: string
  /** Endpoint 1 (ticket.*): the most deliveries. */
  endpoint: string
  /** Endpoint 5 (ticket.created, refund.approved). */
  endpoint5: string
}

export interface EventsShape {
  resource: EventsResource
  kind: 'sort' | 'filter' | 'pair' | 'cursor' | 'role'
  query: string
  role: PrincipalRole
  deep?: boolean
  /** The caller, where its id matters (an AGENT reads the events of the escalations it opened), and its name. */
  subject?: { id: string; name: string }
}

/** Each sort alone, each filter with the default sort (-createdAt) and with createdAt. */
function matrix(
  resource: EventsResource,
  filters: string[],
  extra: { query?: string; role?: PrincipalRole } = {},
): EventsShape[] {
  const role = extra.role ?? 'ADMIN'
  const withBase = (query: string) => (extra.query ? `${extra.query}&${query}` : query)
  return [
    { resource, role, kind: 'sort', query: withBase('sort=-createdAt') },
    { resource, role, kind: 'sort', query: withBase('sort=createdAt') },
    ...filters.flatMap((filter): EventsShape[] => [
      { resource, role, kind: 'filter', query: withBase(filter) },
      { resource, role, kind: 'pair', query: withBase(`${filter}&sort=createdAt`) },
    ]),
  ]
}

export function eventsShapes(ids: EventsIds, now: Date): EventsShape[] {
  const hour = 3_600_000
  const day = 24 * hour
  const iso = (ms: number) => new Date(now.getTime() - ms).toISOString()
  return [
    ...matrix('events', [
      // A resource (wildcard), common and rare; an exact type, common and rare within a common resource; a mix.
      'type=ticket.*',
      'type=refund.*',
      'type=budget.*',
      'type=message.created',
      'type=refund.approved',
      'type=ticket.deleted',
      'type=ticket.status_changed,ticket.assigned',
      'type=refund.*,escalation.*',
      'type=ticket.*,refund.approved',
      // One object's audit history.
      `objectId=${ids.ticket}`,
      // Created ranges: the last hour, one day in the middle of the window, its oldest day.
      `createdFrom=${iso(hour)}`,
      `createdFrom=${iso(15 * day)}&createdTo=${iso(14 * day)}`,
      `createdTo=${iso(29 * day)}`,
      `type=message.*&createdFrom=${iso(7 * day)}`,
    ]),
    { resource: 'events', kind: 'cursor', query: 'sort=-createdAt', role: 'ADMIN', deep: true },
    { resource: 'events', kind: 'cursor', query: 'type=ticket.*', role: 'ADMIN', deep: true },
    { resource: 'events', kind: 'role', query: 'sort=-createdAt', role: 'REPRESENTATIVE' },
    { resource: 'events', kind: 'role', query: 'type=ticket.*', role: 'REPRESENTATIVE' },
    { resource: 'events', kind: 'role', query: `objectId=${ids.ticket}`, role: 'REPRESENTATIVE' },
    // An AGENT reads the object types its role reads whole (tickets, messages, …) and the escalations it opened:
    // the feed; its escalations (a typical opener, and one that opened none); a type it reads none of; another
    // agent's escalation.
    ...['sort=-createdAt', 'type=escalation.*', 'type=budget.*', `objectId=${ids.foreignEscalation}`].map(
      (query): EventsShape => ({
        resource: 'events',
        kind: 'role',
        query,
        role: 'AGENT',
        subject: { id: ids.agentTypical, name: 'a typical AGENT' },
      }),
    ),
    {
      resource: 'events',
      kind: 'role',
      query: 'type=escalation.*',
      role: 'AGENT',
      subject: { id: ids.agentNone, name: 'an AGENT that opened none' },
    },
    { resource: 'events/deliveries', kind: 'filter', query: `eventId=${ids.event}`, role: 'ADMIN' },
    {
      resource: 'events/deliveries',
      kind: 'filter',
      query: `eventId=${ids.event}&endpointId=${ids.endpoint5}`,
      role: 'ADMIN',
    },
    ...matrix('webhook-endpoints', []),
    ...matrix(
      'webhook-endpoints/deliveries',
      ['status=FAILED', 'status=PENDING', 'status=PENDING,FAILED', 'status=SUCCEEDED'],
      { query: `endpointId=${ids.endpoint}` },
    ),
    {
      resource: 'webhook-endpoints/deliveries',
      kind: 'cursor',
      query: `endpointId=${ids.endpoint}&sort=-createdAt`,
      role: 'ADMIN',
      deep: true,
    },
  ]
}

export const eventsSummary = (small: EventsSize, large: EventsSize) =>
  `${small.events.toLocaleString('en-US')} → ${large.events.toLocaleString('en-US')} events over 30 days with their webhook deliveries ` +
  `to ${small.endpoints} → ${large.endpoints} endpoints`
