/**
 * `npm run preview:db-login -- --secrets-file <path>` (preview.yml): on a pull request's Neon branch, gives the
 * Worker's role `app_api` a fresh random password (the branch inherited the staging one; Neon keeps passwords per
 * branch, so this changes the branch only) and writes `{"DATABASE_URL": "<app_api URL>"}` to the file, for
 * `wrangler versions upload --secrets-file`. MIGRATION_DATABASE_URL is the branch's owner URL. The password and the
 * URL are masked in the GitHub log and never printed.
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import pg from 'pg'

const { values } = parseArgs({ args: process.argv.slice(2), options: { 'secrets-file': { type: 'string' } } })
const target = values['secrets-file']
const ownerUrl = process.env.MIGRATION_DATABASE_URL
if (!target || !ownerUrl) {
  console.error(
    'usage: MIGRATION_DATABASE_URL=<owner URL of the branch> npm run preview:db-login -- --secrets-file <path>',
  )
  process.exit(2)
}

const password = randomBytes(32).toString('base64url')
const appUrl = new URL(ownerUrl)
appUrl.username = 'app_api'
appUrl.password = password
if (!appUrl.searchParams.has('sslmode')) appUrl.searchParams.set('sslmode', 'require')
if (process.env.GITHUB_ACTIONS === 'true') {
  console.log(`::add-mask::${password}`)
  console.log(`::add-mask::${appUrl.toString()}`)
}

const client = new pg.Client({ connectionString: ownerUrl })
await client.connect()
try {
  const role = await client.query<{ bypass: boolean }>(
    `select rolsuper or rolbypassrls as bypass from pg_catalog.pg_roles where rolname = 'app_api'`,
  )
  if (role.rows.length === 0) throw new Error('role app_api does not exist: run the migrations first')
  if (role.rows[0]?.bypass) throw new Error('role app_api can bypass row-level security: refusing to use it')
  const literal = (await client.query<{ q: string }>('select quote_literal($1) as q', [password])).rows[0]?.q
  await client.query(`alter role app_api with login password ${literal}`)
} finally {
  await client.end()
}
writeFileSync(target, JSON.stringify({ DATABASE_URL: appUrl.toString() }), { mode: 0o600 })
console.log(
  `preview-db-login: app_api can log in to ${appUrl.host}${appUrl.pathname} with a new password (in ${target})`,
)
