/**
 * The scale bench's second half (scripts/bench-scale.ts): refunds, escalations, budgets, budget usage, decision
 * rules and metrics (GET /v1/metrics, /v1/metrics/team). Their fill (set-based SQL, as the owner, like the first
 * half's) and their list shapes: every sort alone, every filter alone (the default sort) and every filter × sort
 * pair, with filter values chosen where an index matters most (the rare open statuses, a small amount range, the
 * unassigned queue …).
 *
 * Distributions, like real use: refunds and escalations over three years; status follows age (the last days hold
 * the open set: PENDING/APPROVED refunds, PENDING/ASSIGNED/IN_PROGRESS escalations; older ones are decided,
 * processed or resolved, with a small stale backlog); customers skewed (customer 1 has ~10 % of refunds, as for
 * tickets); refund amounts log-normal around 40 (≤ 5.00: ~4 %, ≥ 250.00: ~6 %); currencies USD 85 / EUR 10 / GBP 4 / JPY 1 %;
 * escalations skewed over the busy representatives and over the agents; the first 30 refunds and escalations of a
 * tenant are recent and open, so the open shapes fill a page at the small size too. Budgets, decision rules and
 * metrics are small by nature (a unique period start per metrics row, a rule list someone reads and edits): their
 * sizes are realistic ones, not 10⁶ (see `financeSizes`).
 */
import type { PrincipalRole } from '../src/auth/principal'
import type { TenantDb } from '../src/db/tenant'
import { ApiError } from '../src/lib/errors'
import { listSort, type SortRule } from '../src/lib/pagination'
import { listBudgets, listUsage } from '../src/resources/budgets/budgets.data'
import { ListBudgetsQuerySchema, ListUsageQuerySchema } from '../src/resources/budgets/budgets.schemas'
import { listRules } from '../src/resources/decision-rules/decision-rules.data'
import { ListDecisionRulesQuerySchema } from '../src/resources/decision-rules/decision-rules.schemas'
import { listEscalations } from '../src/resources/escalations/escalations.data'
import { ListEscalationsQuerySchema } from '../src/resources/escalations/escalations.schemas'
import { listMetrics, listTeamMetrics } from '../src/resources/metrics/metrics.data'
import { ListMetricsQuerySchema, ListTeamMetricsQuerySchema } from '../src/resources/metrics/metrics.schemas'
import { listRefunds } from '../src/resources/refunds/refunds.data'
import { ListRefundsQuerySchema, refundSortRule } from '../src/resources/refunds/refunds.schemas'

export interface FinanceSize {
  refunds: number
  escalations: number
  usage: number
  budgets: number
  rules: number
  /** Days of organization metrics (DAY, WEEK, MONTH, QUARTER, YEAR rows starting in them). */
  metricsDays: number
  /** Representatives with team metrics, and the days they cover (DAY, WEEK and MONTH rows). */
  teamReps: number
  teamDays: number
}

/**
 * Small and large sizes of the measured tenant (the small ones hold at least a page of every filter's matches), and of each noise tenant at the large size. `factor` scales the
 * 10⁶ lists (`--tickets 100000` → 10⁵ refunds, escalations and usage records).
 * - refunds, escalations, budget usage: 10³ → 10⁶ (the target);
 * - budgets: 3·10² → 2·10³ (a monthly budget per team and type for years is hundreds; 2,000 is generous);
 * - decision rules: 3·10² → 10³ (evaluated in order on every refund request: an organization has tens);
 * - organization metrics: 800 days (≈ 10³ rows, 26 months) → 10 years (≈ 4,400 rows, every DAY/WEEK/MONTH/QUARTER/YEAR
 *   period start: (organization, period, period_start) is unique, 10⁶ rows would be 2,700 years of days);
 * - team metrics: 20 representatives × 90 days (≈ 2·10³ rows) → 500 × 3 years (≈ 6.4·10⁵ rows).
 */
