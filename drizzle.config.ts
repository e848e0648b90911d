import { defineConfig } from 'drizzle-kit'

// Migrations run as the database owner (MIGRATION_DATABASE_URL), never as the Worker's role.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/db/schema/index.ts', './src/db/schema/relations.ts'],
  out: process.env.DRIZZLE_OUT ?? './drizzle',
  dbCredentials: { url: process.env.MIGRATION_DATABASE_URL ?? process.env.DATABASE_URL ?? '' },
  casing: 'snake_case',
  strict: true,
  verbose: true,
})
