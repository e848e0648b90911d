import { z } from '@hono/zod-openapi'
import { type PrincipalRole, principalRoles } from '../../auth/principal'
import {
  type AccountStanding,
  type AccountTier,
  type AgentType,
  accountStandingValues,
  accountTierValues,
  agentTypeValues,
  type DecisionRuleAction,
  decisionRuleActionValues,
  type RefundReason,
  refundReasonValues,
  type TicketCategory,
  type TicketPriority,
  ticketCategoryValues,
  ticketPriorityValues,
} from '../../db/schema/enums'
import type { FieldError } from '../../lib/errors'
import { sameUuid } from '../../lib/input'
import { isCurrencyInUse } from '../../lib/schemas'

/*
 * The decision-rules language of docs/domain.md §2: a JSON tree in the json-rules-engine shape, validated on
 * write, and a small interpreter over it (no eval, no dependency). Pure: no database, no Hono.
 *
 * ── Grammar ──────────────────────────────────────────────────────────────────────────────────────────────
 *   node := { "all": [node, …] } | { "any": [node, …] } | { "not": node } | { "fact", "operator", "value" }
 * Every node object has exactly the keys of its kind; any other key is an error. `{ "all": [] }` is true
 * (a catch-all rule), `{ "any": [] }` is false.
 *
 * ── Limits ───────────────────────────────────────────────────────────────────────────────────────────────
 * Depth: a bare leaf (or an empty all/any) has depth 1; a node's depth is 1 + the greatest depth of its
 * children. So `{all:[leaf]}` and `{not: leaf}` have depth 2. At most MAX_DEPTH (8).
 * Nodes: every node object (all, any, not, leaf) counts 1. At most MAX_NODES (64) in a tree.
 * `in`/`notIn` take 1 to MAX_LIST_VALUES (100) values. At most MAX_ERRORS (50) errors are reported.
 * Validation is iterative (an explicit stack) and checks the depth of a node before looking inside it, so
 * hostile nesting cannot overflow the call stack; evaluation only runs on validated trees (≤ 8 levels).
 *
 * ── Values ───────────────────────────────────────────────────────────────────────────────────────────────
 * money    a JSON string, non-negative decimal with at most two decimal places, no sign, no exponent, no
 *          leading zeros: /^(0|[1-9]\d{0,9})(\.\d{1,2})?$/ — "0", "50", "50.5", "50.00", up to
 *          "9999999999.99" (the range of the numeric(12,2) money columns). Compared exactly as integer
 *          minor units (bigint), so "50" equals "50.00".
 * integer  a JSON number that is an integer from 0 to Number.MAX_SAFE_INTEGER.
 * currency an ISO 4217 code in use (isCurrencyInUse, src/lib/schemas.ts; facts read from rows: /^[A-Z]{3}$/).
 * uuid     a JSON string in the 8-4-4-4-12 hex form; compared case-insensitively.
 * enum     one of the value list of its Postgres enum (src/db/schema/enums.ts), or for requester.role of the
 *          token roles (src/auth/principal.ts).
 * Operators: every type has equal, notEqual, in, notIn; money and integer also lessThan, lessThanInclusive,
 * greaterThan, greaterThanInclusive, read as "<fact> <operator> <value>" (refund.amount lessThan "50": the
 * refund's amount is below 50).
 *
 * ── Currency ─────────────────────────────────────────────────────────────────────────────────────────────
 * There is no currency conversion: money facts are compared as amounts. A rule author who means "50 EUR"
 * writes `refund.currency equal "EUR"` into the same `all`. The one guard the evaluator adds: when the
 * facts carry `customer.currency` (the currency of the customer's lifetime value) and it differs from the
 * refund's currency, `customer.lifetimeValue` is MISSING rather than compared across currencies.
 *
 * ── Missing facts: three-valued (Kleene) logic ───────────────────────────────────────────────────────────
 * A leaf evaluates to TRUE, FALSE or MISSING. It is MISSING when its fact is absent — its group (customer,
 * ticket, agent, requester) is null/undefined, or requester.agentId when a person asked — or when the fact's value is not of the fact's type (a malformed money
 * string, a non-integer count, an unknown enum value): data that is absent or unusable never decides.
 *   not:  TRUE → FALSE, FALSE → TRUE, MISSING → MISSING.
 *   all:  FALSE if some child is FALSE; otherwise MISSING if some child is MISSING; otherwise TRUE ([] → TRUE).
 *   any:  TRUE if some child is TRUE; otherwise MISSING if some child is MISSING; otherwise FALSE ([] → FALSE).
 * A rule matches only when its root is TRUE: MISSING at the top counts as not matching. Hence a leaf over a
 * missing fact never matches, nor does `not` of it, nor any tree built from missing leaves alone; a tree
 * matches despite a missing fact only when the present facts decide it by themselves (e.g.
 * `any[missing, TRUE]`, or `not(all[missing, FALSE])`).
 * Every leaf of an evaluated rule is evaluated (no short-circuit) so the trace shows all of them.
 *
 * ── Evaluation order ─────────────────────────────────────────────────────────────────────────────────────
 * Only rules with isActive and an agentConfigurationId that is null or the same uuid as facts.agent.id (whatever
 * the case: a dry run's unsaved rule may spell it in upper case, where a saved one reads back lower case), sorted by
 * priority ascending, then createdAt ascending (an unparseable createdAt sorts last), then id ascending
 * (plain code-unit comparison, which for lowercase uuids is Postgres's uuid order). The first rule whose
 * conditions are TRUE decides; none → REQUIRE_APPROVAL with no rule.
 * Fail-safe: conditions are re-validated before evaluation (stored rules were validated on write, so this
 * only catches corruption or a bug). A rule whose conditions are invalid stops the evaluation with
 * REQUIRE_APPROVAL and outcome INVALID_RULE (the rule is named, its error in the trace): skipping it could
 * let a later, more permissive rule fire where the broken rule would have rejected.
 */

