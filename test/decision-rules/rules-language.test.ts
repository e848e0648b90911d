import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { principalRoles } from '../../src/auth/principal'
import {
  accountStandingValues,
  accountTierValues,
  agentTypeValues,
  decisionRuleActionValues,
  refundReasonValues,
  ticketCategoryValues,
  ticketPriorityValues,
} from '../../src/db/schema/enums'
import type { FieldError } from '../../src/lib/errors'
import { fieldErrorsOf } from '../../src/lib/openapi'
import {
  type Condition,
  type ConditionScalar,
  ConditionsSchema,
  DecisionTraceSchema,
  evaluateConditions,
  evaluateRules,
  FACT_NAMES,
  FACTS,
  type FactName,
  type Facts,
  type LeafCondition,
  OPERATORS_BY_TYPE,
  type Operator,
  parseRuleMoney,
  type RuleInput,
  stableRange,
  validateConditions,
} from '../../src/resources/decision-rules/rules-language'

// ───────────────────────────────────────── helpers ─────────────────────────────────────────

const SPEC_EXAMPLE = {
  all: [
    { fact: 'refund.amount', operator: 'lessThanInclusive', value: '50.00' },
    { fact: 'customer.accountTier', operator: 'in', value: ['PREMIUM', 'VIP'] },
    { not: { fact: 'refund.reason', operator: 'equal', value: 'OTHER' } },
  ],
}

const FULL_FACTS: Facts = {
  refund: { amount: '25.00', currency: 'EUR', reason: 'DEFECTIVE_PRODUCT' },
  customer: {
    accountTier: 'VIP',
    accountStanding: 'GOOD',
    lifetimeValue: '1000.00',
    refundCount30d: 2,
    refundTotal30d: '40.00',
  },
  ticket: { category: 'BILLING', priority: 'HIGH' },
  agent: { id: 'agent-1', type: 'REFUND_PROCESSOR' },
  requester: { role: 'AGENT', agentId: '3f0c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b' },
}

/** A leaf, possibly invalid (typed as one so that trees of them type-check). */
const leaf = (fact: string, operator: string, value: unknown) =>
  ({ fact, operator, value }) as unknown as LeafCondition
const ALWAYS: Condition = { all: [] }
const NEVER: Condition = { any: [] }

let ruleCounter = 0
function rule(overrides: Partial<RuleInput> = {}): RuleInput {
  ruleCounter += 1
  return {
    id: `00000000-0000-4000-8000-${String(ruleCounter).padStart(12, '0')}`,
    name: `rule ${ruleCounter}`,
    priority: 100,
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    isActive: true,
    agentConfigurationId: null,
    action: 'AUTO_APPROVE',
    conditions: ALWAYS,
    ...overrides,
  }
}

