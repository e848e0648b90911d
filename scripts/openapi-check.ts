/**
 * `npm exec -- tsx scripts/openapi-check.ts` builds the API's OpenAPI document from the app itself and
 * validates it against the official OpenAPI 3.1 JSON schema. Exits 1 on any error (for CI).
 */
import { pathToFileURL } from 'node:url'
import { Validator } from '@seriousme/openapi-schema-validator'
import { createApp, openApiInfo } from '../src/app'

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

export interface OpenApiCheck {
  valid: boolean
  version: string | undefined
  paths: number
  operations: number
  errors: unknown
}

type Paths = Record<string, Partial<Record<string, unknown>>>

/** The document exactly as `GET /openapi.json` serves it (same generator, same info). */
export function buildDocument(): Record<string, unknown> {
  return createApp().getOpenAPI31Document(openApiInfo) as unknown as Record<string, unknown>
}

function countOperations(paths: Paths): number {
  return Object.values(paths).reduce(
    (total, item) => total + HTTP_METHODS.filter((method) => item[method] !== undefined).length,
    0,
  )
}

export async function checkOpenApi(document = buildDocument()): Promise<OpenApiCheck> {
  const validator = new Validator()
  // A deep copy: the validator must not see (or mutate) objects the app keeps.
  const result = await validator.validate(JSON.parse(JSON.stringify(document)))
  const paths = (document.paths ?? {}) as Paths
  // The validator picks the schema from the document's own `openapi` field: insist that it is 3.1.
  const is31 = validator.version === '3.1'
  return {
    valid: result.valid && is31,
    version: validator.version,
    paths: Object.keys(paths).length,
    operations: countOperations(paths),
    errors: result.valid
      ? is31
        ? undefined
        : `expected OpenAPI 3.1, got ${validator.version}`
      : result.errors,
  }
}

async function main(): Promise<number> {
  const check = await checkOpenApi()
  console.log(`OpenAPI ${check.version ?? '?'}: ${check.paths} paths, ${check.operations} operations`)
  if (check.valid) {
    console.log('valid against the official OpenAPI 3.1 schema')
    return 0
  }
  console.error('INVALID:', JSON.stringify(check.errors, null, 2))
  return 1
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}
