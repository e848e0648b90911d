/**
 * `npm run workflows:check [-- --self-test]`: a broken workflow fails here, not on the first deploy.
 *
 * Every file in .github/workflows goes through
 * 1. `action-validator` (npm @action-validator/cli: the SchemaStore JSON schema of workflow files),
 * 2. `@actions/workflow-parser` (GitHub's own parser: its workflow schema, expression syntax and contexts, job
 *    graph, reusable workflows; the local `./.github/workflows/*.yml` a job `uses:` is loaded and checked too),
 * 3. the project's own rules (below): what ci.yml, deploy.yml and preview.yml must keep doing.
 * `--self-test` feeds each of the three a broken workflow and fails unless it is rejected.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, normalize } from 'node:path'
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { parse as parseToml } from 'smol-toml'
import { parse as parseYaml } from 'yaml'

const WORKFLOWS = '.github/workflows'
const ACTION_VALIDATOR = join('node_modules', '.bin', 'action-validator')

// ---------------------------------------------------------------------------------------------------------------
// 1 + 2: the two validators

function actionValidator(path: string): string[] {
  const run = spawnSync(ACTION_VALIDATOR, [path], { encoding: 'utf8' })
  if (run.error) throw run.error
  if (run.status === 0) return []
  const output = (run.stdout + run.stderr).trim()
  try {
    return leafErrors(JSON.parse(output)).map((error) => `action-validator: ${error}`)
  } catch {
    return [`action-validator: ${output || `exit ${run.status}`}`]
  }
}

interface ValidatorError {
  path?: string
  title?: string
  detail?: string
  errors?: ValidatorError[]
  states?: Array<{ errors?: ValidatorError[] }>
}

/** action-validator prints a JSON tree of schema errors (oneOf branches nest); its leaves, once each. */
function leafErrors(report: ValidatorError): string[] {
  const leaves = new Set<string>()
  const visit = (error: ValidatorError) => {
    const children = [...(error.errors ?? []), ...(error.states ?? []).flatMap((state) => state.errors ?? [])]
    if (children.length === 0 && (error.detail || error.title)) {
      leaves.add(`${error.path ?? '/'}: ${error.detail ?? error.title}`)
    }
    for (const child of children) visit(child)
  }
  visit(report)
  return [...leaves]
}

async function workflowParser(name: string, content: string, readLocal: (path: string) => string) {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter())
  const errors = parsed.context.errors.getErrors().map((error) => `workflow-parser: ${error.message}`)
  if (errors.length > 0 || !parsed.value) return errors.length ? errors : ['workflow-parser: no workflow']
  const template = await convertWorkflowTemplate(
    parsed.context,
    parsed.value,
    {
      getFileContent: async (ref) => {
        if ('repository' in ref) throw new Error(`remote reusable workflow ${ref.owner}/${ref.repository}`)
        return { name: ref.path, content: readLocal(ref.path) }
      },
    },
    { fetchReusableWorkflowDepth: 1 },
  )
  return (template.errors ?? []).map((error) => `workflow-parser: ${error.Message}`)
}

// ---------------------------------------------------------------------------------------------------------------
// 3: the project's rules

type Json = Record<string, unknown>
interface Step {
  uses?: string
  run?: string
  with?: Json
  env?: Json
}
interface Job {
  needs?: string | string[]
  environment?: string | { name?: string }
  services?: Record<string, { image?: string; env?: Json; ports?: unknown[] }>
  steps?: Step[]
  uses?: string
}
interface Workflow {
  on?: Json
  concurrency?: { group?: string; 'cancel-in-progress'?: unknown }
  jobs?: Record<string, Job>
}

const asList = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value]
const stepsOf = (workflow: Workflow) => Object.values(workflow.jobs ?? {}).flatMap((job) => job.steps ?? [])
const environmentOf = (job: Job | undefined) =>
  typeof job?.environment === 'string' ? job.environment : job?.environment?.name

