/**
 * `npm run bench -- --fairness [--tickets 200000] [--duration 10] [--connections 4] [--rate R] [--wave 12]`: no
 * tenant can starve another (issue 17). On PostgreSQL 15 (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test:
 * a fresh scratch database of that server, dropped at the end) behind the local Neon endpoint and `wrangler dev`, as
 * `npm run bench` runs:
 *
 *   tenant A (acme, grown to --tickets tickets over 120 days) fires waves of --wave (12) parallel 92-day
 *   POST /v1/metrics/recompute, back to back, while tenant B (globex) reads GET /v1/tickets?limit=25. All but one
 *   call of a wave are refused (one computation per tenant at a time); `--wave 1` keeps the computation and drops
 *   the refusals, to tell what each costs B.
 *   B's latency is measured alone first (quiet), then under A's burst.
 *
 * Between the two, a control: B reads while one process that is neither the API nor the database spins on one core
 * (`node -e 'for (;;) {}'`), which is what any one busy core costs B on this machine, whoever keeps it busy.
 *
 * B reads in two ways, each through the three phases:
 * - at the machine's capacity: a closed loop on --connections connections, each sending its next request when the
 *   last one answers. B alone then keeps the machine busy (the Worker's isolate at a full core), so this series
 *   measures how the machine's CPU is shared, not whether B is served: any busy core costs B here (the control).
 * - at a steady rate: an open loop of --rate requests per second, evenly spaced and sent whatever the answers, each
 *   timed from when it was due, so a starved B shows in its latency. This is the verdict. The default is a quarter
 *   of what B's closed loop got alone: the bounds let A run one computation, which holds one of this machine's two
 *   cores, so B must read at a rate the machine serves with one core fewer. At half of it, B alone needs the core A
 *   may take, and any busy core (the control) drives it into queueing: that measures the machine's size, not A.
 *
 * The local Neon endpoint runs in a process of its own (as Neon's proxy is not in its clients' process), so this
 * process's load generation and the endpoint's work do not pause each other; so does tenant A's client
 * (scripts/lib/fairness-burst.ts), so A's answers do not hold up B's sends and timings in one event loop.
 *
 * Prints both series, their ratios, what A's calls answered, and one 92-day recompute of A alone. Fails when, at the
 * steady rate, B's p99 under the burst is more than 2× its quiet p99, or when any of B's reads failed.
 */
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { createDatabase } from '../src/db/client'
import {
  assertLoopback,
  BENCH_SECRET,
  HOST,
  OutputTail,
  positiveInteger,
  sleep,
  startEndpointProcess,
  startWrangler,
  Teardown,
} from './lib/bench-harness'
import { bulkLoad, openBenchDatabase } from './lib/scratch-database'
import { seedIds } from './seed/data'
import { seed } from './seed/seed'
import { mintSeedTokens } from './token'

const DEFAULT_WAVE = 12
const MAX_RATIO = 2
/** The steady series reads at 1/this of B's closed-loop throughput alone (see above). */
const STEADY_SHARE_OF_CAPACITY = 4

interface Options {
  tickets: number
  duration: number
  connections: number
  rate?: number
  /** A's parallel recomputes per wave. */
  wave: number
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== '--fairness'),
    options: {
      tickets: { type: 'string', default: '200000' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '4' },
      rate: { type: 'string' },
      wave: { type: 'string', default: String(DEFAULT_WAVE) },
    },
  })
  return {
    tickets: positiveInteger(values.tickets, '--tickets'),
    duration: positiveInteger(values.duration, '--duration'),
    connections: positiveInteger(values.connections, '--connections'),
    rate: values.rate === undefined ? undefined : positiveInteger(values.rate, '--rate'),
    wave: positiveInteger(values.wave, '--wave'),
  }
}

/** A fresh scratch database on the benchmark's PostgreSQL server (never PGlite: fairness needs real concurrency). */
async function startDatabase(teardown: Teardown): Promise<string> {
  const database = await openBenchDatabase({ name: 'orgapi_fairness', host: HOST })
  teardown.add('stop the local endpoint and drop the scratch database', database.close)
  const { local } = database
  await seed(createDatabase(local.connectionString(local.ownerUser)))
  return database.url as string
}

/**
 * Tenant A's history: `count` tickets over the last 120 days (most closed, a tenth open), half first-answered by a
 * person and a quarter by an agent, one in twenty escalated. Loaded as the owner with triggers off (a bulk load,
 * not API traffic: no events, no search terms).
 */
