/**
 * `npm run db:studio [-- --port 4983]`: Drizzle Studio (`drizzle-kit studio`) on the local database, as the owner:
 * the embedded database through the Postgres wire port of the running `npm run dev` (or, when nothing holds it,
 * opened by this command), DATABASE_URL=postgres://… (a Postgres server), or MIGRATION_DATABASE_URL.
 *
 * Studio's server listens on 127.0.0.1 only (forced); its UI is the hosted page https://local.drizzle.studio,
 * which calls that server from the browser. Note that the server runs any SQL it is sent, as the owner, for any
 * web page (Drizzle Studio answers CORS for every origin): keep it running only while you use it. A non-local
 * database is refused unless `--force` (or DB_STUDIO_FORCE=1).
 */
import { spawn } from 'node:child_process'
import { ownerDatabase, redacted } from './lib/local-database'

const args = process.argv.slice(2)
if (args.some((arg) => arg === '--host' || arg.startsWith('--host='))) {
  console.error('db:studio: Drizzle Studio listens on 127.0.0.1 only here (its server runs SQL as the owner)')
  process.exit(2)
}
const force = args.includes('--force') || process.env.DB_STUDIO_FORCE === '1'
const studioArgs = args.filter((arg) => arg !== '--force')

const target = await ownerDatabase()
if (!target.local && !force) {
  console.error(
    `db:studio: refused: ${target.description} is not on this machine (${redacted(target.url)}). ` +
      'Studio would serve it, as the owner, to any web page while it runs; pass --force (or DB_STUDIO_FORCE=1) if you mean it.',
  )
  await target.close()
  process.exit(1)
}
console.log(`db:studio: ${target.description}: ${redacted(target.url)}`)
const studio = spawn('drizzle-kit', ['studio', '--host', '127.0.0.1', ...studioArgs], {
  stdio: 'inherit',
  env: { ...process.env, MIGRATION_DATABASE_URL: target.url },
})
const forward = (signal: NodeJS.Signals) => () => studio.kill(signal)
process.on('SIGINT', forward('SIGINT'))
process.on('SIGTERM', forward('SIGTERM'))
studio.on('exit', (code, signal) => {
  void target.close().finally(() => process.exit(code ?? (signal ? 0 : 1)))
})