/** `--env X` of every wrangler command in the workflow. */
function wranglerEnvironments(workflow: Workflow): string[] {
  const names: string[] = []
  for (const step of stepsOf(workflow)) {
    const command = [step.run, step.with?.command].filter((text) => typeof text === 'string').join('\n')
    if (
      !/wrangler|^\s*(deploy|versions)\b/m.test(command) &&
      !step.uses?.startsWith('cloudflare/wrangler-action')
    )
      continue
    for (const match of command.matchAll(/--env[ =]([A-Za-z0-9_-]+)/g)) names.push(match[1] as string)
  }
  return names
}

function commonRules(workflow: Workflow, wranglerEnvs: Set<string>): string[] {
  const problems: string[] = []
  for (const step of stepsOf(workflow)) {
    if (step.uses && !step.uses.startsWith('./') && !/@[\w.-]+$/.test(step.uses))
      problems.push(`\`uses: ${step.uses}\` is not pinned to a version (owner/action@vN)`)
    if (step.uses?.startsWith('actions/setup-node') && step.with?.['node-version-file'] !== '.nvmrc')
      problems.push('actions/setup-node must take Node from .nvmrc (node-version-file: .nvmrc)')
  }
  for (const env of wranglerEnvironments(workflow)) {
    if (!wranglerEnvs.has(env)) problems.push(`wrangler --env ${env}: no [env.${env}] in wrangler.toml`)
  }
  return problems
}

function ciRules(workflow: Workflow): string[] {
  const problems: string[] = []
  const on = workflow.on ?? {}
  if (!('pull_request' in on) || !('push' in on)) problems.push('ci.yml must run on pull_request and push')
  const jobs = Object.values(workflow.jobs ?? {})
  const runsCi = jobs.some((job) =>
    (job.steps ?? []).some((step) => /^\s*bash \.ci\/run\s*$/.test(step.run ?? '')),
  )
  if (!runsCi) problems.push('ci.yml must run `bash .ci/run` (the same script as local CI)')
  const postgres = jobs
    .flatMap((job) => Object.values(job.services ?? {}))
    .find((service) => service.image === 'postgres:15')
  if (!postgres) problems.push('ci.yml needs a postgres:15 service')
  else {
    if (postgres.env?.POSTGRES_HOST_AUTH_METHOD !== 'trust' || postgres.env?.POSTGRES_DB !== 'test')
      problems.push('the postgres service must have POSTGRES_HOST_AUTH_METHOD=trust and POSTGRES_DB=test')
    if (!asList(postgres.ports).map(String).includes('5432:5432'))
      problems.push('the postgres service must publish 5432:5432 (.ci/run expects 127.0.0.1:5432)')
  }
  return problems
}

function deployRules(workflow: Workflow): string[] {
  const problems: string[] = []
  const on = workflow.on ?? {}
  const push = on.push as { branches?: string[] } | undefined
  if (!push?.branches?.includes('main') || !('workflow_dispatch' in on))
    problems.push('deploy.yml must run on push to main and on workflow_dispatch')
  if (!workflow.concurrency?.group || workflow.concurrency['cancel-in-progress'] !== false)
    problems.push(
      'deploy.yml needs a concurrency group with cancel-in-progress: false (one deploy at a time)',
    )
  const jobs = workflow.jobs ?? {}
  const staging = jobs.staging
  const production = jobs.production
  if (!staging || !production) return [...problems, 'deploy.yml needs the jobs staging and production']
  if (!asList(production.needs).includes('staging')) problems.push('production must need staging')
  if (environmentOf(production) !== 'production')
    problems.push('the production job must run in the GitHub environment `production` (required reviewers)')
  if (environmentOf(staging) !== 'staging')
    problems.push('the staging job must run in the GitHub environment `staging`')
  if (staging.needs === undefined || !jobs[asList(staging.needs)[0] as string]?.uses?.endsWith('/ci.yml'))
    problems.push('staging must need a job that runs ci.yml')
  for (const [name, job] of [
    ['staging', staging],
    ['production', production],
  ] as const) {
    const steps = job.steps ?? []
    const migrate = steps.findIndex(
      (step) =>
        /drizzle-kit migrate/.test(step.run ?? '') &&
        /secrets\.MIGRATION_DATABASE_URL/.test(String(step.env?.MIGRATION_DATABASE_URL ?? '')),
    )
    const deploy = steps.findIndex(
      (step) =>
        step.uses?.startsWith('cloudflare/wrangler-action@') && step.with?.command === `deploy --env ${name}`,
    )
    const smoke = steps.findIndex((step) => /npm run deploy:smoke/.test(step.run ?? ''))
    if (migrate < 0) problems.push(`${name}: drizzle-kit migrate with MIGRATION_DATABASE_URL from a secret`)
    if (deploy < 0) problems.push(`${name}: cloudflare/wrangler-action with command "deploy --env ${name}"`)
    if (smoke < 0) problems.push(`${name}: the smoke check (npm run deploy:smoke)`)
    if (migrate >= 0 && deploy >= 0 && smoke >= 0 && !(migrate < deploy && deploy < smoke))
      problems.push(`${name}: the order must be migrate, deploy, smoke`)
  }
  return problems
}

