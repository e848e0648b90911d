/**
 * `npm run deploy:smoke`: is the deployed API alive, on a safe database role, and serving authenticated reads?
 * Run by .github/workflows/deploy.yml and preview.yml after each deploy; works the same against `npm run dev`
 * (see scripts/deploy-smoke-local.ts, which CI runs).
 *
 * Settings (environment; `--url` overrides SMOKE_BASE_URL):
 *   SMOKE_BASE_URL          the API's base URL (https://…, or http://127.0.0.1:… locally)
 *   SMOKE_TOKEN             a bearer token to use as is (e.g. obtained from the identity provider in a step before), or
 *   SMOKE_JWT_SECRET        the environment's AUTH_JWT_SECRET: mints a 5-minute HS256 token for
 *   SMOKE_ORGANIZATION_ID, SMOKE_USER_ID, SMOKE_ROLE (default ADMIN), and SMOKE_ISSUER / SMOKE_AUDIENCE when the
 *                           environment checks them
 *   SMOKE_READ_PATH         the authenticated read (default /v1/organization: ADMIN, REPRESENTATIVE, AGENT)
 *   SMOKE_TIMEOUT_SECONDS   how long to retry while a fresh deploy propagates (default 60)
 * Checks: GET /ready answers 200 {"status":"ready","database":"ok"} (its `eventFeed`, exact or delayed, is reported,
 * not checked: a delayed feed is correct, only later); the read without a token answers 401; the read with the token
 * answers 200 (and /v1/organization names SMOKE_ORGANIZATION_ID). The token is never printed.
 */
import { parseArgs } from 'node:util'
import { signAccessToken } from '../src/auth/jwt'
import { type PrincipalRole, principalRoles } from '../src/auth/principal'

interface Settings {
  baseUrl: string
  readPath: string
  organizationId: string | undefined
  timeoutMs: number
  token: () => Promise<string>
}

class SmokeFailure extends Error {}

const setting = (name: string) => {
  const value = process.env[name]?.trim()
  return value ? value : undefined
}

function settings(argv: string[]): Settings {
  const { values } = parseArgs({ args: argv, options: { url: { type: 'string' } } })
  const raw = values.url ?? setting('SMOKE_BASE_URL')
  if (!raw) throw new SmokeFailure('no base URL: set SMOKE_BASE_URL (or pass --url)')
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new SmokeFailure(`SMOKE_BASE_URL is not a URL: ${raw}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new SmokeFailure('SMOKE_BASE_URL must be http(s)')
  const organizationId = setting('SMOKE_ORGANIZATION_ID')
  const timeoutSeconds = Number(setting('SMOKE_TIMEOUT_SECONDS') ?? 60)
  return {
    baseUrl: url.toString().replace(/\/+$/, ''),
    readPath: setting('SMOKE_READ_PATH') ?? '/v1/organization',
    organizationId,
    timeoutMs: (Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds : 60) * 1000,
    token: () => tokenFromEnvironment(organizationId),
  }
}

async function tokenFromEnvironment(organizationId: string | undefined): Promise<string> {
  const given = setting('SMOKE_TOKEN')
  if (given) return given
  const secret = setting('SMOKE_JWT_SECRET')
  const subject = setting('SMOKE_USER_ID')
  const role = (setting('SMOKE_ROLE') ?? 'ADMIN') as PrincipalRole
  const missing = [
    ['SMOKE_JWT_SECRET', secret],
    ['SMOKE_ORGANIZATION_ID', organizationId],
    ['SMOKE_USER_ID', subject],
  ].filter(([, value]) => !value)
  if (missing.length > 0) {
    throw new SmokeFailure(
      `no token: set SMOKE_TOKEN, or ${missing.map(([name]) => name).join(', ')} to mint one (README, "Deploy")`,
    )
  }
  if (!principalRoles.includes(role))
    throw new SmokeFailure(`SMOKE_ROLE must be one of ${principalRoles.join(', ')}`)
  return signAccessToken({ sub: subject as string, org: organizationId as string, role }, secret as string, {
    expiresInSeconds: 300,
    issuer: setting('SMOKE_ISSUER'),
    audience: setting('SMOKE_AUDIENCE'),
  })
}

interface Answer {
  status: number
  body: unknown
  text: string
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    headers: { accept: 'application/json', ...headers },
    redirect: 'manual',
  })
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  return { status: response.status, body, text }
}

const brief = (answer: Answer) => `${answer.status} ${answer.text.replace(/\s+/g, ' ').slice(0, 300)}`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Check {
  name: string
  run: () => Promise<string>
}

function checks(config: Settings, token: string): Check[] {
  const read = `${config.baseUrl}${config.readPath}`
  return [
    {
      name: 'GET /ready',
      run: async () => {
        const answer = await get(`${config.baseUrl}/ready`)
        const body = answer.body as { status?: string; database?: string; eventFeed?: string } | undefined
        if (answer.status !== 200 || body?.status !== 'ready' || body.database !== 'ok')
          throw new SmokeFailure(`expected 200 {"status":"ready","database":"ok"}, got ${brief(answer)}`)
        const feed =
          body.eventFeed === 'delayed'
            ? 'event feed DELAYED 60 s: GRANT pg_read_all_stats TO the migration owner'
            : `event feed ${body.eventFeed ?? 'not reported'}`
        return `200 ready, database ok (a role that cannot bypass RLS), ${feed}`
      },
    },
    {
      name: `GET ${config.readPath} without a token`,
      run: async () => {
        const answer = await get(read)
        if (answer.status !== 401) throw new SmokeFailure(`expected 401, got ${brief(answer)}`)
        return '401 (authentication is enforced)'
      },
    },
    {
      name: `GET ${config.readPath} with the token`,
      run: async () => {
        const answer = await get(read, { authorization: `Bearer ${token}` })
        if (answer.status !== 200) throw new SmokeFailure(`expected 200, got ${brief(answer)}`)
        const id = (answer.body as { id?: unknown } | undefined)?.id
        if (config.readPath === '/v1/organization' && config.organizationId && id !== config.organizationId)
          throw new SmokeFailure(`expected organization ${config.organizationId}, got ${brief(answer)}`)
        return config.readPath === '/v1/organization' ? `200, organization ${String(id)}` : '200'
      },
    },
  ]
}

/** Each check is retried until it passes or the time is up: a fresh deploy takes a moment to reach every edge. */
async function runCheck(check: Check, deadline: number): Promise<void> {
  let attempt = 0
  for (;;) {
    attempt++
    try {
      const outcome = await check.run()
      console.log(`deploy-smoke: ${check.name}: ${outcome}${attempt > 1 ? ` (attempt ${attempt})` : ''}`)
      return
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      if (Date.now() >= deadline) throw new SmokeFailure(`${check.name}: ${message}`)
      console.log(`deploy-smoke: ${check.name}: not yet (${message.slice(0, 200)}); retrying`)
      await sleep(3_000)
    }
  }
}

async function main(): Promise<number> {
  try {
    const config = settings(process.argv.slice(2))
    const token = await config.token()
    console.log(`deploy-smoke: ${config.baseUrl}`)
    const deadline = Date.now() + config.timeoutMs
    for (const check of checks(config, token)) await runCheck(check, deadline)
    console.log('deploy-smoke: passed')
    return 0
  } catch (error) {
    console.error(`deploy-smoke: FAILED: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}

process.exitCode = await main()