// ───────────────────────────────────────── limits ─────────────────────────────────────────

export const MAX_DEPTH = 8
export const MAX_NODES = 64
export const MAX_LIST_VALUES = 100
export const MAX_ERRORS = 50
export const MAX_MONEY = '9999999999.99'

// ───────────────────────────────────────── facts and operators ─────────────────────────────────────────

export type FactType = 'money' | 'integer' | 'currency' | 'uuid' | 'enum'

interface FactDefinition {
  type: FactType
  /** For enums: the Postgres enum's name and its values. */
  enumName?: string
  values?: readonly string[]
}

export const FACTS = {
  'refund.amount': { type: 'money' },
  'refund.currency': { type: 'currency' },
  'refund.reason': { type: 'enum', enumName: 'refund_reason', values: refundReasonValues },
  'customer.accountTier': { type: 'enum', enumName: 'account_tier', values: accountTierValues },
  'customer.accountStanding': { type: 'enum', enumName: 'account_standing', values: accountStandingValues },
  'customer.lifetimeValue': { type: 'money' },
  'customer.refundCount30d': { type: 'integer' },
  'customer.refundTotal30d': { type: 'money' },
  'ticket.category': { type: 'enum', enumName: 'ticket_category', values: ticketCategoryValues },
  'ticket.priority': { type: 'enum', enumName: 'ticket_priority', values: ticketPriorityValues },
  'agent.type': { type: 'enum', enumName: 'agent_type', values: agentTypeValues },
  'requester.role': { type: 'enum', enumName: 'requester role', values: principalRoles },
  'requester.agentId': { type: 'uuid' },
} as const satisfies Record<string, FactDefinition>

export type FactName = keyof typeof FACTS
export const FACT_NAMES = Object.keys(FACTS) as [FactName, ...FactName[]]

export const EQUALITY_OPERATORS = ['equal', 'notEqual', 'in', 'notIn'] as const
export const ORDER_OPERATORS = [
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
] as const
export const OPERATORS = [...EQUALITY_OPERATORS, ...ORDER_OPERATORS] as const
export type Operator = (typeof OPERATORS)[number]

/** The operators each fact type accepts. */
export const OPERATORS_BY_TYPE: Record<FactType, readonly Operator[]> = {
  money: OPERATORS,
  integer: OPERATORS,
  currency: EQUALITY_OPERATORS,
  uuid: EQUALITY_OPERATORS,
  enum: EQUALITY_OPERATORS,
}

const LIST_OPERATORS: ReadonlySet<string> = new Set(['in', 'notIn'])

// ───────────────────────────────────────── types ─────────────────────────────────────────

export type ConditionScalar = string | number
export type ConditionValue = ConditionScalar | ConditionScalar[]

export interface LeafCondition {
  fact: FactName
  operator: Operator
  value: ConditionValue
}
export interface AllCondition {
  all: Condition[]
}
export interface AnyCondition {
  any: Condition[]
}
export interface NotCondition {
  not: Condition
}
/** A validated conditions tree (see the grammar above). */
export type Condition = AllCondition | AnyCondition | NotCondition | LeafCondition

export type ValidationResult = { ok: true; conditions: Condition } | { ok: false; errors: FieldError[] }

// ───────────────────────────────────────── money ─────────────────────────────────────────

const RULE_MONEY = /^(0|[1-9]\d{0,9})(?:\.(\d{1,2}))?$/
// Facts come from numeric(12,2) columns or validated bodies; a sign is tolerated, more decimals are not.
const FACT_MONEY = /^(-?)(\d{1,18})(?:\.(\d{1,2}))?$/
const CURRENCY = /^[A-Z]{3}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A money value of a rule ("50", "50.5", "50.00") in minor units, or undefined when it is not one. */
export function parseRuleMoney(text: unknown): bigint | undefined {
  if (typeof text !== 'string') return undefined
  const match = RULE_MONEY.exec(text)
  if (!match) return undefined
  return BigInt(match[1] as string) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'))
}

