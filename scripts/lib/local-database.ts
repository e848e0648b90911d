import { type Backend, type NeonLocal, startNeonLocal } from '../neon-local'
import { dataDirHolder } from '../neon-local/data-dir-lock'

/** Where `npm run dev` and the db:* scripts keep the embedded database (git-ignored). */
export const PGLITE_DATA_DIR = process.env.PGLITE_DATA_DIR ?? '.data/pglite'

/** The embedded PGlite by default; the Postgres server named by DATABASE_URL when it is a postgres:// URL. */
export function backendFromEnvironment(): Backend {
  const url = process.env.DATABASE_URL
  if (url && /^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url }
  return { kind: 'pglite', dataDir: PGLITE_DATA_DIR }
}

export interface LocalDatabaseOptions {
  /** PGlite only: serve it over the Postgres wire protocol too, on this loopback port (0: a free one). */
  wirePort?: number
  /** Passwords to store if the database has none yet (npm run db:reset keeps them across the reset). */
  presetPasswords?: Record<string, string>
}

/**
 * Starts the local Neon endpoint on the chosen backend and applies the migrations. The URLs carry the passwords
 * the endpoint generated for this database and keeps in it (neon_local.credentials); the owner (migrations, seed)
 * is the backend's own user: `postgres` on PGlite, DATABASE_URL's user on a Postgres server. A PGlite data
 * directory is held by one process at a time (`<dir>.lock`): a second one is refused, naming the holder.
 */
export async function startLocalDatabase(
  port = 0,
  options: LocalDatabaseOptions = {},
): Promise<{ local: NeonLocal; ownerUrl: string; appUrl: string; wireUrl: string | null }> {
  const backend = backendFromEnvironment()
  const local = await startNeonLocal({
    backend,
    port,
    ...(backend.kind === 'pglite' && options.wirePort !== undefined ? { wirePort: options.wirePort } : {}),
    ...(options.presetPasswords ? { presetPasswords: options.presetPasswords } : {}),
  })
  try {
    await local.migrate()
  } catch (error) {
    await local.close()
    throw error
  }
  return {
    local,
    ownerUrl: local.connectionString(local.ownerUser),
    appUrl: local.connectionString('app_api'),
    wireUrl: local.wireUrl,
  }
}

/** True for a URL that reaches this machine: a loopback host, or a Unix socket (no host, or `?host=/dir`). */
export function isLocalUrl(url: string): boolean {
  const parsed = new URL(url)
  const host = parsed.searchParams.get('host') ?? decodeURIComponent(parsed.hostname)
  if (host === '' || host.startsWith('/')) return true
  return /^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i.test(host)
}

/** A URL with its password hidden, for messages. */
export function redacted(url: string): string {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

/** The database a tool (drizzle-kit) connects to as the owner, over the Postgres wire protocol. */
export interface OwnerDatabase {
  url: string
  /** For messages: which database, and how it was found. */
  description: string
  local: boolean
  /** Closes what this command opened itself (the embedded database when `npm run dev` does not hold it). */
  close(): Promise<void>
}

/**
 * MIGRATION_DATABASE_URL (the owner's URL, any server), else DATABASE_URL=postgres://… (a Postgres server), else
 * the embedded database: through the wire port of the `npm run dev` that holds it, or, when nothing holds it,
 * opened here (migrated) with a wire port of its own until `close()`.
 */
export async function ownerDatabase(): Promise<OwnerDatabase> {
  const none = async () => {}
  const migrationUrl = process.env.MIGRATION_DATABASE_URL
  if (migrationUrl) {
    return {
      url: migrationUrl,
      description: 'MIGRATION_DATABASE_URL',
      local: isLocalUrl(migrationUrl),
      close: none,
    }
  }
  const backend = backendFromEnvironment()
  if (backend.kind === 'postgres') {
    return {
      url: backend.url,
      description: 'DATABASE_URL (a Postgres server)',
      local: isLocalUrl(backend.url),
      close: none,
    }
  }
  const holder = dataDirHolder(PGLITE_DATA_DIR)
  if (holder?.wireUrl) {
    return {
      url: holder.wireUrl,
      description: `the embedded database ${PGLITE_DATA_DIR}, through the wire port of ${holder.command} (pid ${holder.pid})`,
      local: true,
      close: none,
    }
  }
  if (holder) {
    throw new Error(
      `the embedded database ${PGLITE_DATA_DIR} is held by ${holder.command} (pid ${holder.pid}), which serves no Postgres wire port: stop it, or run npm run dev (with PGLITE_WIRE_PORT not off)`,
    )
  }
  const { local, wireUrl } = await startLocalDatabase(0, { wirePort: 0 })
  if (!wireUrl) throw new Error('the embedded database has no wire port')
  return {
    url: wireUrl,
    description: `the embedded database ${PGLITE_DATA_DIR} (npm run dev is not running: opened by this command)`,
    local: true,
    close: () => local.close(),
  }
}
