/**
 * drizzle's `getPgColumnBuilders` as the Worker bundle sees it (wrangler.toml [alias]). It only serves the callback
 * form of `pgTable(name, (t) => ({ … }))`, and pulls in every Postgres column type drizzle has (PostGIS, pgvector,
 * network types …); src/db/schema declares its tables with column objects, never that form.
 */
export function getPgColumnBuilders(): never {
  throw new Error(
    'pgTable(name, (t) => …) is not supported in the Worker bundle: declare columns as an object (src/bundle/drizzle-pg-column-builders.ts)',
  )
}
