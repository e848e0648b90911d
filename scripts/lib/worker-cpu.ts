/**
 * The Worker's CPU under `wrangler dev` (npm run bench -- --cpu / --profile): the CPU time of the `workerd`
 * processes from /proc (Linux), and CPU profiles of the isolate (the V8 sampling profiler of workerd, reached through
 * wrangler's inspector proxy, started before a scenario and stopped after it), attributed through the dev bundle's
 * source map to the part of the code that was running.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { platform } from 'node:os'
import { join } from 'node:path'
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}

/** Chrome DevTools Protocol's Profiler.Profile, as far as it is read here. */
export interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void }

/** One DevTools session on the isolate. */
export class WorkerProfiler {
  readonly #socket: WebSocket
  readonly #pending = new Map<number, Pending>()
  #nextId = 0

  private constructor(socket: WebSocket) {
    this.#socket = socket
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: unknown }
      const pending = message.id === undefined ? undefined : this.#pending.get(message.id)
      if (!pending || message.id === undefined) return
      this.#pending.delete(message.id)
      if (message.error) pending.reject(new Error(`inspector: ${JSON.stringify(message.error)}`))
      else pending.resolve(message.result)
    })
    // A session that ends (wrangler stopped, the isolate restarted) fails what waits on it instead of hanging.
    socket.addEventListener('close', () => {
      for (const pending of this.#pending.values()) pending.reject(new Error('the inspector session closed'))
      this.#pending.clear()
    })
  }

  /**
   * Connects to wrangler's inspector proxy on `port`. It accepts DevTools clients from local origins only, so the
   * upgrade names one (Node's WebSocket takes extra headers as a non-standard option).
   */
  static async connect(port: number): Promise<WorkerProfiler> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Array<{
      webSocketDebuggerUrl: string
    }>
    const target = targets[0]
    if (!target) throw new Error(`no inspector target on port ${port}`)
    const socket = new WebSocket(target.webSocketDebuggerUrl, {
      headers: { Origin: 'http://localhost' },
    } as unknown as string[])
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true })
      socket.addEventListener('error', () => reject(new Error(`inspector on port ${port} refused`)), {
        once: true,
      })
    })
    const profiler = new WorkerProfiler(socket)
    await profiler.#call('Profiler.enable')
    await profiler.#call('Profiler.setSamplingInterval', { interval: 100 })
    return profiler
  }

  #call(method: string, params: object = {}): Promise<unknown> {
    const id = ++this.#nextId
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#socket.send(JSON.stringify({ id, method, params }))
    })
  }

  async start(): Promise<void> {
    await this.#call('Profiler.start')
  }

  async stop(): Promise<CpuProfile> {
    const { profile } = (await this.#call('Profiler.stop')) as { profile: CpuProfile }
    return profile
  }

  close(): void {
    this.#socket.close()
  }
}

/** The source map of the bundle `wrangler dev` is serving: the newest `.wrangler/tmp/dev-*` of the project. */
export async function devBundleSourceMap(root: string): Promise<TraceMap> {
  const tmp = join(root, '.wrangler', 'tmp')
  const folders = (await readdir(tmp)).filter((name) => name.startsWith('dev-'))
  const dated = await Promise.all(
    folders.map(async (name) => ({ name, mtime: (await stat(join(tmp, name))).mtimeMs })),
  )
  const newest = dated.sort((a, b) => b.mtime - a.mtime)[0]
  if (!newest) throw new Error(`no wrangler dev bundle under ${tmp}`)
  return new TraceMap(JSON.parse(await readFile(join(tmp, newest.name, 'index.js.map'), 'utf8')))
}

/** Where the isolate's time went, in the order the table prints them. */
export const CPU_AREAS = [
  'app code',
  'database round trips',
  'drizzle (query building)',
  'zod',
  'hono',
  'jose (JWT)',
  'logging',
  'runtime (compile, GC)',
  'wrangler dev wrapper',
] as const
export type CpuArea = (typeof CPU_AREAS)[number]

/**
 * The area of one mapped source file: its path from the project (the map resolves sources to absolute paths) or
 * from the last `node_modules/` (drizzle-orm's maps name its TypeScript sources `node_modules/src/…`).
 */
