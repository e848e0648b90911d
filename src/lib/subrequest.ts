import type { Context } from 'hono'
import type { AppEnv, Bindings } from '../env'

/**
 * A request the app makes to itself on behalf of a request it is serving (e.g. an idempotent replay reading the
 * resource through `app.request`). It is part of that outer request: it writes no request log line of its own
 * and is not rate-limited again (unless made with `rateLimited`: a GraphQL document's further mutations), and
 * its database round trips count in the outer request's line. The mark lives in the bindings object (a symbol
 * key), which only server code can set: a client cannot claim it.
 */
const PARENT = Symbol('parent request')

interface ParentRequest {
  countRoundTrip(): void
  /** Counted by the rate limiter as a request of its own (each GraphQL mutation after a document's first). */
  rateLimited: boolean
}

/** The bindings to pass to `app.request(…)` for a subrequest of the request of `c`. */
export function subrequestEnv(c: Context<AppEnv>, options: { rateLimited?: boolean } = {}): Bindings {
  const parent: ParentRequest = {
    rateLimited: options.rateLimited === true,
    countRoundTrip: () => {
      c.set('databaseRoundTrips', (c.get('databaseRoundTrips') ?? 0) + 1)
      // A subrequest of a subrequest (an idempotent replay inside an MCP tool call) counts up to the logged line.
      parentRequestOf(c.env)?.countRoundTrip()
    },
  }
  return { ...c.env, [PARENT]: parent } as Bindings
}

/** The request this one is a subrequest of, if any. */
export function parentRequestOf(env: Bindings | undefined): ParentRequest | undefined {
  return (env as (Bindings & { [PARENT]?: ParentRequest }) | undefined)?.[PARENT]
}
