/**
 * What the benchmarks share (npm run bench, --fairness): teardown in reverse order, free ports, `wrangler dev` on
 * loopback in its own process group with throwaway credentials, and the checks that keep them on this machine.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const HOST = '127.0.0.1'
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const READY_TIMEOUT_MS = 90_000

type Step = { name: string; run: () => Promise<void> }

/** Teardown steps, run once in reverse order (from `finally` or on SIGINT, whichever comes first). */
export class Teardown {
  readonly #steps: Step[] = []
  #running: Promise<boolean> | undefined

  add(name: string, run: () => Promise<void>): void {
    this.#steps.push({ name, run })
  }

  /** Resolves to false when a step failed (each step still runs). */
  run(): Promise<boolean> {
    this.#running ??= this.#runAll()
    return this.#running
  }

  async #runAll(): Promise<boolean> {
    let ok = true
    for (const step of [...this.#steps].reverse()) {
      try {
        await step.run()
      } catch (error) {
        ok = false
        console.error(`teardown: ${step.name} failed:`, error)
      }
    }
    return ok
  }
}

export function assertLoopback(url: string, what: string): void {
  const host = new URL(url).hostname
  if (!LOOPBACK_HOSTS.has(host)) throw new Error(`${what} must point at this machine (got host "${host}").`)
}

/** A port the OS reports free on 127.0.0.1 right now (then released for wrangler to take). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, HOST, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port ? resolvePort(port) : reject(new Error('no free port'))))
    })
  })
}

/** A command-line option's value as a positive integer, or a clear error naming the flag. */
export function positiveInteger(text: string | undefined, flag: string): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} must be a positive integer.`)
  return value
}

export const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms))

/** The last lines wrangler printed, shown only when something goes wrong. */
export class OutputTail {
  readonly #lines: string[] = []
  constructor(readonly max: number) {}

  push(chunk: Buffer): void {
    this.#lines.push(...chunk.toString().split('\n').filter(Boolean))
    this.#lines.splice(0, Math.max(0, this.#lines.length - this.max))
  }

  toString(): string {
    return this.#lines.join('\n')
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** wrangler runs in its own process group, so workerd (its child) stops with it. */
export async function stopProcessGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid
  if (pid === undefined) return
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal)
    } catch {
      // the group is gone already
    }
  }
  if (!exited(child)) {
    const gone = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()))
    signalGroup('SIGTERM')
    await Promise.race([gone, sleep(5_000)])
  }
  // Whatever of the group outlived the SIGTERM (or wrangler itself when it did not exit in time).
  signalGroup('SIGKILL')
}

/** Throwaway credentials of a benchmark's Worker: it only ever runs on loopback. */
export const BENCH_SECRET = 'bench-secret-only-for-loopback-0123456789'
export const BENCH_PLATFORM_KEY = 'bench-platform-key'

/**
 * `wrangler dev` on a free loopback port with the benchmark's credentials; resolves with its URL once /ready. Its
 * inspector listens on `inspectorPort` (a free port when not given), where a profiler can attach.
 */
export async function startWrangler(
  databaseUrl: string,
  teardown: Teardown,
  output: OutputTail,
  vars: Record<string, string> = {},
  options: { inspectorPort?: number } = {},
): Promise<string> {
  const [port, inspectorPort] = [await freePort(), options.inspectorPort ?? (await freePort())]
  // Own state folder: no sharing of .wrangler/state with a `npm run dev` running at the same time.
  const persistDir = await mkdtemp(join(tmpdir(), 'orgapi-bench-'))
  teardown.add('remove the wrangler state folder', () => rm(persistDir, { recursive: true, force: true }))
  const args = ['dev', '--ip', HOST, '--port', String(port), '--inspector-port', String(inspectorPort)]
  args.push('--persist-to', persistDir, '--show-interactive-dev-session=false', '--log-level', 'warn')
  for (const [key, value] of Object.entries({
    DATABASE_URL: databaseUrl,
    AUTH_JWT_SECRET: BENCH_SECRET,
    PLATFORM_API_KEY: BENCH_PLATFORM_KEY,
    // The benchmark measures the API, not the per-plan limits (acme is PROFESSIONAL: 300 per caller per minute).
    RATE_LIMITS: 'off',
    ...vars,
  })) {
    args.push('--var', `${key}:${value}`)
  }
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'wrangler'), args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_SEND_METRICS: 'false' },
  })
  teardown.add('stop wrangler', () => stopProcessGroup(child))
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk))
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk))
  const url = `http://${HOST}:${port}`
  await waitForReady(url, child, output)
  return url
}

/**
 * The local Neon endpoint in a process of its own (scripts/neon-local/cli.ts) in front of an already migrated
 * PostgreSQL database; resolves with the `app_api` connection string it prints. A benchmark that also generates load
 * runs the endpoint here rather than in the benchmark's own process, so the load generator and the endpoint do not
 * share one event loop (each pause of one would stall the other), as a client and Neon's proxy never do.
 */
export async function startEndpointProcess(
  postgresUrl: string,
  teardown: Teardown,
  output: OutputTail,
): Promise<string> {
  const port = await freePort()
  const args = ['--postgres', postgresUrl, '--host', HOST, '--port', String(port), '--no-migrate']
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/neon-local/cli.ts', ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  teardown.add('stop the local endpoint process', () => stopProcessGroup(child))
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk))
  return new Promise((resolveUrl, reject) => {
    let printed = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      output.push(chunk)
      printed += chunk.toString()
      const url = /^DATABASE_URL=(\S+)$/m.exec(printed)?.[1]
      if (url) resolveUrl(url)
    })
    child.once('exit', (code) => reject(new Error(`the local endpoint exited (${code}):\n${output}`)))
    setTimeout(
      () =>
        reject(new Error(`the local endpoint was not ready within ${READY_TIMEOUT_MS / 1000}s:\n${output}`)),
      READY_TIMEOUT_MS,
    ).unref()
  })
}

async function waitForReady(url: string, child: ChildProcess, output: OutputTail): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (exited(child)) throw new Error(`wrangler exited before it was ready:\n${output}`)
    try {
      if ((await fetch(`${url}/ready`)).ok) return
    } catch {
      // still starting
    }
    await sleep(300)
  }
  throw new Error(`the API was not ready within ${READY_TIMEOUT_MS / 1000}s:\n${output}`)
}
