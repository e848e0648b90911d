import { ownerSql } from '../support/db'

/*
 * Query plans, for the tests that hold a statement to the index that serves it. A plan is read as the API reads:
 * as app_api with the tenant bound, so RLS applies (only LEAKPROOF comparisons can be index conditions). The
 * owner's connection enters app_api with SET LOCAL ROLE inside the one transaction, because the endpoint refuses
 * EXPLAIN from app_api itself (test/neon-local/boundary.test.ts).
 */

/** The planner settings under which only an index can deliver rows in an order: sequential scans, bitmap scans and
 * sorts made prohibitively expensive, so the plan shows which index delivers the rows, if any is read at all. */
export const indexOrder = { enable_seqscan: 'off', enable_bitmapscan: 'off', enable_sort: 'off' } as const

/** The text of an EXPLAIN's answer: its `QUERY PLAN` lines. */
export function planText(rows: unknown): string {
  return (rows as Array<{ 'QUERY PLAN': string }>).map((row) => row['QUERY PLAN']).join('\n')
}

/**
 * The plan of `statement` ($1… bound to `params`) as app_api with `organizationId` bound as the tenant, under
 * `settings` (SET LOCAL; `indexOrder` unless given), EXPLAINed with `explain` options when given (e.g.
 * 'analyze, costs off, timing off, summary off'). One transaction: the role and settings end with it.
 */
export async function tenantPlan(
  organizationId: string,
  statement: string,
  options: { params?: unknown[]; explain?: string; settings?: Record<string, string> } = {},
): Promise<string> {
  const { params = [], explain, settings = indexOrder } = options
  const answers = (await ownerSql.transaction([
    ownerSql`select set_config('app.organization_id', ${organizationId}, true)`,
    // As the owner, before the role switch: app_api may not call set_config.
    ...Object.entries(settings).map(([name, value]) => ownerSql`select set_config(${name}, ${value}, true)`),
    ownerSql`set local role app_api`,
    ownerSql.query(`explain ${explain ? `(${explain}) ` : ''}${statement}`, params),
  ])) as unknown[][]
  return planText(answers.at(-1))
}
