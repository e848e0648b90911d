import type { OrganizationPlan } from '../db/schema/enums'

/**
 * The plans of the tenants this isolate served, for the rate limiter: it runs before the request reaches the
 * database, and the plan is not in the token. Filled without a round trip of its own: when a tenant's entry is
 * missing or older than PLAN_REFRESH_MS, the tenant's next database batch (TenantDb) also reads
 * `organizations.plan`, in the same round trip and transaction. A plan change therefore reaches an isolate
 * within about a minute of the tenant's traffic; until an isolate knows a tenant, PLAN_WHEN_UNKNOWN applies.
 */
export const PLAN_REFRESH_MS = 60_000

/** Bounded: the oldest entries go first (a Map iterates in insertion order; an update re-inserts). */
const MAX_ENTRIES = 10_000

const plans = new Map<string, { plan: OrganizationPlan; readAt: number }>()

/** The tenant's plan as last read in this isolate, if ever. */
export function knownPlan(organizationId: string): OrganizationPlan | undefined {
  return plans.get(organizationId)?.plan
}

/** True when the tenant's next batch should read the plan again. */
export function planRefreshDue(organizationId: string, now = Date.now()): boolean {
  const entry = plans.get(organizationId)
  return entry === undefined || now - entry.readAt >= PLAN_REFRESH_MS
}

export function rememberPlan(organizationId: string, plan: OrganizationPlan, now = Date.now()): void {
  plans.delete(organizationId)
  plans.set(organizationId, { plan, readAt: now })
  if (plans.size > MAX_ENTRIES) {
    const oldest = plans.keys().next().value
    if (oldest !== undefined) plans.delete(oldest)
  }
}
