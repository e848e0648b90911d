import { PgDialect } from 'drizzle-orm/pg-core'
import { describe, expect, it } from 'vitest'
import type { PrincipalRole } from '../../src/auth/principal'
import { eventObjectTypeValues } from '../../src/db/schema'
import { ownedObjectTypes } from '../../src/resources/events/event-objects'
import { readableBy } from '../../src/resources/events/events.data'
import { listEvents } from '../../src/resources/events/events.routes'
import { tenantPlan } from '../db/plans'
import { newEscalation } from '../escalations/support'
import { createBudget } from '../refunds/support'
import { api } from '../support/api'
import { neonLocalStats, ownerSql } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { call, storedEvents } from './support'

/*
 * An AGENT reads the events of the escalations it opened (test/events/feed-own-objects.test.ts), at any size of the
 * tenant: the feed narrows what the caller may read to the object types its type filter can match (a type the role
 * reads none of is answered without reading a row), and finds an owner's events by events.owner_id, which the
 * database copies from the stored object by the read route's ownership rule (migration 0059) and an index serves
 * under RLS (a LEAKPROOF comparison; `object ->> …` is not one, so it could only filter).
 */

interface EventBody {
  type: string
  objectType: string
  objectId: string
}

/** The roles that read the feed (GET /v1/events). */
const feedReaders = listEvents['x-permission'].roles as readonly PrincipalRole[]

/**
 * The plan of a page of the feed under `condition` (readableBy as a list builds it), as app_api with the tenant bound
 * (RLS applies), with sequential scans, bitmap scans and sorts made prohibitively expensive, so the plan shows which
 * index delivers the rows in the feed's order, if any is read at all (test/db/plans.ts).
 */
async function feedPlan(
  tenant: TestTenant,
  condition: ReturnType<typeof readableBy>,
  analyze = false,
): Promise<string> {
  const where = new PgDialect().sqlToQuery(condition)
  return tenantPlan(
    tenant.organizationId,
    `select id from events where organization_id = '${tenant.organizationId}' and ${where.sql}
       order by created_at desc, ordinal desc limit 26`,
    { params: where.params, ...(analyze ? { explain: 'analyze, costs off, timing off, summary off' } : {}) },
  )
}

describe('the event owner (events.owner_id)', () => {
  it('is the stored object’s owner key by the rule of ownedObjectTypes(), for every role that reads the feed', async () => {
    // One rule per object type, whichever role it is for: the trigger's mapping (app_event_owner_key) is this one.
    const expected = new Map<string, string>()
    for (const role of feedReaders) {
      for (const { type, column } of ownedObjectTypes(role)) {
        expect(expected.get(type) ?? column, `${type}: one owner key for every role`).toBe(column)
        expected.set(type, column)
      }
    }
    expect(expected.size).toBeGreaterThan(0)
    const rows = (await ownerSql.query(
      'select t as type, public.app_event_owner_key(t) as key from unnest($1::text[]) t',
      [eventObjectTypeValues],
    )) as Array<{ type: string; key: string | null }>
    expect(Object.fromEntries(rows.map((row) => [row.type, row.key]))).toEqual(
      Object.fromEntries(eventObjectTypeValues.map((type) => [type, expected.get(type) ?? null])),
    )
    // Set however the row is written (a function of the row, like a generated column), replica mode included.
    const [trigger] = (await ownerSql`select tgenabled from pg_trigger
      where tgrelid = 'public.events'::regclass and tgname = 'events_set_owner'`) as Array<{
      tgenabled: string
    }>
    expect(trigger?.tgenabled).toBe('A')
  })

  it('is set on insert: the agent that opened an escalation; none for a person’s, nor for other objects', async () => {
    const tenant = await createTenant()
    const mine = await newEscalation(tenant)
    const byPerson = await newEscalation(tenant, {}, 'REPRESENTATIVE')
    const stored = await storedEvents(tenant.organizationId)
    const ownerOf = (objectId: string) =>
      stored
        .filter((event) => event.object_id === objectId)
        .map((event) => (event as unknown as { owner_id: string | null }).owner_id)
    expect(ownerOf(mine.id)).toEqual([tenant.agentId])
    expect(ownerOf(byPerson.id)).toEqual([null])
    expect(
      stored
        .filter((event) => event.object_type !== 'escalation')
        .map((event) => (event as unknown as { owner_id: string | null }).owner_id),
    ).toEqual(stored.filter((event) => event.object_type !== 'escalation').map(() => null))
  })
})

describe('the feed narrowed to the object types of the type filter', () => {
  it('gives an AGENT nothing of a type it reads none of, and only its own of a type it reads in part', async () => {
    const tenant = await createTenant()
    await createBudget(tenant, '100.00')
    const mine = await newEscalation(tenant)
    await newEscalation(tenant, {}, 'REPRESENTATIVE')
    const page = (query: string, role: 'ADMIN' | 'AGENT') =>
      call<{ data: EventBody[] }>(200, `/v1/events?${query}`, { token: tenant.tokens[role] })

    expect((await page('type=budget.*', 'ADMIN')).data.map((event) => event.type)).toEqual(['budget.created'])
    // One round trip, as every list.
    const requestId = `feed-owner-${crypto.randomUUID()}`
    const response = await api('/v1/events?type=budget.*', {
      token: tenant.tokens.AGENT,
      headers: { 'X-Request-Id': requestId },
    })
    expect(response.status).toBe(200)
    expect(((await response.json()) as { data: unknown[] }).data).toEqual([])
    expect(await neonLocalStats(requestId)).toBe(1)

    const own = [['escalation.created', mine.id]]
    const pairs = (body: { data: EventBody[] }) => body.data.map((event) => [event.type, event.objectId])
    expect(pairs(await page('type=escalation.*', 'AGENT'))).toEqual(own)
    expect(pairs(await page('type=escalation.created', 'AGENT'))).toEqual(own)
    expect(pairs(await page('type=budget.*,escalation.*', 'AGENT'))).toEqual(own)
    expect(pairs(await page('type=budget.created,escalation.*&sort=createdAt', 'AGENT'))).toEqual(own)
  })

  it('answers a type the role reads none of without reading, and an owned type by the owner index', async () => {
    const tenant = await createTenant()
    const agent = { role: 'AGENT', subject: tenant.agentId } as const
    // A condition no row meets, answered by one probe of an index (object_type = ''), not `false`: under `false`
    // PostgreSQL 15 planned a parallel sequential scan behind the gate, and launching its workers alone took 6–63 ms
    // on a 10⁶-event tenant (npm run bench -- --scale --tickets 1000000 --lists events).
    const none = await feedPlan(tenant, readableBy(agent, ['budget.*', 'budget_usage.created']), true)
    expect(none).toMatch(/Index Cond: \(.*object_type = ''::text\)/)
    expect(none).not.toMatch(/Seq Scan|Gather/)
    for (const scan of none.split('\n').filter((line) => /Scan .*on events/.test(line)))
      expect(scan).toMatch(/rows=0|never executed/)

    const owned = await feedPlan(tenant, readableBy(agent, ['escalation.*']))
    expect(owned).toContain(
      'Index Scan Backward using events_organization_id_owner_id_created_at_ordinal_idx',
    )
    expect(owned).toMatch(/Index Cond: \(.*owner_id = /)
    // The owned branch alone: nothing of the types the role reads whole.
    expect(owned).not.toContain('ticket')
  })
})
