/**
 * `npm run bench:metrics [-- --tickets 700000] [--representatives 50] [--days 730] [--runs 7] [--at 2026-12-06]
 * [--keep]`: what the daily metrics computation of one large tenant costs, and which tickets it reads.
 *
 * On a scratch database of the local PostgreSQL server (BENCH_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test, loopback only; dropped at the end unless --keep), migrated behind the
 * local Neon endpoint, one organization (created before its history) with `--representatives` active
 * representatives, 1,000 customers and `--tickets` tickets created over the `--days` days before the run, bulk
 * loaded as the owner (triggers off), with lifecycles: ~90% first-responded (5 min … 8 h after creation, most of
 * them by a representative), ~85% resolved (1 h … 5 days), ~80% closed (1 … 7 days after), ~20% rated (within 3
 * days of resolution), ~3% escalated; no event after the run's time. Assigned to the representatives in turn.
 *
 * Measured: `computeMetrics` with the cron's range (cronRange of `--at` 00:05 UTC, default today: the last
 * LOOKBACK_DAYS days and the periods meeting them, whose span reaches back to the previous month) through a
 * TenantDb.forSystem as app_api (RLS on), as the cron and the queue consumer do: one round trip of three
 * statements. One warm-up run (it writes the rows; the later runs find them unchanged), then `--runs` timed.
 * Printed: median/min/max, and the EXPLAIN (ANALYZE, BUFFERS) of the DAY/WEEK/MONTH statement (the one that reads
 * the tickets) as app_api with the tenant bound, after the batch's lock statement (it sets the computation's
 * session settings), rolled back: the tickets scan (node, indexes), the tickets with an event in the span (counted
 * as the owner: what the computation needs), the ticket rows the scan reads (returned + removed by its filter), its
 * buffers, the statement's execution time and the JIT compilation within it. Nothing is asserted: it measures.
 * The data is one tenant only: with others beside it the read before migration 0054 went through the organization
 * index instead of a sequential scan, and read the same tenant's whole history.
 */
import { parseArgs } from 'node:util'
import type pg from 'pg'
import { cronRange } from '../src/cron/metrics'
import { TenantDb } from '../src/db/tenant'
import { computeMetrics, computeMetricsStatements } from '../src/resources/metrics/metrics.data'
import { HOST, positiveInteger, Teardown } from './lib/bench-harness'
import { type PlanNode, planNodes } from './lib/query-plan'
import { bulkLoad, openBenchDatabase } from './lib/scratch-database'

interface Options {
  tickets: number
  representatives: number
  days: number
  runs: number
  at: number
  keep: boolean
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      tickets: { type: 'string', default: '700000' },
      representatives: { type: 'string', default: '50' },
      days: { type: 'string', default: '730' },
      runs: { type: 'string', default: '7' },
      at: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  })
  const at = values.at
    ? Date.parse(`${values.at}T00:05:00Z`)
    : Date.parse(`${new Date().toISOString().slice(0, 10)}T00:05:00Z`)
  if (Number.isNaN(at)) throw new Error('--at takes a date, YYYY-MM-DD')
  return {
    tickets: positiveInteger(values.tickets, '--tickets'),
    representatives: positiveInteger(values.representatives, '--representatives'),
    days: positiveInteger(values.days, '--days'),
    runs: positiveInteger(values.runs, '--runs'),
    at,
    keep: values.keep ?? false,
  }
}

const CUSTOMERS = 1000

