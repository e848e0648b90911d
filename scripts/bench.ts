import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { sql } from 'drizzle-orm'
import type { PrincipalRole } from '../src/auth/principal'
import { createDatabase } from '../src/db/client'
import {
  assertLoopback,
  BENCH_SECRET,
  freePort,
  HOST,
  OutputTail,
  positiveInteger,
  sleep,
  startWrangler,
  Teardown,
} from './lib/bench-harness'
import { openBenchDatabase } from './lib/scratch-database'
import {
  attributeCpu,
  CPU_AREAS,
  type CpuUse,
  devBundleSourceMap,
  WorkerProfiler,
  workerdCpuMs,
} from './lib/worker-cpu'
import type { NeonLocal } from './neon-local'
import { seedIds } from './seed/data'
import { seed } from './seed/seed'
import { mintSeedTokens } from './token'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SECRET = BENCH_SECRET

interface Options {
  duration: number
  connections: number
  /** Measure the CPU time of the `workerd` processes during each scenario (--cpu). */
  cpu: boolean
  /** Profile the Worker's isolate during each scenario (--profile). */
  profile: boolean
}

interface Scenario {
  name: string
  method: 'GET' | 'POST' | 'PATCH'
  path: string
  role?: PrincipalRole
  /** Called for every request, so bodies can vary (PATCH toggles a value). */
  body?: (n: number) => string
  /** Called for every request when the path varies (each approval needs its own PENDING refund). */
  pathOf?: (n: number) => string
}

interface Row {
  name: string
  requests: number
  non2xx: number
  errors: number
  rps: number
  p50: number
  p90: number
  p99: number
  tripsPerRequest: number
  statusCodes: string
  /** CPU time of the workerd processes while the scenario ran, in ms (--cpu). */
  workerdCpuMs?: number
  profile?: CpuUse
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '10' },
      cpu: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
    },
  })
  return {
    duration: positiveInteger(values.duration, '--duration'),
    connections: positiveInteger(values.connections, '--connections'),
    cpu: values.cpu,
    profile: values.profile,
  }
}

/** The database: in-memory PGlite, or a fresh scratch database on the server of BENCH_DATABASE_URL. */
async function startDatabase(teardown: Teardown): Promise<NeonLocal> {
  const database = await openBenchDatabase({ name: 'orgapi_bench', fallback: 'pglite', host: HOST })
  teardown.add('stop the local endpoint and drop the scratch database', database.close)
  const { local } = database
  const owner = createDatabase(local.connectionString(local.ownerUser))
  await seed(owner)
  await addPendingRefunds(owner)
  return local
}

/** PENDING refunds the approval scenario approves, one per request (more than any run can send). */
const PENDING_REFUNDS = 100_000

/**
 * The id of the n-th pending refund: `md5('bench-refund-<n>')` with the version-4 and variant nibbles set (so it is
 * a valid RFC 9562 uuid for the API's validation), computed alike here and in SQL.
 */