function previewRules(workflow: Workflow): string[] {
  const problems: string[] = []
  const steps = stepsOf(workflow)
  if (!steps.some((step) => step.uses?.startsWith('neondatabase/create-branch-action@')))
    problems.push('preview.yml must create a Neon branch (neondatabase/create-branch-action)')
  if (!steps.some((step) => step.uses?.startsWith('neondatabase/delete-branch-action@')))
    problems.push('preview.yml must delete the Neon branch when the pull request closes')
  if (!steps.some((step) => /^versions upload /.test(String(step.with?.command ?? ''))))
    problems.push('preview.yml must upload a Worker version (wrangler versions upload)')
  return problems
}

const RULES: Record<string, (workflow: Workflow) => string[]> = {
  'ci.yml': ciRules,
  'deploy.yml': deployRules,
  'preview.yml': previewRules,
}

// ---------------------------------------------------------------------------------------------------------------

function wranglerEnvironmentNames(): Set<string> {
  const config = parseToml(readFileSync('wrangler.toml', 'utf8')) as { env?: Record<string, unknown> }
  return new Set(Object.keys(config.env ?? {}))
}

async function checkWorkflow(
  path: string,
  content: string,
  readLocal: (path: string) => string,
  wranglerEnvs: Set<string>,
  rulesFor = path.split('/').pop() as string,
): Promise<string[]> {
  const problems = [...actionValidator(path), ...(await workflowParser(path, content, readLocal))]
  let workflow: Workflow
  try {
    workflow = parseYaml(content) as Workflow
  } catch (error) {
    return [...problems, `yaml: ${(error as Error).message}`]
  }
  problems.push(...commonRules(workflow, wranglerEnvs))
  problems.push(...(RULES[rulesFor]?.(workflow) ?? []))
  return problems
}