/** A money fact ("125.00", possibly negative) in minor units, or undefined when it is malformed. */
export function parseFactMoney(text: unknown): bigint | undefined {
  if (typeof text !== 'string') return undefined
  const match = FACT_MONEY.exec(text)
  if (!match) return undefined
  const cents = BigInt(match[2] as string) * 100n + BigInt((match[3] ?? '').padEnd(2, '0'))
  return match[1] === '-' ? -cents : cents
}

// ───────────────────────────────────────── validation ─────────────────────────────────────────

const COMBINATOR_KEYS = ['all', 'any', 'not'] as const
const LEAF_KEYS = ['fact', 'operator', 'value'] as const
const NODE_SHAPE =
  'a condition node is {"all": [...]}, {"any": [...]}, {"not": {...}} or a leaf {"fact", "operator", "value"}'

function childPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`
  return base ? `${base}.${key}` : key
}

/** Echoes caller text in a message only when it is short printable ASCII. */
function quoted(text: unknown): string {
  return typeof text === 'string' && /^[\x20-\x7E]{1,64}$/.test(text) ? ` '${text}'` : ''
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

const hasOwn = (object: object, key: string) => Object.hasOwn(object, key)

function isValueOf(definition: FactDefinition, value: unknown): boolean {
  switch (definition.type) {
    case 'money':
      return parseRuleMoney(value) !== undefined
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
    case 'currency':
      return typeof value === 'string' && isCurrencyInUse(value)
    case 'uuid':
      return typeof value === 'string' && UUID.test(value)
    case 'enum':
      return typeof value === 'string' && (definition.values ?? []).includes(value)
  }
}

function typeMessage(fact: FactName): string {
  const definition: FactDefinition = FACTS[fact]
  switch (definition.type) {
    case 'money':
      return `${fact} is money: a decimal string with at most two decimal places, e.g. "50.00" (from "0" to "${MAX_MONEY}", no sign, exponent or leading zeros)`
    case 'integer':
      return `${fact} is an integer: a JSON number without fraction from 0 to ${Number.MAX_SAFE_INTEGER}, e.g. 3`
    case 'currency':
      return `${fact} is an ISO 4217 currency code in use: three capital letters, e.g. "EUR"`
    case 'uuid':
      return `${fact} is a uuid: a string like "00000000-0000-4000-8000-000000000000"`
    case 'enum':
      return `${fact} is a ${definition.enumName}: one of ${(definition.values ?? []).join(', ')}`
  }
}

function typeLabel(fact: FactName): string {
  const definition: FactDefinition = FACTS[fact]
  return definition.type === 'enum' ? 'enum' : definition.type
}

function isFactName(value: unknown): value is FactName {
  return typeof value === 'string' && Object.hasOwn(FACTS, value)
}

function isOperator(value: unknown): value is Operator {
  return typeof value === 'string' && (OPERATORS as readonly string[]).includes(value)
}

function validateLeaf(node: Record<string, unknown>, path: string, errors: FieldError[]): void {
  for (const key of LEAF_KEYS) {
    if (!hasOwn(node, key)) errors.push({ path: childPath(path, key), message: `${key} is required` })
  }
  const { fact, operator, value } = node
  let knownFact: FactName | undefined
  let knownOperator: Operator | undefined
  if (hasOwn(node, 'fact')) {
    if (isFactName(fact)) knownFact = fact
    else if (typeof fact !== 'string') {
      errors.push({
        path: childPath(path, 'fact'),
        message: `fact must be a string, one of ${FACT_NAMES.join(', ')}`,
      })
    } else {
      errors.push({
        path: childPath(path, 'fact'),
        message: `unknown fact${quoted(fact)}: expected one of ${FACT_NAMES.join(', ')}`,
      })
    }
  }
  if (hasOwn(node, 'operator')) {
    if (isOperator(operator)) knownOperator = operator
    else {
      errors.push({
        path: childPath(path, 'operator'),
        message: `unknown operator${quoted(operator)}: expected one of ${OPERATORS.join(', ')}`,
      })
    }
  }
  if (!knownFact || !knownOperator) return
  const definition: FactDefinition = FACTS[knownFact]
  if (!OPERATORS_BY_TYPE[definition.type].includes(knownOperator)) {
    errors.push({
      path: childPath(path, 'operator'),
      message: `operator ${knownOperator} does not apply to ${knownFact} (${typeLabel(knownFact)}): use one of ${OPERATORS_BY_TYPE[definition.type].join(', ')}`,
    })
    return
  }
  if (!hasOwn(node, 'value')) return
  const valuePath = childPath(path, 'value')
  if (LIST_OPERATORS.has(knownOperator)) {
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIST_VALUES) {
      errors.push({
        path: valuePath,
        message: `operator ${knownOperator} takes a non-empty array of at most ${MAX_LIST_VALUES} values; ${typeMessage(knownFact)}`,
      })
      return
    }
    for (let index = 0; index < value.length; index++) {
      if (errors.length >= MAX_ERRORS) return
      if (!isValueOf(definition, value[index])) {
        errors.push({ path: childPath(valuePath, index), message: typeMessage(knownFact) })
      }
    }
    return
  }
  if (Array.isArray(value)) {
    errors.push({
      path: valuePath,
      message: `operator ${knownOperator} takes a single value, not an array; ${typeMessage(knownFact)}`,
    })
  } else if (!isValueOf(definition, value)) {
    errors.push({ path: valuePath, message: typeMessage(knownFact) })
  }
}

/**
 * Validates a conditions tree. Never throws; errors carry the JSON path of the offending node or value in
 * the style `conditions.all[1].value` (dot before keys, [i] for array indexes), in document order.
 * `basePath` is the path of the tree itself ('' gives paths relative to it, e.g. `all[1].value`).
 * On success the input is returned, typed: every object in it has been checked to hold only known keys.
 */
export function validateConditions(input: unknown, basePath = 'conditions'): ValidationResult {
  const errors: FieldError[] = []
  const rootPath = basePath || '(root)'
  const stack: Array<{ node: unknown; path: string; depth: number }> = [
    { node: input, path: basePath, depth: 1 },
  ]
  let nodes = 0
  while (stack.length > 0 && errors.length < MAX_ERRORS) {
    const { node, path, depth } = stack.pop() as (typeof stack)[number]
    nodes += 1
    if (nodes > MAX_NODES) {
      errors.push({ path: rootPath, message: `more than ${MAX_NODES} nodes` })
      break
    }
    const here = path || rootPath
    if (depth > MAX_DEPTH) {
      errors.push({ path: here, message: `nested deeper than ${MAX_DEPTH} levels` })
      continue
    }
    if (!isPlainObject(node)) {
      errors.push({ path: here, message: `${NODE_SHAPE}; found ${describe(node)}` })
      continue
    }
    const keys = Object.keys(node)
    const combinators = COMBINATOR_KEYS.filter((key) => hasOwn(node, key))
    const isLeaf = LEAF_KEYS.some((key) => hasOwn(node, key))
    if (combinators.length + (isLeaf ? 1 : 0) !== 1) {
      const found = [...combinators, ...(isLeaf ? ['fact/operator/value'] : [])]
      errors.push({
        path: here,
        message: found.length
          ? `${NODE_SHAPE}: exactly one kind per node; found ${found.join(' and ')}`
          : `${NODE_SHAPE}; found an object with keys ${
              keys
                .slice(0, 8)
                .map((key) => quoted(key).trim() || '(unprintable)')
                .join(', ') || '(none)'
            }`,
      })
      continue
    }
    const allowed: readonly string[] = isLeaf ? LEAF_KEYS : combinators
    for (const key of keys) {
      if (!allowed.includes(key)) {
        errors.push({
          path: childPath(path, key),
          message: `unknown key${quoted(key)}: a${isLeaf ? ' leaf' : `n "${combinators[0]}" node`} has only ${allowed.map((k) => `"${k}"`).join(', ')}`,
        })
      }
    }
    if (isLeaf) {
      validateLeaf(node, path, errors)
      continue
    }
    const kind = combinators[0] as (typeof COMBINATOR_KEYS)[number]
    const child = node[kind]
    const kindPath = childPath(path, kind)
    if (kind === 'not') {
      stack.push({ node: child, path: kindPath, depth: depth + 1 })
      continue
    }
    if (!Array.isArray(child)) {
      errors.push({
        path: kindPath,
        message: `${kind} takes an array of condition nodes; found ${describe(child)}`,
      })
      continue
    }
    if (nodes + child.length > MAX_NODES) {
      errors.push({ path: rootPath, message: `more than ${MAX_NODES} nodes` })
      break
    }
    // Pushed in reverse so that they are visited, and their errors reported, in document order.
    for (let index = child.length - 1; index >= 0; index--) {
      stack.push({ node: child[index], path: childPath(kindPath, index), depth: depth + 1 })
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, conditions: input as Condition }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (value === undefined) return 'nothing'
  return `a ${typeof value}`
}

// ───────────────────────────────────────── zod schema ─────────────────────────────────────────

export const CONDITIONS_EXAMPLE: Condition = {
  all: [
    { fact: 'refund.amount', operator: 'lessThanInclusive', value: '50.00' },
    { fact: 'customer.accountTier', operator: 'in', value: ['PREMIUM', 'VIP'] },
    { not: { fact: 'refund.reason', operator: 'equal', value: 'OTHER' } },
  ],
}

const CONDITIONS_REF = '#/components/schemas/DecisionRuleConditions'

/**
 * `conditions` in request bodies. Runs validateConditions; each issue's path is ONE segment holding the
 * path inside the tree (`all[1].value`), so the app's fieldErrorsOf — which joins segments with '.' —
 * renders `conditions.all[1].value`, the style of docs/domain.md §2, when the schema sits under a `conditions` key.
 */
export const ConditionsSchema = z
  .custom<Condition>()
  .superRefine((value, ctx) => {
    const result = validateConditions(value, '')
    if (result.ok) return
    for (const error of result.errors) {
      ctx.addIssue({
        code: 'custom',
        message: error.message,
        path: error.path === '(root)' ? [] : [error.path],
      })
    }
  })
  .openapi('DecisionRuleConditions', {
    type: 'object',
    description:
      'A decision-rule conditions tree (json-rules-engine shape): {"all": [...]}, {"any": [...]}, {"not": {...}} ' +
      'or a leaf {"fact", "operator", "value"}; no other keys. {"all": []} is true. ' +
      `Facts: ${FACT_NAMES.map((fact) => `${fact} (${FACTS[fact].type})`).join(', ')}. ` +
      'Every type has equal, notEqual, in, notIn; money and integer also lessThan, lessThanInclusive, ' +
      `greaterThan, greaterThanInclusive. in/notIn take a non-empty array of at most ${MAX_LIST_VALUES} values. ` +
      `Money values are decimal strings with at most two decimal places ("50.00"), from "0" to "${MAX_MONEY}", ` +
      'compared exactly; there is no currency conversion: constrain refund.currency in the rule. ' +
      `At most ${MAX_DEPTH} levels deep (a bare leaf is 1 level) and ${MAX_NODES} nodes. ` +
      'requester.role is who asks (CUSTOMER, REPRESENTATIVE, ADMIN, AGENT); requester.agentId is the asking ' +
      "agent's id, compared case-insensitively, and missing when a person asks. " +
      'A leaf over a missing fact (no customer, ticket or agent) does not match, and neither does its "not".',
    example: CONDITIONS_EXAMPLE,
    oneOf: [
      {
        type: 'object',
        required: ['all'],
        additionalProperties: false,
        properties: { all: { type: 'array', items: { $ref: CONDITIONS_REF } } },
      },
      {
        type: 'object',
        required: ['any'],
        additionalProperties: false,
        properties: { any: { type: 'array', items: { $ref: CONDITIONS_REF } } },
      },
      {
        type: 'object',
        required: ['not'],
        additionalProperties: false,
        properties: { not: { $ref: CONDITIONS_REF } },
      },
      {
        type: 'object',
        required: ['fact', 'operator', 'value'],
        additionalProperties: false,
        properties: {
          fact: { type: 'string', enum: [...FACT_NAMES] },
          operator: { type: 'string', enum: [...OPERATORS] },
          value: {
            oneOf: [
              { type: 'string' },
              { type: 'integer', minimum: 0 },
              {
                type: 'array',
                minItems: 1,
                maxItems: MAX_LIST_VALUES,
                items: { oneOf: [{ type: 'string' }, { type: 'integer', minimum: 0 }] },
              },
            ],
          },
        },
      },
    ],
  })

// ───────────────────────────────────────── facts ─────────────────────────────────────────

/** What the rules see. A null/undefined group makes every fact in it missing. */
export interface Facts {
  refund: { amount: string; currency: string; reason: RefundReason }
  customer?: {
    accountTier: AccountTier
    accountStanding: AccountStanding
    lifetimeValue: string
    refundCount30d: number
    refundTotal30d: string
    /** Currency of lifetimeValue; when given and not the refund's, customer.lifetimeValue is missing. */
    currency?: string | null
  } | null
  ticket?: { category: TicketCategory; priority: TicketPriority } | null
  agent?: { id: string; type: AgentType } | null
  /** Who asks: the token's role, and the agent's id when an agent asks (null for a person). */
  requester?: { role: PrincipalRole; agentId: string | null } | null
}

/** A fact's value as the evaluator sees it: absent, or its JSON value and its comparable form. */
type FactReading =
  | { present: false }
  | { present: true; actual: string | number; key: bigint | number | string }

function readFact(facts: Facts, fact: FactName): FactReading {
  const raw = rawFact(facts, fact)
  const definition: FactDefinition = FACTS[fact]
  switch (definition.type) {
    case 'money': {
      const cents = parseFactMoney(raw)
      return cents === undefined ? { present: false } : { present: true, actual: raw as string, key: cents }
    }
    case 'integer':
      return typeof raw === 'number' && Number.isSafeInteger(raw)
        ? { present: true, actual: raw, key: raw }
        : { present: false }
    case 'currency':
      return typeof raw === 'string' && CURRENCY.test(raw)
        ? { present: true, actual: raw, key: raw }
        : { present: false }
    case 'uuid':
      return typeof raw === 'string' && UUID.test(raw)
        ? { present: true, actual: raw, key: raw.toLowerCase() }
        : { present: false }
    case 'enum':
      return typeof raw === 'string' && (definition.values ?? []).includes(raw)
        ? { present: true, actual: raw, key: raw }
        : { present: false }
  }
}

function rawFact(facts: Facts, fact: FactName): unknown {
  const { refund, customer, ticket, agent, requester } = facts
  switch (fact) {
    case 'refund.amount':
      return refund?.amount
    case 'refund.currency':
      return refund?.currency
    case 'refund.reason':
      return refund?.reason
    case 'customer.accountTier':
      return customer?.accountTier
    case 'customer.accountStanding':
      return customer?.accountStanding
    case 'customer.lifetimeValue':
      if (customer && customer.currency != null && customer.currency !== refund?.currency) return undefined
      return customer?.lifetimeValue
    case 'customer.refundCount30d':
      return customer?.refundCount30d
    case 'customer.refundTotal30d':
      return customer?.refundTotal30d
    case 'ticket.category':
      return ticket?.category
    case 'ticket.priority':
      return ticket?.priority
    case 'agent.type':
      return agent?.type
    case 'requester.role':
      return requester?.role
    case 'requester.agentId':
      return requester?.agentId
  }
}

/** The comparable form of a rule value (validated): money in minor units, uuids in lower case, the rest as is. */
function ruleKey(fact: FactName, value: ConditionScalar): bigint | number | string {
  const type = FACTS[fact].type
  if (type === 'money') return parseRuleMoney(value) ?? Number.NaN
  return type === 'uuid' && typeof value === 'string' ? value.toLowerCase() : value
}

function compare(left: bigint | number | string, right: bigint | number | string): number {
  return left < right ? -1 : left > right ? 1 : 0
}

function applyOperator(
  operator: Operator,
  fact: FactName,
  actual: bigint | number | string,
  value: ConditionValue,
) {
  const equalTo = (item: ConditionScalar) => {
    const key = ruleKey(fact, item)
    return typeof key === typeof actual && key === actual
  }
  const list = Array.isArray(value) ? value : [value]
  switch (operator) {
    case 'equal':
      return equalTo(value as ConditionScalar)
    case 'notEqual':
      return !equalTo(value as ConditionScalar)
    case 'in':
      return list.some(equalTo)
    case 'notIn':
      return !list.some(equalTo)
    case 'lessThan':
      return compare(actual, ruleKey(fact, value as ConditionScalar)) < 0
    case 'lessThanInclusive':
      return compare(actual, ruleKey(fact, value as ConditionScalar)) <= 0
    case 'greaterThan':
      return compare(actual, ruleKey(fact, value as ConditionScalar)) > 0
    case 'greaterThanInclusive':
      return compare(actual, ruleKey(fact, value as ConditionScalar)) >= 0
  }
}

// ───────────────────────────────────────── evaluation ─────────────────────────────────────────

export type Truth = 'TRUE' | 'FALSE' | 'MISSING'

export interface LeafTrace {
  /** JSON path of the leaf in the rule, e.g. `conditions.all[0]`. */
  path: string
  fact: FactName
  operator: Operator
  /** The rule's value. */
  expected: ConditionValue
  /** The fact's value, or null when it is missing. */
  actual: string | number | null
  missing: boolean
  /** Whether the leaf itself held (false when missing); `not` wrappers are not applied. */
  held: boolean
}

export interface RuleTrace {
  ruleId: string
  ruleName: string
  priority: number
  action: DecisionRuleAction
  matched: boolean
  /** Why the rule could not be evaluated (outcome INVALID_RULE), else null. */
  error: string | null
  leaves: LeafTrace[]
}

/**
 * FACTS_UNSETTLED is not the evaluator's: refund creation records it when the facts that depend on the
 * customer's other refunds kept changing under concurrent requests (src/resources/refunds/refunds.data.ts).
 */
export type DecisionOutcome = 'RULE_MATCHED' | 'NO_RULE_MATCHED' | 'INVALID_RULE' | 'FACTS_UNSETTLED'

export interface DecisionTrace {
  outcome: DecisionOutcome
  action: DecisionRuleAction
  ruleId: string | null
  ruleName: string | null
  /** The rules evaluated, in order, up to and including the deciding one. */
  rules: RuleTrace[]
}

export interface Decision {
  action: DecisionRuleAction
  ruleId: string | null
  ruleName: string | null
  trace: DecisionTrace
}

export interface RuleInput {
  id: string
  name: string
  priority: number
  createdAt: Date | string
  isActive: boolean
  agentConfigurationId: string | null
  action: DecisionRuleAction
  conditions: Condition
}

function not(truth: Truth): Truth {
  return truth === 'TRUE' ? 'FALSE' : truth === 'FALSE' ? 'TRUE' : 'MISSING'
}

/**
 * Evaluates a (validated) conditions tree with the three-valued logic above. Every leaf is evaluated and
 * appended to the returned `leaves` in document order. Defensive on unvalidated input: a node deeper than
 * MAX_DEPTH or of no known shape evaluates to MISSING (so it can never make a rule fire).
 */
export function evaluateConditions(
  conditions: Condition,
  facts: Facts,
  basePath = 'conditions',
): { truth: Truth; leaves: LeafTrace[] } {
  const leaves: LeafTrace[] = []
  const truth = evaluateNode(conditions, basePath, 1, facts, leaves)
  return { truth, leaves }
}

function evaluateNode(
  node: Condition,
  path: string,
  depth: number,
  facts: Facts,
  leaves: LeafTrace[],
): Truth {
  if (depth > MAX_DEPTH || !isPlainObject(node as unknown)) return 'MISSING'
  if ('all' in node && Array.isArray(node.all)) {
    const results = node.all.map((child, index) =>
      evaluateNode(child, childPath(childPath(path, 'all'), index), depth + 1, facts, leaves),
    )
    return results.includes('FALSE') ? 'FALSE' : results.includes('MISSING') ? 'MISSING' : 'TRUE'
  }
  if ('any' in node && Array.isArray(node.any)) {
    const results = node.any.map((child, index) =>
      evaluateNode(child, childPath(childPath(path, 'any'), index), depth + 1, facts, leaves),
    )
    return results.includes('TRUE') ? 'TRUE' : results.includes('MISSING') ? 'MISSING' : 'FALSE'
  }
  if ('not' in node) return not(evaluateNode(node.not, childPath(path, 'not'), depth + 1, facts, leaves))
  if ('fact' in node && isValidLeaf(node)) {
    const { fact, operator, value } = node
    const reading = readFact(facts, fact)
    const held = reading.present && applyOperator(operator, fact, reading.key, value)
    leaves.push({
      path,
      fact,
      operator,
      expected: Array.isArray(value) ? [...value] : value,
      actual: reading.present ? reading.actual : null,
      missing: !reading.present,
      held,
    })
    return reading.present ? (held ? 'TRUE' : 'FALSE') : 'MISSING'
  }
  return 'MISSING'
}

function isValidLeaf(node: object): node is LeafCondition {
  const errors: FieldError[] = []
  validateLeaf(node as Record<string, unknown>, '', errors)
  return errors.length === 0
}

function timeOf(createdAt: Date | string): number {
  const time = createdAt instanceof Date ? createdAt.getTime() : Date.parse(createdAt)
  return Number.isNaN(time) ? Number.POSITIVE_INFINITY : time
}

function compareRules(left: RuleInput, right: RuleInput): number {
  const byPriority = compare(
    Number.isNaN(left.priority) ? Number.POSITIVE_INFINITY : left.priority,
    Number.isNaN(right.priority) ? Number.POSITIVE_INFINITY : right.priority,
  )
  if (byPriority !== 0) return byPriority
  const byCreatedAt = compare(timeOf(left.createdAt), timeOf(right.createdAt))
  return byCreatedAt !== 0 ? byCreatedAt : compare(left.id, right.id)
}

/** Orders the rules that apply to the requester as evaluateRules does (exported for listings and tests). */
export function applicableRules(rules: readonly RuleInput[], facts: Pick<Facts, 'agent'>): RuleInput[] {
  const agentId = facts.agent?.id
  return rules
    .filter(
      (rule) =>
        rule.isActive === true &&
        (rule.agentConfigurationId == null ||
          (agentId != null && sameUuid(rule.agentConfigurationId, agentId))),
    )
    .sort(compareRules)
}

/**
 * Decides a refund: the first applicable rule (see the order above) whose conditions are TRUE decides;
 * none → REQUIRE_APPROVAL. Pure and deterministic; the trace is plain JSON.
 */
export function evaluateRules(rules: readonly RuleInput[], facts: Facts): Decision {
  const traces: RuleTrace[] = []
  const decide = (outcome: DecisionOutcome, action: DecisionRuleAction, rule: RuleInput | null): Decision => {
    const ruleId = rule?.id ?? null
    const ruleName = rule?.name ?? null
    return { action, ruleId, ruleName, trace: { outcome, action, ruleId, ruleName, rules: traces } }
  }
  for (const rule of applicableRules(rules, facts)) {
    const base = { ruleId: rule.id, ruleName: rule.name, priority: rule.priority, action: rule.action }
    const validation = validateConditions(rule.conditions)
    if (!validation.ok) {
      const first = validation.errors[0] as FieldError
      traces.push({ ...base, matched: false, error: `${first.path}: ${first.message}`, leaves: [] })
      return decide('INVALID_RULE', 'REQUIRE_APPROVAL', rule)
    }
    const { truth, leaves } = evaluateConditions(validation.conditions, facts)
    const matched = truth === 'TRUE'
    traces.push({ ...base, matched, error: null, leaves })
    if (matched) return decide('RULE_MATCHED', rule.action, rule)
  }
  return decide('NO_RULE_MATCHED', 'REQUIRE_APPROVAL', null)
}

// ───────────────────────────────────────── stable ranges ─────────────────────────────────────────

/** Inclusive bounds in a fact's comparable units (integers as is, money in minor units); null: unbounded. */
export interface FactRange {
  min: bigint | null
  max: bigint | null
}

/** A fact's integer or money value as a bigint (money in minor units), or undefined when unusable. */
function orderKey(fact: FactName, value: unknown): bigint | undefined {
  if (FACTS[fact].type === 'integer')
    return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : undefined
  return parseFactMoney(value)
}

/** The widest range of values around `x` over which the leaf's result stays what it is at `x`. */
function leafRange(fact: FactName, operator: Operator, expected: ConditionValue, x: bigint): FactRange {
  const values = (Array.isArray(expected) ? expected : [expected])
    .map((value) => (FACTS[fact].type === 'money' ? parseRuleMoney(value) : orderKey(fact, value)))
    .filter((value): value is bigint => value !== undefined)
  const v = values[0]
  if (v === undefined) return { min: null, max: null }
  switch (operator) {
    case 'lessThan':
      return x < v ? { min: null, max: v - 1n } : { min: v, max: null }
    case 'lessThanInclusive':
      return x <= v ? { min: null, max: v } : { min: v + 1n, max: null }
    case 'greaterThan':
      return x > v ? { min: v + 1n, max: null } : { min: null, max: v }
    case 'greaterThanInclusive':
      return x >= v ? { min: v, max: null } : { min: null, max: v - 1n }
    default: {
      // equal, notEqual, in, notIn: the result changes only where membership in the values changes.
      const members = new Set(values)
      if (members.has(x)) {
        let [min, max] = [x, x]
        while (members.has(min - 1n)) min -= 1n
        while (members.has(max + 1n)) max += 1n
        return { min, max }
      }
      let [min, max]: [bigint | null, bigint | null] = [null, null]
      for (const value of values) {
        if (value < x && (min === null || value + 1n > min)) min = value + 1n
        if (value > x && (max === null || value - 1n < max)) max = value - 1n
      }
      return { min, max }
    }
  }
}

/**
 * The values of an integer or money fact for which every traced leaf over it keeps its result, given the
 * fact's value in those leaves; undefined when no leaf read a present value of it. A decision depends on a
 * fact only through its traced leaves (every leaf of every rule evaluated up to the deciding one is traced),
 * so it is the same decision for any value in this range. Refund creation uses it to check, under a lock at
 * the write, that such facts are still ones that decide the same way.
 */
export function stableRange(fact: FactName, leaves: readonly LeafTrace[]): FactRange | undefined {
  let range: FactRange | undefined
  for (const leaf of leaves) {
    if (leaf.fact !== fact || leaf.missing) continue
    const x = orderKey(fact, leaf.actual)
    if (x === undefined) continue
    const own = leafRange(fact, leaf.operator, leaf.expected, x)
    range = {
      min: range?.min == null ? own.min : own.min == null || range.min > own.min ? range.min : own.min,
      max: range?.max == null ? own.max : own.max == null || range.max < own.max ? range.max : own.max,
    }
  }
  return range
}

// ───────────────────────────────────────── trace schema (responses) ─────────────────────────────────────────

const TraceScalarSchema = z.union([z.string(), z.number()])

export const LeafTraceSchema = z
  .object({
    path: z.string().openapi({ example: 'conditions.all[0]' }),
    fact: z.enum(FACT_NAMES).openapi({ example: 'refund.amount' }),
    operator: z.enum(OPERATORS).openapi({ example: 'lessThanInclusive' }),
    expected: z.union([TraceScalarSchema, z.array(TraceScalarSchema)]).openapi({
      description: "The rule's value.",
      example: '50.00',
    }),
    actual: TraceScalarSchema.nullable().openapi({
      description: "The fact's value; null when the fact is missing.",
      example: '25.00',
    }),
    missing: z
      .boolean()
      .openapi({ description: 'The fact was absent (or unusable): the leaf did not hold.' }),
    held: z.boolean().openapi({ description: 'Whether the leaf itself held (before any enclosing "not").' }),
  })
  .openapi('DecisionTraceLeaf')

export const RuleTraceSchema = z
  .object({
    ruleId: z.string(),
    ruleName: z.string(),
    priority: z.number().int(),
    action: z.enum(decisionRuleActionValues),
    matched: z.boolean(),
    error: z.string().nullable().openapi({ description: 'Why the rule could not be evaluated, else null.' }),
    leaves: z.array(LeafTraceSchema),
  })
  .openapi('DecisionTraceRule')

export const DecisionTraceSchema = z
  .object({
    outcome: z.enum(['RULE_MATCHED', 'NO_RULE_MATCHED', 'INVALID_RULE', 'FACTS_UNSETTLED']).openapi({
      description:
        'RULE_MATCHED: a rule decided. NO_RULE_MATCHED: none did, so REQUIRE_APPROVAL. INVALID_RULE: a stored ' +
        "rule's conditions were invalid; evaluation stopped there with REQUIRE_APPROVAL (fail-safe). " +
        "FACTS_UNSETTLED: the customer's refund facts (refundCount30d, refundTotal30d) kept changing under " +
        'concurrent requests, so no rule decided: REQUIRE_APPROVAL, no rules listed (fail-safe).',
    }),
    action: z.enum(decisionRuleActionValues),
    ruleId: z.string().nullable(),
    ruleName: z.string().nullable(),
    rules: z.array(RuleTraceSchema).openapi({
      description: 'The applicable rules evaluated, in order, up to and including the deciding one.',
    }),
  })
  .openapi('DecisionTrace', {
    description:
      'How a refund was decided. A leaf over a missing fact (no customer, ticket or agent; requester.agentId ' +
      'when a person asked) does not hold, and ' +
      '"not" of it does not hold either (three-valued logic).',
  })
