/**
 * `npm run bench:refund-facts [-- --history 30000] [--runs 50]`: issue 17's "refund creation cheap and constant":
 * the per-customer facts a refund decision reads (app_customer_refund_facts: refundCount30d, refundTotal30d, drizzle
 * migration 0016) come through an index and cost the same whatever the customer's history.
 *
 * On PostgreSQL 15 (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test: a fresh scratch database
 * of that server, dropped at the end), behind the local Neon endpoint, with the seed:
 *   - Jane: the seed's history plus 20 refunds in the last 30 days;
 *   - Raj: the same 20 recent refunds plus `--history` refunds older than 30 days (three years of them).
 * Measured, interleaved, `--runs` times each: the facts read of `POST /v1/refunds` (loadRefundContext: customer,
 * 30-day refund facts, ticket, agent, rules, budget outlook in ONE round trip) through a TenantDb as `app_api`, as a
 * request does; and the plan of the facts function's body (EXPLAIN ANALYZE BUFFERS, taken from pg_proc so it is the
 * deployed definition, run as app_api with the tenant bound: RLS on). Fails when Raj's p50 is over 1.5× Jane's or
 * when the plan reads more rows for Raj than for Jane.
 * The write batch re-reads the same facts under the customer's lock (app_settle_refund_facts calls the same
 * function), so the write is as flat as this read. Refunds inside the 30-day window are read one by one (they are
 * the facts); a customer with thousands of refunds in one month reads thousands of index entries.
 */
import { parseArgs } from 'node:util'
import pg from 'pg'
import type { Principal } from '../src/auth/principal'
import { createDatabase } from '../src/db/client'
import { TenantDb } from '../src/db/tenant'
import { loadRefundContext, type RefundRequest } from '../src/resources/decision-rules/refund-decision'
import { HOST, positiveInteger, Teardown } from './lib/bench-harness'
import { type PlanNode, planNodes } from './lib/query-plan'
import { bulkLoad, openBenchDatabase } from './lib/scratch-database'
import { seedIds } from './seed/data'
import { seed } from './seed/seed'

const RECENT = 20
const MAX_RATIO = 1.5

interface Options {
  history: number
  runs: number
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: { history: { type: 'string', default: '30000' }, runs: { type: 'string', default: '50' } },
  })
  return {
    history: positiveInteger(values.history, '--history'),
    runs: positiveInteger(values.runs, '--runs'),
  }
}

const { acme } = seedIds.organizations
const { acmeAdmin, acmeCustomerJane, acmeCustomerRaj } = seedIds.users

/** RECENT refunds of each customer in the last 30 days, and `history` older ones of Raj's: a bulk load as the owner. */
async function growHistory(url: string, history: number): Promise<void> {
  const insert = `insert into refunds (organization_id, customer_id, amount, currency, reason, status,
      requested_by_role, created_at, updated_at)
    select $1, $2, (1 + n % 200)::numeric(12, 2), 'USD', 'DEFECTIVE_PRODUCT',
      (case when n % 10 = 0 then 'CANCELLED' when n % 3 = 0 then 'REJECTED' else 'PROCESSED' end)::refund_status,
      'ADMIN', created, created
    from generate_series(1, $3::int) as n,
      lateral (select now() - $4::interval - (n % $5::int) * interval '1 day' - (n % 86400) * interval '1 second'
        as created) c`
  await bulkLoad(url, ['refunds'], async (client) => {
    for (const customer of [acmeCustomerJane, acmeCustomerRaj]) {
      await client.query(insert, [acme, customer, RECENT, '1 hour', 29])
    }
    await client.query(insert, [acme, acmeCustomerRaj, history, '31 days', 3 * 365])
  })
}

interface Plan {
  /** The customer's refunds in the 30-day window (counted as the owner): what the facts are made of. */
  window: number
  /** All the tenant's refunds in the window: the most a plan through the (organization, created_at) index reads. */
  tenantWindow: number
  rows: number
  buffers: number
  index: string
}