export function financeSizes(factor: number): { small: FinanceSize; large: FinanceSize; noise: FinanceSize } {
  const scaled = (n: number) => Math.max(1_000, Math.round(n * factor))
  return {
    small: {
      refunds: 1_000,
      escalations: 1_000,
      usage: 1_000,
      budgets: 300,
      rules: 300,
      metricsDays: 800,
      teamReps: 20,
      teamDays: 90,
    },
    large: {
      refunds: scaled(1_000_000),
      escalations: scaled(1_000_000),
      usage: scaled(1_000_000),
      budgets: 2_000,
      rules: 1_000,
      metricsDays: 3_650,
      teamReps: Math.max(20, Math.round(500 * Math.min(1, factor * 10))),
      teamDays: 1_095,
    },
    noise: {
      refunds: scaled(100_000),
      escalations: scaled(100_000),
      usage: scaled(10_000),
      budgets: 100,
      rules: 50,
      metricsDays: 365,
      teamReps: 20,
      teamDays: 90,
    },
  }
}

export const EMPTY_FINANCE: FinanceSize = {
  refunds: 0,
  escalations: 0,
  usage: 0,
  budgets: 0,
  rules: 0,
  metricsDays: 0,
  teamReps: 0,
  teamDays: 0,
}

const H = (expr: string) => `(hashint4(${expr})::bigint + 2147483648)`

// $1 org id, $2 slug, $3 from (exclusive), $4 to, $5 "now", then per statement.

/** $6 customers, $7 tickets. */
const SQL_REFUNDS = `
insert into refunds (id, organization_id, customer_id, ticket_id, amount, currency, reason, status, decided_at,
  processed_at, requested_by_role, created_at, updated_at)
select bench.uid($2 || ':refund:' || n), $1::uuid,
  bench.uid($2 || ':cust:' || (1 + floor($6::int * r_cust ^ 3))::int),
  case when n <= 20 then bench.uid($2 || ':ticket:1')
       when r_tk < 0.6 then bench.uid($2 || ':ticket:' || (1 + floor($7::int * r_tk2))::int) end,
  greatest(0.5, round(exp(3.7 + 1.2 * sqrt(-2 * ln(1 - r_a1)) * cos(2 * pi() * r_a2))::numeric, 2)),
  case when r_cur < 0.85 then 'USD' when r_cur < 0.95 then 'EUR' when r_cur < 0.99 then 'GBP' else 'JPY' end,
  (case when r_rsn < 0.25 then 'DEFECTIVE_PRODUCT' when r_rsn < 0.45 then 'NOT_AS_DESCRIBED' when r_rsn < 0.65 then 'LATE_DELIVERY'
        when r_rsn < 0.73 then 'DUPLICATE_CHARGE' when r_rsn < 0.78 then 'SERVICE_OUTAGE' when r_rsn < 0.95 then 'CUSTOMER_DISSATISFACTION'
        else 'OTHER' end)::refund_reason,
  st::refund_status,
  case when st <> 'PENDING' then least(created_at + interval '1 day' * r_upd, $5::timestamptz) end,
  case when st = 'PROCESSED' then least(created_at + interval '3 days' * r_upd, $5::timestamptz) end,
  case when r_who < 0.5 then 'CUSTOMER' when r_who < 0.8 then 'AGENT' else 'REPRESENTATIVE' end,
  created_at, least(created_at + interval '3 days' * r_upd, $5::timestamptz)
from (
  select *,
    case
      when n <= 30 then 'PENDING'
      when age < 7 then case when r_st < 0.35 then 'PENDING' when r_st < 0.55 then 'APPROVED' when r_st < 0.85 then 'PROCESSED'
                             when r_st < 0.97 then 'REJECTED' else 'CANCELLED' end
      else case when r_st < 0.002 then 'PENDING' when r_st < 0.01 then 'APPROVED' when r_st < 0.75 then 'PROCESSED'
                when r_st < 0.96 then 'REJECTED' else 'CANCELLED' end
    end as st
  from (
    select n, created_at, extract(epoch from ($5::timestamptz - created_at)) / 86400 as age, r_st, r_cust, r_tk, r_tk2,
      r_a1, r_a2, r_cur, r_rsn, r_upd, r_who
    from (select n, $5::timestamptz - random() * (case when n <= 30 then interval '3 days' else interval '1095 days' end) as created_at,
            random() as r_st, random() as r_cust, random() as r_tk, random() as r_tk2, random() as r_a1, random() as r_a2,
            random() as r_cur, random() as r_rsn, random() as r_upd, random() as r_who
          from generate_series($3::int + 1, $4::int) n) raw
  ) aged
) shaped`

