/**
 * `npm run db:check`: fails when src/db/schema and drizzle/ disagree. `drizzle-kit check` only validates
 * snapshots, so this copies the migrations to a temporary folder, runs `drizzle-kit generate` there and
 * fails if it wrote anything new.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'

const listing = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort()

// Relative: drizzle-kit prefixes `out` with './', which breaks absolute paths.
const scratch = relative(process.cwd(), mkdtempSync(join(tmpdir(), 'drizzle-check-')))
try {
  cpSync('drizzle', scratch, { recursive: true })
  const before = listing(scratch)
  execFileSync('drizzle-kit', ['check'], { stdio: 'inherit', env: { ...process.env, DRIZZLE_OUT: scratch } })
  execFileSync('drizzle-kit', ['generate', '--name', 'drift'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DRIZZLE_OUT: scratch },
  })
  const added = listing(scratch).filter((file) => !before.includes(file))
  if (added.length > 0) {
    console.error(
      `db:check: the schema has changes without a migration (drizzle-kit generate wrote ${added.join(', ')}).`,
    )
    console.error('Run `npm run db:generate`, review the SQL and commit it.')
    process.exit(1)
  }
  console.log('db:check: schema and migrations agree.')
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
