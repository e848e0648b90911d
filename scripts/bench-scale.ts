/**
 * `npm run bench -- --scale [--tickets 1000000] [--runs 50] [--migrations <folder>] [--keep] [--lists refunds,…]`: do the list
 * endpoints stay fast when one tenant has a million tickets, refunds, escalations and budget usage records?
 * (Refunds, escalations, budgets, usage, decision rules and metrics: bench-scale-finance.ts; the event feed and the
 * webhook lists: bench-scale-events.ts.)
 *
 * On a scratch database of the PostgreSQL server (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test,
 * loopback only; dropped at the end) it migrates, fills one tenant ("scale-bench") and three noise tenants with
 * `INSERT … SELECT generate_series` as the owner, first to the small size (10³ tickets, 10³ customers, 10² reps,
 * 10² agents: at least a page of every list), measures every list shape, then grows the same tenant to the large
 * size (10⁶ tickets, 10⁶ customers, 10⁴ reps, 10³ agents; the noise tenants to 10⁵ tickets and customers each),
 * `VACUUM ANALYZE`, and measures again.
 *
 * How a shape is measured (the API's own SQL, with RLS in the plan):
 * 1. The resource's data-layer function (listTickets, listUsers, …) runs with the query parsed by the route's own
 *    zod schema, through a TenantDb on the local Neon endpoint, as `app_api`, exactly as a request does: one
 *    neon-http batch `select app_begin_request(…)` + the list statement. Its wall time is the `e2e` column.
 * 2. The batch's statements are taken from that HTTP request (the SQL text and parameters the driver sent). On a
 *    direct connection, in a transaction: `SET LOCAL ROLE app_api`, the same `app_begin_request(…)` (binds the
 *    tenant, so the RLS policies apply), then `EXPLAIN (ANALYZE, BUFFERS)` of the list statement: which index each
 *    table is read by, whether rows are sorted, how many rows the scans read and how many 8 kB pages it touched.
 * 3. The list statements are timed the same way, `--runs` times each, interleaved (5 rounds over all shapes, so a
 *    burst of load on the machine does not skew one shape): their p50 is the `p50` column. Target: large ≤ 1.5 × small.
 * The deep-cursor shapes walk 1,000 pages of 25 through the data layer first and measure the next page; the small
 * tenant has fewer, and measures its deepest full page (walkDeep), so both sides time a page of 25.
 */
import { resolve } from 'node:path'
import type pg from 'pg'
import type { Principal, PrincipalRole } from '../src/auth/principal'
import { neonConfig } from '../src/db/neon-http'
import { customerProfiles, tickets } from '../src/db/schema'
import type { OwnershipRule } from '../src/db/tenant'
import { TenantDb } from '../src/db/tenant'
import { listAgents } from '../src/resources/agents/agents.data'
import { ListAgentsQuerySchema } from '../src/resources/agents/agents.schemas'
import { listCustomers } from '../src/resources/customers/customers.data'
import { ListCustomersQuerySchema } from '../src/resources/customers/customers.schemas'
import { listRepresentatives } from '../src/resources/representatives/representatives.data'
import { ListRepresentativesQuerySchema } from '../src/resources/representatives/representatives.schemas'
import { listTickets } from '../src/resources/tickets/tickets.data'
import { ListTicketsQuerySchema } from '../src/resources/tickets/tickets.schemas'
import { listUsers } from '../src/resources/users/users.data'
import { ListUsersQuerySchema } from '../src/resources/users/users.schemas'
import {
  EMPTY_EVENTS,
  EVENTS_TABLES,
  type EventsShape,
  type EventsSize,
  eventsListers,
  eventsShapePath,
  eventsShapes,
  eventsSizes,
  eventsSummary,
  fillEvents,
  withoutEventTriggers,
} from './bench-scale-events'
import {
  EMPTY_FINANCE,
  FINANCE_TABLES,
  type FinanceShape,
  type FinanceSize,
  fillFinance,
  financeListers,
  financeShapes,
  financeSizes,
} from './bench-scale-finance'
import { positiveInteger } from './lib/bench-harness'
import type { PlanNode } from './lib/query-plan'
import { openBenchDatabase } from './lib/scratch-database'

const TARGET_RATIO = 1.5
const DEEP_PAGES = 1_000
const CHUNK = 100_000
/** A sequential scan reading more rows than this at the large size fails the shape. */
const SEQ_SCAN_LIMIT = 10_000

// ---------------------------------------------------------------------------------------------------------------
// Sizes

interface Size {
  label: string
  tickets: number
  customers: number
  reps: number
  agents: number
  /** Refunds, escalations, budgets, usage, rules, metrics (bench-scale-finance.ts). */
  finance: FinanceSize
  /** Events, webhook endpoints and deliveries (bench-scale-events.ts). */
  events: EventsSize
  /** Each of the three noise tenants. */
  noise: Omit<Size, 'label' | 'noise'>
}

function sizes(largeTickets: number): [Size, Size] {
  const factor = largeTickets / 1_000_000
  const scaled = (n: number) => Math.max(1_000, Math.round(n * factor))
  const finance = financeSizes(factor)
  const events = eventsSizes(factor)
  return [
    {
      label: '10³',
      tickets: 1_000,
      customers: 1_000,
      reps: 100,
      agents: 100,
      finance: finance.small,
      events: events.small,
      noise: {
        tickets: 1_000,
        customers: 1_000,
        reps: 20,
        agents: 20,
        finance: finance.small,
        events: events.small,
      },
    },
    {
      label: largeTickets === 1_000_000 ? '10⁶' : largeTickets.toLocaleString('en-US'),
      tickets: largeTickets,
      customers: scaled(1_000_000),
      reps: Math.max(100, Math.round(10_000 * factor)),
      agents: Math.max(100, Math.round(1_000 * factor)),
      finance: finance.large,
      events: events.large,
      noise: {
        tickets: scaled(100_000),
        customers: scaled(100_000),
        reps: 500,
        agents: 50,
        finance: finance.noise,
        events: events.noise,
      },
    },
  ]
}