async function growTenantA(url: string, count: number): Promise<void> {
  const { acme } = seedIds.organizations
  const { acmeCustomerJane, acmeCustomerRaj, acmeCustomerLi, acmeRepSam } = seedIds.users
  const { acmeSam, acmePriya } = seedIds.representatives
  await bulkLoad(url, ['tickets', 'escalations'], async (client) => {
    await client.query(
      `insert into tickets (id, organization_id, ticket_number, customer_id, assigned_representative_id, subject,
         description, status, created_at, updated_at, first_response_at, first_response_by_type, first_response_by_id,
         resolved_at, closed_at)
       select gen_random_uuid(), $1, 'TICKET-' || (900000 + n), (array[$2, $3, $4]::uuid[])[1 + n % 3],
         case when n % 4 = 0 then null when n % 2 = 0 then $5::uuid else $6::uuid end,
         'Bench ticket ' || n, 'Grown by npm run bench -- --fairness.',
         (case when n % 10 = 0 then 'OPEN' else 'CLOSED' end)::ticket_status,
         created, created, responded,
         (case when responded is null then null when n % 4 = 1 then 'AGENT' else 'REPRESENTATIVE' end)::message_author_type,
         case when responded is null then null when n % 4 = 1 then $7::uuid else $8::uuid end,
         resolved, case when n % 10 = 0 then null else resolved + interval '1 hour' end
       from generate_series(1, $9::int) as n,
         lateral (select now() - (n % 120) * interval '1 day' - (n % 86400) * interval '1 second' as created) c,
         lateral (select case when n % 4 = 3 then null else created + (n % 3600) * interval '1 second' end as responded,
                         case when n % 10 = 0 then null else created + (n % 7200) * interval '1 second' end as resolved) t`,
      [
        acme,
        acmeCustomerJane,
        acmeCustomerRaj,
        acmeCustomerLi,
        acmeSam,
        acmePriya,
        seedIds.agentConfigurations.acmeTriage,
        acmeRepSam,
        count,
      ],
    )
    await client.query(
      `insert into escalations (organization_id, ticket_id, reason, created_at, updated_at)
       select organization_id, id, 'COMPLEX_ISSUE', created_at + interval '5 minutes', created_at + interval '5 minutes'
       from tickets where organization_id = $1 and ticket_number like 'TICKET-9%' and (substr(ticket_number, 8)::int % 20) = 0`,
      [acme],
    )
  })
}

interface Latency {
  requests: number
  failed: number
  p50: number
  p99: number
  statuses: string
}

/** How B reads: a closed loop on `connections`, or an open loop of `rate` requests per second. */
type Load = { connections: number } | { rate: number }

const READ_PATH = '/v1/tickets?limit=25'

/** B's reads for `duration` seconds. */
function measureReads(url: string, token: string, load: Load, duration: number): Promise<Latency> {
  return 'rate' in load
    ? steadyReads(url, token, load.rate, duration)
    : closedLoopReads(url, token, load, duration)
}

/**
 * B's reads at `rate` per second for `duration` seconds: request i is due at i / rate s and timed from then (a late
 * send counts against the answer). Not autocannon's `overallRate`: it sends each connection's quota for a second
 * back to back at the start of the second (lib/httpClient.js) and corrects coordinated omission with a 1 ms interval
 * whatever the rate (lib/run.js), so it is neither steady nor timed from the schedule.
 */
async function steadyReads(url: string, token: string, rate: number, duration: number): Promise<Latency> {
  const count = rate * duration
  const started = performance.now()
  const latencies: number[] = []
  const statuses = new Map<string, number>()
  const read = async (due: number) => {
    let status: string
    try {
      const response = await fetch(`${url}${READ_PATH}`, { headers: { authorization: `Bearer ${token}` } })
      await response.arrayBuffer()
      status = String(response.status)
    } catch {
      status = 'error'
    }
    statuses.set(status, (statuses.get(status) ?? 0) + 1)
    if (status === '200') latencies.push(performance.now() - due)
  }
  const reads: Promise<void>[] = []
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate
    await sleep(Math.max(0, due - performance.now()))
    reads.push(read(due))
  }
  await Promise.all(reads)
  latencies.sort((a, b) => a - b)
  const percentile = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? 0
  return {
    requests: latencies.length,
    failed: count - latencies.length,
    p50: percentile(0.5),
    p99: percentile(0.99),
    statuses: answers(statuses),
  }
}

