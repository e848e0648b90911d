import type { OrganizationPlan } from '../db/schema/enums'
import { log } from './log'

/**
 * Rate limits by plan: THE table. Every authenticated tenant request counts once per caller (the token's
 * subject) and once per tenant (the organization), each against its plan's policy, with the Workers Rate
 * Limiting binding `RATE_LIMIT_<PLAN>_<SCOPE>` (one per plan and scope, since a binding's limit is fixed where it
 * is declared). wrangler.toml declares those bindings, in every environment, with these numbers;
 * test/system/rate-limits.test.ts fails when it disagrees with this table.
 *
 * The binding is approximate: counters are kept per Cloudflare location and are eventually consistent (a client
 * spread over locations gets more; Cloudflare calls it "not an accurate accounting system"). It protects the
 * service and the tenants from each other; it is no quota to bill by. A strict limit would need a Durable Object
 * per tenant.
 */
export const RATE_LIMITS = {
  FREE: { tenant: { limit: 120, period: 60 }, caller: { limit: 60, period: 60 } },
  STARTER: { tenant: { limit: 600, period: 60 }, caller: { limit: 120, period: 60 } },
  PROFESSIONAL: { tenant: { limit: 3000, period: 60 }, caller: { limit: 300, period: 60 } },
  ENTERPRISE: { tenant: { limit: 12000, period: 60 }, caller: { limit: 600, period: 60 } },
} as const satisfies RateLimitTable

export type Plan = OrganizationPlan
export type RateLimitScope = 'tenant' | 'caller'

export interface RateLimitPolicy {
  /** Requests allowed per period (the binding's `simple.limit`). */
  limit: number
  /** Seconds; the binding allows 10 or 60. */
  period: 10 | 60
}

export type RateLimitTable = Record<Plan, Record<RateLimitScope, RateLimitPolicy>>

/** Checked in this order: a runaway caller is refused before it uses up its organization's budget. */
export const RATE_LIMIT_SCOPES = ['caller', 'tenant'] as const satisfies readonly RateLimitScope[]

export const PLANS = Object.keys(RATE_LIMITS) as Plan[]

/**
 * The plan whose limits apply while this isolate does not know a tenant's plan yet (see plan-cache.ts): the most
 * generous one, so a paying tenant is never throttled because an isolate is new. It lasts until the tenant's
 * first database batch in the isolate answers (tens of milliseconds).
 */
export const PLAN_WHEN_UNKNOWN: Plan = 'ENTERPRISE'

export type RateLimitBindingName = `RATE_LIMIT_${Plan}_${Uppercase<RateLimitScope>}`

/** The rate-limiting bindings of the Worker (wrangler.toml `ratelimits`). */
export type RateLimitBindings = { [Name in RateLimitBindingName]?: RateLimit }

export function rateLimitBindingName(plan: Plan, scope: RateLimitScope): RateLimitBindingName {
  return `RATE_LIMIT_${plan}_${scope.toUpperCase() as Uppercase<RateLimitScope>}`
}

/**
 * `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers): one item per scope, its quota `q` and window `w` in
 * seconds, e.g. `"caller";q=60;w=60, "tenant";q=120;w=60`. No `RateLimit` field: the binding reports neither the
 * remaining quota nor the reset time.
 */
export function rateLimitPolicyHeader(policies: Record<RateLimitScope, RateLimitPolicy>): string {
  return RATE_LIMIT_SCOPES.map(
    (scope) => `"${scope}";q=${policies[scope].limit};w=${policies[scope].period}`,
  ).join(', ')
}

/** Where `RATE_LIMITS=off` is honored: local runs only (`wrangler dev`, `npm run bench`, tests), never a deployment. */
const SWITCHABLE_ENVIRONMENTS = new Set(['development', 'test'])

/** False when RATE_LIMITS is `off` in a local environment (load tests on loopback); deployments always limit. */
export function rateLimitsEnabled(env: { APP_ENV?: string; RATE_LIMITS?: string }): boolean {
  return !(env.RATE_LIMITS?.trim() === 'off' && SWITCHABLE_ENVIRONMENTS.has(env.APP_ENV ?? ''))
}

/**
 * The table in force. Tests declare their bindings with small numbers (vitest.config.ts) and pass the same table
 * as TEST_RATE_LIMITS (JSON), so the headers state what the bindings enforce; it is read only when APP_ENV is
 * `test`, never in a deployment.
 */
export function rateLimitTable(env: { APP_ENV?: string; TEST_RATE_LIMITS?: string }): RateLimitTable {
  const override = env.APP_ENV === 'test' ? env.TEST_RATE_LIMITS : undefined
  if (!override) return RATE_LIMITS
  let table = parsedOverrides.get(override)
  if (!table) {
    table = parseTable(override) ?? RATE_LIMITS
    parsedOverrides.set(override, table)
  }
  return table
}
const parsedOverrides = new Map<string, RateLimitTable>()

function parseTable(text: string): RateLimitTable | undefined {
  try {
    const value = JSON.parse(text) as Record<string, Record<string, Partial<RateLimitPolicy>>>
    const valid = PLANS.every((plan) =>
      RATE_LIMIT_SCOPES.every((scope) => {
        const policy = value[plan]?.[scope]
        return (
          Number.isSafeInteger(policy?.limit) &&
          (policy?.limit ?? 0) > 0 &&
          [10, 60].includes(policy?.period ?? 0)
        )
      }),
    )
    if (valid) return value as RateLimitTable
  } catch {
    // reported below
  }
  log('error', 'TEST_RATE_LIMITS is not a complete rate-limit table; using the built-in one')
  return undefined
}
