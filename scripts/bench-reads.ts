/**
 * `npm run bench:reads`: a support console screen (a ticket, its customer, its assignee with the user, its
 * conversation, escalations and refunds) read three ways against `wrangler dev` and the local SQL-over-HTTP
 * endpoint (PGlite, or a scratch database on BENCH_DATABASE_URL's loopback PostgreSQL):
 *   1. REST, one request per resource (7 requests: sequential, and all at once as a UI would fire them);
 *   2. one request with `expand`;
 *   3. one GraphQL query.
 * Prints, side by side, requests, database round trips per screen (counted by the endpoint, per request id) and
 * latency (p50/p90 over `--iterations` screens, default 100). Loopback only; nothing is sent elsewhere.
 */
import { parseArgs } from 'node:util'
import { createDatabase } from '../src/db/client'
import { assertLoopback, BENCH_SECRET, HOST, OutputTail, startWrangler, Teardown } from './lib/bench-harness'
import { openBenchDatabase } from './lib/scratch-database'
import { seedIds } from './seed/data'
import { seed } from './seed/seed'
import { mintSeedTokens } from './token'

const ticketId = seedIds.tickets.acmeDamagedOrder
const customerId = seedIds.users.acmeCustomerJane
const representativeId = seedIds.representatives.acmeSam
const representativeUserId = seedIds.users.acmeRepSam

const restCalls = [
  `/v1/tickets/${ticketId}`,
  `/v1/customers/${customerId}`,
  `/v1/representatives/${representativeId}`,
  `/v1/users/${representativeUserId}`,
  `/v1/tickets/${ticketId}/messages?limit=20`,
  `/v1/escalations?ticketId=${ticketId}&limit=20`,
  `/v1/refunds?ticketId=${ticketId}&limit=20`,
]
const expandCall = `/v1/tickets/${ticketId}?expand=customer,assignedRepresentative.user,messages,escalations,refunds`
const graphqlQuery = `query Screen($id: ID!) { ticket(id: $id) {
  id ticketNumber subject description status priority category tags createdAt updatedAt allowedActions
  customer { id name email profile { accountTier accountStanding lifetimeValue } }
  assignedRepresentative { id name status user { email lastLoginAt } }
  messages { nodes { id authorType visibility body createdAt } pageInfo { hasNextPage nextUrl } }
  escalations { nodes { id priority status reason summary assignedRepresentativeId } }
  refunds { nodes { id amount currency status outcome customerReason } }
} }`

interface Sample {
  ms: number
  requests: number
  trips: number
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '100' } } })
  const iterations = Number(values.iterations)
  const teardown = new Teardown()
  try {
    const database = await openBenchDatabase({ name: 'orgapi_bench_reads', fallback: 'pglite', host: HOST })
    teardown.add('stop the local endpoint and drop the scratch database', database.close)
    const { local } = database
    await seed(createDatabase(local.connectionString(local.ownerUser)))
    const url = await startWrangler(local.connectionString('app_api'), teardown, new OutputTail(40))
    assertLoopback(url, 'the API URL')
    const tokens = await mintSeedTokens(BENCH_SECRET)
    const token = tokens.find((t) => t.org === 'acme' && t.role === 'ADMIN')?.token
    if (!token) throw new Error('no acme ADMIN token')

    let sequence = 0
    /** One request; its id names its database calls, so the endpoint counts its round trips. */
    const call = async (path: string, init: RequestInit = {}) => {
      const requestId = `bench-reads-${process.pid}-${sequence++}`
      const response = await fetch(`${url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'x-request-id': requestId, ...init.headers },
      })
      const text = await response.text()
      if (!response.ok || text.includes('"errors"'))
        throw new Error(`${path}: ${response.status} ${text.slice(0, 300)}`)
      return requestId
    }
    const ways: Record<string, () => Promise<string[]>> = {
      [`REST, ${restCalls.length} requests one after another`]: async () => {
        const ids: string[] = []
        for (const path of restCalls) ids.push(await call(path))
        return ids
      },
      [`REST, ${restCalls.length} requests at once`]: () => Promise.all(restCalls.map((path) => call(path))),
      'REST, 1 request with expand': async () => [await call(expandCall)],
      'GraphQL, 1 query': async () => [
        await call('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: graphqlQuery, variables: { id: ticketId } }),
        }),
      ],
    }
    const rows: string[][] = []
    for (const [name, read] of Object.entries(ways)) {
      for (let warm = 0; warm < 5; warm++) await read()
      const samples: Sample[] = []
      for (let i = 0; i < iterations; i++) {
        const started = performance.now()
        const ids = await read()
        const ms = performance.now() - started
        samples.push({
          ms,
          requests: ids.length,
          trips: ids.reduce((sum, id) => sum + local.requestCount(id), 0),
        })
      }
      const ms = samples.map((sample) => sample.ms)
      rows.push([
        name,
        String(samples[0]?.requests),
        (samples.reduce((sum, sample) => sum + sample.trips, 0) / samples.length).toFixed(2),
        quantile(ms, 0.5).toFixed(1),
        quantile(ms, 0.9).toFixed(1),
      ])
    }
    const head = ['console screen read as', 'HTTP requests', 'db round trips', 'p50 ms', 'p90 ms']
    const widths = head.map((title, column) =>
      Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
    )
    const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')
    console.log(`\nbackend: ${local.backend.kind}; ${iterations} screens each, loopback (no edge latency)\n`)
    console.log([line(head), ...rows.map(line)].join('\n'))
    console.log(
      '\nEach database round trip from the edge adds the edge-to-database latency (tens of ms across regions);' +
        ' each HTTP request adds the client-to-edge latency.',
    )
  } finally {
    await teardown.run()
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