/** B's reads on `connections` connections, each sending its next request when the last one answered. */
function closedLoopReads(
  url: string,
  token: string,
  load: { connections: number },
  duration: number,
): Promise<Latency> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}${READ_PATH}`,
        connections: load.connections,
        duration,
        headers: { authorization: `Bearer ${token}` },
      },
      (error: unknown, result) => {
        if (error) return reject(error)
        resolve({
          requests: result.requests.total,
          failed: result.non2xx + result.errors,
          p50: result.latency.p50,
          p99: result.latency.p99,
          statuses: Object.entries(result.statusCodeStats ?? {})
            .map(([code, stats]) => `${code}×${stats.count ?? 0}`)
            .join(' '),
        })
      },
    )
  })
}

function recomputeRange(): { from: string; to: string } {
  const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10)
  return { from: day(91), to: day(0) }
}

async function recompute(url: string, token: string): Promise<{ status: number; ms: number; body: string }> {
  const started = performance.now()
  const response = await fetch(`${url}/v1/metrics/recompute`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(recomputeRange()),
  })
  const body = await response.text()
  return { status: response.status, ms: performance.now() - started, body }
}

/**
 * One core kept busy until `stop` resolves, by a process that is neither the API nor the database: the control that
 * tells what one busy core costs B here, to set A's burst (which keeps at most one computation running) against.
 */
async function busyCore(stop: Promise<unknown>, teardown: Teardown): Promise<void> {
  const spinner = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' })
  // Also on SIGINT, which exits without reaching the finally below.
  teardown.add('stop the busy core', async () => void spinner.kill('SIGKILL'))
  try {
    await stop
  } finally {
    spinner.kill('SIGKILL')
  }
}

/**
 * Waves of `size` parallel recomputes of A, back to back, until `stop` resolves; counts the answers by status. A is
 * a client of its own (scripts/lib/fairness-burst.ts, another process), as two tenants are: in this process its
 * responses would hold up B's sends and answers on one event loop, which is the load generator's limit, not the API's.
 */
async function burst(
  url: string,
  token: string,
  size: number,
  stop: Promise<unknown>,
  teardown: Teardown,
): Promise<Map<number, number>> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      resolve(import.meta.dirname, 'lib/fairness-burst.ts'),
      url,
      String(size),
      JSON.stringify(recomputeRange()),
    ],
    { env: { ...process.env, FAIRNESS_TOKEN: token }, stdio: ['pipe', 'pipe', 'inherit'] },
  )
  teardown.add("stop tenant A's client", async () => void child.kill('SIGKILL'))
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  const exited = new Promise<number | null>((done) => child.on('exit', done))
  await stop
  child.stdin.end() // A finishes its wave in flight, then reports.
  const code = await exited
  if (code !== 0) throw new Error(`tenant A's client exited with ${code}`)
  const counts = JSON.parse(output) as Record<string, number>
  return new Map(Object.entries(counts).map(([status, count]) => [Number(status), count]))
}

interface Phases {
  quiet: Latency
  control: Latency
  loaded: Latency
  /** What A's recomputes answered during the burst: count by status. */
  statusesOfA: Map<number, number>
}

/** B alone (quiet), B beside one busy core (the control), then B while A bursts in waves of `wave`; each for `duration` seconds. */
async function measurePhases(
  api: string,
  tokens: { readerB: string; adminA: string },
  load: Load,
  { duration, wave }: Pick<Options, 'duration' | 'wave'>,
  teardown: Teardown,
): Promise<Phases> {
  const quiet = await measureReads(api, tokens.readerB, load, duration)
  const besideBusyCore = measureReads(api, tokens.readerB, load, duration)
  await busyCore(besideBusyCore, teardown)
  const control = await besideBusyCore
  const measuring = measureReads(api, tokens.readerB, load, duration)
  const [loaded, statusesOfA] = await Promise.all([
    measuring,
    burst(api, tokens.adminA, wave, measuring, teardown),
  ])
  return { quiet, control, loaded, statusesOfA }
}

/** Answers counted by status, e.g. `409×66 200×6`. */
function answers(statuses: Map<number | string, number>): string {
  return [...statuses].map(([status, count]) => `${status}×${count}`).join(' ')
}

/** How many times `of`'s p99 is `to`'s. */
function p99Ratio(of: Latency, to: Latency): number {
  return of.p99 / Math.max(to.p99, 1)
}

const times = (ratio: number) => `${ratio.toFixed(2)}×`

function phaseTable(title: string, { quiet, control, loaded, statusesOfA }: Phases): string[] {
  const row = (name: string, latency: Latency) =>
    `| ${name} | ${latency.requests} | ${latency.failed} | ${latency.p50.toFixed(1)} | ${latency.p99.toFixed(1)} |`
  return [
    `| tenant B GET /v1/tickets?limit=25 ${title} | requests | failed | p50 ms | p99 ms |`,
    '|---|---:|---:|---:|---:|',
    row('quiet (B alone)', quiet),
    row("control: beside one busy core (no tenant's work)", control),
    row(`during A's burst (A answered ${answers(statusesOfA)})`, loaded),
  ]
}

