/**
 * `npm run deploy:smoke:local`: the deploy smoke check (scripts/deploy-smoke.ts), run exactly as the workflows run it,
 * against the local stack: `npm run dev` (wrangler dev + the local Neon endpoint on a fresh embedded database with the
 * seed) on its own ports, with a JWT secret made up for this run. Proves that the smoke check passes against a
 * healthy API (minting its token from SMOKE_JWT_SECRET, and with a given SMOKE_TOKEN) and fails when it should (a
 * wrong secret, nothing listening). Stops everything it started.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import type { PrincipalRole } from '../src/auth/principal'
import { seedIds } from './seed/data'
import { mintSeedTokens } from './token'

const PORT = 8798
const DB_PORT = 4498
const DATA_DIR = '.data/deploy-smoke-pglite'
const api = `http://127.0.0.1:${PORT}`
const secret = `smoke-${randomBytes(24).toString('hex')}`

function startDev(): { dev: ChildProcess; output: () => string } {
  rmSync(DATA_DIR, { recursive: true, force: true })
  const { DATABASE_URL: _ignored, ...environment } = process.env
  const dev = spawn('npm', ['run', 'dev'], {
    env: {
      ...environment,
      PORT: String(PORT),
      NEON_LOCAL_PORT: String(DB_PORT),
      PGLITE_DATA_DIR: DATA_DIR,
      AUTH_JWT_SECRET: secret,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let text = ''
  dev.stdout?.on('data', (chunk) => {
    text += chunk
  })
  dev.stderr?.on('data', (chunk) => {
    text += chunk
  })
  return { dev, output: () => text }
}

async function waitForDev(dev: ChildProcess, output: () => string): Promise<void> {
  const started = Date.now()
  while (!/Ctrl-C stops everything/.test(output())) {
    if (Date.now() - started > 90_000) throw new Error('npm run dev was not ready within 90 s')
    if (dev.exitCode !== null) throw new Error('npm run dev exited early')
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** The smoke check as the workflows run it: `npm run deploy:smoke` with SMOKE_* in the environment. */
function smoke(env: Record<string, string>): { status: number; output: string } {
  const run = spawnSync('npm', ['run', '--silent', 'deploy:smoke'], {
    env: { ...process.env, SMOKE_TIMEOUT_SECONDS: '5', ...env },
    encoding: 'utf8',
  })
  return { status: run.status ?? 1, output: `${run.stdout}${run.stderr}`.trim() }
}

/** A token of the seeded acme user of that role, as `npm run token` mints it. */
async function mintedFor(role: PrincipalRole): Promise<string> {
  const token = (await mintSeedTokens(secret, 300)).find((t) => t.org === 'acme' && t.role === role)?.token
  if (!token) throw new Error(`no seeded acme ${role}`)
  return token
}

const cases: Array<{
  name: string
  expect: 'pass' | 'fail'
  env: () => Record<string, string> | Promise<Record<string, string>>
}> = [
  {
    name: 'minted token (SMOKE_JWT_SECRET + seeded acme ADMIN), as deploy.yml runs it',
    expect: 'pass',
    env: () => ({
      SMOKE_BASE_URL: api,
      SMOKE_JWT_SECRET: secret,
      SMOKE_ORGANIZATION_ID: seedIds.organizations.acme,
      SMOKE_USER_ID: seedIds.users.acmeAdmin,
      SMOKE_ROLE: 'ADMIN',
    }),
  },
  {
    name: 'a given SMOKE_TOKEN (REPRESENTATIVE, from npm run token)',
    expect: 'pass',
    env: async () => ({ SMOKE_BASE_URL: api, SMOKE_TOKEN: await mintedFor('REPRESENTATIVE') }),
  },
  {
    name: 'the wrong JWT secret (the authenticated read must fail)',
    expect: 'fail',
    env: () => ({
      SMOKE_BASE_URL: api,
      SMOKE_JWT_SECRET: `wrong-${secret}`,
      SMOKE_ORGANIZATION_ID: seedIds.organizations.acme,
      SMOKE_USER_ID: seedIds.users.acmeAdmin,
    }),
  },
  {
    name: 'another organization than the token’s (SMOKE_ORGANIZATION_ID mismatch)',
    expect: 'fail',
    env: async () => ({
      SMOKE_BASE_URL: api,
      SMOKE_TOKEN: await mintedFor('ADMIN'),
      SMOKE_ORGANIZATION_ID: seedIds.organizations.globex,
    }),
  },
  {
    name: 'nothing listening at the URL',
    expect: 'fail',
    env: () => ({ SMOKE_BASE_URL: 'http://127.0.0.1:9', SMOKE_TOKEN: 'x.y.z' }),
  },
]

const { dev, output } = startDev()
let failures = 0
try {
  await waitForDev(dev, output)
  for (const testCase of cases) {
    const result = smoke(await testCase.env())
    const outcome = result.status === 0 ? 'pass' : 'fail'
    const last = result.output.split('\n').filter(Boolean).pop() ?? ''
    if (outcome === testCase.expect) {
      console.log(
        `deploy-smoke-local: ${testCase.name}: ${outcome === 'pass' ? 'passed' : 'failed'} as expected (${last})`,
      )
    } else {
      failures++
      console.error(
        `deploy-smoke-local: ${testCase.name}: expected ${testCase.expect}, got ${outcome}:\n${result.output}`,
      )
    }
  }
} catch (error) {
  failures++
  console.error(output())
  console.error(`deploy-smoke-local: ${error instanceof Error ? error.message : String(error)}`)
} finally {
  if (dev.pid) process.kill(-dev.pid, 'SIGINT')
  await new Promise((resolve) => setTimeout(resolve, 3000))
  try {
    if (dev.pid) process.kill(-dev.pid, 'SIGKILL')
  } catch {
    // already gone
  }
  rmSync(DATA_DIR, { recursive: true, force: true })
}
console.log(`deploy-smoke-local: ${cases.length - failures} of ${cases.length} cases as expected`)
process.exitCode = failures === 0 ? 0 : 1