/** $6 tickets, $7 busy representatives, $8 agents. */
const SQL_ESCALATIONS = `
insert into escalations (id, organization_id, ticket_id, agent_configuration_id, assigned_representative_id, priority,
  status, reason, summary, ai_confidence, assigned_at, resolved_at, created_at, updated_at)
select bench.uid($2 || ':esc:' || n), $1::uuid,
  case when n <= 20 then bench.uid($2 || ':ticket:1') else bench.uid($2 || ':ticket:' || (1 + floor($6::int * r_tk))::int) end,
  case when r_ag < 0.8 then bench.uid($2 || ':agent:' || (1 + floor($8::int * r_ag2 ^ 2))::int) end,
  case when st = 'PENDING' then null
       when st = 'CANCELLED' and r_asg < 0.7 then null
       when n <= 60 then bench.uid('rep:' || bench.uid($2 || ':repuser:1'))
       else bench.uid('rep:' || bench.uid($2 || ':repuser:' || (1 + floor($7::int * r_rep ^ 2))::int)) end,
  (case when r_pri < 0.20 then 'LOW' when r_pri < 0.65 then 'MEDIUM' when r_pri < 0.90 then 'HIGH' else 'CRITICAL' end)::escalation_priority,
  st::escalation_status,
  (case when r_rsn < 0.20 then 'CUSTOMER_REQUEST' when r_rsn < 0.45 then 'LOW_CONFIDENCE' when r_rsn < 0.55 then 'HIGH_VALUE_CUSTOMER'
        when r_rsn < 0.70 then 'NEGATIVE_SENTIMENT' when r_rsn < 0.85 then 'COMPLEX_ISSUE' when r_rsn < 0.92 then 'POLICY_EXCEPTION'
        else 'REFUND_OVER_LIMIT' end)::escalation_reason,
  'Escalated (bench row ' || n || ')', round(r_conf::numeric, 4),
  case when st not in ('PENDING') then least(created_at + interval '2 hours' * r_upd, $5::timestamptz) end,
  case when st in ('RESOLVED', 'CANCELLED') then least(created_at + interval '2 days' * r_upd, $5::timestamptz) end,
  created_at, least(created_at + interval '2 days' * r_upd, $5::timestamptz)
from (
  select *,
    case
      when n <= 30 then 'PENDING'
      when n <= 60 then case when n % 2 = 0 then 'ASSIGNED' else 'IN_PROGRESS' end
      when age < 3 then case when r_st < 0.35 then 'PENDING' when r_st < 0.55 then 'ASSIGNED' when r_st < 0.75 then 'IN_PROGRESS'
                             when r_st < 0.95 then 'RESOLVED' else 'CANCELLED' end
      else case when r_st < 0.001 then 'PENDING' when r_st < 0.002 then 'ASSIGNED' when r_st < 0.003 then 'IN_PROGRESS'
                when r_st < 0.92 then 'RESOLVED' else 'CANCELLED' end
    end as st
  from (
    select n, created_at, extract(epoch from ($5::timestamptz - created_at)) / 86400 as age, r_st, r_tk, r_ag, r_ag2,
      r_asg, r_rep, r_pri, r_rsn, r_conf, r_upd
    from (select n, $5::timestamptz - random() * (case when n <= 60 then interval '2 days' else interval '1095 days' end) as created_at,
            random() as r_st, random() as r_tk, random() as r_ag, random() as r_ag2, random() as r_asg, random() as r_rep,
            random() as r_pri, random() as r_rsn, random() as r_conf, random() as r_upd
          from generate_series($3::int + 1, $4::int) n) raw
  ) aged
) shaped`

/** Monthly budgets of three years and more; the recent ones active. */
const SQL_BUDGETS = `
insert into budgets (id, organization_id, name, type, period, amount, currency, period_start, period_end, is_active,
  created_at, updated_at)
select bench.uid($2 || ':budget:' || n), $1::uuid, 'Budget ' || n,
  (case when r_type < 0.60 then 'REFUNDS' when r_type < 0.85 then 'COMPENSATION' else 'AI_OPERATIONS' end)::budget_type,
  'MONTHLY', 1000000, case when r_cur < 0.85 then 'USD' when r_cur < 0.95 then 'EUR' else 'GBP' end,
  date_trunc('month', created_at)::date, (date_trunc('month', created_at) + interval '1 month - 1 day')::date,
  n = 1 or created_at > $5::timestamptz - interval '60 days' or r_act < 0.05, created_at, created_at
from (select n, $5::timestamptz - random() * interval '1095 days' as created_at, random() as r_type, random() as r_cur,
        random() as r_act
      from generate_series($3::int + 1, $4::int) n) s`

