/**
 * `npm run smoke:dev`: the README's promise, checked. Starts `npm run dev` on free-standing ports with a
 * fresh embedded database, requires `/ready` = 200 within 60 s, then reads the seeded tickets with a token
 * that `npm run dev` printed. Stops everything it started.
 */
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'

const PORT = 8797
const DB_PORT = 4497
// Its own data folder: the developer's .data/pglite is left alone.
const DATA_DIR = '.data/smoke-pglite'
const api = `http://127.0.0.1:${PORT}`

rmSync(DATA_DIR, { recursive: true, force: true })
const started = Date.now()
// The embedded database is the promise under test, whatever DATABASE_URL the shell has.
const { DATABASE_URL: _ignored, ...environment } = process.env
const dev = spawn('npm', ['run', 'dev'], {
  env: { ...environment, PORT: String(PORT), NEON_LOCAL_PORT: String(DB_PORT), PGLITE_DATA_DIR: DATA_DIR },
  stdio: ['ignore', 'pipe', 'pipe'],
  detached: true,
})
let output = ''
dev.stdout.on('data', (chunk) => {
  output += chunk
})
dev.stderr.on('data', (chunk) => {
  output += chunk
})

async function check(): Promise<void> {
  while (!/Ctrl-C stops everything/.test(output)) {
    if (Date.now() - started > 60_000) throw new Error('npm run dev was not ready within 60 s')
    if (dev.exitCode !== null) throw new Error('npm run dev exited early')
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  const ready = await fetch(`${api}/ready`)
  if (ready.status !== 200) throw new Error(`/ready answered ${ready.status}`)
  console.log(`dev-smoke: /ready = 200 after ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const token = /acme\s+REPRESENTATIVE\s+\S+\s+(\S+)/.exec(output)?.[1]
  if (!token) throw new Error('npm run dev printed no REPRESENTATIVE token for acme')
  const response = await fetch(`${api}/v1/tickets?sort=createdAt`, {
    headers: { Authorization: `Bearer ${token}` },
  })
  const body = (await response.json()) as { data: Array<{ ticketNumber: string }> }
  const numbers = body.data.map((ticket) => ticket.ticketNumber).sort()
  if (response.status !== 200 || numbers.join() !== 'TICKET-1001,TICKET-1002,TICKET-1003') {
    throw new Error(`seeded tickets not served: ${response.status} ${JSON.stringify(body)}`)
  }
  console.log(`dev-smoke: the printed token reads the seeded tickets (${numbers.join(', ')})`)
}

try {
  await check()
} catch (error) {
  console.error(output)
  console.error(`dev-smoke failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
} finally {
  if (dev.pid) process.kill(-dev.pid, 'SIGINT')
  await new Promise((resolve) => setTimeout(resolve, 3000))
  try {
    if (dev.pid) process.kill(-dev.pid, 'SIGKILL')
  } catch {
    // already gone: Ctrl-C stopped everything, as promised
  }
  rmSync(DATA_DIR, { recursive: true, force: true })
}