export async function runFairnessBench(argv: string[]): Promise<number> {
  const options = parseOptions(argv)
  const teardown = new Teardown()
  const stop = () => void teardown.run().finally(() => process.exit(130))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  try {
    const databaseUrl = await startDatabase(teardown)
    const started = performance.now()
    await growTenantA(databaseUrl, options.tickets)
    console.log(
      `tenant A: ${options.tickets} tickets loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
    const output = new OutputTail(60)
    const endpoint = await startEndpointProcess(databaseUrl, teardown, output)
    const api = await startWrangler(endpoint, teardown, output)
    assertLoopback(api, 'the API URL')
    const tokens = await mintSeedTokens(BENCH_SECRET)
    const tokenOf = (org: string, role: string) => {
      const token = tokens.find((t) => t.org === org && t.role === role)?.token
      if (!token) throw new Error(`no seeded ${org} ${role}`)
      return token
    }
    const [adminA, readerB] = [tokenOf('acme', 'ADMIN'), tokenOf('globex', 'REPRESENTATIVE')]

    const alone = await recompute(api, adminA)
    if (alone.status !== 200)
      throw new Error(`a 92-day recompute of A answered ${alone.status} ${alone.body}`)
    // Warm-up of B's path (isolate, plan cache), then each series.
    await measureReads(api, readerB, { connections: options.connections }, 2)
    const phases = (load: Load) => measurePhases(api, { readerB, adminA }, load, options, teardown)
    const capacity = await phases({ connections: options.connections })
    const rate =
      options.rate ??
      Math.max(1, Math.floor(capacity.quiet.requests / options.duration / STEADY_SHARE_OF_CAPACITY))
    const steady = await phases({ rate })
    const scheduled = rate * options.duration
    const ratio = p99Ratio(steady.loaded, steady.quiet)

    console.log(
      [
        '',
        `PostgreSQL behind the local Neon endpoint in its own process (fair admission: ≤ 5 of 10 connections per tenant), wrangler dev`,
        `tenant A: ${options.tickets} tickets; one 92-day POST /v1/metrics/recompute alone: ${alone.ms.toFixed(0)} ms`,
        `tenant A during each burst: waves of ${options.wave} parallel 92-day recomputes`,
        '',
        ...phaseTable(
          `at capacity: a closed loop on ${options.connections} connections, ${options.duration} s`,
          capacity,
        ),
        '',
        ...phaseTable(
          `at a steady ${rate} requests/s (${options.rate ? '--rate' : `1/${STEADY_SHARE_OF_CAPACITY} of B's capacity alone`}; ${scheduled} scheduled): an open loop, ${options.duration} s`,
          steady,
        ),
        '',
        `At capacity, B's p99 under A's burst ÷ quiet p99: ${times(p99Ratio(capacity.loaded, capacity.quiet))} (beside one busy core: ${times(p99Ratio(capacity.control, capacity.quiet))}; the machine's CPU shared, not a verdict)`,
        `At a steady rate, B's p99 under A's burst ÷ quiet p99: ${times(ratio)} (limit ${MAX_RATIO}×; beside one busy core: ${times(p99Ratio(steady.control, steady.quiet))})`,
        `At a steady rate, B's p99 under A's burst ÷ its p99 beside one busy core: ${times(p99Ratio(steady.loaded, steady.control))} (what A takes beyond what any busy core takes)`,
      ].join('\n'),
    )
    const problems: string[] = []
    for (const [name, series] of [
      ['at capacity', capacity],
      ['at a steady rate', steady],
    ] as const) {
      const { quiet, control, loaded, statusesOfA } = series
      if (quiet.failed || control.failed || loaded.failed)
        problems.push(
          `B's reads ${name} failed: quiet ${quiet.statuses}; control ${control.statuses}; loaded ${loaded.statuses}`,
        )
      // 0: a call of A that got no answer at all (its client counts a failed fetch so).
      if ([...statusesOfA.keys()].some((status) => status >= 500 || status === 0))
        problems.push(`A's recomputes ${name} answered ${answers(statusesOfA)}`)
    }
    if (ratio > MAX_RATIO) problems.push(`B's p99 at a steady rate grew ${times(ratio)} under A's burst`)
    for (const problem of problems) console.error(`FAIL: ${problem}`)
    return problems.length ? 1 : 0
  } finally {
    if (!(await teardown.run())) process.exitCode = 1
  }
}