/** Tickets are assigned among the first `busyReps` representatives (skewed: rep 1 is the busiest). */
const busyReps = (reps: number) => Math.min(reps, 2_000)

// ---------------------------------------------------------------------------------------------------------------
// Tenants and principals (deterministic ids from a name, so the fill and the shapes agree without lookups)

interface Tenant {
  slug: string
  id: string
  main: boolean
}

/** A version-4-shaped uuid from the md5 of a text (the API's zod schemas accept only RFC 4122 uuids). */
const UID_FUNCTION = `create schema bench;
create function bench.uid(t text) returns uuid language sql immutable parallel safe as
  $$ select (substr(h, 1, 12) || '4' || substr(h, 14, 3) || '8' || substr(h, 18, 15))::uuid from (select md5(t) as h) x $$`

const md5Uuid = async (client: pg.Client, text: string): Promise<string> =>
  (await client.query<{ id: string }>('select bench.uid($1)::text as id', [text])).rows[0]?.id as string

async function createTenants(client: pg.Client): Promise<Tenant[]> {
  const slugs = ['scale-bench', 'noise-1', 'noise-2', 'noise-3']
  const tenants: Tenant[] = []
  for (const slug of slugs) {
    const id = await md5Uuid(client, `org:${slug}`)
    await client.query(
      `insert into organizations (id, name, slug, plan, status) values ($1, $2, $3, 'ENTERPRISE', 'ACTIVE')`,
      [id, slug === 'scale-bench' ? 'Scale Bench Inc' : `Noise ${slug}`, slug],
    )
    await client.query(
      `insert into users (id, organization_id, email, name, role) values (bench.uid($2 || ':admin'), $1, 'admin@' || $2 || '.example', 'Admin', 'ADMIN')`,
      [id, slug],
    )
    tenants.push({ slug, id, main: slug === 'scale-bench' })
  }
  return tenants
}

// ---------------------------------------------------------------------------------------------------------------
// Fill: INSERT … SELECT generate_series, as the owner. $1 org id, $2 slug, $3 from (exclusive), $4 to, $5 "now".
// Pseudo-random spreads: random() per row (in a subquery whose volatile target list PostgreSQL never inlines),
// hashint4 of the row number where a value must be a function of it (names, jsonb subsets).

const H = (expr: string) => `(hashint4(${expr})::bigint + 2147483648)`

const FIRST_NAMES =
  "array['ava','ben','chloe','dan','emma','finn','grace','hugo','isla','jack','kai','lena','maya','noah','olivia','paul','quinn','rosa','sam','tara','uma','victor','wendy','xavier','yara','zoe','amir','bea','carlos','dina','eli','fatima','gabe','hana','ivan','jun','kira','luca','mei','nora']"
const LAST_NAMES =
  "array['chen','smith','garcia','mueller','rossi','kim','patel','nguyen','cohen','silva','novak','kowalski','dubois','tanaka','oconnor','jensen','ivanova','haddad','okafor','larsen','moreau','costa','yilmaz','sato','schmidt','lopez','khan','fischer','weber','brown','wilson','taylor','martin','lee','walker','young','allen','king','wright','scott']"

/** Customers 1…30 are all called Ava Chen, so the `emailPrefix=ava.chen` shape fills a page at 10³ too. */
const SQL_CUSTOMERS = `
with new_users as (
  insert into users (id, organization_id, email, name, role, is_active, created_at, updated_at)
  select bench.uid($2 || ':cust:' || n), $1::uuid,
    case when n <= 30 then 'ava.chen' else (${FIRST_NAMES})[1 + ${H('n')} % 40] || '.' || (${LAST_NAMES})[1 + (${H('n')} / 40) % 40] end
      || n || '@' ||
      (array['example.com','mail.example','corp.example','shop.example'])[1 + ${H('n + 7')} % 4],
    initcap((${FIRST_NAMES})[1 + ${H('n')} % 40]) || ' ' || initcap((${LAST_NAMES})[1 + (${H('n')} / 40) % 40]),
    'CUSTOMER', n = 1 or r_active > 0.04, created_at, created_at
  from (select n, $5::timestamptz - random() * interval '1095 days' as created_at, random() as r_active
        from generate_series($3::int + 1, $4::int) n) s
  returning id, created_at
)
insert into customer_profiles (id, organization_id, user_id, account_tier, account_standing, lifetime_value, created_at, updated_at)
select bench.uid('profile:' || id), $1::uuid, id,
  (case when r_tier < 0.60 then 'BASIC' when r_tier < 0.85 then 'STANDARD' when r_tier < 0.97 then 'PREMIUM' else 'VIP' end)::account_tier,
  (case when r_standing < 0.90 then 'GOOD' when r_standing < 0.96 then 'WARNING' when r_standing < 0.99 then 'RESTRICTED' else 'SUSPENDED' end)::account_standing,
  round((r_value * r_value * 5000)::numeric, 2), created_at, created_at
from (select *, random() as r_tier, random() as r_standing, random() as r_value from new_users) u`

const SQL_REPS = `
with new_users as (
  insert into users (id, organization_id, email, name, role, created_at, updated_at)
  select bench.uid($2 || ':repuser:' || n), $1::uuid, 'rep' || n || '@' || $2 || '.example', 'Rep ' || n,
    'REPRESENTATIVE', created_at, created_at
  from (select n, $5::timestamptz - random() * interval '1095 days' as created_at
        from generate_series($3::int + 1, $4::int) n) s
  returning id, created_at
)
insert into representatives (id, organization_id, user_id, role, status, max_concurrent_tickets, skills, languages, created_at, updated_at)
select bench.uid('rep:' || id), $1::uuid, id,
  (case when r_role < 0.70 then 'AGENT' when r_role < 0.90 then 'SENIOR_AGENT' when r_role < 0.98 then 'SUPERVISOR' else 'MANAGER' end)::representative_role,
  (case when r_status < 0.30 then 'ONLINE' when r_status < 0.40 then 'AWAY' when r_status < 0.60 then 'BUSY' else 'OFFLINE' end)::representative_status,
  5 + floor(r_status * 10)::int,
  (select coalesce(jsonb_agg(skill), '[]'::jsonb) from unnest(array['billing','technical','refunds','shipping','accounts','enterprise','api','returns']) with ordinality x(skill, i)
     where ${H('hashtext(u.id::text) + i::int')} % 100 < 30),
  jsonb_build_array('en') || (select coalesce(jsonb_agg(lang), '[]'::jsonb) from unnest(array['de','es','fr','ja']) with ordinality y(lang, j)
     where ${H('hashtext(u.id::text) - j::int')} % 100 < 15),
  created_at, created_at
from (select *, random() as r_role, random() as r_status from new_users) u`

