import { describe, expect, it } from 'vitest'
import { planText } from '../db/plans'
import { ownerSql } from '../support/db'

/*
 * app_webhook_subscribes (migration webhook_subscription_rule) is one SQL expression so the planner inlines it:
 * a caller's plan holds the `?|` predicate itself, never an opaque function call, so any index on
 * `enabled_events` (none today: the fan-out and the redelivery find an organization's endpoints by the
 * (organization_id, created_at, id) index and filter them) serves the function as it served the operator. A SET
 * clause, plpgsql, SECURITY DEFINER or a volatility other than IMMUTABLE/STABLE would stop the inlining; this fails
 * then.
 */

const plan = async (query: string) => planText(await ownerSql.query(`explain (costs off, verbose) ${query}`))

describe('the webhook subscription rule in a plan', () => {
  it('is inlined: the plans of the redelivery join and of a filter show the `?|` predicate, not the call', async () => {
    const redelivery = await plan(`select e.id from webhook_endpoints e join events ev
        on ev.organization_id = e.organization_id
      where ev.organization_id = '00000000-0000-0000-0000-000000000000'
        and ev.id = '00000000-0000-0000-0000-000000000001'
        and e.enabled and app_webhook_subscribes(e.enabled_events, ev.type, ev.object_type)`)
    expect(redelivery).toMatch(
      /e\.enabled_events \?\| ARRAY\['\*'::text, ev\.type, \(ev\.object_type \|\| '\.\*'::text\)\]/,
    )
    expect(redelivery).not.toContain('app_webhook_subscribes')

    const filter = await plan(`select id from webhook_endpoints
      where app_webhook_subscribes(enabled_events, 'ticket.created', 'ticket')`)
    expect(filter).toContain(`?| '{*,ticket.created,ticket.*}'::text[]`)
    expect(filter).not.toContain('app_webhook_subscribes')
  })

  it('keeps a GIN index on enabled_events usable: the call is an index condition, as the operator is', async () => {
    // A temporary table of the column's shape with a GIN index, dropped at the commit of the one transaction, so
    // no table the other test files use is touched; sequential scans off so the planner takes the index whenever
    // it can (the table is empty).
    const [, , , explained] = await ownerSql.transaction([
      ownerSql`create temporary table subscription_rule_plan (enabled_events jsonb not null) on commit drop`,
      ownerSql`create index on subscription_rule_plan using gin (enabled_events)`,
      ownerSql`set local enable_seqscan = off`,
      ownerSql`explain (costs off) select * from subscription_rule_plan
        where app_webhook_subscribes(enabled_events, 'ticket.created', 'ticket')`,
    ])
    const text = planText(explained)
    expect(text).toContain('Bitmap Index Scan on subscription_rule_plan_enabled_events_idx')
    expect(text).toContain(`Index Cond: (enabled_events ?| '{*,ticket.created,ticket.*}'::text[])`)
  })
})
