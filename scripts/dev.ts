/**
 * `npm run dev`: embedded database + local Neon endpoint + migrations + seed (when empty) + `wrangler dev`.
 * On PGlite it also serves the database over the Postgres wire protocol (psql, drizzle-kit, Drizzle Studio),
 * on loopback, as the owner. With DATABASE_URL=postgres://… it fronts that server instead of PGlite.
 * Ctrl-C stops everything.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { sql } from 'drizzle-orm'
import { createDatabase } from '../src/db/client'
import { organizations } from '../src/db/schema'
import { devAuthSecret, devPlatformKey } from './lib/dev-defaults'
import { backendFromEnvironment, startLocalDatabase } from './lib/local-database'
import { seed } from './seed/seed'
import { mintSeedTokens } from './token'

const API_PORT = Number(process.env.PORT ?? 8787)
const DB_PORT = Number(process.env.NEON_LOCAL_PORT ?? 4444)
/** The embedded database's Postgres wire port: PGLITE_WIRE_PORT (a number, 0 for a free one, or `off`);
 *  by default 4445, or a free port when 4445 is taken (the connection string is printed either way). */
const DEFAULT_WIRE_PORT = 4445
// The environment's, else .dev.vars', else the defaults: what `npm run token` signs with (lib/dev-defaults.ts).
const DEV_SECRET = devAuthSecret()
const PLATFORM_KEY = devPlatformKey()

async function seedIfEmpty(ownerUrl: string): Promise<void> {
  const db = createDatabase(ownerUrl)
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(organizations)
  if ((row?.count ?? 0) > 0) {
    console.log(`database already holds ${row?.count} organization(s); not seeding`)
    return
  }
  const summary = await seed(db)
  console.log('seeded:', JSON.stringify(summary))
}

async function waitForReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/ready`)).ok) return
    } catch {
      // wrangler is still starting
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error(`the API did not become ready within ${timeoutMs / 1000}s`)
}

function startWrangler(databaseUrl: string): ChildProcess {
  const args = [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(API_PORT),
    '--show-interactive-dev-session=false',
  ]
  for (const [key, value] of Object.entries({
    DATABASE_URL: databaseUrl,
    AUTH_JWT_SECRET: DEV_SECRET,
    PLATFORM_API_KEY: PLATFORM_KEY,
  })) {
    args.push('--var', `${key}:${value}`)
  }
  return spawn('wrangler', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_SEND_METRICS: 'false' },
  })
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

async function wirePort(): Promise<number | undefined> {
  if (backendFromEnvironment().kind !== 'pglite') return undefined
  const setting = process.env.PGLITE_WIRE_PORT?.trim()
  if (setting === 'off') return undefined
  if (setting) {
    const port = Number(setting)
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new Error(`invalid PGLITE_WIRE_PORT ${setting}`)
    return port
  }
  return (await portIsFree(DEFAULT_WIRE_PORT)) ? DEFAULT_WIRE_PORT : 0
}

async function main(): Promise<void> {
  const wire = await wirePort()
  const { local, ownerUrl, appUrl, wireUrl } = await startLocalDatabase(
    DB_PORT,
    wire === undefined ? {} : { wirePort: wire },
  )
  console.log(`database: ${local.backend.kind} behind the local Neon endpoint on 127.0.0.1:${local.port}`)
  // The passwords are generated per database and kept in it (neon_local.credentials); the endpoint refuses others.
  console.log(`  DATABASE_URL (app_api, the Worker's role): ${appUrl}`)
  console.log(`  owner (${local.ownerUser}: migrations, seed; bypasses RLS): ${ownerUrl}`)
  if (wireUrl) {
    // Loopback only, the owner only (its password), for local tools; see scripts/neon-local/README.md.
    console.log(`  Postgres wire (psql, drizzle-kit, npm run db:studio; owner, local tools only): ${wireUrl}`)
  } else if (local.backend.kind === 'postgres') {
    console.log(`  Postgres clients (psql, drizzle-kit, npm run db:studio): the server itself, DATABASE_URL`)
  }
  await seedIfEmpty(ownerUrl)

  const wrangler = startWrangler(appUrl)
  let stopping = false
  const stop = async (code: number) => {
    if (stopping) return
    stopping = true
    wrangler.kill('SIGTERM')
    await local.close()
    process.exit(code)
  }
  process.on('SIGINT', () => void stop(0))
  process.on('SIGTERM', () => void stop(0))
  wrangler.on('exit', (code) => void stop(code ?? 0))

  const apiUrl = `http://127.0.0.1:${API_PORT}`
  await waitForReady(apiUrl, 90_000)
  const tokens = await mintSeedTokens(DEV_SECRET)
  console.log(
    `\nOrganization API ready: ${apiUrl}\n  docs:    ${apiUrl}/docs\n  openapi: ${apiUrl}/openapi.json`,
  )
  console.log(`  platform key (POST /v1/organizations): X-Platform-Key: ${PLATFORM_KEY}\n\nTokens (1 h):`)
  for (const t of tokens)
    console.log(`  ${t.org.padEnd(7)} ${t.role.padEnd(14)} ${t.who.padEnd(28)} ${t.token}`)
  console.log(
    `\nTry: curl -H "Authorization: Bearer <token>" ${apiUrl}/v1/organization\nCtrl-C stops everything.`,
  )
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
