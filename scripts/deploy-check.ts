/**
 * `npm run deploy:check [-- --self-test]`: what can be checked about a deploy without Cloudflare, Neon or GitHub.
 *
 * 1. Every environment of wrangler.toml ([env.*]) builds: `wrangler deploy --dry-run --env X --outdir …`.
 * 2. Every binding of `Bindings` (src/env.ts) is either a secret (SECRETS below: set with `wrangler secret put`) or a
 *    var present in [vars] and in every [env.X.vars] (wrangler does not inherit vars into environments); no var
 *    that is not a binding; AUTH_JWKS_URL set ⇒ https, with AUTH_ISSUER and AUTH_AUDIENCE set too.
 * 3. No secret in wrangler.toml: no secret binding (or *_SECRET, *_PASSWORD, *_TOKEN, *_KEY) as a var, and
 *    nothing in the file (comments included) that looks like a credential: a URL with a password, a JWT, a private
 *    key, a long random string.
 * 4. README.md's "Deploy" section names every `secrets.X` and `vars.X` the workflows use, every GitHub environment
 *    they run in, and has a `wrangler secret put NAME` for every secret binding.
 * `--self-test` breaks wrangler.toml, src/env.ts and README.md in memory, one way at a time, and fails unless each
 * break is reported.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseToml } from 'smol-toml'
import { parse as parseYaml } from 'yaml'

/** Bindings that are secrets: set once per environment with `wrangler secret put NAME --env X`, never in a file. */
export const SECRETS = ['DATABASE_URL', 'AUTH_JWT_SECRET', 'PLATFORM_API_KEY'] as const
/** Provided by GitHub itself: no setup. */
const GITHUB_PROVIDED = new Set(['GITHUB_TOKEN'])
const WORKFLOWS = '.github/workflows'

interface Sources {
  wranglerToml: string
  envTs: string
  readme: string
  workflows: Array<{ name: string; content: string }>
}

