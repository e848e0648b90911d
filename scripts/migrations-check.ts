/**
 * `npm run db:verify [-- --self-test]`: the migrations in drizzle/ are safe to apply where they will be applied.
 *
 * 1. Journal (no database): every `drizzle/*.sql` is an entry of `meta/_journal.json` and every entry has its SQL
 *    file and snapshot; entries are numbered 0…n-1 (`idx` = position = the tag's number); `when` strictly ascends.
 *    drizzle-kit applies a migration only if its `when` is later than the last applied one, so a migration merged
 *    out of timestamp order is skipped silently on every database that already has the later one.
 * 2. With `drizzle-kit migrate` itself (the tool deploy.yml runs, as the owner, over `pg`), on the PostgreSQL server
 *    (CI_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test; skipped with a message when unreachable):
 *    a. an empty scratch database gets every migration (each journal entry's hash is recorded in
 *       drizzle.__drizzle_migrations), a second run applies nothing, and the seed loads;
 *    b. a scratch database at the previous migration (all but the last journal entry, applied by drizzle-kit from a
 *       copy of drizzle/), holding the seed, upgrades to the latest without losing a row of any table, and ends
 *       with the same schema as the fresh database.
 * `--self-test` copies drizzle/ with the defects (a migration out of timestamp order, an SQL file missing from the
 * journal, a journal entry without its file, a renumbered entry) and fails unless check 1 rejects each; with the
 * server, it also shows drizzle-kit skipping the out-of-order migration without an error (why check 1 exists).
 */
import { type ExecFileSyncOptions, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import pg from 'pg'
import { createDatabase } from '../src/db/client'
import { createScratchDatabase, startNeonLocal } from './neon-local'
import { seed } from './seed/seed'

const DRIZZLE = 'drizzle'
const ADMIN_URL = process.env.CI_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

interface JournalEntry {
  idx: number
  when: number
  tag: string
}

// ---------------------------------------------------------------------------------------------------------------
// 1. The journal

export function journalProblems(dir: string): string[] {
  const problems: string[] = []
  const journalPath = join(dir, 'meta', '_journal.json')
  if (!existsSync(journalPath)) return [`${journalPath} is missing`]
  let entries: JournalEntry[]
  try {
    entries = (JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: JournalEntry[] }).entries
  } catch (error) {
    return [`${journalPath} is not valid JSON: ${(error as Error).message}`]
  }
  const tags = new Set(entries.map((entry) => entry.tag))
  if (tags.size !== entries.length) problems.push('the journal has the same tag twice')
  const sqlFiles = readdirSync(dir).filter((file) => file.endsWith('.sql'))
  for (const file of sqlFiles) {
    if (!tags.has(file.replace(/\.sql$/, '')))
      problems.push(
        `${file} is not in meta/_journal.json: drizzle-kit never applies it (run db:generate, or delete it)`,
      )
  }
  entries.forEach((entry, position) => {
    if (!existsSync(join(dir, `${entry.tag}.sql`)))
      problems.push(`journal entry ${entry.idx} (${entry.tag}) has no ${entry.tag}.sql`)
    if (entry.idx !== position)
      problems.push(`journal entry ${entry.tag} has idx ${entry.idx} at position ${position}`)
    const number = /^(\d{4})_/.exec(entry.tag)?.[1]
    if (number === undefined || Number(number) !== position)
      problems.push(
        `journal entry ${entry.tag} at position ${position}: the tag's number must be ${String(position).padStart(4, '0')}`,
      )
    else if (!existsSync(join(dir, 'meta', `${number}_snapshot.json`)))
      problems.push(`journal entry ${entry.tag} has no meta/${number}_snapshot.json`)
    if (!Number.isSafeInteger(entry.when)) problems.push(`journal entry ${entry.tag} has no numeric "when"`)
    const previous = entries[position - 1]
    if (previous && !(entry.when > previous.when)) {
      problems.push(
        `${entry.tag} ("when" ${new Date(entry.when).toISOString()}) is not later than ${previous.tag} ` +
          `(${new Date(previous.when).toISOString()}): drizzle-kit would skip it on every database that has ${previous.tag}. ` +
          'Regenerate it (delete the file, its snapshot and journal entry, then npm run db:generate) so it comes last.',
      )
    }
  })
  return problems
}

