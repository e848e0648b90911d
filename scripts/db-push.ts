/**
 * `npm run db:push [-- drizzle-kit push options]`: `drizzle-kit push` (src/db/schema straight into the database,
 * no migration) for quick schema experiments on a local database, as the owner: the embedded database (through
 * the wire port of the running `npm run dev`, or opened by this command), DATABASE_URL=postgres://…, or
 * MIGRATION_DATABASE_URL. Refused for a database that is not on this machine unless `--force` (or
 * DB_PUSH_FORCE=1). Migrations stay the source of truth: see the warning below.
 */
import { spawn } from 'node:child_process'
import { ownerDatabase, redacted } from './lib/local-database'

const WARNING = `db:push: warning: migrations (drizzle/) are the source of truth, not this command. A push changes the
  schema without a migration: nothing records it, Neon never gets it, and the next db:migrate can conflict
  with it. When the experiment works: npm run db:generate (review the SQL), then npm run db:reset.`

const args = process.argv.slice(2)
const force = args.includes('--force') || process.env.DB_PUSH_FORCE === '1'
const pushArgs = args.filter((arg) => arg !== '--force')

const target = await ownerDatabase()
console.warn(WARNING)
if (!target.local && !force) {
  console.error(
    `db:push: refused: ${target.description} is not a local database (${redacted(target.url)}). ` +
      'Change shared databases with migrations (npm run db:generate, db:migrate); pass --force (or DB_PUSH_FORCE=1) only if you really mean to push to it.',
  )
  await target.close()
  process.exit(1)
}
console.log(`db:push: ${target.description}: ${redacted(target.url)}`)
const push = spawn('drizzle-kit', ['push', ...pushArgs], {
  stdio: 'inherit',
  env: { ...process.env, MIGRATION_DATABASE_URL: target.url },
})
process.on('SIGINT', () => push.kill('SIGINT'))
process.on('SIGTERM', () => push.kill('SIGTERM'))
push.on('exit', (code, signal) => {
  void target.close().finally(() => process.exit(code ?? (signal ? 1 : 0)))
})
