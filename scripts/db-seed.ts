/**
 * `npm run db:seed`: loads the demo data (idempotent: run it twice, same rows) through neon-http, as the owner.
 * - SEED_DATABASE_URL or MIGRATION_DATABASE_URL set (Neon or any Postgres reachable by neon-http): seeds it.
 * - otherwise: the local database of `npm run dev` (PGlite in .data/, or DATABASE_URL=postgres://…),
 *   migrated first. Stop `npm run dev` before seeding PGlite: one process per data directory.
 */
import { createDatabase } from '../src/db/client'
import { startLocalDatabase } from './lib/local-database'
import { seed } from './seed/seed'

const remoteUrl = process.env.SEED_DATABASE_URL ?? process.env.MIGRATION_DATABASE_URL
if (remoteUrl) {
  console.table(await seed(createDatabase(remoteUrl)))
} else {
  const { local, ownerUrl } = await startLocalDatabase()
  try {
    console.log(`seeding the local database (${local.backend.kind})`)
    console.table(await seed(createDatabase(ownerUrl)))
  } finally {
    await local.close()
  }
}
