import type { TestProject } from 'vitest/node'
import { type Backend, createScratchDatabase, startNeonLocal } from '../scripts/neon-local'

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
    ownerDatabaseUrl: string
    neonLocalUrl: string
    databaseBackend: string
  }
}

/**
 * Starts the local Neon endpoint on a fresh database for this run: PGlite in memory by default,
 * or a new database on the server named by TEST_DATABASE_URL. Tests create their own tenants,
 * so nothing is reset between them.
 */
export default async function setup(project: TestProject) {
  const adminUrl = process.env.TEST_DATABASE_URL
  const scratch = adminUrl ? await createScratchDatabase(adminUrl, 'orgapi_test') : undefined
  const backend: Backend = scratch ? { kind: 'postgres', url: scratch.url } : { kind: 'pglite' }
  const local = await startNeonLocal({ backend })
  await local.migrate()
  project.provide('databaseUrl', local.connectionString('app_api', 'local'))
  project.provide('ownerDatabaseUrl', local.connectionString(ownerRole(backend), 'local'))
  project.provide('neonLocalUrl', `http://127.0.0.1:${local.port}`)
  project.provide('databaseBackend', backend.kind)
  console.log(
    `[test] database backend: ${backend.kind}${scratch ? ` (${new URL(scratch.url).pathname})` : ''}`,
  )
  return async () => {
    await local.close()
    await scratch?.drop()
  }
}

function ownerRole(backend: Backend): string {
  return backend.kind === 'postgres'
    ? decodeURIComponent(new URL(backend.url).username || 'postgres')
    : 'postgres'
}