function errorsOf(input: unknown, basePath?: string): FieldError[] {
  const result = validateConditions(input, basePath)
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be invalid`)
  return result.errors
}

function expectValid(input: unknown): void {
  const result = validateConditions(input)
  expect(result.ok ? [] : result.errors).toEqual([])
}

/** `{not: {not: … leaf}}` with `nots` nots: depth nots + 1. */
function notChain(nots: number, inner: unknown = leaf('refund.amount', 'equal', '1')): unknown {
  let node = inner
  for (let i = 0; i < nots; i++) node = { not: node }
  return node
}

function countNodes(node: Condition): number {
  if ('all' in node) return 1 + node.all.reduce((sum, child) => sum + countNodes(child), 0)
  if ('any' in node) return 1 + node.any.reduce((sum, child) => sum + countNodes(child), 0)
  if ('not' in node) return 1 + countNodes(node.not)
  return 1
}

/** The leaves of a tree with their JSON paths, in document order. */
function leavesOf(node: Condition, path = 'conditions'): Array<{ path: string; leaf: LeafCondition }> {
  if ('all' in node) return node.all.flatMap((child, i) => leavesOf(child, `${path}.all[${i}]`))
  if ('any' in node) return node.any.flatMap((child, i) => leavesOf(child, `${path}.any[${i}]`))
  if ('not' in node) return leavesOf(node.not, `${path}.not`)
  return [{ path, leaf: node }]
}

// ───────────────────────────────────────── arbitraries ─────────────────────────────────────────

/** Every spelling of an amount of cents a rule or a fact may use: "12.30", "12.3"; "12.00", "12.0", "12". */
function spellings(cents: bigint): string[] {
  const whole = cents / 100n
  const fraction = cents % 100n
  const result = [`${whole}.${fraction.toString().padStart(2, '0')}`]
  if (fraction % 10n === 0n) result.push(`${whole}.${fraction / 10n}`)
  if (fraction === 0n) result.push(`${whole}`)
  return result
}

const centsArb = fc.oneof(fc.bigInt({ min: 0n, max: 5_000n }), fc.bigInt({ min: 0n, max: 999_999_999_999n }))
const moneyArb = centsArb.chain((cents) => fc.constantFrom(...spellings(cents)))
const currencyArb = fc.constantFrom('EUR', 'USD', 'GBP')
const AGENT_IDS = ['3f0c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b', '00000000-0000-4000-8000-00000000000a'] as const
/** An agent id as a rule or a fact may spell it (case does not matter). */
const uuidArb = fc.constantFrom(...AGENT_IDS).chain((id) => fc.constantFrom(id, id.toUpperCase()))

function valueArb(fact: FactName): fc.Arbitrary<ConditionScalar> {
  const definition = FACTS[fact]
  switch (definition.type) {
    case 'money':
      return moneyArb
    case 'integer':
      return fc.nat({ max: 20 })
    case 'currency':
      return currencyArb
    case 'uuid':
      return uuidArb
    case 'enum':
      return fc.constantFrom(...definition.values)
  }
}

const leafArbOver = (facts: readonly FactName[]): fc.Arbitrary<LeafCondition> =>
  fc
    .constantFrom(...facts)
    .chain((fact) =>
      fc
        .constantFrom(...OPERATORS_BY_TYPE[FACTS[fact].type])
        .chain((operator) =>
          (operator === 'in' || operator === 'notIn'
            ? fc.array(valueArb(fact), { minLength: 1, maxLength: 4 })
            : valueArb(fact)
          ).map((value): LeafCondition => ({ fact, operator, value })),
        ),
    )
const leafArb = leafArbOver(FACT_NAMES)

const factsArb: fc.Arbitrary<Facts> = fc.record({
  refund: fc.record({
    amount: moneyArb,
    currency: currencyArb,
    reason: fc.constantFrom(...refundReasonValues),
  }),
  customer: fc.record({
    accountTier: fc.constantFrom(...accountTierValues),
    accountStanding: fc.constantFrom(...accountStandingValues),
    lifetimeValue: moneyArb,
    refundCount30d: fc.nat({ max: 20 }),
    refundTotal30d: moneyArb,
  }),
  ticket: fc.record({
    category: fc.constantFrom(...ticketCategoryValues),
    priority: fc.constantFrom(...ticketPriorityValues),
  }),
  agent: fc.record({ id: fc.constantFrom('agent-1', 'agent-2'), type: fc.constantFrom(...agentTypeValues) }),
  requester: fc.record({ role: fc.constantFrom(...principalRoles), agentId: uuidArb }),
})

/** Valid trees of depth ≤ `depth` (memoized per depth, so building them is linear). */
const treeArbs: Array<fc.Arbitrary<Condition>> = []
function treeArb(depth: number): fc.Arbitrary<Condition> {
  const known = treeArbs[depth]
  if (known) return known
  const below = depth <= 1 ? undefined : treeArb(depth - 1)
  const arbitrary: fc.Arbitrary<Condition> = below
    ? fc.oneof(
        { weight: 3, arbitrary: leafArb as fc.Arbitrary<Condition> },
        { weight: 1, arbitrary: below.map((not): Condition => ({ not })) },
        { weight: 1, arbitrary: fc.array(below, { maxLength: 3 }).map((all): Condition => ({ all })) },
        { weight: 1, arbitrary: fc.array(below, { maxLength: 3 }).map((any): Condition => ({ any })) },
      )
    : leafArb
  treeArbs[depth] = arbitrary
  return arbitrary
}
/** Valid trees: random shapes within the limits, plus `not` chains reaching exactly depth 8. */
const validTreeArb = fc.oneof(
  treeArb(8).filter((tree) => countNodes(tree) <= 64),
  fc
    .tuple(fc.integer({ min: 0, max: 7 }), leafArb)
    .map(([nots, inner]) => notChain(nots, inner) as Condition),
)

// ───────────────────────────────────────── validation ─────────────────────────────────────────

describe('validateConditions', () => {
  it('accepts the docs/domain.md §2 example and returns it', () => {
    const result = validateConditions(SPEC_EXAMPLE)
    expect(result).toEqual({ ok: true, conditions: SPEC_EXAMPLE })
  })

  it('accepts the catch-all and every fact with each of its operators', () => {
    expectValid({ all: [] })
    expectValid({ any: [] })
    expectValid(leaf('customer.refundCount30d', 'greaterThanInclusive', 0))
    expectValid(leaf('refund.currency', 'in', ['EUR', 'USD']))
    expectValid(leaf('agent.type', 'notIn', ['TRIAGE']))
    expectValid(leaf('ticket.priority', 'notEqual', 'URGENT'))
    expectValid(leaf('customer.lifetimeValue', 'greaterThan', '9999999999.99'))
    expectValid(leaf('requester.role', 'equal', 'CUSTOMER'))
    expectValid(leaf('requester.role', 'in', ['REPRESENTATIVE', 'ADMIN', 'AGENT']))
    expectValid(leaf('requester.agentId', 'notIn', ['3F0C2A4E-5B6D-4E7F-8A9B-0C1D2E3F4A5B']))
  })

  it('refuses requester facts of the wrong type or with order operators, with the path', () => {
    expect(errorsOf({ all: [leaf('requester.role', 'equal', 'OWNER')] })).toEqual([
      {
        path: 'conditions.all[0].value',
        message: 'requester.role is a requester role: one of CUSTOMER, REPRESENTATIVE, ADMIN, AGENT',
      },
    ])
    expect(errorsOf(leaf('requester.agentId', 'in', ['agent-1']))).toEqual([
      {
        path: 'conditions.value[0]',
        message: 'requester.agentId is a uuid: a string like "00000000-0000-4000-8000-000000000000"',
      },
    ])
    expect(errorsOf(leaf('requester.agentId', 'lessThan', AGENT_IDS[0]))[0]).toMatchObject({
      path: 'conditions.operator',
      message: expect.stringContaining('does not apply to requester.agentId (uuid)'),
    })
  })

  it('refuses money given as a number, with the path of the value', () => {
    expect(errorsOf({ all: [SPEC_EXAMPLE.all[0], leaf('refund.amount', 'lessThan', 50)] })).toEqual([
      {
        path: 'conditions.all[1].value',
        message: expect.stringContaining(
          'refund.amount is money: a decimal string with at most two decimal places, e.g. "50.00"',
        ),
      },
    ])
  })

  it('accepts money with 0–2 decimals up to 9999999999.99 and nothing else', () => {
    for (const value of ['0', '0.5', '50', '50.5', '50.00', '9999999999.99', '1234567.89']) {
      expectValid(leaf('refund.amount', 'equal', value))
    }
    for (const value of [
      '50.001',
      '-1',
      '+1',
      '1e3',
      '050',
      '00.50',
      '.5',
      '5.',
      '10000000000',
      ' 50',
      '50 ',
      '',
      '5,00',
      'NaN',
      'Infinity',
      '0x10',
    ]) {
      expect(
        errorsOf(leaf('refund.amount', 'equal', value)).map((e) => e.path),
        value,
      ).toEqual(['conditions.value'])
    }
    expect(parseRuleMoney('12.3')).toBe(1230n)
    expect(parseRuleMoney('12')).toBe(1200n)
    expect(parseRuleMoney('0.07')).toBe(7n)
  })

  it('refuses an unknown operator, with the path through not', () => {
    expect(errorsOf({ any: [{ not: leaf('refund.reason', 'like', 'OTHER') }] })).toEqual([
      { path: 'conditions.any[0].not.operator', message: expect.stringContaining("unknown operator 'like'") },
    ])
  })

  it('refuses an operator that does not apply to the fact type', () => {
    expect(errorsOf(leaf('refund.reason', 'lessThan', 'OTHER'))).toEqual([
      {
        path: 'conditions.operator',
        message: expect.stringContaining('operator lessThan does not apply to refund.reason (enum)'),
      },
    ])
    expect(errorsOf({ all: [leaf('refund.currency', 'greaterThan', 'EUR')] })[0]).toEqual({
      path: 'conditions.all[0].operator',
      message: expect.stringContaining('operator greaterThan does not apply to refund.currency (currency)'),
    })
  })

  it('refuses an unknown fact', () => {
    expect(errorsOf({ all: [leaf('refund.colour', 'equal', 'red')] })).toEqual([
      { path: 'conditions.all[0].fact', message: expect.stringContaining("unknown fact 'refund.colour'") },
    ])
    expect(errorsOf(leaf(42 as unknown as string, 'equal', 'x'))[0]?.path).toBe('conditions.fact')
    // `toString` and friends are not facts (no prototype lookups).
    expect(errorsOf(leaf('toString', 'equal', 'x'))[0]?.path).toBe('conditions.fact')
  })

  it('refuses enum values outside their list, in scalars and in lists', () => {
    expect(errorsOf(leaf('customer.accountTier', 'equal', 'GOLD'))).toEqual([
      { path: 'conditions.value', message: expect.stringContaining('one of BASIC, STANDARD, PREMIUM, VIP') },
    ])
    expect(errorsOf({ all: [leaf('customer.accountTier', 'in', ['VIP', 'GOLD', 'premium'])] })).toEqual([
      { path: 'conditions.all[0].value[1]', message: expect.stringContaining('account_tier') },
      { path: 'conditions.all[0].value[2]', message: expect.stringContaining('account_tier') },
    ])
  })

  it('refuses in/notIn without a non-empty array of at most 100 values, and arrays for single-value operators', () => {
    const message = expect.stringContaining('takes a non-empty array')
    expect(errorsOf(leaf('ticket.category', 'in', 'BILLING'))).toEqual([
      { path: 'conditions.value', message },
    ])
    expect(errorsOf(leaf('ticket.category', 'notIn', []))).toEqual([{ path: 'conditions.value', message }])
    expect(errorsOf(leaf('refund.amount', 'in', Array(101).fill('1')))).toEqual([
      { path: 'conditions.value', message },
    ])
    expectValid(leaf('refund.amount', 'in', Array(100).fill('1')))
    expect(errorsOf(leaf('refund.amount', 'equal', ['1']))).toEqual([
      { path: 'conditions.value', message: expect.stringContaining('takes a single value') },
    ])
  })

  it('refuses integers that are not non-negative JSON integers, and malformed currencies', () => {
    for (const value of [-1, 1.5, '3', Number.NaN, 2 ** 53, null]) {
      expect(errorsOf(leaf('customer.refundCount30d', 'lessThan', value))).toEqual([
        {
          path: 'conditions.value',
          message: expect.stringContaining('customer.refundCount30d is an integer'),
        },
      ])
    }
    for (const value of ['eur', 'EURO', 'E1R', 978, 'ZZZ']) {
      expect(errorsOf(leaf('refund.currency', 'equal', value))).toEqual([
        { path: 'conditions.value', message: expect.stringContaining('ISO 4217') },
      ])
    }
  })

  it('counts a bare leaf as depth 1 and refuses depth 9 at the first node too deep', () => {
    expectValid(notChain(7)) // 7 nots + leaf = depth 8
    expect(errorsOf(notChain(8))).toEqual([
      { path: `conditions${'.not'.repeat(8)}`, message: 'nested deeper than 8 levels' },
    ])
    let allChain: unknown = leaf('refund.amount', 'equal', '1')
    for (let i = 0; i < 8; i++) allChain = { all: [ALWAYS, allChain] }
    // The innermost all[0] (an empty all) and all[1] (the leaf) both sit at depth 9.
    expect(errorsOf(allChain)).toEqual([
      { path: `conditions${'.all[1]'.repeat(7)}.all[0]`, message: 'nested deeper than 8 levels' },
      { path: `conditions${'.all[1]'.repeat(8)}`, message: 'nested deeper than 8 levels' },
    ])
    expectValid((allChain as { all: unknown[] }).all[1])
  })

  it('survives hostile nesting and width without overflowing the stack', () => {
    const deep = notChain(200_000)
    expect(errorsOf(deep)).toEqual([
      { path: expect.stringMatching(/^conditions(\.not){8}$/), message: expect.any(String) },
    ])
    let deepArrays: unknown = 'x'
    for (let i = 0; i < 100_000; i++) deepArrays = { any: [deepArrays] }
    expect(errorsOf(deepArrays)).toHaveLength(1)
    expect(errorsOf({ all: new Array(1_000_000).fill(ALWAYS) })).toEqual([
      { path: 'conditions', message: 'more than 64 nodes' },
    ])
  })

  it('refuses more than 64 nodes, and accepts 64', () => {
    const leaves = (n: number) => Array.from({ length: n }, () => leaf('refund.amount', 'equal', '1'))
    expectValid({ all: leaves(63) })
    expect(errorsOf({ all: leaves(64) })).toEqual([{ path: 'conditions', message: 'more than 64 nodes' }])
    // 1 any + 8 alls + 56 leaves = 65 nodes, none of them wide.
    const wide = (last: number) => ({
      any: Array.from({ length: 8 }, (_, i) => ({ all: leaves(i === 7 ? last : 7) })),
    })
    expectValid(wide(6))
    expect(errorsOf(wide(7))).toEqual([{ path: 'conditions', message: 'more than 64 nodes' }])
  })

  it('refuses unknown keys at their path, and missing leaf keys', () => {
    expect(errorsOf({ all: [{ ...leaf('refund.amount', 'equal', '1'), path: '$.x' }] })).toEqual([
      { path: 'conditions.all[0].path', message: expect.stringContaining("unknown key 'path'") },
    ])
    expect(errorsOf({ all: [], priority: 1 })).toEqual([
      { path: 'conditions.priority', message: expect.stringContaining("unknown key 'priority'") },
    ])
    expect(
      errorsOf(
        JSON.parse('{"not": {"fact": "refund.amount", "operator": "equal", "value": "1", "__proto__": {}}}'),
      ),
    ).toEqual([{ path: 'conditions.not.__proto__', message: expect.stringContaining('unknown key') }])
    expect(errorsOf({ any: [{ fact: 'refund.amount', operator: 'equal' }] })).toEqual([
      { path: 'conditions.any[0].value', message: 'value is required' },
    ])
  })

  it('refuses a node with two kinds, or of no kind', () => {
    expect(errorsOf({ all: [], any: [] })).toEqual([
      { path: 'conditions', message: expect.stringContaining('found all and any') },
    ])
    expect(errorsOf({ any: [{ not: ALWAYS, ...leaf('refund.amount', 'equal', '1') }] })).toEqual([
      { path: 'conditions.any[0]', message: expect.stringContaining('found not and fact/operator/value') },
    ])
    expect(errorsOf({ all: [{}] })).toEqual([
      { path: 'conditions.all[0]', message: expect.stringContaining('keys (none)') },
    ])
  })

  it('refuses non-object nodes and non-array all/any', () => {
    expect(errorsOf({ all: [null, 'x', 42, [], true] }).map((e) => e.path)).toEqual([
      'conditions.all[0]',
      'conditions.all[1]',
      'conditions.all[2]',
      'conditions.all[3]',
      'conditions.all[4]',
    ])
    for (const root of [null, undefined, 'all', 7, [SPEC_EXAMPLE]]) {
      expect(errorsOf(root)).toEqual([
        { path: 'conditions', message: expect.stringContaining('a condition node is') },
      ])
    }
    expect(errorsOf({ all: { 0: ALWAYS } })).toEqual([
      { path: 'conditions.all', message: expect.stringContaining('all takes an array') },
    ])
    expect(errorsOf({ not: [ALWAYS] })[0]?.path).toBe('conditions.not')
    expect(errorsOf(new Date())[0]?.path).toBe('conditions')
  })

  it('reports several errors in document order under the given base path', () => {
    const input = {
      all: [leaf('refund.colour', 'equal', 'x'), { not: leaf('refund.amount', 'lessThan', 5) }],
    }
    expect(errorsOf(input, 'rules[2].conditions').map((e) => e.path)).toEqual([
      'rules[2].conditions.all[0].fact',
      'rules[2].conditions.all[1].not.value',
    ])
    expect(errorsOf(input, '').map((e) => e.path)).toEqual(['all[0].fact', 'all[1].not.value'])
    expect(errorsOf(null, '')).toEqual([{ path: '(root)', message: expect.any(String) }])
  })

  it('caps the number of errors it reports', () => {
    const input = { all: Array.from({ length: 60 }, () => leaf('refund.colour', 'equal', 'x')) }
    expect(errorsOf(input)).toHaveLength(50)
  })
})

describe('ConditionsSchema', () => {
  const Body = z.object({ name: z.string(), conditions: ConditionsSchema })

  it('reports issues that fieldErrorsOf renders in the path style of docs/domain.md §2', () => {
    const result = Body.safeParse({
      name: 'r',
      conditions: {
        all: [SPEC_EXAMPLE.all[0], leaf('refund.amount', 'lessThan', 50), { not: leaf('x', 'equal', 1) }],
      },
    })
    expect(result.success).toBe(false)
    if (result.success) return
    expect(fieldErrorsOf(result.error)).toEqual([
      { path: 'conditions.all[1].value', message: expect.stringContaining('refund.amount is money') },
      { path: 'conditions.all[2].not.fact', message: expect.stringContaining("unknown fact 'x'") },
    ])
  })

  it('reports a missing or non-object tree at conditions, and passes a valid one through', () => {
    const missing = Body.safeParse({ name: 'r' })
    expect(missing.success ? [] : fieldErrorsOf(missing.error)).toEqual([
      { path: 'conditions', message: expect.stringContaining('a condition node is') },
    ])
    const parsed = Body.parse({ name: 'r', conditions: SPEC_EXAMPLE })
    expect(parsed.conditions).toEqual(SPEC_EXAMPLE)
    expect(
      ConditionsSchema.safeParse({ all: new Array(100).fill(ALWAYS) }).error?.issues.map((i) => i.path),
    ).toEqual([[]])
  })

  it('documents the language and the trace in the OpenAPI document', () => {
    const app = new OpenAPIHono()
    app.openapi(
      createRoute({
        method: 'post',
        path: '/evaluate',
        request: { body: { content: { 'application/json': { schema: Body } } } },
        responses: {
          200: { description: 'ok', content: { 'application/json': { schema: DecisionTraceSchema } } },
        },
      }),
      (c) => c.json(evaluateRules([], FULL_FACTS).trace, 200),
    )
    const document = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } })
    const schemas = document.components?.schemas ?? {}
    expect(Object.keys(schemas).sort()).toEqual(
      ['DecisionRuleConditions', 'DecisionTrace', 'DecisionTraceLeaf', 'DecisionTraceRule'].sort(),
    )
    const conditions = schemas.DecisionRuleConditions as Record<string, unknown>
    expect(conditions).toMatchObject({ type: 'object', example: SPEC_EXAMPLE })
    expect(JSON.stringify(conditions)).toContain('"$ref":"#/components/schemas/DecisionRuleConditions"')
    expect(JSON.stringify(document)).toContain(
      '"conditions":{"$ref":"#/components/schemas/DecisionRuleConditions"}',
    )
  })
})

// ───────────────────────────────────────── evaluation ─────────────────────────────────────────

describe('evaluateRules', () => {
  it('orders by priority, then createdAt, then id, and lists only the rules evaluated', () => {
    const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`
    const rules = [
      rule({ id: id(1), priority: 10, conditions: NEVER }),
      rule({ id: id(2), priority: 5, createdAt: '2026-03-01T00:00:00.000Z', conditions: NEVER }),
      rule({ id: id(4), priority: 5, createdAt: new Date('2026-02-01T00:00:00.000Z'), conditions: NEVER }),
      rule({ id: id(3), priority: 5, createdAt: '2026-02-01T00:00:00.000Z', conditions: NEVER }),
      rule({ id: id(5), priority: -1, createdAt: '2027-01-01T00:00:00.000Z', conditions: NEVER }),
    ]
    const decision = evaluateRules(rules, FULL_FACTS)
    expect(decision.trace.rules.map((r) => r.ruleId)).toEqual([id(5), id(3), id(4), id(2), id(1)])
    expect(decision).toMatchObject({ action: 'REQUIRE_APPROVAL', ruleId: null, ruleName: null })
    expect(decision.trace.outcome).toBe('NO_RULE_MATCHED')

    const stops = evaluateRules(
      [...rules, rule({ priority: 5, createdAt: '2026-02-15T00:00:00Z' })],
      FULL_FACTS,
    )
    expect(stops.trace.rules.map((r) => r.ruleId)).toEqual([id(5), id(3), id(4), stops.ruleId])
  })

  it('lets the first matching rule decide', () => {
    const first = rule({
      priority: 1,
      action: 'AUTO_REJECT',
      conditions: leaf('refund.reason', 'equal', 'DEFECTIVE_PRODUCT') as Condition,
    })
    const second = rule({ priority: 2, action: 'AUTO_APPROVE' })
    const decision = evaluateRules([second, first], FULL_FACTS)
    expect(decision).toMatchObject({ action: 'AUTO_REJECT', ruleId: first.id, ruleName: first.name })
    expect(decision.trace).toMatchObject({ outcome: 'RULE_MATCHED', action: 'AUTO_REJECT', ruleId: first.id })
    expect(decision.trace.rules).toHaveLength(1)
  })

  it('skips inactive rules and rules of another agent; agent rules need an agent', () => {
    const inactive = rule({ priority: 1, isActive: false, action: 'AUTO_REJECT' })
    const otherAgent = rule({ priority: 2, agentConfigurationId: 'agent-2', action: 'ESCALATE' })
    const thisAgent = rule({ priority: 3, agentConfigurationId: 'agent-1', action: 'AUTO_APPROVE' })
    const everyone = rule({ priority: 4, action: 'AUTO_REJECT' })
    const rules = [inactive, otherAgent, thisAgent, everyone]
    const byAgent = evaluateRules(rules, FULL_FACTS)
    expect(byAgent.ruleId).toBe(thisAgent.id)
    expect(byAgent.trace.rules.map((r) => r.ruleId)).toEqual([thisAgent.id])
    for (const agent of [null, undefined]) {
      const byPerson = evaluateRules(rules, { ...FULL_FACTS, agent })
      expect(byPerson).toMatchObject({ action: 'AUTO_REJECT', ruleId: everyone.id })
      expect(byPerson.trace.rules.map((r) => r.ruleId)).toEqual([everyone.id])
    }
  })

  it('answers REQUIRE_APPROVAL without a rule when nothing matches or there are no rules', () => {
    for (const rules of [[], [rule({ conditions: NEVER })], [rule({ isActive: false })]]) {
      const decision = evaluateRules(rules, FULL_FACTS)
      expect(decision).toMatchObject({ action: 'REQUIRE_APPROVAL', ruleId: null, ruleName: null })
      expect(decision.trace.outcome).toBe('NO_RULE_MATCHED')
    }
  })

  it('traces every leaf with its path, values and result, as plain JSON', () => {
    const noMatch = rule({
      priority: 1,
      action: 'AUTO_REJECT',
      conditions: {
        any: [leaf('ticket.priority', 'equal', 'URGENT'), leaf('customer.refundCount30d', 'greaterThan', 5)],
      } as Condition,
    })
    const spec = rule({ priority: 2, action: 'AUTO_APPROVE', conditions: SPEC_EXAMPLE as Condition })
    const decision = evaluateRules([spec, noMatch], FULL_FACTS)
    expect(decision.trace).toEqual({
      outcome: 'RULE_MATCHED',
      action: 'AUTO_APPROVE',
      ruleId: spec.id,
      ruleName: spec.name,
      rules: [
        {
          ruleId: noMatch.id,
          ruleName: noMatch.name,
          priority: 1,
          action: 'AUTO_REJECT',
          matched: false,
          error: null,
          leaves: [
            {
              path: 'conditions.any[0]',
              fact: 'ticket.priority',
              operator: 'equal',
              expected: 'URGENT',
              actual: 'HIGH',
              missing: false,
              held: false,
            },
            {
              path: 'conditions.any[1]',
              fact: 'customer.refundCount30d',
              operator: 'greaterThan',
              expected: 5,
              actual: 2,
              missing: false,
              held: false,
            },
          ],
        },
        {
          ruleId: spec.id,
          ruleName: spec.name,
          priority: 2,
          action: 'AUTO_APPROVE',
          matched: true,
          error: null,
          leaves: [
            {
              path: 'conditions.all[0]',
              fact: 'refund.amount',
              operator: 'lessThanInclusive',
              expected: '50.00',
              actual: '25.00',
              missing: false,
              held: true,
            },
            {
              path: 'conditions.all[1]',
              fact: 'customer.accountTier',
              operator: 'in',
              expected: ['PREMIUM', 'VIP'],
              actual: 'VIP',
              missing: false,
              held: true,
            },
            {
              path: 'conditions.all[2].not',
              fact: 'refund.reason',
              operator: 'equal',
              expected: 'OTHER',
              actual: 'DEFECTIVE_PRODUCT',
              missing: false,
              held: false,
            },
          ],
        },
      ],
    })
    expect(JSON.parse(JSON.stringify(decision.trace))).toEqual(decision.trace)
    expect(DecisionTraceSchema.parse(decision.trace)).toEqual(decision.trace)
  })

  it('never matches a leaf over a missing ticket, agent or customer fact, nor its not', () => {
    const cases: Array<[keyof Facts, LeafCondition]> = [
      ['ticket', leaf('ticket.category', 'equal', 'BILLING')],
      ['ticket', leaf('ticket.priority', 'notIn', ['LOW'])],
      ['agent', leaf('agent.type', 'notEqual', 'TRIAGE')],
      ['customer', leaf('customer.accountTier', 'notEqual', 'BASIC')],
      ['customer', leaf('customer.lifetimeValue', 'greaterThanInclusive', '0')],
      ['customer', leaf('customer.refundCount30d', 'lessThan', 1000)],
      ['customer', leaf('customer.refundTotal30d', 'lessThanInclusive', '9999999999.99')],
    ]
    for (const [group, node] of cases) {
      for (const absent of [null, undefined]) {
        const facts = { ...FULL_FACTS, [group]: absent } as Facts
        for (const conditions of [
          node,
          { not: node },
          { not: { not: node } },
          { all: [node] },
          { not: { any: [node] } },
        ]) {
          const decision = evaluateRules([rule({ conditions: conditions as Condition })], facts)
          expect(decision.action, JSON.stringify(conditions)).toBe('REQUIRE_APPROVAL')
          expect(decision.trace.rules[0]?.matched).toBe(false)
          expect(decision.trace.rules[0]?.leaves).toEqual([
            expect.objectContaining({ fact: node.fact, actual: null, missing: true, held: false }),
          ])
        }
        // Present facts still decide: any[missing, true] holds, not(all[missing, false]) holds.
        const holds = leaf('refund.currency', 'equal', 'EUR')
        const fails = leaf('refund.currency', 'equal', 'USD')
        expect(evaluateConditions({ any: [node, holds] } as Condition, facts).truth).toBe('TRUE')
        expect(evaluateConditions({ not: { all: [node, fails] } } as Condition, facts).truth).toBe('TRUE')
        expect(evaluateConditions({ all: [node, holds] } as Condition, facts).truth).toBe('MISSING')
        expect(evaluateConditions({ any: [node, fails] } as Condition, facts).truth).toBe('MISSING')
      }
    }
  })

  it('reads who asks: requester.role, and requester.agentId (any case) only when an agent asks', () => {
    const selfService: Condition = { all: [leaf('requester.role', 'equal', 'CUSTOMER')] }
    const person = (role: 'CUSTOMER' | 'ADMIN'): Facts => ({
      ...FULL_FACTS,
      agent: null,
      requester: { role, agentId: null },
    })
    // "A customer's own request always needs a person", before a rule that would approve it.
    const rules = [
      rule({ priority: 1, action: 'REQUIRE_APPROVAL', conditions: selfService }),
      rule({ priority: 2, action: 'AUTO_APPROVE', conditions: ALWAYS }),
    ]
    expect(evaluateRules(rules, person('CUSTOMER'))).toMatchObject({ action: 'REQUIRE_APPROVAL' })
    expect(evaluateRules(rules, person('ADMIN'))).toMatchObject({ action: 'AUTO_APPROVE' })
    const byAgent = leaf('requester.agentId', 'equal', AGENT_IDS[0].toUpperCase()) as Condition
    expect(evaluateConditions(byAgent, FULL_FACTS)).toMatchObject({
      truth: 'TRUE',
      leaves: [{ fact: 'requester.agentId', actual: AGENT_IDS[0], held: true }],
    })
    // A person has no agent id: the leaf is missing, and so is its negation.
    expect(evaluateConditions(byAgent, person('ADMIN'))).toMatchObject({
      truth: 'MISSING',
      leaves: [{ actual: null, missing: true, held: false }],
    })
    expect(evaluateConditions({ not: byAgent }, person('ADMIN')).truth).toBe('MISSING')
    expect(evaluateConditions(selfService, { ...FULL_FACTS, requester: undefined }).truth).toBe('MISSING')
  })

  it('treats malformed fact values and a lifetime value in another currency as missing', () => {
    const amount = leaf('refund.amount', 'greaterThanInclusive', '0') as Condition
    for (const bad of ['abc', '1e3', '12.345', '', ' 1']) {
      const facts = { ...FULL_FACTS, refund: { ...FULL_FACTS.refund, amount: bad } }
      expect(evaluateConditions(amount, facts).truth, bad).toBe('MISSING')
      expect(evaluateConditions({ not: amount }, facts).truth, bad).toBe('MISSING')
    }
    const lifetime = leaf('customer.lifetimeValue', 'greaterThan', '10') as Condition
    const customer = FULL_FACTS.customer as NonNullable<Facts['customer']>
    expect(
      evaluateConditions(lifetime, { ...FULL_FACTS, customer: { ...customer, currency: 'EUR' } }).truth,
    ).toBe('TRUE')
    expect(
      evaluateConditions(lifetime, { ...FULL_FACTS, customer: { ...customer, currency: 'USD' } }).truth,
    ).toBe('MISSING')
    expect(evaluateConditions(leaf('refund.amount', 'equal', '-5') as Condition, FULL_FACTS).truth).toBe(
      'MISSING',
    )
  })

  it('compares money exactly in minor units, whatever the spelling', () => {
    const at = (amount: string) => ({ ...FULL_FACTS, refund: { ...FULL_FACTS.refund, amount } })
    const truth = (node: unknown, amount: string) => evaluateConditions(node as Condition, at(amount)).truth
    expect(truth(leaf('refund.amount', 'equal', '0.3'), '0.30')).toBe('TRUE')
    expect(truth(leaf('refund.amount', 'equal', '50'), '50.00')).toBe('TRUE')
    expect(truth(leaf('refund.amount', 'in', ['1', '50.0']), '50')).toBe('TRUE')
    expect(truth(leaf('refund.amount', 'lessThan', '1234567.90'), '1234567.89')).toBe('TRUE')
    expect(truth(leaf('refund.amount', 'lessThan', '9999999999.99'), '9999999999.98')).toBe('TRUE')
    expect(truth(leaf('refund.amount', 'greaterThan', '9999999999.98'), '9999999999.99')).toBe('TRUE')
    expect(truth(leaf('refund.amount', 'lessThanInclusive', '50.00'), '50.01')).toBe('FALSE')
  })

  it('stops at a rule whose stored conditions are invalid, with REQUIRE_APPROVAL (fail-safe)', () => {
    const broken = rule({
      priority: 1,
      action: 'AUTO_REJECT',
      conditions: leaf('refund.amount', 'lessThan', 50) as Condition,
    })
    const approve = rule({ priority: 2, action: 'AUTO_APPROVE' })
    const decision = evaluateRules([approve, broken], FULL_FACTS)
    expect(decision).toMatchObject({ action: 'REQUIRE_APPROVAL', ruleId: broken.id })
    expect(decision.trace.outcome).toBe('INVALID_RULE')
    expect(decision.trace.rules).toEqual([
      expect.objectContaining({
        ruleId: broken.id,
        matched: false,
        leaves: [],
        error: expect.stringContaining('conditions.value'),
      }),
    ])
  })
})

