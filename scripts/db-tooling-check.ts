/**
 * `npm run check:db-tooling`: the database tooling of issue 12, checked end to end (CI runs it after smoke:dev).
 *
 * 1. `npm run dev` on a fresh embedded database (its own temp PGLITE_DATA_DIR and free ports). While it runs:
 *    `pg` clients connect with the printed wire connection string and read the seed while API requests (and
 *    owner requests straight to the HTTP endpoint) run at the same time: every answer must be right, a wire
 *    `BEGIN … COMMIT` must stay one transaction across round trips, and a wire client's session `SET ROLE`,
 *    `SET search_path`, `SET TimeZone` and temp table must never reach an HTTP request, yet stay its own.
 *    Then the idle-in-transaction policy, the wire port's refusals, psql (when installed), Drizzle Studio
 *    (`npm run db:studio`: its server answers a query), and db:reset's refusal while dev holds the database.
 * 2. Changes the data through the wire port, stops dev, `npm run db:reset`: the seed is back, the passwords kept.
 * 3. db:push / db:reset / db:studio refuse non-local URLs; db:reset on a scratch database of the PostgreSQL at
 *    127.0.0.1:5432 when it is reachable (created and dropped here).
 * Every process it starts is stopped, every folder and database it creates removed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { startNeonLocal } from './neon-local'
import { dataDirHolder } from './neon-local/data-dir-lock'
import { seedOrganizations } from './seed/data'

const started = Date.now()
const seconds = (from: number) => `${((Date.now() - from) / 1000).toFixed(1)} s`
const log = (text: string) => console.log(`db-tooling: ${text}`)

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const dataDir = mkdtempSync(join(tmpdir(), 'db-tooling-'))
const PGLITE_DATA_DIR = join(dataDir, 'pglite')
const [apiPort, endpointPort, wirePort, studioPort] = await Promise.all([
  freePort(),
  freePort(),
  freePort(),
  freePort(),
])
const api = `http://127.0.0.1:${apiPort}`
// The embedded database is what is under test, whatever the shell points at.
const {
  DATABASE_URL: _a,
  MIGRATION_DATABASE_URL: _b,
  SEED_DATABASE_URL: _c,
  PGLITE_WIRE_PORT: _d,
  ...baseEnvironment
} = process.env
const environment = {
  ...baseEnvironment,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_SEND_METRICS: 'false',
  PGLITE_DATA_DIR,
}

const children = new Set<ChildProcess>()

function startDetached(
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; output: () => string } {
  const child = spawn('npm', args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  children.add(child)
  child.on('exit', () => children.delete(child))
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  return { child, output: () => output }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0)
    return true
  } catch {
    return false
  }
}

/** SIGINT to the whole group (as Ctrl-C), then waits for every process of it; SIGKILL to what is left after `graceMs`. */
async function stopGroup(child: ChildProcess, graceMs = 8000): Promise<void> {
  const pid = child.pid
  if (!pid || !groupAlive(pid)) return
  process.kill(-pid, 'SIGINT')
  const deadline = Date.now() + graceMs
  while (groupAlive(pid) && Date.now() < deadline) await sleep(100)
  if (groupAlive(pid)) {
    console.warn(`db-tooling: process group ${pid} still running ${graceMs / 1000} s after SIGINT: SIGKILL`)
    process.kill(-pid, 'SIGKILL')
  }
}

function runNpm(args: string[], env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const result = spawnSync('npm', args, { env, encoding: 'utf8', timeout: 120_000 })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs / 1000} s`)
    await sleep(200)
  }
}

// ---------------------------------------------------------------------------------------------------------------

const seedNames = Object.fromEntries(seedOrganizations.map((o) => [o.slug, o.name]))

async function apiGet(
  path: string,
  token: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${api}${path}`, { headers: { Authorization: `Bearer ${token}` } })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function expectOrganization(token: string, slug: string, name = seedNames[slug]): Promise<void> {
  const { status, body } = await apiGet('/v1/organization', token)
  const organization = (body.data ?? body) as { slug?: string; name?: string }
  check(
    status === 200 && organization.slug === slug && organization.name === name,
    `GET /v1/organization (${slug}): ${status} ${JSON.stringify(body)}`,
  )
}

