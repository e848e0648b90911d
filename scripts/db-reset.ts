/**
 * `npm run db:reset`: drops and recreates the local database, applies the migrations and loads the seed.
 * - embedded (default): deletes PGLITE_DATA_DIR (.data/pglite) and creates it again. Refused while another
 *   process holds it (`npm run dev`: stop it first; PGlite allows one process per data directory).
 * - DATABASE_URL=postgres://… on this machine: `DROP DATABASE … WITH (FORCE)` and `CREATE DATABASE` on that
 *   server (connected to its `postgres` database as the URL's user). A `npm run dev` on it keeps running: its
 *   connections are closed, its next requests reconnect.
 * Refused for a DATABASE_URL that is not on this machine, and for the server's own databases (postgres,
 * template0/1). The endpoint's passwords (neon_local.credentials) are carried over, so the DATABASE_URL printed
 * before the reset stays valid.
 */
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { createDatabase } from '../src/db/client'
import {
  backendFromEnvironment,
  isLocalUrl,
  PGLITE_DATA_DIR,
  redacted,
  startLocalDatabase,
} from './lib/local-database'
import { type Backend, startNeonLocal } from './neon-local'
import { dataDirHolder } from './neon-local/data-dir-lock'
import { quoteIdentifier } from './neon-local/protocol'
import { seed } from './seed/seed'

function refuse(message: string): never {
  console.error(`db:reset: refused: ${message}`)
  process.exit(1)
}

/** The URL of the server's `postgres` database, to drop and create `url`'s database from. */
function maintenanceUrl(url: string): { adminUrl: string; name: string } {
  const parsed = new URL(url)
  const name = decodeURIComponent(parsed.pathname.slice(1))
  parsed.pathname = '/postgres'
  return { adminUrl: parsed.toString(), name }
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

async function databaseExists(backend: Backend): Promise<boolean> {
  if (backend.kind === 'pglite') return existsSync(join(backend.dataDir ?? '', 'PG_VERSION'))
  const { adminUrl, name } = maintenanceUrl(backend.url)
  const { rowCount } = await withClient(adminUrl, (client) =>
    client.query('select 1 from pg_database where datname = $1', [name]),
  )
  return (rowCount ?? 0) > 0
}

/** The endpoint's stored passwords (app_api and the owner), to store again after the reset. */
async function storedPasswords(backend: Backend): Promise<Record<string, string>> {
  if (!(await databaseExists(backend))) return {}
  try {
    const local = await startNeonLocal({ backend, port: 0 })
    try {
      const passwords: Record<string, string> = {}
      for (const user of ['app_api', local.ownerUser]) {
        passwords[user] = decodeURIComponent(new URL(local.connectionString(user)).password)
      }
      return passwords
    } finally {
      await local.close()
    }
  } catch (error) {
    console.warn(
      `db:reset: the old database could not be opened (${(error as Error).message}); new passwords`,
    )
    return {}
  }
}

const backend = backendFromEnvironment()
if (backend.kind === 'postgres') {
  if (!isLocalUrl(backend.url)) {
    refuse(
      `DATABASE_URL is not on this machine (${redacted(backend.url)}); db:reset only resets local databases`,
    )
  }
  const { name } = maintenanceUrl(backend.url)
  if (!name || ['postgres', 'template0', 'template1'].includes(name)) {
    refuse(
      `DATABASE_URL names ${name ? `the server's own database "${name}"` : 'no database'}; use a database of its own`,
    )
  }
} else {
  const holder = dataDirHolder(PGLITE_DATA_DIR)
  if (holder) {
    refuse(
      `the embedded database ${PGLITE_DATA_DIR} is in use by ${holder.command} (pid ${holder.pid}); stop it (Ctrl-C) and run npm run db:reset again`,
    )
  }
}

const started = Date.now()
const presetPasswords = await storedPasswords(backend)
if (backend.kind === 'pglite') {
  console.log(`db:reset: deleting the embedded database ${PGLITE_DATA_DIR}`)
  rmSync(PGLITE_DATA_DIR, { recursive: true, force: true })
} else {
  const { adminUrl, name } = maintenanceUrl(backend.url)
  console.log(`db:reset: dropping and creating database "${name}" on ${redacted(adminUrl)}`)
  await withClient(adminUrl, async (client) => {
    await client.query(`drop database if exists ${quoteIdentifier(name)} with (force)`)
    await client.query(`create database ${quoteIdentifier(name)}`)
  })
}
const { local, ownerUrl } = await startLocalDatabase(0, { presetPasswords })
try {
  console.log('db:reset: migrations applied')
  console.log('db:reset: seeded:', JSON.stringify(await seed(createDatabase(ownerUrl))))
} finally {
  await local.close()
}
console.log(`db:reset: done in ${((Date.now() - started) / 1000).toFixed(1)} s (${local.backend.kind})`)
