/**
 * `npm run bench:fan-out [-- --organizations 10000] [--sample 200] [--tickets 40] [--representatives 0]
 * [--at 2026-12-15] [--send-latency-ms 0] [--keep]`: does the metrics cron's fan-out through the queue (src/cron/metrics-fan-out.ts) and its consumer (src/queue.ts) fit Cloudflare's
 * limits at 10⁴ organizations (issue 18)? And do events add a database round trip to a change?
 *
 * On a scratch database of the local PostgreSQL server (BENCH_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test, loopback only; dropped at the end unless --keep) it migrates and inserts
 * `--organizations` ACTIVE organizations ("fanout-…", one SQL statement), `--sample` of them with an admin, a customer
 * and `--tickets` tickets (40), one every 10 minutes back from now (so 20,000 span ~140 days), and `--representatives`
 * representatives (0) the tickets are assigned to in turn; the run is scheduled at `--at` 00:05 UTC (default: now).
 * Everything then goes through the real code and the real neon-http path (the
 * local Neon endpoint, scripts/neon-local, which counts the HTTP round trips per application_name):
 *
 * 1. The cron: `fanOutMetrics` with a recording queue (each sendBatch is checked against the Queues limits: ≤ 100
 *    messages and ≤ 256 KB, counting each message's body plus ~100 bytes of metadata as Cloudflare does). Printed:
 *    wall time, database round trips, sendBatch calls, subrequests against 1,000 and 10,000.
 * 2. The consumer: `--sample` metrics messages, each through the Worker's queue handler (queueHandler, as the runtime
 *    invokes it: a batch, ack/retry per message), one at a time: per-organization p50/p99 time and round trips; then
 *    the same messages in batches of 10 (wrangler.toml max_batch_size) for an invocation's wall time.
 * 3. Events: a ticket PATCH through the data layer (updateTicket on a TenantDb as the ADMIN, as the request does)
 *    with the events trigger off, then on with a webhook endpoint subscribed to everything (event + delivery written
 *    in the same transaction): round trips and p50 of each.
 *
 * The extrapolations are labelled as such: they multiply what was measured here (this machine, its load, no network
 * between the Worker and the database) by counts; the limits they are compared with are Cloudflare's published ones.
 */
import type { Principal } from '../src/auth/principal'
import { cronRange, LOOKBACK_DAYS, metricsRequestId } from '../src/cron/metrics'
import { fanOutMetrics, type MetricsMessage } from '../src/cron/metrics-fan-out'
import { TenantDb } from '../src/db/tenant'
import type { Bindings } from '../src/env'
import { queueHandler, type WorkMessage } from '../src/queue'
import { computeMetrics } from '../src/resources/metrics/metrics.data'
import { updateTicket } from '../src/resources/tickets/tickets.data'
import { openBenchDatabase } from './lib/scratch-database'

/** Cloudflare's published limits (developers.cloudflare.com: queues/platform/limits, workers/platform/limits). */
const LIMITS = {
  sendBatchMessages: 100,
  sendBatchBytes: 256_000, // "256KB in total"; 1 KB = 1000 bytes
  messageMetadataBytes: 100, // "up to ~100 bytes of internal metadata" per message
  messageBytes: 128_000,
  consumerBatch: 100, // the most a consumer may ask for (ours: max_batch_size = 10)
  ourConsumerBatch: 10,
  subrequestsLegacy: 1_000, // the older Workers Paid (Unbound/Standard) figure
  subrequests: 10_000, // Workers Paid today, per invocation
  cpuDefaultMs: 30_000, // default CPU per invocation (configurable to 5 min)
  cpuMaxMs: 300_000,
  wallMs: 15 * 60_000, // Cron Triggers and Queue consumers: 15 minutes of wall clock
  queueThroughputPerSecond: 5_000,
  concurrentConsumers: 250,
}

function option(argv: string[], name: string, fallback: number): number {
  const at = argv.indexOf(name)
  if (at < 0) return fallback
  const value = Number(argv[at + 1])
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} takes a non-negative integer`)
  return value
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}
const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`
const sleep = (delay: number) => new Promise((resolve) => setTimeout(resolve, delay))

