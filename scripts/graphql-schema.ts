/**
 * `npm run graphql:schema`: writes schema.graphql, the GraphQL schema of /graphql (the ADMIN role's, the widest,
 * with the mutations only other roles may call: src/reads/graphql/published-schema.ts; every role's is a subset:
 * fields, relations and mutations its REST operations leave out are not in it),
 * derived from the resource schemas (src/reads/graphql/schema.ts) and, for the mutations, from the write operations
 * of the OpenAPI document the app serves (src/reads/graphql/mutations.ts). `--check` fails when the file differs from the code (CI; the
 * test test/reads/graphql-schema-file.test.ts checks the same). Clients generate their types from the file, e.g.
 * `npx @graphql-codegen/cli` with the typescript and typescript-operations plugins.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { printSchema } from 'graphql'
import { createApp, openApiInfo } from '../src/app'
import { documentOperations } from '../src/lib/operations'
import { publishedSchema } from '../src/reads/graphql/published-schema'
import type { OpenApiDocument } from '../src/resources/mcp/mcp.tools'

const FILE = new URL('../schema.graphql', import.meta.url)
const document = createApp().getOpenAPI31Document(openApiInfo) as unknown as OpenApiDocument
const printed = `${printSchema(publishedSchema(documentOperations(document)))}\n`

if (process.argv.includes('--check')) {
  const current = readFileSync(FILE, 'utf8')
  if (current !== printed) {
    console.error('schema.graphql is not the schema the code serves: run `npm run graphql:schema`.')
    process.exit(1)
  }
  console.log('schema.graphql is up to date.')
} else {
  writeFileSync(FILE, printed)
  console.log(`schema.graphql: ${printed.length} bytes.`)
}
