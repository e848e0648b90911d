/**
 * One process per PGlite data directory: two PGlite instances on the same files corrupt them. The process that
 * opens `<dir>` holds `<dir>.lock` (JSON: pid, the command, and the Postgres wire URL when it serves one, so
 * that `npm run db:studio`/`db:push` can reach the database `npm run dev` holds). A lock whose process is gone is
 * stale and taken over. The file is private to its owner (mode 0600): the wire URL carries the owner's password.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'

export interface DataDirHolder {
  pid: number
  /** What holds it, e.g. `npm run dev`. */
  command: string
  /** postgres://… of the wire port (owner, with password) while the holder serves one. */
  wireUrl: string | null
}

export interface DataDirLock {
  update(info: Partial<Pick<DataDirHolder, 'wireUrl'>>): void
  release(): void
}

const held = new Map<string, DataDirHolder>()

export function lockFileOf(dataDir: string): string {
  return `${resolve(dataDir)}.lock`
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readHolder(file: string): DataDirHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<DataDirHolder>
    if (typeof parsed.pid !== 'number') return null
    return { pid: parsed.pid, command: String(parsed.command ?? 'unknown'), wireUrl: parsed.wireUrl ?? null }
  } catch {
    return null
  }
}

/** The live process holding `dataDir` (this one included), or null when it is free. */
export function dataDirHolder(dataDir: string): DataDirHolder | null {
  const file = lockFileOf(dataDir)
  const holder = readHolder(file)
  if (!holder) return null
  if (holder.pid === process.pid) return held.get(file) ?? null
  return isAlive(holder.pid) ? holder : null
}

function currentCommand(): string {
  const script = process.env.npm_lifecycle_event
  return script ? `npm run ${script}` : basename(process.argv[1] ?? 'node')
}

/** Takes `dataDir` for this process, or throws naming the process that holds it. */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = lockFileOf(dataDir)
  mkdirSync(dirname(file), { recursive: true })
  const holder: DataDirHolder = { pid: process.pid, command: currentCommand(), wireUrl: null }
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600)
      writeFileSync(fd, JSON.stringify(holder))
      closeSync(fd)
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error
      const other = dataDirHolder(dataDir)
      if (other) {
        throw new Error(
          `the embedded database ${dataDir} is in use by ${other.command} (pid ${other.pid}): PGlite allows one process per data directory; stop it first`,
        )
      }
      rmSync(file, { force: true }) // stale: its process is gone
    }
  }
  held.set(file, holder)
  return {
    update: (info) => {
      Object.assign(holder, info)
      if (held.get(file) === holder) writeFileSync(file, JSON.stringify(holder), { mode: 0o600 })
    },
    release: () => {
      if (held.get(file) !== holder) return
      held.delete(file)
      rmSync(file, { force: true })
    },
  }
}

// A process that exits without closing (an error, process.exit) leaves no lock behind.
process.on('exit', () => {
  for (const file of held.keys()) rmSync(file, { force: true })
})
