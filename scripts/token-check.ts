/**
 * `npm run token:check`: the README's `npm run token` commands, checked on a fresh clone.
 *
 * 1. In a temporary copy of the project (package.json, package-lock.json, tsconfig.json, wrangler.toml, scripts/,
 *    src/, drizzle/; node_modules linked; no `.dev.vars`) and without AUTH_JWT_SECRET in the environment,
 *    `npm run token -- --org acme --role ADMIN` must print one token, for the seeded acme ADMIN, that the
 *    development secret verifies.
 * 2. With a `.dev.vars` naming another secret, the token must follow that file (a plain `wrangler dev` reads it).
 * 3. With that `.dev.vars`, `npm run dev` in the copy (free ports, its own embedded database): an ADMIN token
 *    creates a CUSTOMER and an ACTIVE agent through the API; `npm run token -- --user <their email>` (and by id) and
 *    `-- --agent <name>` must mint tokens that `GET /v1/me` accepts as exactly those subjects, and the command
 *    must refuse, with the reason, an unknown email and the user once deactivated through the API.
 * Exits 1 on any failure; stops everything it started.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { authConfigFromBindings, verifyAccessToken } from '../src/auth/jwt'
import { DEV_AUTH_JWT_SECRET } from './lib/dev-defaults'
import { seedOrganizations, seedUsers } from './seed/data'

const root = resolve('.')
const clone = mkdtempSync(join(tmpdir(), 'token-check-'))

/** The environment of every command: no secret, no token lifetime cap, no database of the caller's. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const {
    AUTH_JWT_SECRET: _secret,
    AUTH_MAX_TOKEN_LIFETIME_SECONDS: _cap,
    DATABASE_URL: _database,
    MIGRATION_DATABASE_URL: _migration,
    PGLITE_DATA_DIR: _dataDir,
    PLATFORM_API_KEY: _platform,
    ...environment
  } = process.env
  return { ...environment, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_SEND_METRICS: 'false' }
}

function runToken(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync('npm', ['run', '--silent', 'token', '--', ...args], {
    cwd: clone,
    encoding: 'utf8',
    env: cleanEnvironment(),
  })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

function mintToken(args = ['--org', 'acme', '--role', 'ADMIN']): string {
  const run = runToken(args)
  if (run.status !== 0)
    throw new Error(`npm run token ${args.join(' ')} exited ${run.status}:\n${run.stdout}${run.stderr}`)
  const lines = run.stdout.trim().split('\n')
  const token = lines.at(-1) ?? ''
  if (lines.length !== 1 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
    throw new Error(`npm run token printed something else than one token:\n${run.stdout}`)
  }
  return token
}

function expectRefusal(args: string[], reason: RegExp, what: string): void {
  const run = runToken(args)
  if (run.status === 0 || run.stdout.trim() !== '' || !reason.test(run.stderr)) {
    throw new Error(
      `${what}: npm run token ${args.join(' ')} should fail naming ${reason} and print no token; it exited ${run.status}:\n${run.stdout}${run.stderr}`,
    )
  }
  console.log(`token-check: ${what}: refused (${run.stderr.trim().split('\n').at(-1)})`)
}

async function expectAcmeAdmin(token: string, secret: string, what: string): Promise<void> {
  const principal = await verifyAccessToken(
    token,
    authConfigFromBindings({ APP_ENV: 'development', DATABASE_URL: '', AUTH_JWT_SECRET: secret }),
  )
  const acme = seedOrganizations.find((organization) => organization.slug === 'acme')
  const admin = seedUsers.find((user) => user.organizationId === acme?.id && user.role === 'ADMIN')
  if (
    principal.organizationId !== acme?.id ||
    principal.role !== 'ADMIN' ||
    principal.subject !== admin?.id
  ) {
    throw new Error(`${what}: the token is not acme's seeded ADMIN: ${JSON.stringify(principal)}`)
  }
  console.log(`token-check: ${what}: a token of acme's ADMIN (${admin?.email}), verified`)
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** `npm run dev` in the copy, in a process group of its own (stopped as a whole); resolves once the API is ready. */
async function startDev(secret: string): Promise<{ api: string; dev: ChildProcess; output: () => string }> {
  const [port, databasePort] = [await freePort(), await freePort()]
  let output = ''
  const dev = spawn('npm', ['run', 'dev'], {
    cwd: clone,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...cleanEnvironment(),
      PORT: String(port),
      NEON_LOCAL_PORT: String(databasePort),
      PGLITE_WIRE_PORT: '0',
    },
  })
  dev.stdout?.on('data', (chunk) => {
    output += chunk
  })
  dev.stderr?.on('data', (chunk) => {
    output += chunk
  })
  const api = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 180_000
  while (!output.includes('Organization API ready')) {
    if (dev.exitCode !== null || Date.now() > deadline)
      throw new Error(`npm run dev did not become ready (exit ${dev.exitCode}):\n${output.slice(-4000)}`)
    await new Promise((resolveWait) => setTimeout(resolveWait, 500))
  }
  // The printed tokens are signed with the .dev.vars secret, as `npm run token` signs (one definition).
  const printed = /acme\s+ADMIN\s+\S+\s+(\S+)/.exec(output)?.[1]
  if (!printed) throw new Error(`npm run dev printed no acme ADMIN token:\n${output.slice(-4000)}`)
  await expectAcmeAdmin(printed, secret, 'npm run dev with a .dev.vars prints')
  return { api, dev, output: () => output }
}

