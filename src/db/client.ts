import { neon, neonConfig } from '@neondatabase/serverless'
import { sql } from 'drizzle-orm'
import { drizzle, type NeonHttpDatabase } from 'drizzle-orm/neon-http'
import * as schema from './schema'

/**
 * The one module that touches the database driver. Everything goes through neon-http:
 * in production to Neon's SQL-over-HTTP endpoint, locally to scripts/neon-local, which
 * speaks the same protocol in front of PGlite or a Postgres server.
 */
export type Database = NeonHttpDatabase<typeof schema>

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

export function isLocalDatabaseUrl(databaseUrl: string): boolean {
  return LOCAL_HOSTS.has(new URL(databaseUrl).hostname)
}

/**
 * Points the driver at the local endpoint (scripts/neon-local) when the URL names this machine:
 * plain HTTP on the URL's own host and port. Neon URLs leave the driver untouched.
 */
export function useLocalEndpointFor(databaseUrl: string): boolean {
  if (!isLocalDatabaseUrl(databaseUrl)) return false
  neonConfig.fetchEndpoint = (host, port) => `http://${host}:${port}/sql`
  return true
}

// drizzle() with the schema costs ~0.3 ms of CPU (relational config); the instance is stateless, so an
// isolate keeps one per URL. Only tagged local URLs (unique per request) are built per request.
const databases = new Map<string, Database>()

/**
 * The drizzle instance for a request. `requestId` tags the connection in local mode (`application_name`),
 * so tests and benchmarks can count the HTTP round trips one API request cost.
 */
export function createDatabase(databaseUrl: string, requestId?: string): Database {
  if (useLocalEndpointFor(databaseUrl) && requestId) {
    const tagged = new URL(databaseUrl)
    tagged.searchParams.set('application_name', requestId)
    return drizzle({ client: neon(tagged.toString()), schema })
  }
  let database = databases.get(databaseUrl)
  if (!database) {
    database = drizzle({ client: neon(databaseUrl), schema })
    databases.set(databaseUrl, database)
  }
  return database
}

/** One round trip that proves the database answers (used by `GET /ready`). */
export async function pingDatabase(databaseUrl: string, requestId?: string): Promise<void> {
  await createDatabase(databaseUrl, requestId).execute(sql`select 1`)
}