async function expectTickets(token: string): Promise<void> {
  const { status, body } = await apiGet('/v1/tickets?sort=createdAt', token)
  const numbers = ((body.data ?? []) as Array<{ ticketNumber: string }>).map((t) => t.ticketNumber).sort()
  check(
    status === 200 && numbers.join() === 'TICKET-1001,TICKET-1002,TICKET-1003',
    `GET /v1/tickets: ${status} ${JSON.stringify(body).slice(0, 300)}`,
  )
}

/** An owner request straight to the local Neon endpoint: what the HTTP side's session looks like. */
async function httpSessionState(ownerUrl: string, endpoint: number): Promise<Record<string, string>> {
  const response = await fetch(`http://127.0.0.1:${endpoint}/sql`, {
    method: 'POST',
    headers: { 'Neon-Connection-String': ownerUrl, 'Neon-Raw-Text-Output': 'true' },
    body: JSON.stringify({
      query:
        "select current_user as role, current_setting('search_path') as search_path, current_setting('TimeZone') as tz, (select count(*) from pg_class where relnamespace = pg_my_temp_schema())::text as temps",
      params: [],
    }),
  })
  const body = (await response.json()) as { rows?: Array<Record<string, string>>; message?: string }
  check(response.status === 200 && body.rows?.[0], `owner /sql: ${response.status} ${JSON.stringify(body)}`)
  return body.rows?.[0] as Record<string, string>
}

const CLEAN_HTTP_SESSION = { role: 'postgres', search_path: 'public', tz: 'UTC', temps: '0' }

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {}) // a terminated client reports through its next query
  await client.connect()
  return client
}

async function slugs(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ slug: string }>('select slug from organizations order by slug')
  return rows.map((row) => row.slug).join()
}

/** A psql-like explicit transaction over several round trips, with pauses that let HTTP requests queue up. */
async function explicitTransaction(client: pg.Client, index: number): Promise<void> {
  await client.query('begin')
  const first = await client.query(
    'select pg_current_xact_id()::text as xid, now()::text as at, $1::int as i',
    [index],
  )
  await client.query('set local search_path = neon_local, public')
  await sleep(40)
  check((await slugs(client)) === 'acme,globex', 'wire: seed not read inside a transaction')
  await sleep(40)
  const last = await client.query(
    "select pg_current_xact_id()::text as xid, now()::text as at, current_setting('search_path') as sp",
  )
  check(
    last.rows[0].xid === first.rows[0].xid && last.rows[0].at === first.rows[0].at,
    `wire: the transaction did not stay one (${JSON.stringify(first.rows[0])} vs ${JSON.stringify(last.rows[0])})`,
  )
  check(
    last.rows[0].sp === 'neon_local, public',
    `wire: SET LOCAL lost inside the transaction: ${last.rows[0].sp}`,
  )
  await client.query('commit')
}

async function wireWorker(url: string, index: number): Promise<void> {
  const client = await connect(url)
  try {
    check((await slugs(client)) === 'acme,globex', 'wire: seeded organizations not read')
    const { rows } = await client.query<{ x: string }>('select $1::text || $2::text as x', [
      'a',
      String(index),
    ])
    check(rows[0]?.x === `a${index}`, 'wire: a parameterized query answered wrong')
    await explicitTransaction(client, index)
    check((await slugs(client)) === 'acme,globex', 'wire: seed not read after a transaction')
  } finally {
    await client.end()
  }
}

/** The wire client's session state: its own, kept between its turns, never anyone else's. */
async function sessionOf(client: pg.Client): Promise<string> {
  const { rows } = await client.query(
    "select current_user || '|' || current_setting('search_path') || '|' || current_setting('TimeZone') as s",
  )
  return rows[0].s as string
}

