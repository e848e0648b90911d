/**
 * `npm run graphql:schema`: writes schema.graphql, the GraphQL schema of /graphql (the ADMIN role's, the widest;
 * every other role's is a subset: fields and relations its REST reads leave out are not in it), derived from the
 * resource schemas (src/reads/graphql/schema.ts). `--check` fails when the file differs from the code (CI; the
 * test test/reads/graphql-schema-file.test.ts checks the same). Clients generate their types from the file, e.g.
 * `npx @graphql-codegen/cli` with the typescript and typescript-operations plugins.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { printSchema } from 'graphql'
import { schemaFor } from '../src/reads/graphql/schema'

const FILE = new URL('../schema.graphql', import.meta.url)
const printed = `${printSchema(schemaFor('ADMIN'))}\n`

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
