/*
 * TypeScript shapes of the jsonb columns. The database only checks the JSON kind (object/array);
 * the API validates the contents with zod before writing.
 */

export type JsonPrimitive = string | number | boolean | null
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

/** organizations.settings: free-form tenant settings (locale, timezone, branding, ...). */
export type OrganizationSettings = JsonObject

/** customer_profiles.context: what agents know about the customer (order history summary, notes, ...). */
export type CustomerContext = JsonObject

/** customer_profiles.preferences: contact channel, language, ... */
export type CustomerPreferences = JsonObject

/**
 * agent_configurations.thresholds, e.g. `{ "minConfidence": 0.8, "maxAutoRefundAmount": "50.00",
 * "maxAutoRefundCurrency": "USD" }`: the confidence below which the agent escalates, and the largest refund it may
 * have auto-approved (money: in its currency when one is set; refunds of another currency then always need people).
 */
export type AgentThresholds = {
  minConfidence?: number
  maxAutoRefundAmount?: string
  maxAutoRefundCurrency?: string
}

/** One entry of agent_configurations.data_sources. */
export type AgentDataSource = { type: string; name: string; config?: JsonObject }

/** agent_configurations.settings: model parameters and the like. */
export type AgentSettings = JsonObject

/**
 * decision_rules.conditions: all/any/not over comparisons (docs/domain.md §2), e.g.
 * `{ "all": [{ "fact": "refund.amount", "operator": "lessThanInclusive", "value": "50.00" }] }`.
 * Facts, operators and value types are validated by src/resources/decision-rules/rules-language.ts.
 */
export type RuleComparison = {
  fact: string
  operator: string
  value: string | number | Array<string | number>
}
export type RuleCondition =
  | { all: RuleCondition[] }
  | { any: RuleCondition[] }
  | { not: RuleCondition }
  | RuleComparison

/** messages.metadata of an AI agent's message: its confidence (0–1), its sources (≤ 20) and the model. */
export type MessageMetadata = {
  confidence?: number
  sources?: Array<{ title: string; url: string }>
  model?: string
}

/** budgets.alert_thresholds: percentages of the amount, ascending, e.g. `[50, 80, 100]`. */
export type BudgetAlertThresholds = number[]
