import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { ApiError } from '../lib/errors'
import { log } from '../lib/log'
import { knownPlan } from '../lib/plan-cache'
import {
  PLAN_WHEN_UNKNOWN,
  RATE_LIMIT_SCOPES,
  rateLimitBindingName,
  rateLimitPolicyHeader,
  rateLimitsEnabled,
  rateLimitTable,
} from '../lib/rate-limits'
import { parentRequestOf } from '../lib/subrequest'

/**
 * Per-caller and per-tenant rate limits (lib/rate-limits.ts), on every tenant route: after authentication (the
 * tenant and caller come from the verified token), before the database. The plan comes from this isolate's plan
 * cache (lib/plan-cache.ts), which the tenant's own database batches keep fresh: no round trip of its own.
 * Every response of the route states the policies applied (`RateLimit-Policy`); a refusal is 429 problem+json
 * with `Retry-After` (the window, in seconds: the binding reports no reset time, so this is an upper bound).
 * A missing binding or a failing limiter lets the request through and logs it: the limiter protects, it never
 * takes the API down. `RATE_LIMITS=off` turns it off in local runs only (load tests; see rateLimitsEnabled).
 */
export const rateLimit = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const principal = c.get('principal')
    // A subrequest (lib/subrequest.ts) was counted as the request it serves, unless it is to count on its own.
    const parent = parentRequestOf(c.env)
    if (!principal || !rateLimitsEnabled(c.env) || (parent && !parent.rateLimited)) return next()
    const known = knownPlan(principal.organizationId)
    const plan = known ?? PLAN_WHEN_UNKNOWN
    const policies = rateLimitTable(c.env)[plan]
    const policyHeader = rateLimitPolicyHeader(policies)
    for (const scope of RATE_LIMIT_SCOPES) {
      const key =
        scope === 'tenant' ? principal.organizationId : `${principal.organizationId}:${principal.subject}`
      const binding = rateLimitBindingName(plan, scope)
      if (await allowed(c.env[binding], binding, key, c.get('requestId'))) continue
      const { limit, period } = policies[scope]
      const who = scope === 'tenant' ? 'This organization' : 'This caller'
      throw new ApiError(
        429,
        'RATE_LIMITED',
        'Too Many Requests',
        `${who} has sent more than ${limit} requests in ${period} seconds${known ? ` (${known} plan)` : ''}; retry later.`,
        { headers: { 'Retry-After': String(period), 'RateLimit-Policy': policyHeader } },
      )
    }
    await next()
    c.header('RateLimit-Policy', policyHeader)
  })

const reportedMissing = new Set<string>()

async function allowed(
  limiter: RateLimit | undefined,
  binding: string,
  key: string,
  requestId: string,
): Promise<boolean> {
  if (!limiter) {
    if (!reportedMissing.has(binding)) {
      reportedMissing.add(binding)
      log('error', 'a rate-limiting binding is missing; its requests are not limited', { binding })
    }
    return true
  }
  try {
    return (await limiter.limit({ key })).success
  } catch (error) {
    log('error', 'the rate limiter failed; the request is let through', {
      requestId,
      binding,
      error: error instanceof Error ? error.message : String(error),
    })
    return true
  }
}