/** A Queue binding that records what the cron sends and checks every call against the Queues limits. */
function recordingQueue(latencyMs: number) {
  const calls: Array<{ messages: number; bytes: number }> = []
  const bodies: MetricsMessage[] = []
  const queue = {
    async sendBatch(batch: Array<{ body: MetricsMessage }>) {
      const bytes = batch.reduce(
        (total, message) =>
          total + new TextEncoder().encode(JSON.stringify(message.body)).length + LIMITS.messageMetadataBytes,
        0,
      )
      if (batch.length > LIMITS.sendBatchMessages) throw new Error(`sendBatch of ${batch.length} messages`)
      if (bytes > LIMITS.sendBatchBytes) throw new Error(`sendBatch of ${bytes} bytes`)
      calls.push({ messages: batch.length, bytes })
      bodies.push(...batch.map((message) => message.body))
      if (latencyMs > 0) await sleep(latencyMs)
    },
    async send() {
      throw new Error('the fan-out sends in batches only')
    },
  }
  return { queue, calls, bodies }
}

/** A message as the runtime hands it to the queue handler, recording the handler's decision. */
function messageOf(id: string, body: WorkMessage) {
  const outcome: { acked: boolean; retried: boolean } = { acked: false, retried: false }
  const message = {
    id,
    timestamp: new Date(),
    attempts: 1,
    body,
    ack: () => {
      outcome.acked = true
    },
    retry: () => {
      outcome.retried = true
    },
  }
  return { message: message as unknown as Message<WorkMessage>, outcome }
}

function batchOf(messages: Array<Message<WorkMessage>>): MessageBatch<WorkMessage> {
  return {
    queue: 'organization-api-webhooks-local',
    messages,
    ackAll: () => {},
    retryAll: () => {},
  } as unknown as MessageBatch<WorkMessage>
}

const noContext = { waitUntil: () => {}, passThroughOnException: () => {} } as unknown as ExecutionContext