function areaOfSource(source: string): CpuArea {
  const modules = source.lastIndexOf('node_modules/')
  const path =
    modules >= 0 ? source.slice(modules) : source.replace(/^.*?\/(src|build\/worker-src|\.wrangler)\//, '$1/')
  if (/^src\/db\/(client|neon-http)\.ts$/.test(path) || path.startsWith('node_modules/src/neon-http/'))
    return 'database round trips'
  if (path.startsWith('src/') || path.startsWith('build/worker-src/')) return 'app code'
  if (path.startsWith('node_modules/src/') || path.startsWith('node_modules/drizzle-orm/'))
    return 'drizzle (query building)'
  if (path.startsWith('node_modules/zod/')) return 'zod'
  if (/^node_modules\/(hono|@hono)\//.test(path)) return 'hono'
  if (path.startsWith('node_modules/jose/')) return 'jose (JWT)'
  if (path.includes('wrangler/templates/') || path.startsWith('.wrangler/')) return 'wrangler dev wrapper'
  return 'app code'
}

export interface CpuUse {
  /** Milliseconds of the isolate's thread not idle while the profile ran. */
  busyMs: number
  byArea: Map<CpuArea, number>
}

/**
 * Busy time by area. A sample is charged to the innermost frame that maps to a source file, so time in the
 * runtime's own functions (fetch, Response, JSON) counts for the code that called them; anything under
 * `src/lib/log.ts` counts as logging; samples with no mapped frame are the runtime's (compilation, GC).
 */
export function attributeCpu(profile: CpuProfile, map: TraceMap): CpuUse {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parents = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id)
  // workerd names the bundle's frames by its module name, `index.js`.
  const sourceOf = (frame: CallFrame) =>
    frame.url === 'index.js' && frame.lineNumber >= 0
      ? originalPositionFor(map, { line: frame.lineNumber + 1, column: frame.columnNumber }).source
      : null
  const areaCache = new Map<number, CpuArea | 'idle'>()
  const areaOf = (id: number): CpuArea | 'idle' => {
    const cached = areaCache.get(id)
    if (cached) return cached
    let area: CpuArea | 'idle' = 'runtime (compile, GC)'
    let innermost: CpuArea | undefined
    for (let current: number | undefined = id; current !== undefined; current = parents.get(current)) {
      const frame = nodes.get(current)?.callFrame
      if (!frame) break
      if (frame.functionName === '(idle)') {
        innermost = undefined
        area = 'idle'
        break
      }
      const source = sourceOf(frame)
      if (!source) continue
      if (source.endsWith('src/lib/log.ts')) {
        innermost = 'logging'
        break
      }
      innermost ??= areaOfSource(source)
    }
    const result = innermost ?? area
    areaCache.set(id, result)
    return result
  }
  const byArea = new Map<CpuArea, number>()
  let busyUs = 0
  profile.samples.forEach((id, index) => {
    const area = areaOf(id)
    if (area === 'idle') return
    const us = profile.timeDeltas[index] ?? 0
    busyUs += us
    byArea.set(area, (byArea.get(area) ?? 0) + us / 1000)
  })
  return { busyMs: busyUs / 1000, byArea }
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on every Linux build in use). */
const CLOCK_TICKS_PER_SECOND = 100

/**
 * CPU time (user + system, all threads) of every `workerd` process on the machine so far, in ms; undefined where
 * there is no /proc. The benchmark's `wrangler dev` is the only workerd it expects to find running.
 */
export async function workerdCpuMs(): Promise<number | undefined> {
  if (platform() !== 'linux') return undefined
  let ticks = 0
  for (const pid of await readdir('/proc')) {
    if (!/^[0-9]+$/.test(pid)) continue
    const line = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
    const close = line.lastIndexOf(')')
    if (line.slice(line.indexOf('(') + 1, close) !== 'workerd') continue
    // After "pid (comm) ": state is field 3; utime and stime are fields 14 and 15.
    const fields = line.slice(close + 2).split(' ')
    ticks += Number(fields[11]) + Number(fields[12])
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND
}