const readJournal = (dir: string): JournalEntry[] =>
  (JSON.parse(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8')) as { entries: JournalEntry[] })
    .entries

/** A copy of drizzle/ in a temporary folder, relative to the cwd (drizzle-kit prefixes `out` with './'). */
function copyOfDrizzle(): { dir: string; remove: () => void } {
  const absolute = mkdtempSync(join(tmpdir(), 'db-verify-'))
  cpSync(DRIZZLE, absolute, { recursive: true })
  return {
    dir: relative(process.cwd(), absolute),
    remove: () => rmSync(absolute, { recursive: true, force: true }),
  }
}

function rewriteJournal(dir: string, change: (entries: JournalEntry[]) => JournalEntry[]): void {
  const path = join(dir, 'meta', '_journal.json')
  const journal = JSON.parse(readFileSync(path, 'utf8')) as { entries: JournalEntry[] }
  journal.entries = change(journal.entries)
  writeFileSync(path, JSON.stringify(journal, null, 2))
}

/** drizzle/ as it was before its last migration: the last journal entry, SQL file and snapshot removed. */
function previousMigrationCopy(): { dir: string; remove: () => void; last: JournalEntry } {
  const copy = copyOfDrizzle()
  const entries = readJournal(copy.dir)
  const last = entries[entries.length - 1] as JournalEntry
  rewriteJournal(copy.dir, (all) => all.slice(0, -1))
  unlinkSync(join(copy.dir, `${last.tag}.sql`))
  rmSync(join(copy.dir, 'meta', `${last.tag.slice(0, 4)}_snapshot.json`), { force: true })
  return { ...copy, last }
}

// ---------------------------------------------------------------------------------------------------------------
// 2. drizzle-kit migrate on the PostgreSQL server

function serverReachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect(Number(port || 5432), hostname.replace(/^\[|\]$/g, ''))
    socket.setTimeout(2_000, () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('connect', () => {
      socket.end()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** `drizzle-kit migrate` with this project's drizzle.config.ts, on `url`, from the migrations folder `dir`. */
function drizzleKitMigrate(url: string, dir: string): void {
  const options: ExecFileSyncOptions = {
    env: { ...process.env, MIGRATION_DATABASE_URL: url, DRIZZLE_OUT: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  }
  try {
    execFileSync(join('node_modules', '.bin', 'drizzle-kit'), ['migrate'], options)
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string }
    throw new Error(`drizzle-kit migrate (${dir}) failed:\n${failed.stdout ?? ''}${failed.stderr ?? ''}`)
  }
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

async function appliedHashes(url: string): Promise<Array<{ hash: string; created_at: string }>> {
  return withClient(url, async (client) => {
    const exists = await client.query(`select to_regclass('drizzle.__drizzle_migrations') is not null as ok`)
    if (!exists.rows[0]?.ok) return []
    const rows = await client.query<{ hash: string; created_at: string }>(
      'select hash, created_at::text from drizzle.__drizzle_migrations order by id',
    )
    return rows.rows
  })
}

const fileHash = (dir: string, tag: string) =>
  createHash('sha256')
    .update(readFileSync(join(dir, `${tag}.sql`)).toString())
    .digest('hex')

async function rowCounts(url: string): Promise<Map<string, number>> {
  return withClient(url, async (client) => {
    const tables = await client.query<{ name: string }>(
      `select tablename as name from pg_tables where schemaname = 'public' order by tablename`,
    )
    const counts = new Map<string, number>()
    for (const { name } of tables.rows) {
      const result = await client.query<{ n: string }>(`select count(*)::text as n from public."${name}"`)
      counts.set(name, Number(result.rows[0]?.n))
    }
    return counts
  })
}

/** Columns, constraints, indexes, policies, RLS flags and functions of schema public, one line each. */
async function schemaOf(url: string): Promise<string[]> {
  return withClient(url, async (client) => {
    const queries = [
      `select 'column ' || table_name || '.' || column_name || ' ' || data_type || coalesce('(' || udt_name || ')', '') ||
         ' null=' || is_nullable || ' default=' || coalesce(column_default, '') from information_schema.columns where table_schema = 'public'`,
      `select 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) from pg_constraint
         where connamespace = 'public'::regnamespace`,
      `select 'index ' || indexdef from pg_indexes where schemaname = 'public'`,
      `select 'policy ' || tablename || ' ' || policyname || ' ' || permissive || ' ' || cmd || ' ' || coalesce(qual, '') || ' ' ||
         coalesce(with_check, '') from pg_policies where schemaname = 'public'`,
      `select 'rls ' || relname || ' ' || relrowsecurity || ' ' || relforcerowsecurity from pg_class
         where relnamespace = 'public'::regnamespace and relkind = 'r'`,
      `select 'function ' || p.oid::regprocedure || ' ' || md5(pg_get_functiondef(p.oid)) from pg_proc p
         where pronamespace = 'public'::regnamespace`,
      `select 'enum ' || t.typname || ' ' || string_agg(e.enumlabel, ',' order by e.enumsortorder) from pg_type t
         join pg_enum e on e.enumtypid = t.oid where t.typnamespace = 'public'::regnamespace group by t.typname`,
    ]
    const lines: string[] = []
    for (const query of queries) {
      for (const row of (await client.query<Record<string, string>>(query)).rows)
        lines.push(Object.values(row)[0] as string)
    }
    return lines.sort()
  })
}

/** The seed (scripts/seed) as the owner, through the local Neon endpoint in front of the database. */
async function seedDatabase(url: string): Promise<void> {
  const local = await startNeonLocal({ backend: { kind: 'postgres', url } })
  try {
    await seed(createDatabase(local.connectionString(local.ownerUser)))
  } finally {
    await local.close()
  }
}

/**
 * Copies every row of `from` into `to` for the columns both have (session_replication_role = replica: no FK order
 * needed): the seed at an older schema when the seed already writes columns the previous migration lacks.
 */
async function copyRows(from: string, to: string): Promise<void> {
  const source = new pg.Client({ connectionString: from })
  const target = new pg.Client({ connectionString: to })
  await source.connect()
  await target.connect()
  try {
    const columnsOf = async (client: pg.Client) => {
      const rows = await client.query<{ t: string; c: string }>(
        `select table_name as t, column_name as c from information_schema.columns
         where table_schema = 'public' and is_generated = 'NEVER'`,
      )
      const map = new Map<string, Set<string>>()
      for (const { t, c } of rows.rows) map.set(t, (map.get(t) ?? new Set()).add(c))
      return map
    }
    const [fromColumns, toColumns] = [await columnsOf(source), await columnsOf(target)]
    await target.query('begin')
    await target.query('set local session_replication_role = replica')
    for (const [table, columns] of toColumns) {
      const common = [...columns].filter((column) => fromColumns.get(table)?.has(column))
      if (common.length === 0) continue
      const list = common.map((column) => `"${column}"`).join(', ')
      const data = await source.query<{ rows: unknown }>(
        `select coalesce(json_agg(t), '[]'::json) as rows from public."${table}" t`,
      )
      await target.query(
        // OVERRIDING SYSTEM VALUE: identity columns GENERATED ALWAYS (events.ordinal) keep their copied values.
        `insert into public."${table}" (${list}) overriding system value select ${list} from json_populate_recordset(null::public."${table}", $1::json)`,
        [JSON.stringify(data.rows[0]?.rows ?? [])],
      )
    }
    await target.query('commit')
  } finally {
    await source.end()
    await target.end()
  }
}

const messageOf = (error: unknown) => {
  const { code, detail } = error as { code?: string; detail?: string }
  return [error instanceof Error ? error.message : String(error), code && `(${code})`, detail]
    .filter(Boolean)
    .join(' ')
}

const isUndefinedObject = (error: unknown) => {
  const text = String((error as { code?: string; message?: string })?.code ?? '') + String(error)
  return /42703|42P01|does not exist/.test(text)
}

interface Scratch {
  url: string
  drop(): Promise<void>
}

async function databaseChecks(): Promise<string[]> {
  const problems: string[] = []
  const scratches: Scratch[] = []
  const scratch = async (prefix: string) => {
    const created = await createScratchDatabase(ADMIN_URL, prefix)
    scratches.push(created)
    return created
  }
  const entries = readJournal(DRIZZLE)
  try {
    // a. An empty database gets every migration, by drizzle-kit; again: nothing; the seed loads.
    const fresh = await scratch('orgapi_verify_fresh')
    let started = Date.now()
    drizzleKitMigrate(fresh.url, DRIZZLE)
    const applied = await appliedHashes(fresh.url)
    const missing = entries.filter(
      (entry) => !applied.some((row) => row.hash === fileHash(DRIZZLE, entry.tag)),
    )
    for (const entry of missing)
      problems.push(`drizzle-kit migrate did not apply ${entry.tag} to an empty database`)
    if (applied.length !== entries.length)
      problems.push(`drizzle-kit recorded ${applied.length} migrations for ${entries.length} journal entries`)
    console.log(
      `db:verify: drizzle-kit migrate applied ${applied.length} of ${entries.length} migrations to an empty PostgreSQL database (${Date.now() - started} ms)`,
    )
    drizzleKitMigrate(fresh.url, DRIZZLE)
    const again = await appliedHashes(fresh.url)
    if (again.length !== applied.length)
      problems.push('a second drizzle-kit migrate applied migrations again')
    else console.log('db:verify: a second drizzle-kit migrate applied nothing')
    let freshSeeded = true
    try {
      await seedDatabase(fresh.url)
      const seeded = await rowCounts(fresh.url)
      console.log(
        `db:verify: the seed loads on the latest schema (${[...seeded.values()].reduce((a, b) => a + b, 0)} rows)`,
      )
    } catch (error) {
      freshSeeded = false
      problems.push(`the seed (scripts/seed) does not load on the latest schema: ${messageOf(error)}`)
    }

    // b. The previous migration + the seed, upgraded to the latest: no row lost, the same schema as fresh.
    if (entries.length < 2) {
      console.log('db:verify: a single migration: no previous state to upgrade from')
      return problems
    }
    const previous = previousMigrationCopy()
    const upgraded = await scratch('orgapi_verify_upgrade')
    try {
      started = Date.now()
      drizzleKitMigrate(upgraded.url, previous.dir)
      let how = 'scripts/seed'
      try {
        await seedDatabase(upgraded.url)
      } catch (error) {
        if (!isUndefinedObject(error) || !freshSeeded) {
          problems.push(`the seed does not load at the previous migration either: ${messageOf(error)}`)
          return problems
        }
        // The seed already writes what the last migration adds: the same rows, for the columns that exist then.
        await copyRows(fresh.url, upgraded.url)
        how = `the seed's rows, for the columns that exist before ${previous.last.tag}`
      }
      const before = await rowCounts(upgraded.url)
      drizzleKitMigrate(upgraded.url, DRIZZLE)
      const after = await rowCounts(upgraded.url)
      const lost = [...before].filter(([table, count]) => (after.get(table) ?? 0) < count)
      for (const [table, count] of lost)
        problems.push(
          `upgrading to ${previous.last.tag} lost rows of ${table}: ${count} → ${after.get(table) ?? 0}`,
        )
      const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0)
      if (total(before) === 0)
        problems.push('the database at the previous migration held no rows: nothing was checked')
      console.log(
        `db:verify: at the previous migration with ${how}: ${total(before)} rows in ${before.size} tables; ` +
          `drizzle-kit migrate applied ${previous.last.tag}: ${total(after)} rows, ${lost.length} tables lost rows (${Date.now() - started} ms)`,
      )
      const [freshSchema, upgradedSchema] = [await schemaOf(fresh.url), await schemaOf(upgraded.url)]
      const onlyFresh = freshSchema.filter((line) => !upgradedSchema.includes(line))
      const onlyUpgraded = upgradedSchema.filter((line) => !freshSchema.includes(line))
      for (const line of onlyFresh) problems.push(`the upgraded database lacks: ${line}`)
      for (const line of onlyUpgraded) problems.push(`the upgraded database has, unlike a fresh one: ${line}`)
      if (onlyFresh.length + onlyUpgraded.length === 0)
        console.log(
          `db:verify: the upgraded schema equals a freshly migrated one (${freshSchema.length} objects)`,
        )
    } finally {
      previous.remove()
    }
  } finally {
    for (const created of scratches) await created.drop()
  }
  return problems
}

// ---------------------------------------------------------------------------------------------------------------
// --self-test

const DEFECTS: Array<{ what: string; expect: RegExp; make: (dir: string) => void }> = [
  {
    what: 'the last migration dated before the one it follows (merged out of order)',
    expect: /is not later than/,
    make: (dir) =>
      rewriteJournal(dir, (entries) => {
        const last = entries[entries.length - 1] as JournalEntry
        const previous = entries[entries.length - 2] as JournalEntry
        return [...entries.slice(0, -1), { ...last, when: previous.when - 60_000 }]
      }),
  },
  {
    what: 'an SQL file that is not in the journal',
    expect: /is not in meta\/_journal\.json/,
    make: (dir) => writeFileSync(join(dir, '0099_hand_written.sql'), 'CREATE INDEX x ON tickets (subject);'),
  },
  {
    what: 'a journal entry whose SQL file is missing',
    expect: /has no .*\.sql/,
    make: (dir) => {
      const last = readJournal(dir).at(-1) as JournalEntry
      unlinkSync(join(dir, `${last.tag}.sql`))
    },
  },
  {
    what: 'two migrations with the same number (two branches each generated one)',
    expect: /the tag's number must be|has idx/,
    make: (dir) =>
      rewriteJournal(dir, (entries) => {
        const last = entries[entries.length - 1] as JournalEntry
        const twin = {
          ...last,
          idx: entries.length,
          when: last.when + 1,
          tag: `${last.tag.slice(0, 4)}_twin`,
        }
        writeFileSync(join(dir, `${twin.tag}.sql`), 'SELECT 1;')
        return [...entries, twin]
      }),
  },
]

async function selfTest(): Promise<boolean> {
  let ok = true
  const pristine = copyOfDrizzle()
  try {
    const baseline = journalProblems(pristine.dir)
    if (baseline.length > 0) {
      console.error(`db:verify --self-test: the unmodified copy already fails: ${baseline.join('; ')}`)
      return false
    }
  } finally {
    pristine.remove()
  }
  for (const defect of DEFECTS) {
    const copy = copyOfDrizzle()
    try {
      defect.make(copy.dir)
      const problems = journalProblems(copy.dir)
      const caught = problems.find((problem) => defect.expect.test(problem))
      if (caught)
        console.log(`db:verify --self-test: ${defect.what}: rejected (${caught.split(': drizzle-kit')[0]})`)
      else {
        ok = false
        console.error(
          `db:verify --self-test: ${defect.what}: NOT rejected (got: ${problems.join('; ') || 'nothing'})`,
        )
      }
    } finally {
      copy.remove()
    }
  }
  if (await serverReachable(ADMIN_URL)) ok = (await showSilentSkip()) && ok
  return ok
}

/**
 * Why the "when" check exists: a database at the previous migration, then drizzle-kit migrate with the last migration
 * dated before it. drizzle-kit exits 0 and the migration is not applied.
 */
async function showSilentSkip(): Promise<boolean> {
  const previous = previousMigrationCopy()
  const outOfOrder = copyOfDrizzle()
  const database = await createScratchDatabase(ADMIN_URL, 'orgapi_verify_skip')
  try {
    drizzleKitMigrate(database.url, previous.dir)
    const before = (await appliedHashes(database.url)).length
    rewriteJournal(outOfOrder.dir, (entries) => {
      const last = entries[entries.length - 1] as JournalEntry
      const prior = entries[entries.length - 2] as JournalEntry
      return [...entries.slice(0, -1), { ...last, when: prior.when - 60_000 }]
    })
    drizzleKitMigrate(database.url, outOfOrder.dir)
    const after = (await appliedHashes(database.url)).length
    if (after === before) {
      console.log(
        `db:verify --self-test: drizzle-kit migrate exited 0 and silently skipped ${previous.last.tag} dated before its predecessor ` +
          `(${before} migrations recorded before and after): only the journal check catches it`,
      )
      return true
    }
    console.error(
      `db:verify --self-test: drizzle-kit applied the out-of-order migration (${before} → ${after}); the premise changed`,
    )
    return false
  } finally {
    previous.remove()
    outOfOrder.remove()
    await database.drop()
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<boolean> {
  if (process.argv.includes('--self-test')) return selfTest()
  const problems = journalProblems(DRIZZLE)
  const count = readJournal(DRIZZLE).length
  if (problems.length === 0)
    console.log(`db:verify: ${count} migrations, all journaled, numbered in order, "when" strictly ascending`)
  if (!(await serverReachable(ADMIN_URL))) {
    console.log(
      `db:verify: PostgreSQL at ${new URL(ADMIN_URL).host} not reachable: drizzle-kit migrate checks skipped`,
    )
  } else if (problems.length === 0) {
    problems.push(...(await databaseChecks()))
  }
  for (const problem of problems) console.error(`db:verify: ${problem}`)
  return problems.length === 0
}

process.exitCode = (await main()) ? 0 : 1
