import { sql } from 'drizzle-orm'
import { char, check, index, integer, jsonb, pgTable, unique, uuid } from 'drizzle-orm/pg-core'
import {
  accountStandingEnum,
  accountStandingValues,
  accountTierEnum,
  accountTierValues,
  representativeRoleEnum,
  representativeRoleValues,
  representativeStatusEnum,
  representativeStatusValues,
} from './enums'
import {
  customerOwnRowsPolicy,
  money,
  storedSizeCheck,
  tenantIsolationPolicy,
  tenantKeys,
  versionAndTimestamps,
} from './helpers'
import { organizationForeignKey, tenantForeignKey, users } from './tenancy'
import type { CustomerContext, CustomerPreferences } from './types'

/** Support-team profile of a REPRESENTATIVE or ADMIN user (1:1, deleted with the user). */
export const representatives = pgTable(
  'representatives',
  {
    ...tenantKeys(),
    userId: uuid('user_id').notNull(),
    role: representativeRoleEnum('role').notNull().default('AGENT'),
    status: representativeStatusEnum('status').notNull().default('OFFLINE'),
    maxConcurrentTickets: integer('max_concurrent_tickets').notNull().default(5),
    skills: jsonb('skills').$type<string[]>().notNull().default([]),
    languages: jsonb('languages').$type<string[]>().notNull().default(['en']),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('representatives', t.organizationId),
    tenantForeignKey('representatives_user_fk', t.organizationId, t.userId, users).onDelete('cascade'),
    unique('representatives_organization_id_id_key').on(t.organizationId, t.id),
    unique('representatives_organization_id_user_id_key').on(t.organizationId, t.userId),
    // Keyset pagination of the representatives list, alone and behind each equality filter.
    index('representatives_organization_id_created_at_id_idx').on(t.organizationId, t.createdAt, t.id),
    // One partial index per status and per role: under row-level security an enum comparison is never an index
    // condition for app_api (not LEAKPROOF), a partial index's predicate still applies (see tickets in support.ts).
    ...representativeStatusValues.map((value) =>
      index(`representatives_status_${value.toLowerCase()}_idx`)
        .on(t.organizationId, t.createdAt, t.id)
        .where(sql.raw(`status = '${value}'`)),
    ),
    ...representativeRoleValues.map((value) =>
      index(`representatives_role_${value.toLowerCase()}_idx`)
        .on(t.organizationId, t.createdAt, t.id)
        .where(sql.raw(`role = '${value}'`)),
    ),
    // `skills @> '["billing"]'`, `languages @> '["de"]'` filters.
    index('representatives_skills_idx').using('gin', t.skills.op('jsonb_path_ops')),
    index('representatives_languages_idx').using('gin', t.languages.op('jsonb_path_ops')),
    check('representatives_max_concurrent_tickets_positive', sql`max_concurrent_tickets > 0`),
    check('representatives_skills_is_array', sql`jsonb_typeof(skills) = 'array'`),
    check('representatives_languages_is_array', sql`jsonb_typeof(languages) = 'array'`),
    tenantIsolationPolicy(),
  ],
)

/** Extended data of a CUSTOMER user (1:1, deleted with the user). */
export const customerProfiles = pgTable(
  'customer_profiles',
  {
    ...tenantKeys(),
    userId: uuid('user_id').notNull(),
    accountTier: accountTierEnum('account_tier').notNull().default('BASIC'),
    accountStanding: accountStandingEnum('account_standing').notNull().default('GOOD'),
    lifetimeValue: money('lifetime_value').notNull().default('0.00'),
    /** Currency of lifetime_value (ISO 4217). */
    currency: char('currency', { length: 3 }).notNull().default('USD'),
    context: jsonb('context').$type<CustomerContext>().notNull().default({}),
    preferences: jsonb('preferences').$type<CustomerPreferences>().notNull().default({}),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('customer_profiles', t.organizationId),
    tenantForeignKey('customer_profiles_user_fk', t.organizationId, t.userId, users).onDelete('cascade'),
    unique('customer_profiles_organization_id_user_id_key').on(t.organizationId, t.userId),
    // Keyset pagination of the customers list, alone and behind each equality filter.
    index('customer_profiles_organization_id_created_at_id_idx').on(t.organizationId, t.createdAt, t.id),
    // One partial index per tier and per standing: under row-level security an enum comparison is never an index
    // condition for app_api (not LEAKPROOF), a partial index's predicate still applies (see tickets in support.ts).
    ...accountTierValues.map((value) =>
      index(`customer_profiles_tier_${value.toLowerCase()}_idx`)
        .on(t.organizationId, t.createdAt, t.id)
        .where(sql.raw(`account_tier = '${value}'`)),
    ),
    ...accountStandingValues.map((value) =>
      index(`customer_profiles_standing_${value.toLowerCase()}_idx`)
        .on(t.organizationId, t.createdAt, t.id)
        .where(sql.raw(`account_standing = '${value}'`)),
    ),
    check('customer_profiles_lifetime_value_non_negative', sql`lifetime_value >= 0`),
    check('customer_profiles_currency_format', sql`currency ~ '^[A-Z]{3}$'`),
    check('customer_profiles_context_is_object', sql`jsonb_typeof(context) = 'object'`),
    check('customer_profiles_preferences_is_object', sql`jsonb_typeof(preferences) = 'object'`),
    storedSizeCheck('customer_profiles', 'context'),
    storedSizeCheck('customer_profiles', 'preferences'),
    tenantIsolationPolicy(),
    customerOwnRowsPolicy('user_id'),
  ],
)