async function main() {
  const argv = process.argv.slice(2)
  const organizations = option(argv, '--organizations', 10_000)
  const sample = Math.min(option(argv, '--sample', 200), organizations)
  const sendLatencyMs = option(argv, '--send-latency-ms', 0)
  const ticketsPerOrganization = option(argv, '--tickets', 40)
  const representatives = option(argv, '--representatives', 0)
  const atIndex = argv.indexOf('--at')
  // The run's day decides its window (a lookback reaching into the previous month reads one more month).
  const at = atIndex < 0 ? undefined : Date.parse(`${argv[atIndex + 1]}T00:05:00Z`)
  if (at !== undefined && Number.isNaN(at)) throw new Error('--at takes a date, YYYY-MM-DD')
  const keep = argv.includes('--keep')
  const started = performance.now()
  const database = await openBenchDatabase({ name: 'orgapi_fanout', keep })
  try {
    const direct = await database.client()
    const neon = database.local
    const urlOf = (applicationName: string) =>
      `${neon.connectionString('app_api')}?application_name=${encodeURIComponent(applicationName)}`

    // --- Data: 10⁴ organizations in one statement; the sample with people and tickets ---------------------------
    let t0 = performance.now()
    await direct.query(
      // Created long before --at: no metrics row is written for a day before an organization's creation.
      `insert into organizations (name, slug, plan, status, created_at, updated_at)
       select 'Fan-out ' || n, 'fanout-' || n, 'PROFESSIONAL', 'ACTIVE', '2020-01-01Z', '2020-01-01Z'
       from generate_series(1, $1::int) n`,
      [organizations],
    )
    const sampleIds = (
      await direct.query<{ id: string }>(
        `select id::text from organizations where slug like 'fanout-%' order by random() limit $1`,
        [sample],
      )
    ).rows.map((row) => row.id)
    await direct.query(
      `insert into users (organization_id, email, name, role)
       select o, r || '@' || o || '.example', r, upper(r)::user_role from unnest($1::uuid[]) o, unnest(array['admin', 'customer']) r`,
      [sampleIds],
    )
    await direct.query(
      `with people as (
         insert into users (organization_id, email, name, role)
         select o, 'rep' || r || '@' || o || '.example', 'Rep ' || r, 'REPRESENTATIVE'
         from unnest($1::uuid[]) o, generate_series(1, $2::int) r returning organization_id, id)
       insert into representatives (organization_id, user_id) select organization_id, id from people`,
      [sampleIds, representatives],
    )
    await direct.query(
      `insert into tickets (organization_id, ticket_number, customer_id, subject, description, status, priority,
         assigned_representative_id, created_at, first_response_at, resolved_at, updated_at)
       select u.organization_id, 'TICKET-' || (1000 + n), u.id, 'Subject ' || n, 'Description',
         (array['OPEN', 'IN_PROGRESS', 'RESOLVED', 'CLOSED'])[1 + n % 4]::ticket_status,
         (array['LOW', 'MEDIUM', 'HIGH'])[1 + n % 3]::ticket_priority,
         (select rp.id from representatives rp where rp.organization_id = u.organization_id
           order by rp.id offset n % greatest($3::int, 1) limit 1),
         c.at, case when n % 4 > 0 then c.at + interval '3 minutes' end,
         case when n % 4 > 1 then c.at + interval '4 minutes' end, c.at + interval '5 minutes'
       from users u, generate_series(1, $2::int) n,
         lateral (select now() - (n % 2) * interval '1 day' - n * interval '10 minutes' as at) c
       where u.role = 'CUSTOMER' and u.organization_id = any($1::uuid[])`,
      [sampleIds, ticketsPerOrganization, representatives],
    )
    await direct.query('vacuum analyze')
    console.log(
      `data: ${organizations.toLocaleString('en')} ACTIVE organizations (one INSERT … SELECT), ${sample} of them with ` +
        `${ticketsPerOrganization} tickets and ${representatives} representatives each, in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    )

    // --- 1. The cron ----------------------------------------------------------------------------------------------
    const scheduledTime = at ?? Date.now()
    const recorded = recordingQueue(sendLatencyMs)
    const cronEnv = {
      APP_ENV: 'development',
      DATABASE_URL: neon.connectionString('app_api'),
      WEBHOOK_QUEUE: recorded.queue,
    } as unknown as Bindings
    t0 = performance.now()
    const cpu0 = process.cpuUsage()
    const summary = await fanOutMetrics(cronEnv, scheduledTime)
    const cronMs = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    const cronCpuMs = (cpu.user + cpu.system) / 1000
    // The driver tags each connection with its request id (src/db/client.ts): the run's, then each organization's.
    const cronTrips = neon.requestCount(`metrics-${scheduledTime}`)
    const fanned = new Set(recorded.bodies.map((body) => body.organizationId))
    if (summary.organizations < organizations || fanned.size !== summary.organizations)
      throw new Error(`fan-out incomplete: ${fanned.size} distinct of ${summary.organizations}`)
    const largestBatch = Math.max(...recorded.calls.map((call) => call.messages))
    const largestBytes = Math.max(...recorded.calls.map((call) => call.bytes))
    const subrequests = cronTrips + recorded.calls.length
    console.log('\n1. The metrics cron (fanOutMetrics, recording queue; the real listing over neon-http)')
    console.log(
      `   organizations listed and fanned out  ${summary.organizations.toLocaleString('en')} (each once)`,
    )
    console.log(
      `   wall time of the invocation          ${ms(cronMs)} (sendBatch latency simulated: ${sendLatencyMs} ms)`,
    )
    console.log(
      `   CPU of this process meanwhile        ${ms(cronCpuMs)} (an upper bound: the local Neon endpoint runs in it too; ` +
        `limit ${LIMITS.cpuDefaultMs / 1000} s by default, ${LIMITS.cpuMaxMs / 60_000} min configurable)`,
    )
    console.log(`   database round trips                 ${cronTrips}`)
    console.log(
      `   sendBatch calls                      ${recorded.calls.length}, largest ${largestBatch} messages / ` +
        `${largestBytes.toLocaleString('en')} bytes (limit ${LIMITS.sendBatchMessages} / ` +
        `${LIMITS.sendBatchBytes.toLocaleString('en')})`,
    )
    console.log(
      `   subrequests (round trips + sends)    ${subrequests} of ${LIMITS.subrequestsLegacy.toLocaleString('en')} ` +
        `(older Paid figure) / ${LIMITS.subrequests.toLocaleString('en')} (Workers Paid): ` +
        `${((100 * subrequests) / LIMITS.subrequestsLegacy).toFixed(1)} % / ${((100 * subrequests) / LIMITS.subrequests).toFixed(1)} %`,
    )
    const perOrgSubrequests = 1 / LIMITS.sendBatchMessages
    console.log(
      `   extrapolated: the 1,000-subrequest limit is reached at ≈ ${Math.floor((LIMITS.subrequestsLegacy - 1) / perOrgSubrequests).toLocaleString('en')} ` +
        `organizations, the 10,000 one at ≈ ${Math.floor((LIMITS.subrequests - 1) / perOrgSubrequests).toLocaleString('en')} (1 listing + ⌈n/100⌉ sends)`,
    )
    for (const latency of [10, 50]) {
      console.log(
        `   extrapolated wall time with ${latency} ms per sendBatch: ${ms(cronMs + recorded.calls.length * latency)} ` +
          `(limit ${LIMITS.wallMs / 60_000} min)`,
      )
    }

    // --- 2. The consumer ------------------------------------------------------------------------------------------
    const handle = queueHandler()
    const sampled = recorded.bodies.filter((body) => sampleIds.includes(body.organizationId))
    const times: number[] = []
    const trips: number[] = []
    for (const [index, body] of sampled.entries()) {
      const { message, outcome } = messageOf(`m-${index}`, body)
      const begin = performance.now()
      await handle(batchOf([message]), cronEnv, noContext)
      times.push(performance.now() - begin)
      trips.push(neon.requestCount(metricsRequestId(scheduledTime, body.organizationId)))
      if (!outcome.acked || outcome.retried) throw new Error(`message ${index} was not acknowledged`)
    }
    const computed = await direct.query<{ n: number }>(
      `select count(distinct organization_id)::int as n from performance_metrics where organization_id = any($1::uuid[])`,
      [sampleIds],
    )
    // The same messages again, in invocations of 10 (wrangler.toml max_batch_size), as the runtime would batch them.
    const tripsOfSample = () =>
      sampled.reduce(
        (total, body) => total + neon.requestCount(metricsRequestId(scheduledTime, body.organizationId)),
        0,
      )
    const tripsBefore = tripsOfSample()
    const batchTimes: number[] = []
    for (let start = 0; start < sampled.length; start += LIMITS.ourConsumerBatch) {
      const chunk = sampled
        .slice(start, start + LIMITS.ourConsumerBatch)
        .map((body, offset) => messageOf(`b-${start + offset}`, body))
      const begin = performance.now()
      await handle(batchOf(chunk.map((entry) => entry.message)), cronEnv, noContext)
      batchTimes.push(performance.now() - begin)
      if (!chunk.every((entry) => entry.outcome.acked))
        throw new Error('a batch message was not acknowledged')
    }
    const batchTrips = (tripsOfSample() - tripsBefore) / sampled.length
    const p50 = percentile(times, 50)
    const p99 = percentile(times, 99)
    console.log(
      `\n2. The consumer (the Worker's queue handler), ${sampled.length} metrics messages of organizations with ${ticketsPerOrganization} tickets`,
    )
    console.log(
      `   per organization, one message at a time: p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(Math.max(...times))}; ` +
        `round trips ${Math.min(...trips)}–${Math.max(...trips)} (sum ${trips.reduce((a, b) => a + b, 0)})`,
    )
    console.log(`   organizations whose rows were written   ${computed.rows[0]?.n} of ${sampleIds.length}`)
    console.log(
      `   an invocation of ${LIMITS.ourConsumerBatch} messages (concurrently):  p50 ${ms(percentile(batchTimes, 50))}, ` +
        `max ${ms(Math.max(...batchTimes))}; ${batchTrips.toFixed(2)} round trips per message ` +
        `(limits per invocation: ${LIMITS.wallMs / 60_000} min wall, ${LIMITS.cpuDefaultMs / 1000} s CPU by default, ` +
        `${LIMITS.subrequestsLegacy.toLocaleString('en')}/${LIMITS.subrequests.toLocaleString('en')} subrequests)`,
    )
    const sequentialS = (organizations * p50) / 1000
    console.log(
      `   extrapolated (labelled): ${organizations.toLocaleString('en')} messages × p50 = ${sequentialS.toFixed(0)} s of ` +
        `consumer time in total; even with one invocation at a time (its ${LIMITS.ourConsumerBatch} messages concurrently) ≈ ` +
        `${(sequentialS / LIMITS.ourConsumerBatch / 60).toFixed(1)} min for the whole run; the queue may run up to ${LIMITS.concurrentConsumers} ` +
        `invocations at once, and takes ${organizations.toLocaleString('en')} messages in ` +
        `${Math.ceil(organizations / LIMITS.queueThroughputPerSecond)} s at its ${LIMITS.queueThroughputPerSecond.toLocaleString('en')} msg/s`,
    )
    console.log(
      `   each organization is its own message: a slow or failing one is retried alone, no invocation grows with n`,
    )

    // The catch-up window's cost: the same organizations' batch over the run's window and over yesterday alone (what
    // the cron computed before it caught up), interleaved so that the machine's load weighs on both alike. Their rows
    // exist by now: what a daily run pays, whose window overlaps the previous run's on all days but one.
    const windowRange = cronRange(scheduledTime)
    const ranges = { window: windowRange, yesterday: { ...windowRange, from: windowRange.to } }
    const windowTimes: Record<keyof typeof ranges, number[]> = { window: [], yesterday: [] }
    for (let round = 0; round < 5; round += 1) {
      for (const body of sampled) {
        for (const kind of ['yesterday', 'window'] as const) {
          const db = TenantDb.forSystem(cronEnv.DATABASE_URL, body.organizationId, `window-${kind}-${round}`)
          const begin = performance.now()
          await computeMetrics(db, ranges[kind], 'wait')
          windowTimes[kind].push(performance.now() - begin)
        }
      }
    }
    console.log(
      `   one organization's batch, interleaved ×5: the ${LOOKBACK_DAYS}-day window (${windowRange.from}..${windowRange.to}) ` +
        `p50 ${ms(percentile(windowTimes.window, 50))} p99 ${ms(percentile(windowTimes.window, 99))}; yesterday alone ` +
        `p50 ${ms(percentile(windowTimes.yesterday, 50))} p99 ${ms(percentile(windowTimes.yesterday, 99))}`,
    )

    // --- 3. Events: a change's round trips with and without its event --------------------------------------------
    const orgId = sampleIds[0] as string
    const [admin] = (
      await direct.query<{ id: string }>(
        `select id::text from users where organization_id = $1 and role = 'ADMIN'`,
        [orgId],
      )
    ).rows
    const [ticket] = (
      await direct.query<{ id: string }>(
        `select id::text from tickets where organization_id = $1 and status <> 'CLOSED' limit 1`,
        [orgId],
      )
    ).rows
    const principal: Principal = { role: 'ADMIN', subject: admin?.id as string, organizationId: orgId }
    const runs = 30
    const measure = async (label: string) => {
      const each: number[] = []
      const counts: number[] = []
      for (let run = 0; run < runs; run += 1) {
        const name = `fanout-events-${label}-${run}`
        const db = TenantDb.forPrincipal(urlOf(name), principal, {
          requestId: name,
          collectsDeliveries: true,
        })
        const begin = performance.now()
        await updateTicket(
          db,
          ticket?.id as string,
          { priority: run % 2 ? 'HIGH' : 'LOW' },
          {
            versions: undefined,
            responder: null,
            mayCancelEscalations: true,
          },
        )
        each.push(performance.now() - begin)
        counts.push(neon.requestCount(name))
      }
      return { p50: percentile(each, 50), trips: [...new Set(counts)] }
    }
    await direct.query('alter table tickets disable trigger tickets_record_event')
    const without = await measure('off')
    await direct.query('alter table tickets enable trigger tickets_record_event')
    await direct.query(
      `insert into webhook_endpoints (organization_id, url, enabled_events, secret)
       values ($1, 'https://hooks.example.com/bench', '["*"]', 'whsec_' || encode(decode(md5(random()::text) || md5(random()::text), 'hex'), 'base64'))`,
      [orgId],
    )
    const withEvents = await measure('on')
    const written = await direct.query<{ events: number; deliveries: number }>(
      `select (select count(*)::int from events where organization_id = $1 and object_id = $2 and type = 'ticket.updated') as events,
              (select count(*)::int from webhook_deliveries where organization_id = $1) as deliveries`,
      [orgId, ticket?.id],
    )
    console.log(
      '\n3. Events: PATCH of a ticket (updateTicket as the ADMIN, the request’s data layer), 30 runs each',
    )
    console.log(
      `   events trigger off                         round trips ${without.trips.join(', ')}, p50 ${ms(without.p50)}`,
    )
    console.log(
      `   events on + an endpoint subscribed to '*'  round trips ${withEvents.trips.join(', ')}, p50 ${ms(withEvents.p50)} ` +
        `(${written.rows[0]?.events} ticket.updated events and ${written.rows[0]?.deliveries} deliveries written)`,
    )
    const extra = (withEvents.trips[0] ?? 0) - (without.trips[0] ?? 0)
    console.log(
      `   events add ${extra} round trips (the event and its deliveries are written by triggers in the change’s transaction)`,
    )
    if (extra !== 0) process.exitCode = 1
    console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s`)
  } finally {
    await database.close()
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