const readRepoFile = (path: string) => readFileSync(normalize(path.replace(/^\.\//, '')), 'utf8')

async function checkAll(): Promise<boolean> {
  const files = readdirSync(WORKFLOWS)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
  const wranglerEnvs = wranglerEnvironmentNames()
  let ok = true
  for (const required of Object.keys(RULES)) {
    if (!files.includes(required)) {
      console.error(`workflows:check: ${WORKFLOWS}/${required} is missing`)
      ok = false
    }
  }
  for (const file of files) {
    const path = `${WORKFLOWS}/${file}`
    const problems = await checkWorkflow(path, readFileSync(path, 'utf8'), readRepoFile, wranglerEnvs)
    if (problems.length === 0) {
      console.log(`workflows:check: ${path}: action-validator, workflow-parser and the project's rules pass`)
    } else {
      ok = false
      for (const problem of problems) console.error(`workflows:check: ${path}: ${problem}`)
    }
  }
  return ok
}

// ---------------------------------------------------------------------------------------------------------------
// --self-test: each layer rejects a broken workflow

/** The opening of a workflow expression (spelled out so that it is not read as a template placeholder). */
const EXPR = '$' + '{{'

const BROKEN: Array<{
  what: string
  rules: string
  layer: RegExp
  content: (ci: string, deploy: string) => string
}> = [
  {
    what: 'a job without runs-on and with an unknown key',
    rules: 'ci.yml',
    layer: /^action-validator/,
    content: (ci) => ci.replace(/ {4}runs-on: .*\n/, '    run-on: ubuntu-24.04\n'),
  },
  {
    what: 'an unterminated expression',
    rules: 'deploy.yml',
    layer: /^workflow-parser/,
    content: (_ci, deploy) =>
      deploy.replace(`${EXPR} secrets.CLOUDFLARE_API_TOKEN }}`, `${EXPR} secrets.CLOUDFLARE_API_TOKEN }`),
  },
  {
    what: 'a job that needs a job that does not exist',
    rules: 'deploy.yml',
    layer: /^workflow-parser/,
    content: (_ci, deploy) => deploy.replace('needs: staging', 'needs: stagin'),
  },
  {
    what: 'an unknown context in an expression',
    rules: 'deploy.yml',
    layer: /^workflow-parser/,
    content: (_ci, deploy) =>
      deploy.replace(`${EXPR} vars.API_BASE_URL }}`, `${EXPR} variables.API_BASE_URL }}`),
  },
  {
    what: 'a deploy that may be cancelled half-way',
    rules: 'deploy.yml',
    layer: /cancel-in-progress/,
    content: (_ci, deploy) => deploy.replace('cancel-in-progress: false', 'cancel-in-progress: true'),
  },
  {
    what: 'production without staging first',
    rules: 'deploy.yml',
    layer: /production must need staging/,
    content: (_ci, deploy) => deploy.replace('needs: staging', 'needs: ci'),
  },
  {
    what: 'CI that stops running .ci/run',
    rules: 'ci.yml',
    layer: /bash \.ci\/run/,
    content: (ci) => ci.replace('run: bash .ci/run', 'run: npm test'),
  },
  {
    what: 'a wrangler environment wrangler.toml does not have',
    rules: 'deploy.yml',
    layer: /no \[env\.stagign\]/,
    content: (_ci, deploy) =>
      deploy.replace('command: deploy --env staging', 'command: deploy --env stagign'),
  },
]

async function selfTest(): Promise<boolean> {
  const ci = readFileSync(`${WORKFLOWS}/ci.yml`, 'utf8')
  const deploy = readFileSync(`${WORKFLOWS}/deploy.yml`, 'utf8')
  const wranglerEnvs = wranglerEnvironmentNames()
  const dir = mkdtempSync(join(tmpdir(), 'workflows-self-test-'))
  let ok = true
  try {
    for (const [index, broken] of BROKEN.entries()) {
      const content = broken.content(ci, deploy)
      const original = broken.rules === 'ci.yml' ? ci : deploy
      if (content === original) throw new Error(`self-test "${broken.what}" did not change the workflow`)
      const path = join(dir, `${index}-${broken.rules}`)
      writeFileSync(path, content)
      const problems = await checkWorkflow(path, content, readRepoFile, wranglerEnvs, broken.rules)
      const caught = problems.filter((problem) => broken.layer.test(problem))
      if (caught.length > 0) {
        console.log(`workflows:check --self-test: ${broken.what}: rejected (${caught[0]?.split('\n')[0]})`)
      } else {
        ok = false
        console.error(
          `workflows:check --self-test: ${broken.what}: NOT rejected by ${broken.layer} (got: ${problems.join('; ') || 'nothing'})`,
        )
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return ok
}

if (!existsSync(ACTION_VALIDATOR)) throw new Error('action-validator is not installed (npm ci)')
const ok = process.argv.includes('--self-test') ? await selfTest() : await checkAll()
if (!ok) process.exitCode = 1
