/**
 * zod's JSON Schema generation as the Worker bundle sees it (wrangler.toml [alias]: zod's to-json-schema,
 * json-schema-processors and json-schema-generator modules). The API's document comes from
 * @asteasolutions/zod-to-openapi, which reads schemas itself, so zod's own generator (≈20 KiB) never runs; the
 * namespace exports keep it in the bundle. What zod-to-openapi does use stays: `aggregateChecks`, behind a
 * string's `minLength`/`maxLength`/`format` and a number's `format` (the real function, from zod's own file;
 * scripts/bundle-check.ts proves the bundled Worker serves the same /openapi.json as the source).
 */
export { aggregateChecks } from '../../node_modules/zod/v4/core/json-schema-processors.js'

const absent = (name: string) => (): never => {
  throw new Error(`zod's ${name} is not part of the Worker bundle (src/bundle/zod-json-schema.ts)`)
}

export const toJSONSchema = absent('toJSONSchema')
export const initializeContext = absent('initializeContext')
export const handleUnrepresentable = absent('handleUnrepresentable')
export const processSchema = absent('processSchema')
export { processSchema as process }
export const extractDefs = absent('extractDefs')
export const finalize = absent('finalize')
/** Schemas create these methods when built (`toJSONSchema()`, `~standard.jsonSchema`); only calling them fails. */
export const createToJSONSchemaMethod = () => absent('toJSONSchema')
export const createStandardJSONSchemaMethod = () => absent('~standard.jsonSchema')
export class JSONSchemaGenerator {
  constructor() {
    absent('JSONSchemaGenerator')()
  }
}
