import { type Backend, type NeonLocal, startNeonLocal } from '../neon-local'

/** Where `npm run dev` and the db:* scripts keep the embedded database (git-ignored). */
export const PGLITE_DATA_DIR = process.env.PGLITE_DATA_DIR ?? '.data/pglite'

/** The embedded PGlite by default; the Postgres server named by DATABASE_URL when it is a postgres:// URL. */
export function backendFromEnvironment(): Backend {
  const url = process.env.DATABASE_URL
  if (url && /^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url }
  return { kind: 'pglite', dataDir: PGLITE_DATA_DIR }
}

/**
 * Starts the local Neon endpoint on the chosen backend and applies the migrations. The URLs carry the passwords
 * the endpoint generated for this database and keeps in it (neon_local.credentials); the owner (migrations, seed)
 * is the backend's own user: `postgres` on PGlite, DATABASE_URL's user on a Postgres server.
 */
export async function startLocalDatabase(
  port = 0,
): Promise<{ local: NeonLocal; ownerUrl: string; appUrl: string }> {
  const backend = backendFromEnvironment()
  const local = await startNeonLocal({ backend, port })
  await local.migrate()
  return {
    local,
    ownerUrl: local.connectionString(local.ownerUser),
    appUrl: local.connectionString('app_api'),
  }
}
