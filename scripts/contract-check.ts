/**
 * `npm run contract:check`: the API contract as clients see it, checked on the document the app serves.
 *
 * 1. `GET /openapi.json` from the app itself (the document the build step generates, served through the same
 *    middleware as a deployment), into a temp file.
 * 2. Redocly CLI `lint` with the `recommended` ruleset (redocly.yaml): 0 errors and 0 warnings, or it fails.
 * 3. openapi-typescript generates the types of a client from that document into test/contract/generated/
 *    (git-ignored: always regenerated from the current routes), and `tsc` checks
 *    test/contract/openapi-client-usage.ts, an openapi-fetch client used as an integrator would, against them.
 *
 * `--self-test` checks that a document breaking those rules fails. Exits 1 on any problem (for CI). No telemetry: REDOCLY_TELEMETRY=off (and `telemetry: off` in redocly.yaml).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../src/app'
import { assetsBinding } from './lib/assets-binding'
import { prepareDocsAssets } from './lib/docs-assets'

const GENERATED = 'test/contract/generated/openapi.ts'
const OPENAPI_TYPESCRIPT = 'tools/openapi-typescript/node_modules/openapi-typescript/bin/cli.js'
const environment = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number }
  problems: Array<{
    ruleId: string
    severity: string
    message: string
    location?: Array<{ pointer?: string }>
  }>
}

/** The document exactly as served (requests log a line; this one is of no interest here). */
async function servedDocument(): Promise<string> {
  const log = console.log
  console.log = () => {}
  try {
    // The build step's document, written afresh (the Worker serves it from its assets).
    prepareDocsAssets()
    const response = await createApp().request(
      'http://127.0.0.1:8787/openapi.json',
      {},
      { APP_ENV: 'contract', ASSETS: assetsBinding() },
    )
    if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`)
    return JSON.stringify(await response.json(), null, 2)
  } finally {
    console.log = log
  }
}

function run(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', env: environment })
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() }
}

function lint(documentPath: string, quiet = false): { passed: boolean; rules: Set<string> } {
  const redocly = run(join('node_modules', '.bin', 'redocly'), [
    'lint',
    documentPath,
    '--config',
    'redocly.yaml',
    '--format',
    'json',
  ])
  const start = redocly.output.indexOf('{')
  let report: LintReport
  try {
    report = JSON.parse(redocly.output.slice(start, redocly.output.lastIndexOf('}') + 1)) as LintReport
  } catch {
    console.error(`redocly lint gave no report (exit ${redocly.status}):\n${redocly.output}`)
    return { passed: false, rules: new Set() }
  }
  for (const problem of quiet ? [] : report.problems) {
    const where = problem.location?.[0]?.pointer ?? ''
    console.error(`  ${problem.severity} ${problem.ruleId} ${where}: ${problem.message}`)
  }
  const { errors, warnings, ignored } = report.totals
  if (!quiet)
    console.log(`redocly lint (recommended): ${errors} errors, ${warnings} warnings, ${ignored} ignored`)
  return {
    passed: errors === 0 && warnings === 0 && ignored === 0 && redocly.status === 0,
    rules: new Set(report.problems.map((problem) => problem.ruleId)),
  }
}

/**
 * `--self-test`: the check must fail on a document that breaks what it guards (no license, a public route without
 * `security: []`, an operation without operationId or 4xx answers, no servers), naming each rule.
 */
function selfTest(directory: string, served: string): boolean {
  const document = JSON.parse(served) as {
    info: Record<string, unknown>
    servers?: unknown
    paths: Record<string, Record<string, Record<string, unknown>>>
  }
  delete document.info.license
  delete document.servers
  const health = document.paths['/health']?.get
  if (health) delete health.security
  const getTicket = document.paths['/v1/tickets/{ticketId}']?.get
  if (getTicket) {
    delete getTicket.operationId
    getTicket.responses = { 200: (getTicket.responses as Record<string, unknown>)['200'] }
  }
  const brokenPath = join(directory, 'broken.json')
  writeFileSync(brokenPath, JSON.stringify(document))
  const { passed, rules } = lint(brokenPath, true)
  const expected = [
    'info-license',
    'no-empty-servers',
    'security-defined',
    'operation-operationId',
    'operation-4xx-response',
  ]
  const missed = expected.filter((rule) => !rules.has(rule))
  if (passed || missed.length > 0) {
    console.error(
      `contract self-test: a broken document passed or was not reported for: ${missed.join(', ') || '(passed)'}`,
    )
    return false
  }
  console.log(`contract self-test: a broken document fails (${expected.join(', ')})`)
  return true
}

function generateClientTypes(documentPath: string): boolean {
  mkdirSync('test/contract/generated', { recursive: true })
  // --default-non-nullable=false: a request field with a default is optional for the client (openapi-typescript
  // otherwise makes every field with a `default` required, which is right for answers only).
  const generated = run(process.execPath, [
    OPENAPI_TYPESCRIPT,
    documentPath,
    '--default-non-nullable=false',
    '--output',
    GENERATED,
  ])
  if (generated.status !== 0) {
    console.error(`openapi-typescript failed:\n${generated.output}`)
    return false
  }
  console.log(`openapi-typescript: ${GENERATED}`)
  // openapi-typescript types an object schema without properties or additionalProperties as an empty object
  // (`Record<string, never>`): a free-form object that no client could fill, or an extension that turns every
  // field of its base into `never`. Only the generator's own top-level placeholders may be empty.
  const empty = readFileSync(GENERATED, 'utf8')
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line.includes('Record<string, never>') && !line.startsWith('export type'))
  if (empty.length > 0) {
    console.error(
      `the generated client has empty objects (declare additionalProperties or drop the empty extension):\n${empty
        .map(({ line, number }) => `  ${GENERATED}:${number}: ${line}`)
        .join('\n')}`,
    )
    return false
  }
  const typecheck = run(join('node_modules', '.bin', 'tsc'), ['-p', 'test/contract/tsconfig.json'])
  if (typecheck.status !== 0) {
    console.error(
      `the generated client does not typecheck against test/contract/openapi-client-usage.ts:\n${typecheck.output}`,
    )
    return false
  }
  console.log('tsc: test/contract/openapi-client-usage.ts typechecks against the generated client')
  return true
}

async function main(): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), 'contract-'))
  try {
    const documentPath = join(directory, 'openapi.json')
    const served = await servedDocument()
    if (process.argv.includes('--self-test')) return selfTest(directory, served) ? 0 : 1
    writeFileSync(documentPath, served)
    const linted = lint(documentPath).passed
    const typed = generateClientTypes(documentPath)
    return linted && typed ? 0 : 1
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