async function call(
  api: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function expectMe(
  api: string,
  token: string,
  expected: { role: string; id: string; label: string },
  what: string,
): Promise<void> {
  const me = await call(api, token, 'GET', '/v1/me')
  const subject = (expected.role === 'AGENT' ? me.body.agent : me.body.user) as Record<string, unknown> | null
  if (me.status !== 200 || me.body.role !== expected.role || subject?.id !== expected.id) {
    throw new Error(`${what}: GET /v1/me answered ${me.status} ${JSON.stringify(me.body)}`)
  }
  console.log(`token-check: ${what}: GET /v1/me is ${expected.role} ${expected.label} (${expected.id})`)
}

async function checkApiCreatedSubjects(api: string): Promise<void> {
  const admin = mintToken()
  const email = `nina.${Date.now()}@acme.example`
  const created = await call(api, admin, 'POST', '/v1/users', { email, name: 'Nina Novak', role: 'CUSTOMER' })
  if (created.status !== 201)
    throw new Error(`POST /v1/users answered ${created.status} ${JSON.stringify(created.body)}`)
  const userId = String(created.body.id)
  await expectMe(
    api,
    mintToken(['--user', email]),
    { role: 'CUSTOMER', id: userId, label: email },
    '--user <email> of a user created through the API',
  )
  await expectMe(
    api,
    mintToken(['--user', userId, '--org', 'acme']),
    { role: 'CUSTOMER', id: userId, label: email },
    '--user <id> --org acme',
  )

  const agentName = `Returns Bot ${Date.now()}`
  const agent = await call(api, admin, 'POST', '/v1/agents', {
    name: agentName,
    type: 'REFUND_PROCESSOR',
    status: 'ACTIVE',
    model: 'claude-sonnet',
  })
  if (agent.status !== 201)
    throw new Error(`POST /v1/agents answered ${agent.status} ${JSON.stringify(agent.body)}`)
  await expectMe(
    api,
    mintToken(['--agent', agentName.toLowerCase()]),
    { role: 'AGENT', id: String(agent.body.id), label: agentName },
    '--agent <name> of an agent created through the API',
  )

  expectRefusal(
    ['--user', `nobody.${Date.now()}@acme.example`],
    /No user ".*" in the local database/,
    'an unknown email',
  )
  const deactivated = await call(api, admin, 'PATCH', `/v1/users/${userId}`, { isActive: false })
  if (deactivated.status !== 200) throw new Error(`PATCH /v1/users/${userId} answered ${deactivated.status}`)
  expectRefusal(['--user', email], /deactivated/, 'the user, deactivated through the API')
}

let dev: ChildProcess | undefined
try {
  for (const entry of [
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'wrangler.toml',
    'scripts',
    'src',
    'drizzle',
  ]) {
    cpSync(join(root, entry), join(clone, entry), { recursive: true })
  }
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir')

  await expectAcmeAdmin(mintToken(), DEV_AUTH_JWT_SECRET, 'no .dev.vars, no AUTH_JWT_SECRET')

  const other = `other-secret-${crypto.randomUUID()}`
  writeFileSync(join(clone, '.dev.vars'), `AUTH_JWT_SECRET=${other}\n`)
  await expectAcmeAdmin(mintToken(), other, 'with a .dev.vars')

  const started = await startDev(other)
  dev = started.dev
  await checkApiCreatedSubjects(started.api)
} catch (error) {
  console.error(`token-check failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
} finally {
  if (dev?.pid && dev.exitCode === null) {
    const exited = new Promise((resolveExit) => dev?.once('exit', resolveExit))
    process.kill(-dev.pid, 'SIGTERM')
    await Promise.race([exited, new Promise((resolveWait) => setTimeout(resolveWait, 15_000))])
  }
  rmSync(clone, { recursive: true, force: true })
}