/** $6 budgets: usage records skewed over them (budget 1, the measured one, has the most). */
const SQL_USAGE = `
insert into budget_usage_records (id, organization_id, budget_id, amount, description, recorded_at, created_at, updated_at)
select bench.uid($2 || ':usage:' || n), $1::uuid,
  bench.uid($2 || ':budget:' || (1 + floor($6::int * r_b ^ 3))::int),
  greatest(0.5, round((r_amt * r_amt * 500)::numeric, 2)), 'Refund charge (bench row ' || n || ')',
  recorded_at, recorded_at, recorded_at
from (select n, $5::timestamptz - random() * interval '1095 days' as recorded_at, random() as r_b, random() as r_amt
      from generate_series($3::int + 1, $4::int) n) s`

/** $6 agents. */
const SQL_RULES = `
insert into decision_rules (id, organization_id, agent_configuration_id, name, description, priority, conditions, action,
  is_active, created_at, updated_at)
select bench.uid($2 || ':rule:' || n), $1::uuid,
  case when r_ag < 0.5 then null when r_ag < 0.6 then bench.uid($2 || ':agent:1')
       else bench.uid($2 || ':agent:' || (1 + ${H('n')} % $6::int))::uuid end,
  'Rule ' || n, 'Bench rule ' || n, ${H('n + 3')} % 1000,
  jsonb_build_object('all', jsonb_build_array(jsonb_build_object('field', 'refund.amount', 'operator', 'lte',
    'value', (10 + ${H('n')} % 490)::text || '.00'))),
  (case when r_act < 0.30 then 'AUTO_APPROVE' when r_act < 0.45 then 'AUTO_REJECT' when r_act < 0.85 then 'REQUIRE_APPROVAL'
        else 'ESCALATE' end)::decision_rule_action,
  r_on < 0.7, created_at, created_at
from (select n, $5::timestamptz - random() * interval '1095 days' as created_at, random() as r_ag, random() as r_act,
        random() as r_on
      from generate_series($3::int + 1, $4::int) n) s`

/** Every period start of each kind in the last $4 days (those already there are kept). */
const SQL_METRICS = `
insert into performance_metrics (organization_id, period, period_start, period_end, tickets_created, tickets_resolved,
  tickets_closed, escalations_created, avg_first_response_seconds, avg_resolution_seconds, refunds_count, created_at, updated_at)
select $1::uuid, kind::metric_period, start::date, (start + step - interval '1 day')::date,
  100 + ${H('extract(epoch from start)::int')} % 900, 80, 60, 5, 3600, 86400, 10, $5::timestamptz, $5::timestamptz
from (values ('DAY', 'day', interval '1 day'), ('WEEK', 'week', interval '1 week'), ('MONTH', 'month', interval '1 month'),
             ('QUARTER', 'quarter', interval '3 months'), ('YEAR', 'year', interval '1 year')) k(kind, unit, step),
  generate_series(date_trunc(unit, ($5::timestamptz - interval '1 day' * $4::int) at time zone 'UTC'),
                  ($5::timestamptz at time zone 'UTC') - interval '1 day', step) start
where $3::int >= 0 and $2::text is not null
on conflict (organization_id, period, period_start) do nothing`

/** DAY, WEEK and MONTH rows of representatives $3+1 … $4 over the last $6 days (existing ones kept). */
const SQL_TEAM = `
insert into team_performance (organization_id, representative_id, period, period_start, period_end, tickets_handled,
  tickets_resolved, avg_response_seconds, trend, created_at, updated_at)
select $1::uuid, bench.uid('rep:' || bench.uid($2 || ':repuser:' || r)), kind::metric_period, start::date,
  (start + step - interval '1 day')::date, 10 + ${H('r + extract(epoch from start)::int')} % 40, 8, 1800,
  (array['IMPROVING','STABLE','DECLINING'])[1 + ${H('r - extract(epoch from start)::int')} % 3]::performance_trend,
  $5::timestamptz, $5::timestamptz
from generate_series($3::int + 1, $4::int) r,
  (values ('DAY', 'day', interval '1 day'), ('WEEK', 'week', interval '1 week'), ('MONTH', 'month', interval '1 month')) k(kind, unit, step),
  generate_series(date_trunc(unit, ($5::timestamptz - interval '1 day' * $6::int) at time zone 'UTC'),
                  ($5::timestamptz at time zone 'UTC') - interval '1 day', step) start
on conflict do nothing`