const SQL_AGENTS = `
insert into agent_configurations (id, organization_id, name, type, status, model, created_at, updated_at)
select bench.uid($2 || ':agent:' || n), $1::uuid, 'Agent ' || n,
  (array['TRIAGE','CUSTOMER_SERVICE','REFUND_PROCESSOR','ESCALATION_MANAGER','QUALITY_ASSURANCE'])[1 + ${H('n')} % 5]::agent_type,
  (case when r < 0.50 then 'ACTIVE' when r < 0.65 then 'PAUSED' when r < 0.80 then 'DISABLED' else 'TESTING' end)::agent_status,
  'model-' || (1 + n % 3), created_at, created_at
from (select n, random() as r, $5::timestamptz - random() * interval '1095 days' as created_at
      from generate_series($3::int + 1, $4::int) n) s`

/**
 * Tickets spread over three years. The first 60 of each tenant are from the last three days: 30 OPEN/IN_PROGRESS
 * assigned to rep 1 and 30 OPEN unassigned, so the inbox shapes fill a page at 10³ too. Status follows age (recent tickets are open, old ones closed, with a small stale
 * backlog), priority LOW 30 / MEDIUM 45 / HIGH 18 / URGENT 7 %, eight categories, customers skewed (customer 1 has
 * ~1 % of all tickets), assignees skewed over the busy representatives ($7; rep 1 has ~2 %), open tickets mostly
 * unassigned. $6 = number of customers.
 */
const SQL_TICKETS = `
insert into tickets (id, organization_id, ticket_number, customer_id, assigned_representative_id, subject, description,
  status, priority, category, tags, first_response_at, resolved_at, closed_at, created_at, updated_at)
select bench.uid($2 || ':ticket:' || n), $1::uuid, 'TICKET-' || (1000 + n),
  bench.uid($2 || ':cust:' || (1 + floor($6::int * r_cust ^ 3))::int),
  case when n <= 30 then bench.uid('rep:' || bench.uid($2 || ':repuser:1'))
       when n <= 60 then null
       when st = 'OPEN' and r_asg < 0.7 then null when st <> 'OPEN' and r_asg < 0.03 then null
       else bench.uid('rep:' || bench.uid($2 || ':repuser:' || (1 + floor($7::int * r_rep ^ 2))::int)) end,
  'Ticket ' || n || ': ' || cat || ' question', 'The customer wrote about ' || lower(cat) || ' (bench row ' || n || ').',
  st::ticket_status, pri::ticket_priority, cat::ticket_category,
  case when r_upd < 0.2 then '["vip"]'::jsonb else '[]'::jsonb end,
  case when st <> 'OPEN' then least(created_at + interval '4 hours' * r_upd, $5::timestamptz) end,
  case when st in ('RESOLVED', 'CLOSED') then least(created_at + interval '3 days' * r_upd, $5::timestamptz) end,
  case when st = 'CLOSED' then least(created_at + interval '6 days' * r_upd, $5::timestamptz) end,
  created_at,
  least(created_at + (case when st in ('RESOLVED', 'CLOSED') then interval '6 days' else interval '1 day' end) * r_upd, $5::timestamptz)
from (
  select *,
    case
      when n <= 30 then case when n % 2 = 0 then 'OPEN' else 'IN_PROGRESS' end
      when n <= 60 then 'OPEN'
      when age < 7 then case when r_st < 0.40 then 'OPEN' when r_st < 0.70 then 'IN_PROGRESS' when r_st < 0.85 then 'WAITING_ON_CUSTOMER' else 'RESOLVED' end
      when age < 30 then case when r_st < 0.10 then 'OPEN' when r_st < 0.20 then 'IN_PROGRESS' when r_st < 0.30 then 'WAITING_ON_CUSTOMER' when r_st < 0.70 then 'RESOLVED' else 'CLOSED' end
      else case when r_st < 0.005 then 'OPEN' when r_st < 0.008 then 'IN_PROGRESS' when r_st < 0.01 then 'WAITING_ON_CUSTOMER' when r_st < 0.15 then 'RESOLVED' else 'CLOSED' end
    end as st,
    case when r_pri < 0.30 then 'LOW' when r_pri < 0.75 then 'MEDIUM' when r_pri < 0.93 then 'HIGH' else 'URGENT' end as pri,
    case when r_cat < 0.25 then 'TECHNICAL_ISSUE' when r_cat < 0.45 then 'BILLING' when r_cat < 0.57 then 'ACCOUNT'
         when r_cat < 0.67 then 'REFUND_REQUEST' when r_cat < 0.80 then 'PRODUCT_QUESTION' when r_cat < 0.85 then 'FEATURE_REQUEST'
         when r_cat < 0.90 then 'COMPLAINT' else 'OTHER' end as cat
  from (
    select n, created_at, extract(epoch from ($5::timestamptz - created_at)) / 86400 as age,
      r_st, r_pri, r_cat, r_cust, r_rep, r_asg, r_upd
    from (select n, $5::timestamptz - random() * (case when n <= 60 then interval '3 days' else interval '1095 days' end) as created_at,
            random() as r_st, random() as r_pri,
            random() as r_cat, random() as r_cust, random() as r_rep, random() as r_asg, random() as r_upd
          from generate_series($3::int + 1, $4::int) n) raw
  ) aged
) shaped`

