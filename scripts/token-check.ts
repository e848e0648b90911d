/**
 * `npm run token:check`: the README's `npm run token -- --org acme --role ADMIN` on a fresh clone, checked. In a
 * temporary copy of the project (package.json, tsconfig.json, scripts/, src/; node_modules linked; no `.dev.vars`)
 * and without AUTH_JWT_SECRET in the environment, the command must print one token that the development secret
 * `npm run dev` uses verifies, for the seeded acme ADMIN. Then, with a `.dev.vars` naming another secret, the token
 * must follow that file (a plain `wrangler dev` reads it). Exits 1 on any failure.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { authConfigFromBindings, verifyAccessToken } from '../src/auth/jwt'
import { DEV_AUTH_JWT_SECRET } from './lib/dev-defaults'
import { seedOrganizations, seedUsers } from './seed/data'

const root = resolve('.')
const clone = mkdtempSync(join(tmpdir(), 'token-check-'))

function mintToken(): string {
  const { AUTH_JWT_SECRET: _secret, AUTH_MAX_TOKEN_LIFETIME_SECONDS: _cap, ...environment } = process.env
  const run = spawnSync('npm', ['run', '--silent', 'token', '--', '--org', 'acme', '--role', 'ADMIN'], {
    cwd: clone,
    encoding: 'utf8',
    env: environment,
  })
  if (run.status !== 0) throw new Error(`npm run token exited ${run.status}:\n${run.stdout}${run.stderr}`)
  const lines = run.stdout.trim().split('\n')
  const token = lines.at(-1) ?? ''
  if (lines.length !== 1 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
    throw new Error(`npm run token printed something else than one token:\n${run.stdout}`)
  }
  return token
}

async function expectAcmeAdmin(token: string, secret: string, what: string): Promise<void> {
  const principal = await verifyAccessToken(
    token,
    authConfigFromBindings({ APP_ENV: 'development', DATABASE_URL: '', AUTH_JWT_SECRET: secret }),
  )
  const acme = seedOrganizations.find((organization) => organization.slug === 'acme')
  const admin = seedUsers.find((user) => user.organizationId === acme?.id && user.role === 'ADMIN')
  if (
    principal.organizationId !== acme?.id ||
    principal.role !== 'ADMIN' ||
    principal.subject !== admin?.id
  ) {
    throw new Error(`${what}: the token is not acme's seeded ADMIN: ${JSON.stringify(principal)}`)
  }
  console.log(`token-check: ${what}: a token of acme's ADMIN (${admin?.email}), verified`)
}

try {
  for (const entry of ['package.json', 'tsconfig.json', 'scripts', 'src']) {
    cpSync(join(root, entry), join(clone, entry), { recursive: true })
  }
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir')

  await expectAcmeAdmin(mintToken(), DEV_AUTH_JWT_SECRET, 'no .dev.vars, no AUTH_JWT_SECRET')

  const other = `other-secret-${crypto.randomUUID()}`
  writeFileSync(join(clone, '.dev.vars'), `AUTH_JWT_SECRET=${other}\n`)
  await expectAcmeAdmin(mintToken(), other, 'with a .dev.vars')
} catch (error) {
  console.error(`token-check failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
} finally {
  rmSync(clone, { recursive: true, force: true })
}