/** The tenant and its history, as the owner in one transaction (bulkLoad: triggers off, then analyzed). */
async function load(url: string, options: Options): Promise<string> {
  let organizationId = ''
  await bulkLoad(
    url,
    ['organizations', 'users', 'representatives', 'tickets', 'escalations'],
    async (client) => {
      await client.query('select setseed(0.42)')
      const created = new Date(options.at - (options.days + 30) * 86_400_000).toISOString()
      const { rows } = await client.query<{ id: string }>(
        `insert into organizations (name, slug, plan, status, created_at, updated_at)
       values ('Metrics bench', 'metrics-bench', 'ENTERPRISE', 'ACTIVE', $1, $1) returning id::text`,
        [created],
      )
      organizationId = rows[0]?.id ?? ''
      await client.query(
        `insert into users (organization_id, email, name, role)
       select $1, 'customer' || n || '@bench.example', 'Customer ' || n, 'CUSTOMER' from generate_series(1, $2::int) n`,
        [organizationId, CUSTOMERS],
      )
      await client.query(
        `with people as (
         insert into users (organization_id, email, name, role)
         select $1, 'rep' || n || '@bench.example', 'Rep ' || n, 'REPRESENTATIVE' from generate_series(1, $2::int) n
         returning id)
       insert into representatives (organization_id, user_id) select $1, id from people`,
        [organizationId, options.representatives],
      )
      await insertTickets(client, organizationId, options)
      await client.query(
        `insert into escalations (organization_id, ticket_id, reason, created_at, updated_at)
       select organization_id, id, 'COMPLEX_ISSUE', created_at + interval '30 minutes', created_at + interval '30 minutes'
       from tickets where organization_id = $1 and random() < 0.03 and created_at + interval '30 minutes' < $2`,
        [organizationId, new Date(options.at).toISOString()],
      )
    },
  )
  return organizationId
}

async function insertTickets(client: pg.Client, organizationId: string, options: Options): Promise<void> {
  // Each event is dropped when it would fall after the run's time (`now`); the status follows the last one. Rows go
  // in creation order, as the API appends them (the heap's order decides how many pages an index read touches).
  await client.query(
    `with reps as (select array_agg(id order by id) as ids from representatives where organization_id = $1),
     customers as (select array_agg(id order by id) as ids from users where organization_id = $1 and role = 'CUSTOMER'),
     creation as (
       select n, $3::timestamptz - random() * $4::int * interval '1 day' as created from generate_series(1, $2::int) n
     ),
     base as (
       select n, created,
         case when random() < 0.9 then created + (5 + random() * 475) * interval '1 minute' end as responded,
         case when random() < 0.85 then created + (1 + random() * 119) * interval '1 hour' end as resolved,
         random() as r_close, random() as r_rate, random() as r_rating, random() as r_by
       from creation
     ),
     lifecycle as (
       select n, created, responded, r_rating, r_by,
         case when responded < $3 then responded end as first_response_at,
         case when resolved < $3 and resolved >= coalesce(responded, created) then resolved end as resolved_at,
         case when r_close < 0.94 then resolved + (1 + random() * 6) * interval '1 day' end as closed,
         case when r_rate < 0.24 then resolved + random() * 3 * interval '1 day' end as rated
       from base
     ),
     final as (
       select *, case when closed < $3 and resolved_at is not null then closed end as closed_at,
         case when rated < $3 and resolved_at is not null then rated end as rated_at
       from lifecycle
     )
     insert into tickets (organization_id, ticket_number, customer_id, assigned_representative_id, subject,
       description, status, priority, category, first_response_at, first_response_by_type, first_response_by_id,
       resolved_at, closed_at,
       satisfaction_rating, satisfaction_rated_at, created_at, updated_at)
     select $1, 'TICKET-' || (1000 + n), customers.ids[1 + n % ${CUSTOMERS}], reps.ids[1 + n % array_length(reps.ids, 1)],
       'Subject ' || n, 'Description of ticket ' || n,
       (case when closed_at is not null then 'CLOSED' when resolved_at is not null then 'RESOLVED'
         when first_response_at is not null then 'IN_PROGRESS' else 'OPEN' end)::ticket_status,
       (array['LOW', 'MEDIUM', 'HIGH', 'URGENT'])[1 + n % 4]::ticket_priority,
       (array['BILLING', 'TECHNICAL_ISSUE', 'ACCOUNT', 'OTHER'])[1 + n % 4]::ticket_category,
       first_response_at,
       case when first_response_at is not null then
         (case when r_by < 0.7 then 'REPRESENTATIVE' else 'AGENT' end)::message_author_type end,
       case when first_response_at is not null then reps.ids[1 + n % array_length(reps.ids, 1)] end,
       resolved_at, closed_at,
       case when rated_at is not null then 1 + floor(r_rating * 5)::int end, rated_at,
       created, greatest(created, first_response_at, resolved_at, closed_at, rated_at)
     from final, reps, customers
     order by created`,
    [organizationId, options.tickets, new Date(options.at).toISOString(), options.days],
  )
}