interface Filled {
  tickets: number
  customers: number
  reps: number
  agents: number
  finance: FinanceSize
  events: EventsSize
}

async function fillTenant(
  client: pg.Client,
  tenant: Tenant,
  from: Filled,
  to: Filled,
  now: Date,
  log: (line: string) => void,
): Promise<void> {
  const base = [tenant.id, tenant.slug]
  const chunked = async (what: string, sql: string, a: number, b: number, extra: unknown[] = []) => {
    for (let start = a; start < b; start += CHUNK) {
      const end = Math.min(b, start + CHUNK)
      const t0 = performance.now()
      await client.query(sql, [...base, start, end, now, ...extra])
      log(`  ${tenant.slug}: ${what} ${start + 1}…${end} (${((performance.now() - t0) / 1000).toFixed(1)} s)`)
    }
  }
  await chunked('representatives', SQL_REPS, from.reps, to.reps)
  await chunked('agents', SQL_AGENTS, from.agents, to.agents)
  await chunked('customers', SQL_CUSTOMERS, from.customers, to.customers)
  await chunked('tickets', SQL_TICKETS, from.tickets, to.tickets, [to.customers, busyReps(to.reps)])
  await fillFinance(
    {
      run: (what, sql, a, b, extra) => chunked(what, sql, a, b, extra),
      tickets: to.tickets,
      customers: to.customers,
      busyReps: busyReps(to.reps),
      agents: to.agents,
      reps: to.reps,
    },
    from.finance,
    to.finance,
  )
  await fillEvents(
    {
      client,
      tenant,
      now,
      log,
      tickets: to.tickets,
      busyReps: busyReps(to.reps),
      customers: to.customers,
      agents: to.agents,
    },
    from.events,
    to.events,
  )
  await client.query('update organizations set ticket_sequence = 1000 + $2 where id = $1', [
    tenant.id,
    to.tickets,
  ])
}

const FILLED_TABLES = [
  'organizations',
  'users',
  'representatives',
  'customer_profiles',
  'agent_configurations',
  'tickets',
  ...FINANCE_TABLES,
  ...EVENTS_TABLES,
]

async function fill(
  client: pg.Client,
  tenants: Tenant[],
  from: Size | undefined,
  to: Size,
  now: Date,
): Promise<number> {
  const t0 = performance.now()
  const filled = (size: Size | undefined, main: boolean): Filled => {
    if (!size)
      return { tickets: 0, customers: 0, reps: 0, agents: 0, finance: EMPTY_FINANCE, events: EMPTY_EVENTS }
    return main ? size : size.noise
  }
  await withoutEventTriggers(client, async () => {
    for (const tenant of tenants) {
      await fillTenant(client, tenant, filled(from, tenant.main), filled(to, tenant.main), now, console.log)
    }
  })
  for (const table of FILLED_TABLES) await client.query(`vacuum analyze ${table}`)
  return (performance.now() - t0) / 1000
}

// ---------------------------------------------------------------------------------------------------------------
// Shapes: each is a request of the API, run through the resource's own data-layer function and zod query schema.

type Page = { data: unknown[]; nextCursor: string | null }
type Lister = (db: TenantDb, query: URLSearchParams) => Promise<Page>

const params = (query: URLSearchParams) => Object.fromEntries(query)
const listers = {
  tickets: (db, q) => listTickets(db, ListTicketsQuerySchema.parse(params(q))),
  users: (db, q) => listUsers(db, ListUsersQuerySchema.parse(params(q))),
  representatives: (db, q) => listRepresentatives(db, ListRepresentativesQuerySchema.parse(params(q))),
  customers: (db, q) => listCustomers(db, ListCustomersQuerySchema.parse(params(q))),
  agents: (db, q) => listAgents(db, ListAgentsQuerySchema.parse(params(q))),
  ...financeListers,
  ...eventsListers,
} satisfies Record<string, Lister>
type Resource = keyof typeof listers

/** The ownership rules the routes give a CUSTOMER (tickets.routes.ts: only tickets whose customer is the caller). */
const customerOwnership: Record<string, readonly OwnershipRule[]> = {
  tickets: [{ table: tickets, key: 'customerId' }],
  customers: [{ table: customerProfiles, key: 'userId' }],
}

interface Shape {
  resource: Resource
  kind: 'sort' | 'filter' | 'pair' | 'inbox' | 'cursor' | 'role' | 'refused'
  query: string
  role: PrincipalRole
  /** Walk this many pages first and measure the next one. */
  deep?: boolean
  /** The caller, where its id matters (otherwise the role's usual one: principalFor). */
  subject?: { id: string; name: string }
}

interface Ids {
  org: string
  admin: string
  repUser: string
  rep: string
  customer: string
  agent: string
  ticket: string
  agentTypical: string
  agentNone: string
  foreignEscalation: string
  budget: string
  event: string
  endpoint: string
  endpoint5: string
}