interface Binding {
  name: string
  optional: boolean
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

export function bindingsOf(envTs: string): Binding[] {
  const body = /export interface Bindings \{([\s\S]*?)\n\}/.exec(envTs)?.[1]
  if (!body) throw new Error('src/env.ts: no `export interface Bindings { … }`')
  return [...body.matchAll(/^\s*([A-Z][A-Z0-9_]*)(\??):/gm)].map((m) => ({
    name: m[1] as string,
    optional: m[2] === '?',
  }))
}

type Vars = Record<string, unknown>
interface QueuesConfig {
  producers?: Array<{ binding?: string; queue?: string }>
  consumers?: Array<{ queue?: string; dead_letter_queue?: string; max_retries?: number }>
}

interface WranglerConfig {
  name?: string
  vars?: Vars
  queues?: QueuesConfig
  triggers?: { crons?: string[] }
  env?: Record<string, { name?: string; vars?: Vars; queues?: QueuesConfig; triggers?: { crons?: string[] } }>
}

/** The webhook queue (src/webhooks/) and the crons src/index.ts dispatches on: every environment needs its own. */
const WEBHOOK_QUEUE_BINDING = 'WEBHOOK_QUEUE'
const REQUIRED_CRONS = ['5 0 * * *', '* * * * *']

/**
 * Queues and cron triggers are not inherited by [env.*] either: each environment must produce to WEBHOOK_QUEUE,
 * consume that same queue with a dead-letter queue of its own, and have the daily and per-minute crons; two
 * environments must not share a queue (one's consumer would deliver the other's webhooks).
 */
export function checkQueues(wranglerToml: string): string[] {
  const config = parseToml(wranglerToml) as WranglerConfig
  const problems: string[] = []
  const owners = new Map<string, string>()
  const environments = [
    { name: '', queues: config.queues, triggers: config.triggers },
    ...Object.entries(config.env ?? {}).map(([name, env]) => ({ ...env, name })),
  ]
  for (const { name, queues, triggers } of environments) {
    const where = name ? `[env.${name}]` : 'the top level'
    const producer = queues?.producers?.find((p) => p.binding === WEBHOOK_QUEUE_BINDING)
    if (!producer?.queue) {
      problems.push(
        `${where} has no [[queues.producers]] binding ${WEBHOOK_QUEUE_BINDING} (queues are not inherited)`,
      )
      continue
    }
    const consumer = queues?.consumers?.find((c) => c.queue === producer.queue)
    if (!consumer) problems.push(`${where} does not consume its webhook queue ${producer.queue}`)
    else if (!consumer.dead_letter_queue)
      problems.push(`${where}: the consumer of ${producer.queue} has no dead_letter_queue`)
    const owner = owners.get(producer.queue)
    if (owner !== undefined)
      problems.push(
        `${where} shares the queue ${producer.queue} with ${owner ? `[env.${owner}]` : 'the top level'}`,
      )
    owners.set(producer.queue, name)
    for (const cron of REQUIRED_CRONS) {
      if (!triggers?.crons?.includes(cron)) problems.push(`${where} lacks the cron "${cron}" (src/index.ts)`)
    }
  }
  return problems
}

/**
 * The top level is local development, never deployed (`npm run deploy` requires --env): its Worker name must not be
 * an environment's, or a plain `wrangler deploy` would replace that Worker with the development configuration.
 */
export function checkTopLevelName(wranglerToml: string): string[] {
  const config = parseToml(wranglerToml) as WranglerConfig
  return Object.entries(config.env ?? {})
    .filter(([, env]) => (env.name ?? config.name) === config.name)
    .map(
      ([name]) =>
        `the top level's name "${config.name}" is [env.${name}]'s Worker: give the top level its own`,
    )
}

/** [vars] of the top level ("" = what `wrangler dev` and `npm run build` use) and of each [env.X]. */
function environmentsOf(config: WranglerConfig): Array<{ name: string; vars: Vars | undefined }> {
  return [
    { name: '', vars: config.vars },
    ...Object.entries(config.env ?? {}).map(([name, env]) => ({ name, vars: env.vars })),
  ]
}

const label = (env: string) => (env ? `[env.${env}.vars]` : '[vars]')

/** The "## Deploy" section of the README (up to the next level-2 heading). */
export function deploySection(readme: string): string | undefined {
  const match = /^## Deploy\b[^\n]*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)
  return match?.[1]
}

interface WorkflowNeeds {
  secrets: Set<string>
  vars: Set<string>
  environments: Set<string>
}

/** The expressions of a workflow: every `${{ … }}`, and `if:` values (expressions without the braces). */
function expressionsOf(node: unknown, key?: string): string[] {
  if (typeof node === 'string') {
    const wrapped = [...node.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((match) => match[1] as string)
    return key === 'if' && wrapped.length === 0 ? [node] : wrapped
  }
  if (Array.isArray(node)) return node.flatMap((item) => expressionsOf(item))
  if (node && typeof node === 'object')
    return Object.entries(node).flatMap(([name, value]) => expressionsOf(value, name))
  return []
}

function workflowNeeds(workflows: Sources['workflows']): WorkflowNeeds {
  const needs: WorkflowNeeds = { secrets: new Set(), vars: new Set(), environments: new Set() }
  for (const { content } of workflows) {
    const workflow = parseYaml(content) as {
      jobs?: Record<string, { environment?: string | { name?: string } }>
    }
    for (const expression of expressionsOf(workflow)) {
      for (const match of expression.matchAll(/(?<![\w.-])(secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
        const name = match[2] as string
        if (GITHUB_PROVIDED.has(name)) continue
        needs[match[1] === 'secrets' ? 'secrets' : 'vars'].add(name)
      }
    }
    for (const job of Object.values(workflow.jobs ?? {})) {
      const environment = typeof job.environment === 'string' ? job.environment : job.environment?.name
      if (environment && !environment.includes('${{')) needs.environments.add(environment)
    }
  }
  return needs
}

// ---------------------------------------------------------------------------------------------------------------
// Checks (pure: sources in, problems out)

const SECRET_NAME = /(^|_)(SECRET|PASSWORD|PASSWD|TOKEN|KEY|CREDENTIALS?)$/
const CREDENTIAL_PATTERNS: Array<{ what: string; pattern: RegExp }> = [
  { what: 'a URL with a password', pattern: /[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]+:[^\s/@'"]+@/i },
  { what: 'a JWT', pattern: /\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/ },
  { what: 'a private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { what: 'a Neon/Cloudflare-style token', pattern: /\b(npg_[A-Za-z0-9]{8,}|napi_[A-Za-z0-9]{16,})\b/ },
]

/** A quoted value of 32+ characters of one "word" mixing letters and digits: likely a generated secret. */
function looksRandom(value: string): boolean {
  if (value.length < 32 || /\s/.test(value) || /^https?:\/\//.test(value)) return false
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(value)).length
  return classes >= 3 || (classes >= 2 && /^[A-Za-z0-9+/=_-]+$/.test(value) && /[0-9]/.test(value))
}

export function checkWrangler(sources: Pick<Sources, 'wranglerToml' | 'envTs'>): string[] {
  const problems: string[] = []
  const config = parseToml(sources.wranglerToml) as WranglerConfig
  const bindings = bindingsOf(sources.envTs)
  const secrets = new Set<string>(SECRETS)
  const bindingNames = new Set(bindings.map((b) => b.name))
  for (const secret of SECRETS) {
    if (!bindingNames.has(secret))
      problems.push(`SECRETS names ${secret}, which src/env.ts Bindings does not have`)
  }
  const environments = environmentsOf(config)
  if (environments.length < 2) problems.push('wrangler.toml has no [env.*] (staging, production)')
  const vars = bindings.filter((b) => !secrets.has(b.name))
  for (const { name, vars: values } of environments) {
    const present = values ?? {}
    for (const binding of vars) {
      if (!(binding.name in present))
        problems.push(
          `${label(name)} lacks ${binding.name} (a binding of src/env.ts; vars are not inherited)`,
        )
    }
    for (const [key, value] of Object.entries(present)) {
      if (secrets.has(key))
        problems.push(`${label(name)} has the secret ${key}: use \`wrangler secret put ${key}\``)
      else if (SECRET_NAME.test(key))
        problems.push(`${label(name)} has ${key}, a secret-looking name: make it a secret`)
      else if (!bindingNames.has(key))
        problems.push(`${label(name)} has ${key}, which is not in Bindings (src/env.ts)`)
      if (typeof value !== 'string') problems.push(`${label(name)} ${key} must be a string`)
    }
    const jwks = String(present.AUTH_JWKS_URL ?? '')
    if (jwks) {
      if (!jwks.startsWith('https://')) problems.push(`${label(name)} AUTH_JWKS_URL must be https`)
      for (const needed of ['AUTH_ISSUER', 'AUTH_AUDIENCE']) {
        if (!String(present[needed] ?? '').trim())
          problems.push(
            `${label(name)} sets AUTH_JWKS_URL without ${needed} (protected routes would answer 503)`,
          )
      }
    }
  }
  for (const [index, line] of sources.wranglerToml.split('\n').entries()) {
    for (const { what, pattern } of CREDENTIAL_PATTERNS) {
      if (pattern.test(line)) problems.push(`wrangler.toml line ${index + 1} holds ${what}`)
    }
    for (const quoted of line.matchAll(/"([^"]*)"/g)) {
      if (looksRandom(quoted[1] as string))
        problems.push(`wrangler.toml line ${index + 1} holds a long random-looking value (a secret?)`)
    }
  }
  problems.push(...checkQueues(sources.wranglerToml), ...checkTopLevelName(sources.wranglerToml))
  return problems
}

export function checkReadme(sources: Pick<Sources, 'readme' | 'workflows'>): string[] {
  const section = deploySection(sources.readme)
  if (!section) return ['README.md has no "## Deploy" section']
  const problems: string[] = []
  const needs = workflowNeeds(sources.workflows)
  const named = (name: string) => section.includes(`\`${name}\``)
  for (const name of needs.secrets) {
    if (!named(name))
      problems.push(`README "Deploy" does not name the GitHub secret \`${name}\` the workflows use`)
  }
  for (const name of needs.vars) {
    if (!named(name))
      problems.push(`README "Deploy" does not name the GitHub variable \`${name}\` the workflows use`)
  }
  for (const environment of needs.environments) {
    if (!named(environment))
      problems.push(
        `README "Deploy" does not name the GitHub environment \`${environment}\` the workflows use`,
      )
  }
  for (const secret of SECRETS) {
    if (!new RegExp(`wrangler secret put ${secret}\\b`).test(section))
      problems.push(`README "Deploy" has no \`wrangler secret put ${secret}\``)
  }
  return problems
}

// ---------------------------------------------------------------------------------------------------------------
// Bundles

function buildEnvironments(wranglerToml: string): string[] {
  const config = parseToml(wranglerToml) as WranglerConfig
  const problems: string[] = []
  const out = mkdtempSync(join(tmpdir(), 'deploy-check-'))
  try {
    for (const env of Object.keys(config.env ?? {})) {
      const outdir = join(out, env)
      const started = Date.now()
      const run = spawnSync(
        join('node_modules', '.bin', 'wrangler'),
        ['deploy', '--dry-run', '--env', env, '--outdir', outdir],
        {
          encoding: 'utf8',
          env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_SEND_METRICS: 'false' },
        },
      )
      const bundle = run.status === 0 ? readdirSync(outdir).find((file) => file.endsWith('.js')) : undefined
      if (!bundle) {
        problems.push(`wrangler deploy --dry-run --env ${env} failed:\n${(run.stdout + run.stderr).trim()}`)
        continue
      }
      const size = statSync(join(outdir, bundle)).size
      console.log(
        `deploy:check: --env ${env}: bundle builds (${bundle}, ${size.toLocaleString('en-US')} bytes, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      )
    }
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
  return problems
}

// ---------------------------------------------------------------------------------------------------------------

function readSources(): Sources {
  return {
    wranglerToml: readFileSync('wrangler.toml', 'utf8'),
    envTs: readFileSync('src/env.ts', 'utf8'),
    readme: readFileSync('README.md', 'utf8'),
    workflows: readdirSync(WORKFLOWS)
      .filter((file) => /\.ya?ml$/.test(file))
      .map((file) => ({ name: file, content: readFileSync(join(WORKFLOWS, file), 'utf8') })),
  }
}

function report(what: string, problems: string[]): boolean {
  if (problems.length === 0) {
    console.log(`deploy:check: ${what}: ok`)
    return true
  }
  for (const problem of problems) console.error(`deploy:check: ${what}: ${problem}`)
  return false
}

function check(): boolean {
  const sources = readSources()
  const needs = workflowNeeds(sources.workflows)
  const results = [
    report(
      'wrangler.toml vars and secrets (every binding of src/env.ts, no credential)',
      checkWrangler(sources),
    ),
    report(
      `README "Deploy" names the workflows' secrets (${[...needs.secrets].join(', ')}), variables (${[...needs.vars].join(', ')}), environments (${[...needs.environments].join(', ')}) and \`wrangler secret put\` ${SECRETS.join(', ')}`,
      checkReadme(sources),
    ),
    report('bundles', buildEnvironments(sources.wranglerToml)),
  ]
  return results.every(Boolean)
}

const BREAKS: Array<{ what: string; expect: RegExp; apply: (s: Sources) => Sources }> = [
  {
    what: 'staging without its webhook queue consumer',
    expect: /does not consume its webhook queue/,
    apply: (s) => ({
      ...s,
      wranglerToml: s.wranglerToml.replace(
        '[[env.staging.queues.consumers]]\nqueue = "organization-api-webhooks-staging"',
        '[[env.staging.queues.consumers]]\nqueue = "somewhere-else"',
      ),
    }),
  },
  {
    what: 'the top level named as the production Worker',
    expect: /the top level's name "organization-api" is \[env\.production\]'s Worker/,
    apply: (s) => ({
      ...s,
      wranglerToml: s.wranglerToml.replace('name = "organization-api-local"', 'name = "organization-api"'),
    }),
  },
  {
    what: 'the top level producing to the staging queue',
    expect: /shares the queue organization-api-webhooks-staging with the top level/,
    apply: (s) => ({
      ...s,
      wranglerToml: s.wranglerToml.replaceAll(
        '"organization-api-webhooks-local"',
        '"organization-api-webhooks-staging"',
      ),
    }),
  },
  {
    what: 'preview without the per-minute cron',
    expect: /\[env\.preview\] lacks the cron "\* \* \* \* \*"/,
    apply: (s) => ({
      ...s,
      wranglerToml: s.wranglerToml.replace(
        '[env.preview.triggers]\ncrons = ["5 0 * * *", "* * * * *"]',
        '[env.preview.triggers]\ncrons = ["5 0 * * *"]',
      ),
    }),
  },
  {
    what: 'DATABASE_URL as a var of staging',
    expect: /has the secret DATABASE_URL/,
    apply: (s) => ({
      ...s,
      wranglerToml: s.wranglerToml.replace(
        '[env.staging.vars]\n',
        '[env.staging.vars]\nDATABASE_URL = "x"\n',
      ),
    }),
  },
  {
    what: 'a postgres:// URL with a password in a comment',
    expect: /holds a URL with a password/,
    apply: (s) => ({
      ...s,
      wranglerToml: `# postgres://app_api:hunter2@ep-x.neon.tech/neondb\n${s.wranglerToml}`,
    }),
  },
  {
    what: 'a generated-looking value as a var',
    expect: /random-looking value/,
    apply: (s) => ({
      ...s,
      wranglerToml: s.wranglerToml.replace(
        'CORS_ORIGINS = ""',
        'CORS_ORIGINS = "q8Jx0vT3mZ7kLw2N9bR4sY6cF1hP5dAe"',
      ),
    }),
  },
  {
    what: 'a new binding in src/env.ts without a var in the environments',
    expect: /lacks RATE_LIMIT_PER_MINUTE/,
    apply: (s) => ({
      ...s,
      envTs: s.envTs.replace(
        'export interface Bindings {',
        'export interface Bindings {\n  RATE_LIMIT_PER_MINUTE?: string',
      ),
    }),
  },
  {
    what: 'AUTH_JWKS_URL in production without issuer and audience',
    expect: /sets AUTH_JWKS_URL without AUTH_ISSUER/,
    apply: (s) => ({
      ...s,
      wranglerToml: s.wranglerToml.replace(
        /(\[env\.production\.vars\][\s\S]*?)AUTH_JWKS_URL = ""/,
        '$1AUTH_JWKS_URL = "https://idp.example/.well-known/jwks.json"',
      ),
    }),
  },
  {
    what: 'a workflow secret the README does not name',
    expect: /does not name the GitHub secret `SENTRY_AUTH_TOKEN`/,
    apply: (s) => ({
      ...s,
      workflows: [
        ...s.workflows,
        {
          name: 'extra.yml',
          content: `on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo $\{{ secrets.SENTRY_AUTH_TOKEN }}\n`,
        },
      ],
    }),
  },
  {
    what: 'a README without the wrangler secret put of PLATFORM_API_KEY',
    expect: /no `wrangler secret put PLATFORM_API_KEY`/,
    apply: (s) => ({
      ...s,
      readme: s.readme.replaceAll(/wrangler secret put PLATFORM_API_KEY/g, 'wrangler secret put X'),
    }),
  },
]

function selfTest(): boolean {
  const pristine = readSources()
  let ok = report('self-test baseline', [...checkWrangler(pristine), ...checkReadme(pristine)])
  for (const broken of BREAKS) {
    const sources = broken.apply(pristine)
    if (JSON.stringify(sources) === JSON.stringify(pristine))
      throw new Error(`self-test "${broken.what}" changed nothing`)
    const problems = [...checkWrangler(sources), ...checkReadme(sources)]
    const caught = problems.find((problem) => broken.expect.test(problem))
    if (caught) console.log(`deploy:check --self-test: ${broken.what}: reported (${caught})`)
    else {
      ok = false
      console.error(
        `deploy:check --self-test: ${broken.what}: NOT reported (got: ${problems.join('; ') || 'nothing'})`,
      )
    }
  }
  return ok
}

const ok = process.argv.includes('--self-test') ? selfTest() : check()
if (!ok) process.exitCode = 1