async function main(): Promise<void> {
  log(`data ${PGLITE_DATA_DIR}, ports api ${apiPort}, endpoint ${endpointPort}, wire ${wirePort}`)
  let phase = Date.now()
  const dev = startDetached(['run', 'dev'], {
    ...environment,
    PORT: String(apiPort),
    NEON_LOCAL_PORT: String(endpointPort),
    PGLITE_WIRE_PORT: String(wirePort),
  })
  try {
    await waitFor(
      'npm run dev ready',
      () => {
        if (dev.child.exitCode !== null) throw new Error(`npm run dev exited early:\n${dev.output()}`)
        return /Ctrl-C stops everything/.test(dev.output())
      },
      90_000,
    )
    const output = dev.output()
    const wireUrl = /Postgres wire \([^)]*\): (\S+)/.exec(output)?.[1]
    const ownerUrl = /owner \(postgres[^)]*\): (\S+)/.exec(output)?.[1]
    const appUrl = /DATABASE_URL \(app_api[^)]*\): (\S+)/.exec(output)?.[1]
    const token = (org: string, role: string) =>
      new RegExp(`${org}\\s+${role}\\s+\\S+\\s+(\\S+)`).exec(output)?.[1]
    const acmeAdmin = token('acme', 'ADMIN')
    const globexAdmin = token('globex', 'ADMIN')
    const acmeRep = token('acme', 'REPRESENTATIVE')
    check(wireUrl && ownerUrl && appUrl, `npm run dev printed no wire/owner/app URL:\n${output}`)
    check(acmeAdmin && globexAdmin && acmeRep, 'npm run dev printed no tokens')
    check(new URL(wireUrl).port === String(wirePort), `wire URL not on PGLITE_WIRE_PORT: ${wireUrl}`)
    log(`npm run dev ready in ${seconds(phase)}; wire ${wireUrl.replace(/:[^:@/]*@/, ':***@')}`)

    // --- concurrency: wire clients, API requests and owner HTTP requests at the same time
    phase = Date.now()
    const sticky = await connect(wireUrl)
    const notices: string[] = []
    sticky.on('notice', (notice) => notices.push(notice.message ?? ''))
    // Session-level state a psql user might leave: none of it may reach the HTTP side.
    await sticky.query("set role app_api; set search_path = neon_local; set timezone = 'Asia/Tokyo'")
    check((await sessionOf(sticky)) === 'app_api|neon_local|Asia/Tokyo', 'wire: session SETs not applied')
    await sticky.query('reset role')
    await sticky.query('create temp table organizations (shadow int)')
    await sticky.query('set role app_api')
    let apiCount = 0
    let wireCount = 0
    let httpCount = 0
    for (let round = 0; round < 3; round++) {
      const jobs: Promise<void>[] = []
      for (let i = 0; i < 4; i++) {
        jobs.push(expectOrganization(acmeAdmin, 'acme').then(() => void apiCount++))
        jobs.push(expectOrganization(globexAdmin, 'globex').then(() => void apiCount++))
        jobs.push(expectTickets(acmeRep).then(() => void apiCount++))
        jobs.push(wireWorker(wireUrl, round * 4 + i).then(() => void wireCount++))
        jobs.push(
          httpSessionState(ownerUrl, endpointPort).then((state) => {
            check(
              JSON.stringify(state) === JSON.stringify(CLEAN_HTTP_SESSION),
              `a wire client's session state reached an HTTP request: ${JSON.stringify(state)}`,
            )
            httpCount++
          }),
        )
      }
      jobs.push(
        sessionOf(sticky).then((state) =>
          check(
            state === 'app_api|neon_local|Asia/Tokyo',
            `wire: a client's own settings were lost: ${state}`,
          ),
        ),
      )
      await Promise.all(jobs)
    }
    check(
      notices.some((notice) => notice.includes('dropped your temporary tables')),
      `wire: the shadowing temp table was not reported: ${JSON.stringify(notices)}`,
    )
    await sticky.query('reset role')
    await sticky.end()
    log(
      `concurrent: ${apiCount} API requests, ${wireCount} wire clients (BEGIN…COMMIT each), ${httpCount} owner HTTP requests, all right, no session state leaked (${seconds(phase)})`,
    )

    // --- idle-in-transaction policy: nobody waiting, the transaction stays; an HTTP request waiting, it yields
    phase = Date.now()
    const patient = await connect(wireUrl)
    await patient.query('begin')
    await patient.query('select 1')
    await sleep(2500)
    await patient.query('select 1')
    await patient.query('commit')
    const idle = await connect(wireUrl)
    await idle.query('begin')
    await idle.query('select 1')
    const waited = Date.now()
    await expectOrganization(acmeAdmin, 'acme')
    const waitedMs = Date.now() - waited
    check(waitedMs >= 1500 && waitedMs < 4500, `the API waited ${waitedMs} ms for an idle wire transaction`)
    const error = await idle.query('select 1').then(
      () => null,
      (e: Error & { code?: string }) => e,
    )
    check(error !== null, 'the idle wire transaction was not terminated')
    await idle.end().catch(() => {})
    log(
      `idle transaction: kept 2.5 s while nobody waited; terminated after the API waited ${waitedMs} ms (${seconds(phase)})`,
    )

    // --- the wire port's refusals
    const refused = async (url: string, code: string) => {
      const e = await connect(url).then(
        async (client) => {
          await client.end()
          return null
        },
        (err: Error & { code?: string }) => err,
      )
      check(
        e?.code === code,
        `wire: expected ${code} for ${url.replace(/:[^:@/]*@/, ':***@')}, got ${e?.code ?? 'a connection'}`,
      )
    }
    const wrongPassword = new URL(wireUrl)
    wrongPassword.password = 'wrong'
    await refused(wrongPassword.toString(), '28P01')
    const appUser = new URL(wireUrl)
    appUser.username = 'app_api'
    appUser.password = new URL(appUrl).password
    await refused(appUser.toString(), '28000')
    const otherDatabase = new URL(wireUrl)
    otherDatabase.pathname = '/neondb'
    await refused(otherDatabase.toString(), '3D000')
    log('wire port refuses a wrong password (28P01), app_api (28000) and another database (3D000)')

    if (spawnSync('psql', ['--version']).status === 0) {
      const psql = spawnSync(
        'psql',
        [
          wireUrl,
          '-v',
          'ON_ERROR_STOP=1',
          '-Atc',
          "select string_agg(slug, ',' order by slug) from organizations",
        ],
        { encoding: 'utf8', timeout: 20_000 },
      )
      check(
        psql.status === 0 && psql.stdout.trim() === 'acme,globex',
        `psql: ${psql.status} ${psql.stdout}${psql.stderr}`,
      )
      log('psql reads the seed through the wire port')
    }

    // --- Drizzle Studio on the running database
    phase = Date.now()
    const studio = startDetached(['run', 'db:studio', '--', '--port', String(studioPort)], environment)
    try {
      const studioUrl = `http://127.0.0.1:${studioPort}/`
      const post = (body: unknown) =>
        fetch(studioUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      await waitFor(
        'drizzle-kit studio listening',
        async () => {
          if (studio.child.exitCode !== null) throw new Error(`db:studio exited:\n${studio.output()}`)
          return post({ type: 'init' }).then(
            (r) => r.ok,
            () => false,
          )
        },
        60_000,
      )
      const response = await post({
        type: 'proxy',
        data: { sql: 'select slug from organizations order by slug', method: 'all', mode: 'object' },
      })
      const rows = (await response.json()) as Array<{ slug: string }>
      check(
        rows.map?.((row) => row.slug).join() === 'acme,globex',
        `Drizzle Studio query: ${JSON.stringify(rows)}`,
      )
      log(
        `db:studio: drizzle-kit studio on 127.0.0.1:${studioPort} answers a query through the wire port (${seconds(phase)})`,
      )
    } finally {
      await stopGroup(studio.child)
    }

    // --- db:reset must not touch the database npm run dev holds
    const busy = runNpm(['run', 'db:reset'], environment)
    check(
      busy.status === 1 && /in use by npm run dev/.test(busy.output),
      `db:reset while npm run dev runs: ${busy.status} ${busy.output}`,
    )
    log('db:reset refuses while npm run dev holds the embedded database')

    // --- change the data (through the wire port), visible to the API
    const writer = await connect(wireUrl)
    await writer.query("update organizations set name = 'Changed by psql' where slug = 'acme'")
    await writer.query('delete from escalations')
    await writer.query(
      "insert into organizations (id, slug, name) values ('00000000-0000-4000-8000-0000000000ee', 'extra', 'Extra')",
    )
    await writer.end()
    await expectOrganization(acmeAdmin, 'acme', 'Changed by psql')
    log('changes made through the wire port are served by the API')

    phase = Date.now()
    await stopGroup(dev.child)
    check(dataDirHolder(PGLITE_DATA_DIR) === null, 'npm run dev left its data directory lock behind')
    log(`npm run dev stopped (${seconds(phase)})`)

    // --- db:reset restores the seed (and keeps the endpoint's passwords)
    phase = Date.now()
    const reset = runNpm(['run', 'db:reset'], environment)
    check(reset.status === 0, `db:reset failed: ${reset.output}`)
    const local = await startNeonLocal({ backend: { kind: 'pglite', dataDir: PGLITE_DATA_DIR }, wirePort: 0 })
    try {
      check(
        local.connectionString('app_api') === appUrl.replace(`:${endpointPort}/`, `:${local.port}/`),
        'db:reset changed the app_api password',
      )
      const client = await connect(local.wireUrl as string)
      const { rows } = await client.query<{ slug: string; name: string }>(
        'select slug, name from organizations order by slug',
      )
      const escalations = await client.query<{ n: string }>('select count(*)::text as n from escalations')
      await client.end()
      check(
        JSON.stringify(rows) ===
          JSON.stringify([
            { slug: 'acme', name: seedNames.acme },
            { slug: 'globex', name: seedNames.globex },
          ]) && escalations.rows[0]?.n === '2',
        `db:reset did not restore the seed: ${JSON.stringify(rows)}, ${escalations.rows[0]?.n} escalations`,
      )
    } finally {
      await local.close()
    }
    log(
      `db:reset restored the seed (names, the extra organization gone, escalations back), passwords kept (${seconds(phase)})`,
    )
  } finally {
    await stopGroup(dev.child)
  }

  // --- refusals of non-local URLs (nothing is contacted)
  const remote = 'postgres://owner:secret@ep-example-123456.eu-central-1.aws.neon.tech/neondb?sslmode=require'
  for (const [script, env, pattern] of [
    ['db:push', { MIGRATION_DATABASE_URL: remote }, /db:push: refused/],
    ['db:push', { DATABASE_URL: remote }, /db:push: refused/],
    ['db:reset', { DATABASE_URL: remote }, /db:reset: refused/],
    ['db:studio', { MIGRATION_DATABASE_URL: remote }, /db:studio: refused/],
  ] as const) {
    const result = runNpm(['run', script], { ...environment, ...env })
    check(
      result.status === 1 && pattern.test(result.output),
      `${script} with ${Object.keys(env)[0]} remote: ${result.status} ${result.output}`,
    )
    check(!result.output.includes('secret'), `${script} printed the password of a refused URL`)
  }
  const pushWarning = runNpm(['run', 'db:push'], { ...environment, MIGRATION_DATABASE_URL: remote })
  check(/migrations \(drizzle\/\) are the source of truth/.test(pushWarning.output), 'db:push did not warn')
  log(
    'db:push, db:reset and db:studio refuse non-local URLs (db:push warns that migrations are the source of truth)',
  )

  // --- db:reset of a local Postgres database (a scratch one of the server at 127.0.0.1:5432, when reachable)
  const server = process.env.CI_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  const admin = new pg.Client({ connectionString: server, connectionTimeoutMillis: 2000 })
  const reachable = await admin.connect().then(
    () => true,
    () => false,
  )
  if (!reachable) {
    log('PostgreSQL at 127.0.0.1:5432 not reachable: its db:reset check skipped')
    return
  }
  const scratch = `orgapi_dbtooling_${randomBytes(4).toString('hex')}`
  const scratchUrl = new URL(server)
  scratchUrl.pathname = `/${scratch}`
  phase = Date.now()
  try {
    await admin.query(`create database ${scratch}`)
    const env = { ...environment, DATABASE_URL: scratchUrl.toString() }
    const first = runNpm(['run', 'db:reset'], env)
    check(first.status === 0, `db:reset (Postgres) failed: ${first.output}`)
    const client = await connect(scratchUrl.toString())
    await client.query("update organizations set name = 'Changed' where slug = 'acme'")
    const password = await client.query(
      "select password from neon_local.credentials where role_name = 'app_api'",
    )
    await client.end()
    const second = runNpm(['run', 'db:reset'], env)
    check(second.status === 0, `db:reset (Postgres) failed: ${second.output}`)
    const after = await connect(scratchUrl.toString())
    const names = await after.query<{ name: string }>('select name from organizations order by slug')
    const kept = await after.query("select password from neon_local.credentials where role_name = 'app_api'")
    await after.end()
    check(
      names.rows.map((r) => r.name).join() === `${seedNames.acme},${seedNames.globex}`,
      'db:reset (Postgres) did not restore the seed',
    )
    check(
      kept.rows[0]?.password === password.rows[0]?.password,
      'db:reset (Postgres) changed the app_api password',
    )
    log(
      `db:reset of a local Postgres database (scratch ${scratch}) restores the seed, keeps the passwords (${seconds(phase)})`,
    )
  } finally {
    await admin.query(`drop database if exists ${scratch} with (force)`)
    await admin.end()
  }
}

const stopAll = async () => {
  await Promise.all([...children].map((child) => stopGroup(child, 3000)))
  rmSync(dataDir, { recursive: true, force: true })
}
process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)))
process.once('SIGTERM', () => void stopAll().finally(() => process.exit(143)))

try {
  await main()
  log(`all checks passed in ${seconds(started)}`)
} catch (error) {
  console.error(`db-tooling check failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
} finally {
  await stopAll()
}