/** The span the computation reads (metrics.data.ts spanCte): from the previous month of `from`'s month to the end of the last week or month meeting `through`. */
function spanOf(range: { from: string; through: string }): [string, string] {
  const day = (text: string) => new Date(`${text}T00:00:00Z`)
  const from = day(range.from)
  const through = day(range.through)
  const starts = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() - 1, 1))
  const monthEnd = new Date(Date.UTC(through.getUTCFullYear(), through.getUTCMonth() + 1, 1))
  const weekEnd = new Date(through.getTime() + (7 - ((through.getUTCDay() + 6) % 7)) * 86_400_000)
  return [starts.toISOString(), new Date(Math.max(monthEnd.getTime(), weekEnd.getTime())).toISOString()]
}

interface TicketRead {
  scan: string
  /** Tickets with an event in the span (counted as the owner): what the computation needs. */
  inSpan: number
  read: number
  buffers: number
  executionMs: number
  /** JIT compilation (generation, inlining, optimization, emission) within executionMs; 0 when not used. */
  jitMs: number
}

/** EXPLAIN (ANALYZE, BUFFERS) of the statement that reads the tickets, as app_api with the tenant bound; rolled back. */
async function explainTicketRead(
  client: pg.Client,
  db: TenantDb,
  organizationId: string,
  at: number,
): Promise<TicketRead> {
  // The batch's first statement (the lock, which also sets the computation's session settings) runs first, as in
  // the batch, so the plan and its JIT are the computation's.
  const [lock, statement] = computeMetricsStatements(db, cronRange(at), 'wait').map((item) =>
    (item as unknown as { getQuery(): { sql: string; params: unknown[] } }).getQuery(),
  )
  if (!lock || !statement) throw new Error('no statements')
  const query = statement
  await client.query('begin')
  try {
    await client.query('set local role app_api')
    await client.query(`select app_begin_request($1::uuid, null, null, null, null, 'SYSTEM')`, [
      organizationId,
    ])
    await client.query(lock.sql, lock.params)
    const explained = await client.query<{
      'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number; JIT?: { Timing?: { Total?: number } } }>
    }>(`explain (analyze, buffers, format json) ${query.sql}`, query.params)
    const result = explained.rows[0]?.['QUERY PLAN'][0]
    if (!result) throw new Error('no plan')
    const scans = planNodes(result.Plan).filter(
      (node) => node['Relation Name'] === 'tickets' || (node['Index Name'] ?? '').startsWith('tickets_'),
    )
    // The scan that yields the tickets: the first one under the tickets relation (a Bitmap Heap Scan's index scans
    // are its children). Rows read = returned + removed by its filter or recheck.
    const top = scans.find((node) => node['Relation Name'] === 'tickets')
    if (!top) throw new Error('no tickets scan in the plan')
    const indexes = new Set(
      planNodes(top).flatMap((node) => (node['Index Name'] ? [node['Index Name']] : [])),
    )
    const loops = top['Actual Loops'] ?? 1
    return {
      scan: `${top['Node Type']}${indexes.size ? ` on ${[...indexes].join(', ')}` : ''}`,
      inSpan: 0,
      read:
        ((top['Actual Rows'] ?? 0) +
          (top['Rows Removed by Filter'] ?? 0) +
          (top['Rows Removed by Index Recheck'] ?? 0)) *
        loops,
      buffers: (top['Shared Hit Blocks'] ?? 0) + (top['Shared Read Blocks'] ?? 0),
      executionMs: result['Execution Time'],
      jitMs: result.JIT?.Timing?.Total ?? 0,
    }
  } finally {
    await client.query('rollback')
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

export async function runMetricsBench(argv: string[]): Promise<number> {
  const options = parseOptions(argv)
  const teardown = new Teardown()
  try {
    const database = await openBenchDatabase({ name: 'orgapi_metrics', host: HOST, keep: options.keep })
    teardown.add('stop the local endpoint and drop the scratch database', database.close)
    const url = database.url as string
    let t0 = performance.now()
    const organizationId = await load(url, options)
    const client = await database.client()
    await client.query('vacuum analyze tickets')
    const counts = (
      await client.query<{
        tickets: number
        responded: number
        resolved: number
        closed: number
        rated: number
      }>(
        `select count(*)::int as tickets, count(first_response_at)::int as responded, count(resolved_at)::int as resolved,
           count(closed_at)::int as closed, count(satisfaction_rated_at)::int as rated
         from tickets where organization_id = $1`,
        [organizationId],
      )
    ).rows[0]
    console.log(
      `data: ${counts?.tickets} tickets over ${options.days} days (${counts?.responded} first-responded, ${counts?.resolved} resolved, ` +
        `${counts?.closed} closed, ${counts?.rated} rated), ${options.representatives} representatives, loaded in ${seconds(performance.now() - t0)}`,
    )

    const range = cronRange(options.at)
    const db = () =>
      TenantDb.forSystem(database.local.connectionString('app_api'), organizationId, 'bench-metrics')
    t0 = performance.now()
    const first = await computeMetrics(db(), range, 'wait')
    console.log(
      `warm-up (writes the rows): ${seconds(performance.now() - t0)}, ${first.organizationRowsChanged} organization and ${first.teamRowsChanged} team rows`,
    )
    const samples: number[] = []
    for (let run = 0; run < options.runs; run++) {
      t0 = performance.now()
      await computeMetrics(db(), range, 'wait')
      samples.push(performance.now() - t0)
    }
    const sorted = [...samples].sort((a, b) => a - b)
    const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
    const read = await explainTicketRead(client, db(), organizationId, options.at)
    const [starts, ends] = spanOf(range)
    read.inSpan =
      (
        await client.query<{ n: number }>(
          `select count(*)::int as n from tickets where organization_id = $1 and (${['created_at', 'first_response_at', 'resolved_at', 'closed_at', 'satisfaction_rated_at'].map((column) => `(${column} >= $2 and ${column} < $3)`).join(' or ')})`,
          [organizationId, starts, ends],
        )
      ).rows[0]?.n ?? 0
    console.log(
      [
        '',
        `PostgreSQL behind the local Neon endpoint, app_api (RLS on); cron range ${range.from}..${range.to} (through ${range.through}), span ${starts.slice(0, 10)}..${ends.slice(0, 10)}; ${options.runs} runs of computeMetrics (one round trip)`,
        '',
        '| median | min | max | tickets scan | tickets with an event in the span | ticket rows read | buffers | EXPLAIN ANALYZE of the DAY/WEEK/MONTH statement | of which JIT |',
        '|---:|---:|---:|---|---:|---:|---:|---:|---:|',
        `| ${seconds(median)} | ${seconds(sorted[0] ?? Number.NaN)} | ${seconds(sorted.at(-1) ?? Number.NaN)} | ${read.scan} | ${read.inSpan} | ${read.read} | ${read.buffers} | ${seconds(read.executionMs)} | ${seconds(read.jitMs)} |`,
        '',
        `runs: ${samples.map((sample) => seconds(sample)).join(', ')}`,
      ].join('\n'),
    )
    return 0
  } finally {
    if (!(await teardown.run())) process.exitCode = 1
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runMetricsBench(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      console.error(error)
      process.exitCode = 1
    },
  )
}