function shapes(ids: Ids, now: Date): Shape[] {
  const day = 86_400_000
  const iso = (ms: number) => new Date(now.getTime() - ms).toISOString()
  const t = (kind: Shape['kind'], query: string, extra: Partial<Shape> = {}): Shape => ({
    resource: 'tickets',
    kind,
    query,
    role: 'REPRESENTATIVE',
    ...extra,
  })
  const admin = (resource: Resource, kind: Shape['kind'], query: string): Shape => ({
    resource,
    kind,
    query,
    role: 'ADMIN',
  })
  const rep = ids.rep
  return [
    ...['-createdAt', 'createdAt', '-updatedAt', 'updatedAt', '-priority', 'priority'].map((s) =>
      t('sort', `sort=${s}`),
    ),
    t('filter', 'status=OPEN'),
    t('filter', 'status=CLOSED'),
    t('filter', 'priority=URGENT'),
    t('filter', 'category=BILLING'),
    t('filter', 'category=FEATURE_REQUEST'),
    t('filter', `assignedRepresentativeId=${rep}`),
    t('filter', 'assignedRepresentativeId=none'),
    t('filter', `customerId=${ids.customer}`),
    t('filter', `createdFrom=${iso(30 * day)}`),
    t('filter', `createdFrom=${iso(400 * day)}&createdTo=${iso(370 * day)}`),
    t('inbox', `status=OPEN,IN_PROGRESS&assignedRepresentativeId=${rep}`),
    t('inbox', 'assignedRepresentativeId=none&sort=-priority'),
    t('inbox', 'status=OPEN&assignedRepresentativeId=none&sort=-priority'),
    t('inbox', `status=OPEN,IN_PROGRESS&assignedRepresentativeId=${rep}&sort=-priority`),
    t('cursor', 'sort=-createdAt', { deep: true }),
    t('cursor', 'sort=-priority', { deep: true }),
    t('cursor', `status=CLOSED&sort=-createdAt`, { deep: true }),
    t('role', 'sort=-createdAt', { role: 'CUSTOMER' }),
    admin('users', 'sort', 'sort=-createdAt'),
    admin('users', 'sort', 'sort=createdAt'),
    admin('users', 'filter', 'role=REPRESENTATIVE'),
    admin('users', 'filter', 'role=CUSTOMER'),
    admin('users', 'filter', 'isActive=false'),
    // A name prefix matches hundreds of customers at 10⁶: listed by email, it still reads one page.
    admin('users', 'filter', 'emailPrefix=ava.chen'),
    admin('users', 'filter', 'emailPrefix=ava.chen7@'),
    admin('users', 'cursor', 'sort=-createdAt'),
    admin('representatives', 'sort', 'sort=-createdAt'),
    admin('representatives', 'sort', 'sort=createdAt'),
    admin('representatives', 'filter', 'status=ONLINE'),
    admin('representatives', 'filter', 'role=SUPERVISOR'),
    admin('representatives', 'filter', 'skill=billing'),
    admin('representatives', 'filter', 'language=de'),
    admin('customers', 'sort', 'sort=-createdAt'),
    admin('customers', 'sort', 'sort=createdAt'),
    admin('customers', 'filter', 'accountTier=VIP'),
    admin('customers', 'filter', 'accountStanding=SUSPENDED'),
    admin('customers', 'filter', 'emailPrefix=ava.chen'),
    admin('customers', 'filter', 'emailPrefix=ava.chen7@'),
    admin('agents', 'sort', 'sort=-createdAt'),
    admin('agents', 'sort', 'sort=createdAt'),
    admin('agents', 'filter', 'status=ACTIVE'),
    admin('agents', 'filter', 'type=TRIAGE'),
    ...financeShapes(ids, now).map((shape: FinanceShape): Shape => shape),
    ...eventsShapes(ids, now).map((shape: EventsShape): Shape => shape),
  ].map((shape) => (shape.kind === 'cursor' ? { ...shape, deep: true } : shape))
}

/** The shape's name as a request, with the long ids shortened. */
function shapeName(shape: Shape, ids: Ids): string {
  const query = shape.query
    .replaceAll(ids.rep, '<rep>')
    .replaceAll(ids.customer, '<customer>')
    .replaceAll(ids.agent, '<agent>')
    .replaceAll(ids.ticket, '<ticket>')
    .replaceAll(ids.foreignEscalation, '<escalation of another agent>')
    .replaceAll(/budgetId=[^&]*&?/g, '')
    .replace(/=(\d{4}-\d\d-\d\d)T[^&]*/g, '=$1')
  const path = eventsShapePath(shape.resource, query, ids)
  const resource = shape.resource === 'budgets/usage' ? 'budgets/<budget>/usage' : shape.resource
  const who =
    shape.role === 'CUSTOMER'
      ? ' (as the CUSTOMER)'
      : shape.subject
        ? ` (as ${shape.subject.name})`
        : shape.kind === 'role'
          ? ` (as a ${shape.role})`
          : ''
  const deep = shape.deep ? ` + cursor of page ${DEEP_PAGES + 1}` : ''
  if (path) return `${path.resource}${path.query ? `?${path.query}` : ''}${deep}`
  return `${resource}?${query}${deep}${who}`
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring

/** The statements of the last neon-http request (captured from the driver's fetch), while `capture` is on. */
let captured: Array<{ query: string; params: unknown[] }> | undefined
const driverFetch = neonConfig.fetchFunction as typeof fetch
neonConfig.fetchFunction = (input: string | URL | Request, init?: RequestInit) => {
  if (typeof init?.body === 'string') {
    const body = JSON.parse(init.body) as
      | { queries: Array<{ query: string; params: unknown[] }> }
      | { query: string; params: unknown[] }
    captured = 'queries' in body ? body.queries : [body]
  }
  return driverFetch(input, init)
}

const p50 = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN
}

interface PlanSummary {
  /** "tickets: tickets_organization_id_created_at_id_idx ↓" per scanned list table. */
  access: string[]
  /** Rows read by sequential scans of the list's tables (0: none). */
  seqScanRows: number
  /** Rows a Sort node received (0: the order came from an index). */
  sortedRows: number
  /** Rows the scans of the list's tables read (returned + removed by a filter), summed over loops. */
  rowsRead: number
  /** Buffers (8 kB pages) the statement touched: shared hit + read of the plan's top node. */
  buffers: number
  executionMs: number
}

const LIST_TABLES = new Set([
  'tickets',
  'users',
  'representatives',
  'customer_profiles',
  'agent_configurations',
  ...FINANCE_TABLES,
  ...EVENTS_TABLES,
])