// ───────────────────────────────────────── properties ─────────────────────────────────────────

describe('properties', () => {
  it('(a) not of a leaf over a present fact is its negation', () => {
    fc.assert(
      fc.property(factsArb, leafArb, (facts, node) => {
        const plain = evaluateConditions(node, facts).truth
        expect(plain).not.toBe('MISSING')
        expect(evaluateConditions({ not: node }, facts).truth).toBe(plain === 'TRUE' ? 'FALSE' : 'TRUE')
        const decide = (conditions: Condition) =>
          evaluateRules([rule({ conditions })], facts).trace.rules[0]?.matched
        expect(decide({ not: node })).toBe(!decide(node))
      }),
    )
  })

  it('(b) a leaf over a missing fact matches nothing, however not/all/any wrap it', () => {
    const groups = {
      customer: [] as FactName[],
      ticket: [] as FactName[],
      agent: [] as FactName[],
      requester: [] as FactName[],
    }
    for (const fact of FACT_NAMES) {
      const group = fact.split('.')[0] as string
      if (group in groups) groups[group as keyof typeof groups].push(fact)
    }
    const scenario = fc
      .constantFrom<keyof typeof groups>('customer', 'ticket', 'agent', 'requester')
      .chain((group) =>
        fc.record({
          group: fc.constant(group),
          absent: fc.constantFrom(null, undefined),
          facts: factsArb,
          node: leafArbOver(groups[group]),
        }),
      )
    const wrapped = (node: Condition) =>
      fc.letrec<{ tree: Condition }>((tie) => ({
        tree: fc.oneof(
          { maxDepth: 5, depthIdentifier: 'wrap' },
          fc.constant(node),
          tie('tree').map((not): Condition => ({ not })),
          fc.array(tie('tree'), { minLength: 1, maxLength: 2 }).map((all): Condition => ({ all })),
          fc.array(tie('tree'), { minLength: 1, maxLength: 2 }).map((any): Condition => ({ any })),
        ),
      })).tree
    fc.assert(
      fc.property(
        scenario.chain((s) => wrapped(s.node).map((tree) => ({ ...s, tree }))),
        ({ group, absent, facts, tree }) => {
          const missing = { ...facts, [group]: absent } as Facts
          expect(validateConditions(tree).ok).toBe(true)
          expect(evaluateConditions(tree, missing).truth).toBe('MISSING')
          const decision = evaluateRules([rule({ conditions: tree, action: 'AUTO_APPROVE' })], missing)
          expect(decision.action).toBe('REQUIRE_APPROVAL')
          expect(decision.trace.outcome).toBe('NO_RULE_MATCHED')
          for (const traced of decision.trace.rules[0]?.leaves ?? []) {
            expect(traced).toMatchObject({ missing: true, held: false, actual: null })
          }
        },
      ),
    )
  })

  it('(c) money comparisons agree with integer arithmetic', () => {
    const moneyFacts = FACT_NAMES.filter((fact) => FACTS[fact].type === 'money')
    const pair = fc
      .oneof(
        fc.tuple(centsArb, centsArb),
        centsArb.chain((a) =>
          fc.tuple(
            fc.constant(a),
            fc.integer({ min: -2, max: 2 }).map((d) => a + BigInt(d)),
          ),
        ),
      )
      .filter(([a, b]) => a >= 0n && b >= 0n && b <= 999_999_999_999n)
    const expected: Record<Operator, (a: bigint, b: bigint) => boolean> = {
      equal: (a, b) => a === b,
      notEqual: (a, b) => a !== b,
      in: (a, b) => a === b,
      notIn: (a, b) => a !== b,
      lessThan: (a, b) => a < b,
      lessThanInclusive: (a, b) => a <= b,
      greaterThan: (a, b) => a > b,
      greaterThanInclusive: (a, b) => a >= b,
    }
    fc.assert(
      fc.property(
        pair.chain(([a, b]) =>
          fc.record({
            a: fc.constant(a),
            b: fc.constant(b),
            aText: fc.constantFrom(...spellings(a)),
            bText: fc.constantFrom(...spellings(b)),
            fact: fc.constantFrom(...moneyFacts),
            operator: fc.constantFrom(...OPERATORS_BY_TYPE.money),
          }),
        ),
        ({ a, b, aText, bText, fact, operator }) => {
          const customer = { ...(FULL_FACTS.customer as NonNullable<Facts['customer']>) }
          const facts: Facts = { ...FULL_FACTS, refund: { ...FULL_FACTS.refund }, customer }
          if (fact === 'refund.amount') facts.refund.amount = aText
          if (fact === 'customer.lifetimeValue') customer.lifetimeValue = aText
          if (fact === 'customer.refundTotal30d') customer.refundTotal30d = aText
          const value = operator === 'in' || operator === 'notIn' ? [bText] : bText
          const node = { fact, operator, value } as LeafCondition
          expect(validateConditions(node).ok).toBe(true)
          expect(evaluateConditions(node, facts).truth).toBe(expected[operator](a, b) ? 'TRUE' : 'FALSE')
        },
      ),
      { numRuns: 300 },
    )
    // Integers too.
    fc.assert(
      fc.property(
        fc.nat({ max: 1000 }),
        fc.nat({ max: 1000 }),
        fc.constantFrom(...OPERATORS_BY_TYPE.integer),
        (a, b, operator) => {
          const facts = {
            ...FULL_FACTS,
            customer: { ...(FULL_FACTS.customer as NonNullable<Facts['customer']>), refundCount30d: a },
          }
          const value = operator === 'in' || operator === 'notIn' ? [b] : b
          const truth = evaluateConditions({ fact: 'customer.refundCount30d', operator, value }, facts).truth
          expect(truth).toBe(expected[operator](BigInt(a), BigInt(b)) ? 'TRUE' : 'FALSE')
        },
      ),
    )
  })

  it('(f) stableRange: over the range every leaf keeps its result, and just outside it one changes', () => {
    const signedMoney = (cents: bigint) => {
      const magnitude = cents < 0n ? -cents : cents
      return `${cents < 0n ? '-' : ''}${magnitude / 100n}.${(magnitude % 100n).toString().padStart(2, '0')}`
    }
    const scenarios = fc.oneof(
      fc.record({
        fact: fc.constant<FactName>('customer.refundCount30d'),
        leaves: fc.array(leafArbOver(['customer.refundCount30d']), { minLength: 1, maxLength: 4 }),
        x: fc.bigInt({ min: 0n, max: 25n }),
      }),
      fc.record({
        fact: fc.constant<FactName>('customer.refundTotal30d'),
        // Small amounts, so that the leaves' values meet and overlap.
        leaves: fc.array(
          fc
            .record({
              fact: fc.constant<FactName>('customer.refundTotal30d'),
              operator: fc.constantFrom(...OPERATORS_BY_TYPE.money),
              values: fc.array(fc.bigInt({ min: 0n, max: 3_000n }), { minLength: 1, maxLength: 4 }),
            })
            .map(({ fact, operator, values }): LeafCondition => {
              const spelled = values.map((cents) => spellings(cents)[0] as string)
              return {
                fact,
                operator,
                value: operator === 'in' || operator === 'notIn' ? spelled : (spelled[0] as string),
              }
            }),
          { minLength: 1, maxLength: 4 },
        ),
        x: fc.bigInt({ min: 0n, max: 3_500n }),
      }),
    )
    const withValue = (fact: FactName, value: bigint): Facts => {
      const customer = { ...(FULL_FACTS.customer as NonNullable<Facts['customer']>) }
      if (fact === 'customer.refundCount30d') customer.refundCount30d = Number(value)
      else customer.refundTotal30d = signedMoney(value)
      return { ...FULL_FACTS, customer }
    }
    const heldAt = (fact: FactName, leaves: LeafCondition[], value: bigint) =>
      evaluateConditions({ all: leaves }, withValue(fact, value)).leaves.map((traced) => traced.held)
    fc.assert(
      fc.property(scenarios, ({ fact, leaves, x }) => {
        const traced = evaluateConditions({ all: leaves }, withValue(fact, x)).leaves
        const range = stableRange(fact, traced)
        expect(range).toBeDefined()
        const { min, max } = range as NonNullable<typeof range>
        expect(min === null || min <= x).toBe(true)
        expect(max === null || x <= max).toBe(true)
        const at = heldAt(fact, leaves, x)
        const from = min ?? x - 40n
        const to = max ?? x + 40n
        for (let y = from; y <= to && y <= from + 200n; y++) expect(heldAt(fact, leaves, y)).toEqual(at)
        if (min !== null) expect(heldAt(fact, leaves, min - 1n)).not.toEqual(at)
        if (max !== null) expect(heldAt(fact, leaves, max + 1n)).not.toEqual(at)
      }),
      { numRuns: 300 },
    )
    // No leaf over the fact, or only missing ones: nothing to keep.
    expect(stableRange('customer.refundCount30d', [])).toBeUndefined()
    const missing = evaluateConditions(leaf('customer.refundCount30d', 'lessThan', 3) as Condition, {
      ...FULL_FACTS,
      customer: null,
    }).leaves
    expect(stableRange('customer.refundCount30d', missing)).toBeUndefined()
    // The seeded "fewer than 3" rule: a count of 0 decides alike up to 2; a count of 3 from 3 on.
    const lessThan3 = leaf('customer.refundCount30d', 'lessThan', 3) as Condition
    expect(
      stableRange(
        'customer.refundCount30d',
        evaluateConditions(lessThan3, withValue('customer.refundCount30d', 0n)).leaves,
      ),
    ).toEqual({ min: null, max: 2n })
    expect(
      stableRange(
        'customer.refundCount30d',
        evaluateConditions(lessThan3, withValue('customer.refundCount30d', 3n)).leaves,
      ),
    ).toEqual({ min: 3n, max: null })
  })

  it('(d) with present facts, all holds iff every child holds and any iff some child holds', () => {
    fc.assert(
      fc.property(factsArb, fc.array(treeArb(3), { maxLength: 6 }), (facts, children) => {
        const each = children.map((child) => evaluateConditions(child, facts).truth)
        expect(each).not.toContain('MISSING')
        const all = evaluateConditions({ all: children }, facts).truth
        const any = evaluateConditions({ any: children }, facts).truth
        expect(all).toBe(each.every((t) => t === 'TRUE') ? 'TRUE' : 'FALSE')
        expect(any).toBe(each.some((t) => t === 'TRUE') ? 'TRUE' : 'FALSE')
      }),
    )
  })

  it('(e) validateConditions never throws and accepts every valid tree', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue(), validTreeArb), (input) => {
        const result = validateConditions(input)
        if (!result.ok) {
          expect(result.errors.length).toBeGreaterThan(0)
          for (const error of result.errors) expect(error.path.startsWith('conditions')).toBe(true)
        }
      }),
      { numRuns: 300 },
    )
    fc.assert(
      fc.property(validTreeArb, (tree) => {
        expect(validateConditions(tree)).toEqual({ ok: true, conditions: tree })
      }),
      { numRuns: 300 },
    )
  })

  it('(e) rejects a valid tree with one corrupted leaf, at a path inside that leaf', () => {
    const corruptions: Array<(node: Record<string, unknown>) => void> = [
      (node) => {
        node.fact = 'refund.colour'
      },
      (node) => {
        node.operator = 'between'
      },
      (node) => {
        node.value = { amount: '5' }
      },
      (node) => {
        node.value = null
      },
      (node) => {
        node.extra = true
      },
      (node) => {
        delete node.value
      },
      (node) => {
        delete node.operator
      },
      (node) => {
        node.all = []
      },
      (node) => {
        node.operator = FACTS[node.fact as FactName].type === 'enum' ? 'lessThan' : 'in'
        if (FACTS[node.fact as FactName].type !== 'enum') node.value = 'not-a-list'
      },
    ]
    fc.assert(
      fc.property(validTreeArb, fc.nat(), fc.nat({ max: corruptions.length - 1 }), (tree, pick, how) => {
        const copy = structuredClone(tree)
        const leaves = leavesOf(copy)
        const target = leaves[pick % leaves.length]
        if (!target) return // a tree of only empty all/any has no leaf
        corruptions[how]?.(target.leaf as unknown as Record<string, unknown>)
        const result = validateConditions(copy)
        expect(result.ok).toBe(false)
        if (result.ok) return
        for (const error of result.errors) {
          const inside =
            error.path === target.path ||
            error.path.startsWith(`${target.path}.`) ||
            error.path.startsWith(`${target.path}[`)
          expect(inside, `${error.path} is not inside ${target.path}`).toBe(true)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('decisions are deterministic and do not depend on the order the rules are given in', () => {
    const ruleArb = fc.record({
      priority: fc.integer({ min: 0, max: 3 }),
      createdAt: fc.constantFrom('2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'),
      isActive: fc.boolean(),
      agentConfigurationId: fc.constantFrom(null, 'agent-1', 'agent-2'),
      action: fc.constantFrom(...decisionRuleActionValues),
      conditions: treeArb(3),
    })
    fc.assert(
      fc.property(
        fc.array(ruleArb, { maxLength: 6 }).chain((specs) => {
          const rules = specs.map((spec, i) => rule({ ...spec, id: `r${i}`, name: `n${i}` }))
          return fc.tuple(fc.constant(rules), fc.shuffledSubarray(rules, { minLength: rules.length }))
        }),
        factsArb,
        ([rules, shuffled], facts) => {
          const decision = evaluateRules(rules, facts)
          expect(evaluateRules(shuffled, facts)).toEqual(decision)
          expect(JSON.parse(JSON.stringify(decision))).toEqual(decision)
          expect(DecisionTraceSchema.safeParse(decision.trace).success).toBe(true)
        },
      ),
    )
  })
})