/** EXPLAIN (ANALYZE, BUFFERS) of app_customer_refund_facts's body as app_api with the tenant bound (RLS on). */
async function planOf(url: string, customerId: string): Promise<Plan> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ prosrc: string }>(
      `select prosrc from pg_proc where proname = 'app_customer_refund_facts'`,
    )
    const body = rows[0]?.prosrc
    if (!body) throw new Error('app_customer_refund_facts is not defined')
    const counted = await client.query<{ customer: number; tenant: number }>(
      `select count(*) filter (where customer_id = $2)::int as customer, count(*)::int as tenant
       from refunds where organization_id = $1 and created_at >= now() - interval '30 days'`,
      [acme, customerId],
    )
    await client.query('begin')
    await client.query('set local role app_api')
    await client.query(
      `select app_begin_request($1::uuid, 'ADMIN', $2::uuid, null::text, null::text, null::text)`,
      [acme, acmeAdmin],
    )
    const explained = await client.query<{ 'QUERY PLAN': unknown }>(
      `explain (analyze, buffers, format json) ${body.replaceAll('p_customer_id', '$1::uuid').replaceAll('p_currency', '$2::text')}`,
      [customerId, 'USD'],
    )
    await client.query('rollback')
    const plans = (explained.rows[0]?.['QUERY PLAN'] ?? []) as Array<{ Plan: PlanNode }>
    const root = plans[0]?.Plan
    if (!root) throw new Error('no plan')
    const scans = planNodes(root).filter((node) => node['Relation Name'] === 'refunds')
    const scan = scans[0]
    return {
      window: counted.rows[0]?.customer ?? 0,
      tenantWindow: counted.rows[0]?.tenant ?? 0,
      rows: scans.reduce(
        (sum, node) => sum + (node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0),
        0,
      ),
      buffers: (root['Shared Hit Blocks'] ?? 0) + (root['Shared Read Blocks'] ?? 0),
      index: scan ? `${scan['Node Type']}${scan['Index Name'] ? ` on ${scan['Index Name']}` : ''}` : 'none',
    }
  } finally {
    await client.end()
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

export async function runRefundFactsBench(argv: string[]): Promise<number> {
  const options = parseOptions(argv)
  const teardown = new Teardown()
  try {
    const database = await openBenchDatabase({ name: 'orgapi_refund_facts', host: HOST })
    teardown.add('stop the local endpoint and drop the scratch database', database.close)
    const { local } = database
    const ownerUrl = database.url as string
    await seed(createDatabase(local.connectionString(local.ownerUser)))
    const started = performance.now()
    await growHistory(ownerUrl, options.history)
    console.log(
      `Raj's history: ${options.history} refunds loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )

    const principal: Principal = { subject: acmeAdmin, organizationId: acme, role: 'ADMIN' }
    const db = TenantDb.forPrincipal(local.connectionString('app_api'), principal)
    const request = (customerId: string): RefundRequest => ({
      customerId,
      amount: '12.50',
      currency: 'USD',
      reason: 'DEFECTIVE_PRODUCT',
      requesterRole: 'ADMIN',
    })
    const customers = [
      { name: 'Jane', id: acmeCustomerJane, history: 'the seed’s' },
      { name: 'Raj', id: acmeCustomerRaj, history: `the seed’s + ${options.history} older than 30 days` },
    ]
    const samples = new Map<string, number[]>(customers.map((customer) => [customer.name, []]))
    const facts = new Map<string, string>()
    for (let run = 0; run < options.runs + 5; run++) {
      for (const customer of run % 2 ? [...customers].reverse() : customers) {
        const t0 = performance.now()
        const context = await loadRefundContext(db, request(customer.id))
        const ms = performance.now() - t0
        if (run >= 5) samples.get(customer.name)?.push(ms)
        facts.set(
          customer.name,
          JSON.stringify({
            count: context.facts.customer?.refundCount30d,
            total: context.facts.customer?.refundTotal30d,
          }),
        )
      }
    }
    const rows: string[] = []
    const results = []
    for (const customer of customers) {
      const plan = await planOf(ownerUrl, customer.id)
      const p50 = median(samples.get(customer.name) ?? [])
      results.push({ ...customer, plan, p50 })
      rows.push(
        `| ${customer.name} | ${customer.history} | ${plan.window} | ${facts.get(customer.name)} | ${p50.toFixed(2)} | ${plan.index} | ${plan.rows} | ${plan.buffers} |`,
      )
    }
    const [jane, raj] = results
    if (!jane || !raj) throw new Error('no results')
    const ratio = raj.p50 / jane.p50
    console.log(
      [
        '',
        `PostgreSQL behind the local Neon endpoint, RLS on; p50 of ${options.runs} interleaved runs of the facts read of POST /v1/refunds (one round trip)`,
        '',
        '| customer | history | refunds in the 30-day window | facts | facts read p50 ms | refunds scan | refund rows read | buffers |',
        '|---|---|---:|---|---:|---|---:|---:|',
        ...rows,
        '',
        `Raj ÷ Jane: ${ratio.toFixed(2)}× (limit ${MAX_RATIO}×); each plan reads refunds of the 30-day window only (the tenant has ${jane.plan.tenantWindow} there), none of the history`,
      ].join('\n'),
    )
    const problems: string[] = []
    if (ratio > MAX_RATIO) problems.push(`Raj's facts read is ${ratio.toFixed(2)}× Jane's`)
    for (const { name, plan } of results) {
      // Either index is fine (the planner picks by size); what must never be read is the history before the window.
      if (plan.rows > plan.tenantWindow)
        problems.push(
          `the plan reads ${plan.rows} refunds for ${name}; the tenant has ${plan.tenantWindow} in the window`,
        )
    }
    for (const problem of problems) console.error(`FAIL: ${problem}`)
    return problems.length ? 1 : 0
  } finally {
    if (!(await teardown.run())) process.exitCode = 1
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runRefundFactsBench(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      console.error(error)
      process.exitCode = 1
    },
  )
}
