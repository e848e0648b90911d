/**
 * The Worker's copy of `src/`: the same modules without what only the OpenAPI document reads (issue 17, "Light
 * start"). The document is generated at build time from `src/` itself (scripts/lib/openapi-asset.ts) and the Worker
 * serves that file, so in the Worker the documentation inside the declarations is dead weight: ≈ 53 KiB of the
 * bundle (≈ 14.5 KiB gzipped, measured with `npm run build` before and after). wrangler's bundler offers no
 * transform step, so the [build] command (scripts/build.ts) writes this copy and wrangler.toml's `main` is the copy's
 * `index.ts`; the tests, the typecheck, the document and the scripts use `src/` as written.
 *
 * What is dropped (nothing else changes, and `npm run bundle:check` compares the bundled Worker's answers with the
 * source app's, the document, a validation error, MCP's tools and a GraphQL introspection included):
 * - the arguments of zod's `.openapi(…)` (names, descriptions, examples): in the Worker `.openapi` is the identity
 *   (src/bundle/zod-to-openapi.ts), so they are never read. Only zod's calls (one argument, or a name and an object
 *   literal; OpenAPIHono's `app.openapi(route, handler)` passes a handler and is left alone) whose arguments are
 *   inert (no call but `.join`, no function);
 * - the `summary` and `description` texts of route declarations (`protectedRoute`, `platformRoute`, `publicRoute`,
 *   `createRoute`: their responses' and headers' descriptions included) and `jsonContent(schema, text)`'s text:
 *   what the Worker reads of a route is its method, path, middleware and schemas; its texts are the document's;
 * - `pgTable`'s third argument (indexes, constraints, RLS policies): drizzle-kit reads it, queries never do;
 * - nothing else: zod's `.describe(…)` texts stay (GraphQL's descriptions read them), and so do error messages.
 *
 * Each file keeps a source map (inline) back to its `src/` original, so stack traces name the source's lines.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { parse } from '@babel/parser'
import MagicString from 'magic-string'

/** Where the copy is written (git-ignored, under build/), relative to the repository. */
export const WORKER_SOURCE_DIRECTORY = 'build/worker-src'

/** The calls that declare a route (src/lib/routes.ts, @hono/zod-openapi). */
const ROUTE_DECLARATIONS = new Set(['protectedRoute', 'platformRoute', 'publicRoute', 'createRoute'])
/** A route declaration's texts. */
const ROUTE_TEXTS = new Set(['summary', 'description'])

interface Node {
  type: string
  start: number
  end: number
  [key: string]: unknown
}

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && typeof (value as Node).type === 'string'

/** A text written in the source: a string, a template, or a `+` of them. */
function isText(node: Node): boolean {
  if (node.type === 'StringLiteral' || node.type === 'TemplateLiteral') return true
  return (
    node.type === 'BinaryExpression' &&
    node.operator === '+' &&
    isText(node.left as Node) &&
    isText(node.right as Node)
  )
}

/**
 * An expression that does nothing but compute a value: literals, texts, names, member reads, object and array
 * literals, operators, and `.join(…)` of such (how the declarations build their texts).
 */
function isInert(node: Node | null): boolean {
  if (!node) return true
  switch (node.type) {
    case 'StringLiteral':
    case 'NumericLiteral':
    case 'BooleanLiteral':
    case 'NullLiteral':
    case 'Identifier':
      return true
    case 'TemplateLiteral':
      return (node.expressions as Node[]).every(isInert)
    case 'MemberExpression':
      return isInert(node.object as Node) && (!node.computed || isInert(node.property as Node))
    case 'ObjectExpression':
      return (node.properties as Node[]).every(
        (property) =>
          (property.type === 'ObjectProperty' &&
            (!property.computed || isInert(property.key as Node)) &&
            isInert(property.value as Node)) ||
          (property.type === 'SpreadElement' && isInert(property.argument as Node)),
      )
    case 'ArrayExpression':
      return (node.elements as Array<Node | null>).every(isInert)
    case 'SpreadElement':
      return isInert(node.argument as Node)
    case 'BinaryExpression':
    case 'LogicalExpression':
      return isInert(node.left as Node) && isInert(node.right as Node)
    case 'ConditionalExpression':
      return isInert(node.test as Node) && isInert(node.consequent as Node) && isInert(node.alternate as Node)
    case 'UnaryExpression':
      return node.operator !== 'delete' && isInert(node.argument as Node)
    case 'TSAsExpression':
    case 'TSSatisfiesExpression':
    case 'TSNonNullExpression':
      return isInert(node.expression as Node)
    case 'CallExpression': {
      const callee = node.callee as Node
      return (
        callee.type === 'MemberExpression' &&
        !callee.computed &&
        (callee.property as Node).name === 'join' &&
        isInert(callee.object as Node) &&
        (node.arguments as Node[]).every(isInert)
      )
    }
    default:
      return false
  }
}

/**
 * A call `x.openapi(…)` that is zod's (`(refId)`, `(metadata)` or `(refId, metadata)`), not OpenAPIHono's
 * `(route, handler)`: one inert argument, or two whose second is an object literal (a handler never is).
 */
function isZodOpenApi(args: Node[]): boolean {
  if (args.length === 1) return isInert(args[0] as Node)
  return (
    args.length === 2 &&
    (args[1] as Node).type === 'ObjectExpression' &&
    isInert(args[0] as Node) &&
    isInert(args[1] as Node)
  )
}

