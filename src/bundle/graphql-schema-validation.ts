/**
 * graphql-js's schema validation (`graphql/type/validate.mjs`) as the Worker bundle sees it (wrangler.toml [alias]:
 * the imports of graphql-js's executor, document validator and `graphql()`). It checks a schema's own consistency
 * (types, interfaces, directives) once per schema, and /graphql's schemas are built from code, the same for every
 * request of a role: `test/reads/graphql-schema-file.test.ts` validates every role's schema with the real function
 * on every run (the suite runs src/ with all of graphql-js), so the Worker does not carry the validator (≈ 2 KiB
 * gzipped) nor pay it on a role's first request.
 */
export function validateSchema(): readonly [] {
  return []
}

export function assertValidSchema(): void {}