function pendingRefundId(n: number): string {
  const md5 = createHash('md5').update(`bench-refund-${n}`).digest('hex')
  const hex = `${md5.slice(0, 12)}4${md5.slice(13, 16)}8${md5.slice(17)}`
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** One statement as the owner: the refunds, of 0.01 each, for the seeded customer Jane, in the demo budget's currency. */
async function addPendingRefunds(owner: ReturnType<typeof createDatabase>): Promise<void> {
  const { organizations, users } = seedIds
  await owner.execute(sql`insert into refunds (id, organization_id, customer_id, amount, currency, reason, status)
    select overlay(overlay(md5('bench-refund-' || n) placing '4' from 13) placing '8' from 17)::uuid, ${organizations.acme}, ${users.acmeCustomerJane}, 0.01, 'USD', 'OTHER', 'PENDING'
    from generate_series(0, ${PENDING_REFUNDS - 1}) as n`)
}

function scenarios(): Scenario[] {
  const { tickets, users } = seedIds
  const createBody = JSON.stringify({
    customerId: users.acmeCustomerJane,
    subject: 'Benchmark ticket',
    description: 'Created by npm run bench.',
    tags: ['bench'],
  })
  const priorities = ['HIGH', 'LOW'] as const
  return [
    { name: 'GET /health', method: 'GET', path: '/health' },
    { name: 'GET /ready', method: 'GET', path: '/ready' },
    { name: 'GET /v1/organization', method: 'GET', path: '/v1/organization', role: 'ADMIN' },
    { name: 'GET /v1/tickets?limit=25', method: 'GET', path: '/v1/tickets?limit=25', role: 'REPRESENTATIVE' },
    {
      name: 'GET /v1/tickets/:id',
      method: 'GET',
      path: `/v1/tickets/${tickets.acmeDamagedOrder}`,
      role: 'REPRESENTATIVE',
    },
    { name: 'POST /v1/tickets', method: 'POST', path: '/v1/tickets', role: 'AGENT', body: () => createBody },
    {
      // Two round trips: the facts, then the decided write (the seeded rules decide; approvals charge the budget).
      name: 'POST /v1/refunds',
      method: 'POST',
      path: '/v1/refunds',
      role: 'AGENT',
      body: (n) =>
        JSON.stringify({
          customerId: users.acmeCustomerRaj,
          amount: `${(n % 40) + 1}.00`,
          currency: 'USD',
          reason: 'LATE_DELIVERY',
        }),
    },
    {
      // One round trip: the atomic charge statement, then the refund read back.
      name: 'POST /v1/refunds/:id/approve',
      method: 'POST',
      path: `/v1/refunds/${pendingRefundId(0)}/approve`,
      pathOf: (n) => `/v1/refunds/${pendingRefundId(n)}/approve`,
      role: 'REPRESENTATIVE',
    },
    {
      name: 'PATCH /v1/tickets/:id',
      method: 'PATCH',
      path: `/v1/tickets/${tickets.acmeDataExport}`,
      role: 'REPRESENTATIVE',
      body: (n) => JSON.stringify({ priority: priorities[n % priorities.length] }),
    },
  ]
}

/** Bearer tokens of the seeded acme principals, by role. */
async function acmeTokens(): Promise<Map<PrincipalRole, string>> {
  const tokens = await mintSeedTokens(SECRET)
  return new Map(tokens.filter((t) => t.org === 'acme').map((t) => [t.role, t.token]))
}

function headersOf(scenario: Scenario, tokens: Map<PrincipalRole, string>): Record<string, string> {
  const headers: Record<string, string> = {}
  if (scenario.body) headers['content-type'] = 'application/json'
  if (scenario.role) {
    const token = tokens.get(scenario.role)
    if (!token) throw new Error(`no seeded acme ${scenario.role} to mint a token for`)
    headers.authorization = `Bearer ${token}`
  }
  return headers
}

/** One request outside the measurement: fails fast, with the problem body, when a scenario is not a 2xx. */
async function preflight(url: string, scenario: Scenario, headers: Record<string, string>): Promise<void> {
  const response = await fetch(`${url}${scenario.path}`, {
    method: scenario.method,
    headers,
    body: scenario.body?.(0),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${scenario.name} answered ${response.status}: ${text.slice(0, 500)}`)
}

/** Waits until the endpoint has seen no new request for a moment (requests cut off at the end land late). */
async function settledCount(local: NeonLocal): Promise<number> {
  const deadline = Date.now() + 10_000
  let last = local.requestCount()
  let stableSince = Date.now()
  while (Date.now() - stableSince < 300 && Date.now() < deadline) {
    await sleep(50)
    const now = local.requestCount()
    if (now !== last) [last, stableSince] = [now, Date.now()]
  }
  return last
}

function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value
  }
  return undefined
}

let activeRun: autocannon.Instance | undefined
let interrupted = false

function fire(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolveRun, reject) => {
    activeRun = autocannon(options, (error: unknown, result) => {
      activeRun = undefined
      if (error) reject(error)
      else resolveRun(result)
    })
  })
}

/**
 * Every request carries its own X-Request-Id, which the app uses as the `application_name` of its database
 * calls. That identifies the round trips of requests the time limit cut off (sent, never answered), so they
 * are taken out of the endpoint's total before dividing by the completed requests.
 */
async function runScenario(
  url: string,
  scenario: Scenario,
  headers: Record<string, string>,
  local: NeonLocal,
  options: Options,
  index: number,
  profiling?: Profiling,
): Promise<Row> {
  const sent = new Set<string>()
  const answered = new Set<string>()
  let n = 0
  const before = await settledCount(local)
  await profiling?.profiler.start()
  const cpuBefore = options.cpu ? await workerdCpuMs() : undefined
  const result = await fire({
    url,
    connections: options.connections,
    duration: options.duration,
    requests: [
      {
        method: scenario.method,
        path: scenario.path,
        setupRequest: (request) => {
          const id = `bench-${index}-${++n}`
          sent.add(id)
          const next = { ...request, headers: { ...headers, 'x-request-id': id } }
          const withPath = scenario.pathOf ? { ...next, path: scenario.pathOf(n) } : next
          return scenario.body ? { ...withPath, body: scenario.body(n) } : withPath
        },
        onResponse: (_status, _body, _context, responseHeaders) => {
          const id = headerValue(responseHeaders ?? {}, 'x-request-id')
          if (id) answered.add(id)
        },
      },
    ],
  })
  const cpuAfter = cpuBefore === undefined ? undefined : await workerdCpuMs()
  const profile = await profiling?.profiler.stop()
  const delta = (await settledCount(local)) - before
  let cutOff = 0
  for (const id of sent) if (!answered.has(id)) cutOff += local.requestCount(id)
  const completed = result.requests.total
  return {
    name: scenario.name,
    requests: completed,
    non2xx: result.non2xx,
    errors: result.errors,
    rps: result.requests.mean,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    tripsPerRequest: completed > 0 ? (delta - cutOff) / completed : Number.NaN,
    statusCodes: Object.entries(result.statusCodeStats ?? {})
      .map(([code, stats]) => `${code}×${stats.count ?? 0}`)
      .join(' '),
    ...(cpuBefore !== undefined && cpuAfter !== undefined ? { workerdCpuMs: cpuAfter - cpuBefore } : {}),
    ...(profile && profiling ? { profile: attributeCpu(profile, profiling.sourceMap) } : {}),
  }
}

/** The isolate's profiler and the source map of the bundle it runs (--profile). */
interface Profiling {
  profiler: WorkerProfiler
  sourceMap: Awaited<ReturnType<typeof devBundleSourceMap>>
}

function table(rows: Row[], options: Options): string {
  const head = ['scenario', 'requests', 'non-2xx', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'db trips/req']
  if (options.cpu) head.push('workerd CPU ms/req')
  const body = rows.map((r) => [
    r.name,
    String(r.requests),
    String(r.non2xx + r.errors),
    r.rps.toFixed(0),
    r.p50.toFixed(1),
    r.p90.toFixed(1),
    r.p99.toFixed(1),
    r.tripsPerRequest.toFixed(2),
    ...(options.cpu ? [r.workerdCpuMs === undefined ? '—' : (r.workerdCpuMs / r.requests).toFixed(2)] : []),
  ])
  return markdownTable(head, body)
}

/**
 * The isolate's time per request (--profile): busy time of its thread while the scenario ran ÷ completed requests,
 * and that time by area of the code (lib/worker-cpu.ts attributeCpu).
 */
function profileTable(rows: Row[]): string {
  const head = ['scenario', 'isolate busy ms/req', ...CPU_AREAS]
  const body = rows.map((r) => {
    const perRequest = (ms: number) => (r.requests > 0 ? (ms / r.requests).toFixed(2) : '—')
    return [
      r.name,
      perRequest(r.profile?.busyMs ?? Number.NaN),
      ...CPU_AREAS.map((area) => perRequest(r.profile?.byArea.get(area) ?? 0)),
    ]
  })
  return markdownTable(head, body)
}

function markdownTable(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]?.length ?? 0)))
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`
  const rule = `|${widths.map((w, i) => (i === 0 ? `-${'-'.repeat(w)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`
  return [line(head), rule, ...body.map(line)].join('\n')
}

async function wranglerVersion(): Promise<string> {
  const manifest = JSON.parse(await readFile(join(ROOT, 'node_modules', 'wrangler', 'package.json'), 'utf8'))
  return String(manifest.version)
}

async function describeSetup(local: NeonLocal, options: Options): Promise<string> {
  const cpu = cpus()
  return [
    `backend: ${local.backend.kind} (behind the local Neon endpoint)`,
    `node ${process.version}, wrangler ${await wranglerVersion()}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}`,
    `connections: ${options.connections}, duration: ${options.duration}s per scenario, target: ${HOST} only`,
  ].join('\n')
}

async function bench(options: Options, teardown: Teardown): Promise<void> {
  const local = await startDatabase(teardown)
  console.log(`database: ${local.backend.kind}, migrated and seeded`)
  const output = new OutputTail(60)
  const inspectorPort = options.profile ? await freePort() : undefined
  const url = await startWrangler(local.connectionString('app_api'), teardown, output, {}, { inspectorPort })
  assertLoopback(url, 'the API URL')
  console.log(`wrangler dev ready at ${url}`)
  const profiling = inspectorPort ? await startProfiling(inspectorPort, teardown) : undefined
  const tokens = await acmeTokens()
  const rows: Row[] = []
  for (const [index, scenario] of scenarios().entries()) {
    if (interrupted) throw new Error('interrupted')
    const headers = headersOf(scenario, tokens)
    await preflight(url, scenario, headers)
    console.log(`running ${scenario.name} …`)
    rows.push(await runScenario(url, scenario, headers, local, options, index, profiling))
  }
  console.log(`\n${await describeSetup(local, options)}\n\n${table(rows, options)}\n`)
  if (options.cpu) {
    console.log(
      '`workerd CPU ms/req`: user + system CPU time of the workerd processes (all threads, from /proc) while the ' +
        'scenario ran ÷ completed requests.\n',
    )
  }
  if (profiling) {
    console.log(
      "The Worker isolate's time per request (V8 sampling profiler through wrangler dev's inspector, 100 µs; ms " +
        'of its thread in JavaScript per completed request, by the innermost frame of the code that was running):\n',
    )
    console.log(`${profileTable(rows)}\n`)
  }
  const failed = rows.filter((r) => r.non2xx > 0 || r.errors > 0)
  for (const r of failed)
    console.error(`${r.name}: ${r.non2xx} non-2xx, ${r.errors} errors (${r.statusCodes})`)
  if (failed.length > 0) throw new Error(`${failed.length} scenario(s) had non-2xx answers or errors`)
}

async function startProfiling(inspectorPort: number, teardown: Teardown): Promise<Profiling> {
  const profiler = await WorkerProfiler.connect(inspectorPort)
  teardown.add('close the profiler', async () => profiler.close())
  return { profiler, sourceMap: await devBundleSourceMap(ROOT) }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2)
  if (argv.includes('--scale')) {
    const { runScaleBench } = await import('./bench-scale')
    return runScaleBench(argv)
  }
  if (argv.includes('--fairness')) {
    const { runFairnessBench } = await import('./bench-fairness')
    return runFairnessBench(argv)
  }
  const options = parseOptions(argv)
  const teardown = new Teardown()
  // `on`, not `once`: npm and tsx forward the terminal's SIGINT, so it can arrive twice, and a second,
  // unhandled one would kill the process before the teardown is done.
  const stop = (signal: NodeJS.Signals) => {
    if (interrupted) return
    interrupted = true
    console.error(`\n${signal}: stopping …`)
    activeRun?.stop()
    void teardown.run().finally(() => process.exit(130))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  try {
    await bench(options, teardown)
    return 0
  } catch (error) {
    console.error(error instanceof Error ? error.message : error)
    return 1
  } finally {
    if (!(await teardown.run())) process.exitCode = 1
  }
}

main().then(
  (code) => process.exit(process.exitCode || code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
