import { sql } from 'drizzle-orm'
import { boolean, check, index, integer, jsonb, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core'
import {
  agentStatusEnum,
  agentStatusValues,
  agentTypeEnum,
  agentTypeValues,
  decisionRuleActionEnum,
} from './enums'
import { storedSizeCheck, tenantIsolationPolicy, tenantKeys, versionAndTimestamps } from './helpers'
import { organizationForeignKey, tenantForeignKey } from './tenancy'
import type { AgentDataSource, AgentSettings, AgentThresholds, RuleCondition } from './types'

/** AI agents of the organization; an agent authenticates as its configuration id (role AGENT). */
export const agentConfigurations = pgTable(
  'agent_configurations',
  {
    ...tenantKeys(),
    name: text('name').notNull(),
    description: text('description'),
    type: agentTypeEnum('type').notNull(),
    status: agentStatusEnum('status').notNull().default('TESTING'),
    model: text('model').notNull(),
    thresholds: jsonb('thresholds').$type<AgentThresholds>().notNull().default({}),
    dataSources: jsonb('data_sources').$type<AgentDataSource[]>().notNull().default([]),
    settings: jsonb('settings').$type<AgentSettings>().notNull().default({}),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('agent_configurations', t.organizationId),
    unique('agent_configurations_organization_id_id_key').on(t.organizationId, t.id),
    index('agent_configurations_organization_id_created_at_id_idx').on(t.organizationId, t.createdAt, t.id),
    // One partial index per status and per type: under row-level security an enum comparison is never an index
    // condition for app_api (not LEAKPROOF), a partial index's predicate still applies (see tickets in support.ts).
    ...agentStatusValues.map((value) =>
      index(`agent_configurations_status_${value.toLowerCase()}_idx`)
        .on(t.organizationId, t.createdAt, t.id)
        .where(sql.raw(`status = '${value}'`)),
    ),
    ...agentTypeValues.map((value) =>
      index(`agent_configurations_type_${value.toLowerCase()}_idx`)
        .on(t.organizationId, t.createdAt, t.id)
        .where(sql.raw(`type = '${value}'`)),
    ),
    check('agent_configurations_name_not_blank', sql`btrim(name) <> ''`),
    check('agent_configurations_thresholds_is_object', sql`jsonb_typeof(thresholds) = 'object'`),
    check('agent_configurations_data_sources_is_array', sql`jsonb_typeof(data_sources) = 'array'`),
    check('agent_configurations_settings_is_object', sql`jsonb_typeof(settings) = 'object'`),
    storedSizeCheck('agent_configurations', 'settings'),
    tenantIsolationPolicy(),
  ],
)

/**
 * Automated refund decisions: active rules are evaluated by ascending priority, the first match decides.
 * agent_configuration_id scopes a rule to one agent (NULL: all requesters); an agent that rules are scoped to cannot
 * be deleted (nulling the reference would widen the rule to everyone).
 */
export const decisionRules = pgTable(
  'decision_rules',
  {
    ...tenantKeys(),
    agentConfigurationId: uuid('agent_configuration_id'),
    name: text('name').notNull(),
    description: text('description'),
    priority: integer('priority').notNull().default(100),
    conditions: jsonb('conditions').$type<RuleCondition>().notNull(),
    action: decisionRuleActionEnum('action').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    ...versionAndTimestamps(),
  },
  (t) => [
    organizationForeignKey('decision_rules', t.organizationId),
    // ON DELETE NO ACTION (migration 0035; SET NULL before): the organization's cascade still deletes both.
    tenantForeignKey(
      'decision_rules_agent_configuration_fk',
      t.organizationId,
      t.agentConfigurationId,
      agentConfigurations,
    ),
    unique('decision_rules_organization_id_id_key').on(t.organizationId, t.id),
    index('decision_rules_organization_id_is_active_priority_idx').on(
      t.organizationId,
      t.isActive,
      t.priority,
    ),
    // The list's orders (evaluation order; creation time) and the agent filter in evaluation order (also the agent
    // foreign key's index): measured by `npm run bench -- --scale`.
    index('decision_rules_organization_id_priority_created_at_id_idx').on(
      t.organizationId,
      t.priority,
      t.createdAt,
      t.id,
    ),
    index('decision_rules_organization_id_created_at_id_idx').on(t.organizationId, t.createdAt, t.id),
    index('decision_rules_organization_id_agent_priority_idx').on(
      t.organizationId,
      t.agentConfigurationId,
      t.priority,
      t.createdAt,
      t.id,
    ),
    index('decision_rules_organization_id_agent_created_at_idx').on(
      t.organizationId,
      t.agentConfigurationId,
      t.createdAt,
      t.id,
    ),
    check('decision_rules_name_not_blank', sql`btrim(name) <> ''`),
    check('decision_rules_priority_non_negative', sql`priority >= 0`),
    check('decision_rules_conditions_is_object', sql`jsonb_typeof(conditions) = 'object'`),
    tenantIsolationPolicy(),
  ],
)