export const FINANCE_TABLES = [
  'refunds',
  'escalations',
  'budgets',
  'budget_usage_records',
  'decision_rules',
  'performance_metrics',
  'team_performance',
]

interface FillContext {
  run: (what: string, sql: string, from: number, to: number, extra?: unknown[]) => Promise<void>
  /** The sizes of the first half's tables after the fill (for references). */
  tickets: number
  customers: number
  busyReps: number
  agents: number
  reps: number
}

export async function fillFinance(ctx: FillContext, from: FinanceSize, to: FinanceSize): Promise<void> {
  await ctx.run('budgets', SQL_BUDGETS, from.budgets, to.budgets)
  await ctx.run('decision rules', SQL_RULES, from.rules, to.rules, [ctx.agents])
  await ctx.run('refunds', SQL_REFUNDS, from.refunds, to.refunds, [ctx.customers, ctx.tickets])
  await ctx.run('escalations', SQL_ESCALATIONS, from.escalations, to.escalations, [
    ctx.tickets,
    ctx.busyReps,
    ctx.agents,
  ])
  await ctx.run('budget usage', SQL_USAGE, from.usage, to.usage, [to.budgets])
  // Metrics: the whole range each time (ON CONFLICT keeps what is there); one statement, not chunked.
  if (to.metricsDays > from.metricsDays) await ctx.run('metrics', SQL_METRICS, 0, to.metricsDays)
  const reps = Math.min(to.teamReps, ctx.reps)
  if (reps > 0) {
    // Representatives already there get the longer range too; new ones all of it.
    for (let start = 0; start < reps; start += 100) {
      await ctx.run('team metrics', SQL_TEAM, start, Math.min(reps, start + 100), [to.teamDays])
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Listers and shapes

type Page = { data: unknown[]; nextCursor: string | null }
type Lister = (db: TenantDb, query: URLSearchParams) => Promise<Page>

const params = (query: URLSearchParams) => Object.fromEntries(query)

export const financeListers = {
  refunds: (db, q) => listRefunds(db, ListRefundsQuerySchema.parse(params(q))),
  escalations: (db, q) => listEscalations(db, ListEscalationsQuerySchema.parse(params(q))),
  budgets: (db, q) => listBudgets(db, ListBudgetsQuerySchema.parse(params(q))),
  /** `budgetId` is the path parameter of GET /v1/budgets/{budgetId}/usage. */
  'budgets/usage': (db, q) => {
    const { budgetId, ...rest } = params(q)
    return listUsage(db, String(budgetId), ListUsageQuerySchema.parse(rest))
  },
  'decision-rules': (db, q) => listRules(db, ListDecisionRulesQuerySchema.parse(params(q))),
  metrics: (db, q) => listMetrics(db, ListMetricsQuerySchema.parse(params(q))),
  'metrics/team': (db, q) => listTeamMetrics(db, ListTeamMetricsQuerySchema.parse(params(q))),
} satisfies Record<string, Lister>

export type FinanceResource = keyof typeof financeListers

export interface FinanceIds {
  customer: string
  rep: string
  agent: string
  ticket: string
  budget: string
}

export interface FinanceShape {
  resource: FinanceResource
  /** `refused`: a combination the list refuses (400 UNSUPPORTED_FILTER_SORT): listed, not measured. */
  kind: 'sort' | 'filter' | 'pair' | 'cursor' | 'refused'
  query: string
  role: PrincipalRole
  deep?: boolean
}

/**
 * Every sort alone, every filter alone (with the list's default sort, or the one its sort rule gives that filter) and
 * every filter with each other sort. `first` is the list's default sort. With a sort rule (src/lib/pagination.ts,
 * `SortRule`), the combinations the list refuses are kept as `refused` shapes (reported, not measured): the API's
 * own rule decides, so the bench never measures what the API does not serve, nor skips what it does.
 */
function matrix(
  resource: FinanceResource,
  sorts: readonly string[],
  filters: string[],
  extra: Partial<FinanceShape> = {},
  rule?: SortRule<string>,
): FinanceShape[] {
  const base = { resource, role: 'ADMIN' as PrincipalRole, ...extra }
  const withBase = (query: string) => (extra.query ? `${extra.query}&${query}` : query)
  const sortOf = (filter: string, sort?: string): string | undefined => {
    if (!rule) return sort ?? sorts[0]
    try {
      return listSort({ ...Object.fromEntries(new URLSearchParams(filter)), sort }, rule)
    } catch (error) {
      if (error instanceof ApiError && error.code === 'UNSUPPORTED_FILTER_SORT') return undefined
      throw error
    }
  }
  return [
    ...sorts.map((sort) => ({ ...base, kind: 'sort' as const, query: withBase(`sort=${sort}`) })),
    ...filters.flatMap((filter) => {
      const byDefault = sortOf(filter)
      return [
        { ...base, kind: 'filter' as const, query: withBase(filter) },
        ...sorts
          .filter((sort) => sort !== byDefault)
          .map((sort) => ({
            ...base,
            kind: sortOf(filter, sort) === undefined ? ('refused' as const) : ('pair' as const),
            query: withBase(`${filter}&sort=${sort}`),
          })),
      ]
    }),
  ]
}

export function financeShapes(ids: FinanceIds, now: Date): FinanceShape[] {
  const day = 86_400_000
  const iso = (ms: number) => new Date(now.getTime() - ms).toISOString()
  const date = (ms: number) => iso(ms).slice(0, 10)
  return [
    ...matrix(
      'refunds',
      refundSortRule.sorts,
      [
        'status=PENDING',
        'status=PENDING,APPROVED',
        'reason=SERVICE_OUTAGE',
        `customerId=${ids.customer}`,
        `ticketId=${ids.ticket}`,
        'currency=GBP',
        // The tails of the amounts (≈ 6 % ≥ 250.00, ≈ 4 % ≤ 5.00): a page of matches at 10³ too.
        'amountMin=250.00',
        'amountMax=5.00',
        `createdFrom=${iso(30 * day)}`,
        `createdTo=${iso(1000 * day)}`,
      ],
      {},
      refundSortRule,
    ),
    { resource: 'refunds', kind: 'cursor', query: 'sort=-createdAt', role: 'ADMIN', deep: true },
    { resource: 'refunds', kind: 'cursor', query: 'sort=amount', role: 'ADMIN', deep: true },
    ...matrix(
      'escalations',
      ['queue', '-createdAt', 'createdAt'],
      [
        'status=PENDING',
        'status=PENDING,ASSIGNED,IN_PROGRESS',
        'status=RESOLVED',
        'priority=CRITICAL',
        'reason=REFUND_OVER_LIMIT',
        `assignedRepresentativeId=${ids.rep}`,
        'assignedRepresentativeId=none',
        `agentConfigurationId=${ids.agent}`,
        `ticketId=${ids.ticket}`,
      ],
    ),
    { resource: 'escalations', kind: 'cursor', query: 'sort=queue', role: 'ADMIN', deep: true },
    ...matrix(
      'budgets',
      ['-createdAt', 'createdAt'],
      ['type=AI_OPERATIONS', 'isActive=true', 'currency=EUR'],
    ),
    ...matrix('budgets/usage', ['-recordedAt', 'recordedAt'], [], { query: `budgetId=${ids.budget}` }),
    ...matrix(
      'decision-rules',
      ['priority', '-createdAt', 'createdAt'],
      ['isActive=false', 'action=ESCALATE', `agentConfigurationId=${ids.agent}`],
    ),
    ...matrix(
      'metrics',
      ['periodStart', '-periodStart'],
      ['period=MONTH', `from=${date(30 * day)}`, `to=${date(400 * day)}`],
    ),
    ...matrix(
      'metrics/team',
      ['periodStart', '-periodStart'],
      ['period=WEEK', `from=${date(30 * day)}`, `to=${date(60 * day)}`, `representativeId=${ids.rep}`],
    ),
  ]
}