function calleeName(callee: Node): string | undefined {
  if (callee.type === 'Identifier') return callee.name as string
  if (callee.type === 'MemberExpression' && !callee.computed) return (callee.property as Node).name as string
  return undefined
}

function propertyName(property: Node): string | undefined {
  if (property.computed) return undefined
  const key = property.key as Node
  if (key.type === 'Identifier') return key.name as string
  if (key.type === 'StringLiteral') return key.value as string
  return undefined
}

export interface WorkerSourceStats {
  /** `.openapi(…)` calls whose arguments were dropped. */
  openapiCalls: number
  /** Route texts (`summary`, `description`, `jsonContent`'s) replaced by ''. */
  routeTexts: number
  /** Tables whose indexes, constraints and policies (pgTable's third argument) were dropped. */
  tableConfigs: number
  /** Source characters dropped. */
  droppedChars: number
}

export function emptyWorkerSourceStats(): WorkerSourceStats {
  return { openapiCalls: 0, routeTexts: 0, tableConfigs: 0, droppedChars: 0 }
}

/** One module without its document-only parts, with a source map back to the original. */
export function workerModule(code: string, file: string, stats: WorkerSourceStats): string {
  const program = parse(code, { sourceType: 'module', plugins: ['typescript'], sourceFilename: file }).program
  const output = new MagicString(code)
  const blank = (node: Node) => {
    stats.routeTexts++
    stats.droppedChars += node.end - node.start - 2
    output.overwrite(node.start, node.end, "''")
  }
  const visit = (node: Node, inRoute: boolean): void => {
    if (node.type === 'CallExpression') {
      const callee = node.callee as Node
      const name = calleeName(callee)
      const args = node.arguments as Node[]
      if (name === 'openapi' && callee.type === 'MemberExpression' && isZodOpenApi(args)) {
        stats.openapiCalls++
        // Everything between the parentheses: the arguments, a trailing comma and the line breaks around them.
        const inside = code.indexOf('(', callee.end) + 1
        stats.droppedChars += node.end - 1 - inside
        output.remove(inside, node.end - 1)
        visit(callee, inRoute)
        return
      }
      if (name === 'jsonContent' && args[1] && isText(args[1])) blank(args[1])
      const extraConfig = args[2]
      if (name === 'pgTable' && extraConfig?.type === 'ArrowFunctionExpression') {
        stats.tableConfigs++
        stats.droppedChars += extraConfig.end - (args[1] as Node).end
        output.remove((args[1] as Node).end, extraConfig.end)
        // Nothing inside the dropped callback is edited again.
        for (const kept of [callee, args[0], args[1]]) if (kept) visit(kept, inRoute)
        return
      }
      if (name && ROUTE_DECLARATIONS.has(name)) inRoute = true
    }
    if (inRoute && node.type === 'ObjectProperty') {
      const name = propertyName(node)
      if (name && ROUTE_TEXTS.has(name) && isText(node.value as Node)) {
        blank(node.value as Node)
        return
      }
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'loc' || key === 'extra' || key === 'leadingComments' || key === 'trailingComments')
        continue
      if (Array.isArray(value)) {
        for (const child of value) if (isNode(child)) visit(child, inRoute)
      } else if (isNode(value)) {
        visit(value, inRoute)
      }
    }
  }
  visit(program as unknown as Node, false)
  // Unchanged modules get a map too, so every frame of a stack trace names src/, not this copy.
  const map = output.generateMap({ source: file, includeContent: true, hires: 'boundary' })
  return `${output.toString()}\n//# sourceMappingURL=${map.toUrl()}\n`
}

function typeScriptFiles(directory: string, skip?: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry)
    if (path === skip) return []
    if (statSync(path).isDirectory()) return typeScriptFiles(path, skip)
    return entry.endsWith('.ts') ? [path] : []
  })
}

/**
 * Writes the Worker's copy of `<root>/src` into `<root>/build/worker-src`: every module but `src/bundle/`'s,
 * transformed where it has document-only parts. Rewrites only files whose content changed (wrangler dev re-runs
 * the build on every source change and rebuilds what changed) and removes files no longer in `src/`.
 */
export function writeWorkerSource(root: string): WorkerSourceStats & { files: number; written: number } {
  const source = join(root, 'src')
  const target = join(root, WORKER_SOURCE_DIRECTORY)
  const stats = emptyWorkerSourceStats()
  // src/bundle/ holds wrangler.toml's [alias] targets, which wrangler reads from src/ (nothing imports them).
  const files = typeScriptFiles(source, join(source, 'bundle'))
  const expected = new Set<string>()
  let written = 0
  for (const file of files) {
    const path = relative(source, file)
    const destination = join(target, path)
    expected.add(destination)
    // The map's source is the original, relative to the copy (build/worker-src/x → src/x).
    const original = relative(dirname(destination), file)
    const code = workerModule(readFileSync(file, 'utf8'), original, stats)
    if (existsSync(destination) && readFileSync(destination, 'utf8') === code) continue
    mkdirSync(dirname(destination), { recursive: true })
    writeFileSync(destination, code)
    written++
  }
  if (existsSync(target)) {
    for (const stale of typeScriptFiles(target).filter((file) => !expected.has(file))) rmSync(stale)
  }
  return { ...stats, files: files.length, written }
}
