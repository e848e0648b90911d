/**
 * `npm run db:migrate`: applies drizzle/ migrations.
 * - MIGRATION_DATABASE_URL set (Neon or any Postgres, as the owner role): `drizzle-kit migrate`.
 * - otherwise: the local database of `npm run dev` (PGlite in .data/, or DATABASE_URL=postgres://…).
 */
import { execFileSync } from 'node:child_process'
import { startLocalDatabase } from './lib/local-database'

if (process.env.MIGRATION_DATABASE_URL) {
  execFileSync('drizzle-kit', ['migrate'], { stdio: 'inherit' })
} else {
  const { local } = await startLocalDatabase()
  console.log(`migrations applied (${local.backend.kind})`)
  await local.close()
}