function summarize(plan: PlanNode, executionMs: number): PlanSummary {
  const summary: PlanSummary = {
    access: [],
    seqScanRows: 0,
    sortedRows: 0,
    rowsRead: 0,
    buffers: (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0),
    executionMs,
  }
  const visit = (node: PlanNode) => {
    const loops = node['Actual Loops'] ?? 1
    const returned = node['Actual Rows'] ?? 0
    const removed = (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)
    const rows = Math.round((returned + removed) * loops)
    if (node['Node Type'] === 'Sort') summary.sortedRows += node.Plans?.[0]?.['Actual Rows'] ?? 0
    const table = node['Relation Name']
    if (table && LIST_TABLES.has(table)) {
      summary.rowsRead += rows
      if (node['Node Type'] === 'Seq Scan') {
        summary.seqScanRows += rows
        summary.access.push(`${table}: seq scan`)
      } else if (node['Index Name']) {
        const arrow = node['Scan Direction'] === 'Backward' ? ' ↓' : ''
        summary.access.push(`${table}: ${node['Index Name']}${arrow}`)
      }
    }
    if (node['Node Type'] === 'Bitmap Index Scan' && node['Index Name']) {
      summary.access.push(`bitmap ${node['Index Name']}`)
    }
    for (const child of node.Plans ?? []) visit(child)
  }
  visit(plan)
  summary.access = [...new Set(summary.access)]
  return summary
}

interface Measurement {
  p50: number
  e2e: number
  plan: PlanSummary
  rows: number
}

/** A shape ready to time: the statements its data-layer call sent, what EXPLAIN showed, the e2e timings. */
interface Prepared {
  /** app_begin_request, and the statements the batch ran before the list's (e.g. the feed's settled horizon). */
  begin: Array<{ query: string; params: unknown[] }>
  list: { query: string; params: unknown[] }
  plan: PlanSummary
  e2e: number
  rows: number
}

interface Runner {
  appUrl: string
  direct: pg.Client
  runs: number
  ids: Ids
}

function principalFor(role: PrincipalRole, ids: Ids, subject?: Shape['subject']): Principal {
  const usual = { ADMIN: ids.admin, REPRESENTATIVE: ids.repUser, CUSTOMER: ids.customer, AGENT: ids.agent }[
    role
  ]
  return { subject: subject?.id ?? usual, organizationId: ids.org, role }
}

/** The object of the tenant's newest escalation event that `agent` did not open (the fill decides who opened one). */
async function foreignEscalation(client: pg.Client, tenant: Tenant, agent: string): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `select object_id::text as id from events where organization_id = $1 and object_type = 'escalation'
       and (object ->> 'agent_configuration_id') is distinct from $2 order by created_at desc limit 1`,
    [tenant.id, agent],
  )
  const id = rows[0]?.id
  if (!id) throw new Error('the fill wrote no escalation event')
  return id
}

/**
 * The cursor of page DEEP_PAGES + 1, or, in a tenant with fewer pages, of its deepest *full* page: its last page
 * holds what is left over (2 or 10 rows of 25), and timing that against a full page at 10⁶ compares page sizes,
 * not depth (the events shapes showed 1.5–1.7× with the same 26 rows read on the same index).
 */
async function walkDeep(list: (cursor: string | undefined) => Promise<Page>): Promise<string> {
  const first = await list(undefined)
  let cursor = first.nextCursor
  let deepestFull: string | undefined
  for (let page = 2; cursor && page <= DEEP_PAGES + 1; page++) {
    const { data, nextCursor } = await list(cursor)
    if (data.length === first.data.length) deepestFull = cursor
    cursor = nextCursor
  }
  if (!deepestFull) throw new Error('the deep-cursor walk found no full page after the first')
  return deepestFull
}

/** Runs `fn` in a transaction as app_api with the request's tenant bound (app_begin_request), then rolls back. */
async function asApp<T>(client: pg.Client, begin: Prepared['begin'], fn: () => Promise<T>): Promise<T> {
  await client.query('begin')
  try {
    await client.query('set local role app_api')
    for (const statement of begin) await client.query(statement.query, statement.params)
    return await fn()
  } finally {
    await client.query('rollback')
  }
}

/**
 * 1. The data layer, end to end through the local Neon endpoint, which also yields the statements it sent;
 * 2. their plan: EXPLAIN (ANALYZE, BUFFERS) of the list statement as app_api with the tenant bound, the median of 3.
 */
async function prepare(runner: Runner, shape: Shape): Promise<Prepared> {
  const principal = principalFor(shape.role, runner.ids, shape.subject)
  const ownership = shape.role === 'CUSTOMER' ? customerOwnership[shape.resource] : undefined
  const db = TenantDb.forPrincipal(runner.appUrl, principal, { ownership })
  const lister = listers[shape.resource] as Lister
  const query = new URLSearchParams(shape.query)
  if (shape.deep) {
    query.set(
      'cursor',
      await walkDeep((cursor) => {
        const q = new URLSearchParams(query)
        if (cursor) q.set('cursor', cursor)
        return lister(db, q)
      }),
    )
  }
  const e2e: number[] = []
  let rows = 0
  for (let i = 0; i < 3 + Math.ceil(runner.runs / 2); i++) {
    captured = undefined
    const t0 = performance.now()
    const page = await lister(db, query)
    if (i >= 3) e2e.push(performance.now() - t0)
    rows = page.data.length
  }
  // app_begin_request, [a lookup of the parent, e.g. the budget of /usage; the oldest-first feed's settled horizon,
  // which the list statement reads,] the list statement.
  const begin = captured?.slice(0, -1) ?? []
  const list = captured && captured.length >= 2 ? captured[captured.length - 1] : undefined
  if (!list || !begin[0]?.query.includes('app_begin_request')) {
    throw new Error(`${shape.query}: expected one batch of app_begin_request + the list statement`)
  }
  const explained = await asApp(runner.direct, begin, async () => {
    const plans: Array<{ plan: PlanNode; ms: number }> = []
    for (let i = 0; i < 3; i++) {
      const result = await runner.direct.query<{
        'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number }>
      }>(`explain (analyze, buffers, format json) ${list.query}`, list.params)
      const [top] = result.rows[0]?.['QUERY PLAN'] ?? []
      if (top) plans.push({ plan: top.Plan, ms: top['Execution Time'] })
    }
    return plans.sort((a, b) => a.ms - b.ms)
  })
  const middle = explained[1] ?? explained[0]
  if (!middle) throw new Error('EXPLAIN returned no plan')
  return { begin, list, plan: summarize(middle.plan, middle.ms), e2e: p50(e2e), rows }
}

