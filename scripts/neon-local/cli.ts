/**
 * Starts neon-local, applies the migrations and prints the connection strings; stops on SIGINT/SIGTERM.
 *
 *   npm exec -- tsx scripts/neon-local/cli.ts [--pglite <dir> | --pglite-memory | --postgres <url>]
 *     [--port 4444] [--host 127.0.0.1] [--migrations <folder>] [--no-migrate] [--wire-port <port>]
 *
 * `--wire-port` (PGlite): also serve the database over the Postgres wire protocol (see README.md).
 *
 * Default: PGlite persisted in .data/pglite (git-ignored), port 4444.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type Backend, DEFAULT_MIGRATIONS_FOLDER, startNeonLocal } from './index'

const USAGE =
  'usage: tsx scripts/neon-local/cli.ts [--pglite <dir> | --pglite-memory | --postgres <url>] ' +
  '[--port 4444] [--host 127.0.0.1] [--migrations <folder>] [--no-migrate] [--wire-port <port>]'

function parseCli() {
  const { values } = parseArgs({
    options: {
      pglite: { type: 'string' },
      'pglite-memory': { type: 'boolean', default: false },
      postgres: { type: 'string' },
      port: { type: 'string', default: '4444' },
      host: { type: 'string', default: '127.0.0.1' },
      migrations: { type: 'string', default: DEFAULT_MIGRATIONS_FOLDER },
      'no-migrate': { type: 'boolean', default: false },
      'wire-port': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  })
  const backendFlags = [values.pglite !== undefined, values['pglite-memory'], values.postgres !== undefined]
  if (values.help || backendFlags.filter(Boolean).length > 1) {
    console.error(USAGE)
    process.exit(values.help ? 0 : 2)
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`invalid --port ${values.port}\n${USAGE}`)
    process.exit(2)
  }
  let backend: Backend = { kind: 'pglite', dataDir: values.pglite ?? '.data/pglite' }
  if (values['pglite-memory']) backend = { kind: 'pglite' }
  if (values.postgres !== undefined) backend = { kind: 'postgres', url: values.postgres }
  const wirePort = values['wire-port'] === undefined ? undefined : Number(values['wire-port'])
  if (wirePort !== undefined && (!Number.isInteger(wirePort) || wirePort < 0 || wirePort > 65535)) {
    console.error(`invalid --wire-port ${values['wire-port']}\n${USAGE}`)
    process.exit(2)
  }
  return {
    backend,
    port,
    host: values.host,
    migrations: values.migrations,
    migrate: !values['no-migrate'],
    ...(wirePort === undefined ? {} : { wirePort }),
  }
}

function describe(backend: Backend): string {
  if (backend.kind === 'postgres')
    return `Postgres ${new URL(backend.url).pathname.slice(1)} at ${new URL(backend.url).host}`
  return backend.dataDir ? `PGlite in ${backend.dataDir}` : 'PGlite in memory'
}

async function main(): Promise<void> {
  const options = parseCli()
  const neonLocal = await startNeonLocal(options)
  console.log(`neon-local: ${describe(options.backend)}, listening on port ${neonLocal.port}`)
  if (!options.migrate) {
    console.log('migrations: skipped (--no-migrate)')
  } else if (existsSync(join(options.migrations, 'meta', '_journal.json'))) {
    await neonLocal.migrate(options.migrations)
    console.log(`migrations: applied from ${options.migrations}`)
  } else {
    console.warn(`migrations: none found in ${options.migrations} (no meta/_journal.json), skipped`)
  }
  // Passwords generated for this database and kept in it (neon_local.credentials): the same on every start of a
  // persisted one. Requests with any other password, a non-loopback Host or a browser Origin are refused.
  console.log(`DATABASE_URL=${neonLocal.connectionString('app_api')}`)
  console.log(`owner (migrations, superuser): ${neonLocal.connectionString(neonLocal.ownerUser)}`)
  if (neonLocal.wireUrl) console.log(`Postgres wire (owner, local tools only): ${neonLocal.wireUrl}`)
  const stop = async (signal: string) => {
    console.log(`neon-local: ${signal}, stopping after ${neonLocal.requestCount()} requests`)
    await neonLocal.close()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop('SIGINT'))
  process.once('SIGTERM', () => void stop('SIGTERM'))
}

main().catch((error: unknown) => {
  console.error('neon-local failed to start:', error)
  process.exit(1)
})
