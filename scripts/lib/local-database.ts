import { type Backend, type NeonLocal, startNeonLocal } from '../neon-local'

/** Where `npm run dev` and the db:* scripts keep the embedded database (git-ignored). */
export const PGLITE_DATA_DIR = process.env.PGLITE_DATA_DIR ?? '.data/pglite'

/** The embedded PGlite by default; the Postgres server named by DATABASE_URL when it is a postgres:// URL. */
export function backendFromEnvironment(): Backend {
  const url = process.env.DATABASE_URL
  if (url && /^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url }
  return { kind: 'pglite', dataDir: PGLITE_DATA_DIR }
}

/** The owner role on the backend: migrations and the seed run as it. */
export function ownerRoleOf(backend: Backend): string {
  if (backend.kind === 'pglite') return 'postgres'
  return decodeURIComponent(new URL(backend.url).username) || 'postgres'
}

/** Starts the local Neon endpoint on the chosen backend and applies the migrations. */
export async function startLocalDatabase(
  port = 0,
): Promise<{ local: NeonLocal; ownerUrl: string; appUrl: string }> {
  const backend = backendFromEnvironment()
  const local = await startNeonLocal({ backend, port })
  await local.migrate()
  return {
    local,
    ownerUrl: local.connectionString(ownerRoleOf(backend), 'local'),
    appUrl: local.connectionString('app_api', 'local'),
  }
}