const ROUNDS = 5

/**
 * The list statements' latency on the direct connection, interleaved: ROUNDS rounds over all shapes, each shape
 * runs `runs / ROUNDS` times per round (after 2 unmeasured runs), so a burst of load on the shared machine spreads
 * over every shape instead of skewing a few. p50 over all the runs of a shape.
 */
async function time(runner: Runner, prepared: Prepared[]): Promise<number[]> {
  const times: number[][] = prepared.map(() => [])
  const perRound = Math.max(1, Math.round(runner.runs / ROUNDS))
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, shape] of prepared.entries()) {
      await asApp(runner.direct, shape.begin, async () => {
        for (let i = 0; i < 2 + perRound; i++) {
          const t0 = performance.now()
          await runner.direct.query(shape.list.query, shape.list.params)
          if (i >= 2) times[index]?.push(performance.now() - t0)
        }
      })
    }
  }
  return times.map(p50)
}

// ---------------------------------------------------------------------------------------------------------------
// Report

interface Row {
  name: string
  small: Measurement
  large: Measurement
}

const ms = (value: number) => value.toFixed(2)
const n = (value: number) => value.toLocaleString('en-US')

function verdict(row: Row): { ok: boolean; why: string } {
  const ratio = row.large.p50 / row.small.p50
  // A small table (agents) is read whole by any sensible plan; a large one never should be.
  if (row.large.plan.seqScanRows > SEQ_SCAN_LIMIT) return { ok: false, why: 'seq scan of a large table' }
  if (ratio > TARGET_RATIO) return { ok: false, why: `${ratio.toFixed(2)}× > ${TARGET_RATIO}×` }
  return { ok: true, why: 'ok' }
}

function planText(plan: PlanSummary): string {
  const sort = plan.sortedRows > 0 ? `; sort of ${plan.sortedRows.toLocaleString('en-US')} rows` : ''
  return `${plan.access.join(', ') || 'no scan'}${sort}; read ${plan.rowsRead.toLocaleString('en-US')}`
}

function table(rows: Row[], small: Size, large: Size): string {
  const head = [
    'list shape',
    `p50 ms ${small.label}`,
    `p50 ms ${large.label}`,
    'ratio',
    `pages ${small.label}`,
    `pages ${large.label}`,
    `e2e ms ${small.label}`,
    `e2e ms ${large.label}`,
    `plan at ${large.label} (index; sort; rows read)`,
    'verdict',
  ]
  const body = rows.map((row) => [
    row.name,
    ms(row.small.p50),
    ms(row.large.p50),
    `${(row.large.p50 / row.small.p50).toFixed(2)}×`,
    String(row.small.plan.buffers),
    String(row.large.plan.buffers),
    ms(row.small.e2e),
    ms(row.large.e2e),
    planText(row.large.plan),
    verdict(row).why,
  ])
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  const rule = `|${head.map((_, i) => (i === 0 || i >= 8 ? '---' : '---:')).join('|')}|`
  return [line(head), rule, ...body.map(line)].join('\n')
}

// ---------------------------------------------------------------------------------------------------------------

interface ScaleOptions {
  tickets: number
  runs: number
  /** Another migrations folder (a schema change measured before its migration is generated into drizzle/). */
  migrations: string | undefined
  /** Leave the scratch database for a closer look (prints its URL; drop it yourself). */
  keep: boolean
  /** `--lists refunds,escalations`: measure only these resources' shapes (all are filled anyway). */
  lists: Set<string> | undefined
}

function parseScaleOptions(argv: string[]): ScaleOptions {
  const value = (flag: string, fallback: number) => {
    const index = argv.indexOf(flag)
    if (index < 0) return fallback
    return positiveInteger(argv[index + 1], flag)
  }
  const folder = argv.indexOf('--migrations')
  const lists = argv.indexOf('--lists')
  const options = {
    tickets: value('--tickets', 1_000_000),
    runs: value('--runs', 50),
    migrations: folder < 0 ? undefined : resolve(String(argv[folder + 1])),
    keep: argv.includes('--keep'),
    lists: lists < 0 ? undefined : new Set(String(argv[lists + 1]).split(',')),
  }
  if (options.tickets < 10_000) throw new Error('--tickets must be at least 10000 (the small size is 1000)')
  return options
}

async function measureAll(runner: Runner, list: Shape[], label: string): Promise<Measurement[]> {
  const prepared: Prepared[] = []
  for (const shape of list) prepared.push(await prepare(runner, shape))
  // A first pass warms the client and the server's caches; the second is the measurement.
  await time({ ...runner, runs: ROUNDS }, prepared)
  const p50s = await time(runner, prepared)
  return prepared.map((shape, i) => {
    const result = { p50: p50s[i] as number, e2e: shape.e2e, plan: shape.plan, rows: shape.rows }
    console.log(
      `  ${label} ${shapeName(list[i] as Shape, runner.ids).padEnd(78)} p50 ${ms(result.p50).padStart(6)} ms  e2e ${ms(result.e2e).padStart(6)} ms  ` +
        `server ${ms(result.plan.executionMs)} ms  ${result.plan.buffers} pages  ${result.rows} rows  ${planText(result.plan)}`,
    )
    return result
  })
}

