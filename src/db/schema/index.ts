/*
 * The database schema: 22 tables, 25 enums (with their value arrays and types), jsonb types and row types.
 * drizzle-kit reads this file (drizzle.config.ts); the app imports it as `schema`. The relations (./relations.ts)
 * are not exported here: only Drizzle Studio reads them (drizzle.config.ts names both files), so the Worker does
 * not carry them.
 */
export * from './automation'
export * from './conversations'
export * from './enums'
export * from './events'
export * from './finance'
export { CURRENT_ORGANIZATION_SQL, MAX_STORED_FREE_FORM_BYTES } from './helpers'
export * from './idempotency'
export * from './metrics'
export * from './people'
export * from './rows'
export * from './support'
export * from './tenancy'
export * from './types'
export * from './webhooks'