export async function runScaleBench(argv: string[]): Promise<number> {
  const options = parseScaleOptions(argv)
  const [small, large] = sizes(options.tickets)
  const started = performance.now()
  const database = await openBenchDatabase({
    name: 'orgapi_scale',
    keep: options.keep,
    migrations: options.migrations,
  })
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await database.close()
    if (!options.keep)
      console.log(
        `dropped the scratch database (${((performance.now() - started) / 1000).toFixed(0)} s in all)`,
      )
  }
  const onSignal = () => void stop().finally(() => process.exit(130))
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    const local = database.local
    const direct = await database.client()
    await direct.query("set timezone = 'UTC'")
    await direct.query('select setseed(0.42)')
    await direct.query(UID_FUNCTION)
    const server = (await direct.query<{ v: string }>(`select current_setting('server_version') as v`))
      .rows[0]?.v
    console.log(`scratch database on PostgreSQL ${server}, migrated; filling ${small.label} …`)
    const now = new Date()
    const tenants = await createTenants(direct)
    const main = tenants.find((tenant) => tenant.main) as Tenant
    const fillSmall = await fill(direct, tenants, undefined, small, now)
    const ids: Ids = {
      org: main.id,
      admin: await md5Uuid(direct, `${main.slug}:admin`),
      repUser: await md5Uuid(direct, `${main.slug}:repuser:1`),
      rep: await md5Uuid(direct, `rep:${await md5Uuid(direct, `${main.slug}:repuser:1`)}`),
      customer: await md5Uuid(direct, `${main.slug}:cust:1`),
      agent: await md5Uuid(direct, `${main.slug}:agent:1`),
      ticket: await md5Uuid(direct, `${main.slug}:ticket:1`),
      agentTypical: await md5Uuid(direct, `${main.slug}:agent:19`),
      agentNone: await md5Uuid(direct, `${main.slug}:agent:2`),
      foreignEscalation: await foreignEscalation(
        direct,
        main,
        await md5Uuid(direct, `${main.slug}:agent:19`),
      ),
      budget: await md5Uuid(direct, `${main.slug}:budget:1`),
      event: await md5Uuid(direct, `${main.slug}:event:1`),
      endpoint: await md5Uuid(direct, `${main.slug}:endpoint:1`),
      endpoint5: await md5Uuid(direct, `${main.slug}:endpoint:5`),
    }
    const runner: Runner = { appUrl: local.connectionString('app_api'), direct, runs: options.runs, ids }
    const selected = shapes(ids, now).filter(
      (shape) => !options.lists || options.lists.has(shape.resource.split('/')[0] as string),
    )
    // What the API refuses (400 UNSUPPORTED_FILTER_SORT) is listed, not measured.
    const list = selected.filter((shape) => shape.kind !== 'refused')
    const refused = selected.filter((shape) => shape.kind === 'refused')
    console.log(
      `filled in ${fillSmall.toFixed(0)} s; measuring ${list.length} list shapes at ${small.label} …`,
    )
    const smallResults = await measureAll(runner, list, small.label)
    console.log(`\nfilling ${large.label} …`)
    const fillLarge = await fill(direct, tenants, small, large, now)
    const counts = await direct.query<{ table: string; rows: string }>(
      `select relname as table, n_live_tup::text as rows from pg_stat_user_tables where relname = any($1) order by relname`,
      [FILLED_TABLES],
    )
    console.log(
      `filled in ${fillLarge.toFixed(0)} s (${counts.rows.map((r) => `${r.table} ${Number(r.rows).toLocaleString('en-US')}`).join(', ')}); measuring at ${large.label} …`,
    )
    const largeResults = await measureAll(runner, list, large.label)
    const rows: Row[] = list.map((shape, i) => ({
      name: shapeName(shape, ids),
      small: smallResults[i] as Measurement,
      large: largeResults[i] as Measurement,
    }))
    console.log(
      `\nOne tenant (scale-bench) at ${small.label} and ${large.label} tickets; ${small.customers.toLocaleString('en-US')} → ${large.customers.toLocaleString('en-US')} customers, ` +
        `${small.reps} → ${large.reps.toLocaleString('en-US')} representatives, ${small.agents} → ${large.agents.toLocaleString('en-US')} agents; ` +
        `${n(small.finance.refunds)} → ${n(large.finance.refunds)} refunds, ${n(small.finance.escalations)} → ${n(large.finance.escalations)} escalations, ` +
        `${n(small.finance.usage)} → ${n(large.finance.usage)} budget usage records over ${n(small.finance.budgets)} → ${n(large.finance.budgets)} budgets, ` +
        `${n(small.finance.rules)} → ${n(large.finance.rules)} decision rules, ${n(small.finance.metricsDays)} → ${n(large.finance.metricsDays)} days of metrics, ` +
        `team metrics of ${small.finance.teamReps} → ${large.finance.teamReps} representatives over ${small.finance.teamDays} → ${n(large.finance.teamDays)} days; ` +
        `${eventsSummary(small.events, large.events)}; ` +
        `three noise tenants with ${n(large.noise.tickets)} tickets and customers, ${n(large.noise.finance.refunds)} refunds and escalations each. ` +
        `p50 of ${options.runs} runs of the list statement as app_api with the tenant bound (interleaved); pages = 8 kB buffers it touched; ` +
        `e2e = p50 of the data-layer call through the local Neon endpoint.\n`,
    )
    console.log(table(rows, small, large))
    if (refused.length > 0) {
      console.log(
        `\nRefused by the API (400 UNSUPPORTED_FILTER_SORT), not measured: ${refused.map((shape) => shapeName(shape, ids)).join(', ')}.`,
      )
    }
    const counted = await direct.query<{ table: string; rows: string }>(
      `select relname as table, n_live_tup::text as rows from pg_stat_user_tables where relname = any($1) order by relname`,
      [FILLED_TABLES],
    )
    console.log(
      `\nrows in all tenants: ${counted.rows.map((r) => `${r.table} ${n(Number(r.rows))}`).join(', ')}`,
    )
    const failed = rows.filter((row) => !verdict(row).ok)
    const within = rows.length - failed.length
    console.log(
      `\n${within} of ${rows.length} list shapes within ${TARGET_RATIO}× of their ${small.label} latency at ${large.label}; ${failed.length} failed.`,
    )
    for (const row of failed) console.error(`not within target: ${row.name}: ${verdict(row).why}`)
    return failed.length === 0 ? 0 : 1
  } finally {
    await stop()
  }
}
