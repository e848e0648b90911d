import { describe, expect, it } from 'vitest'
import { newEscalation } from '../escalations/support'
import { createTenant } from '../support/tenants'
import { call } from './support'

/*
 * SPEC-surfaces "Who may do what": `GET /v1/events` gives an AGENT, as a REPRESENTATIVE, the "events of objects it
 * may read". An AGENT reads the escalations it opened (GET /v1/escalations/{id}), and no other: the feed gives it
 * their events, in the representation that GET returns to it, and never another escalation's.
 */

interface EventBody {
  id: string
  type: string
  objectType: string
  objectId: string
  data: { object: Record<string, unknown> }
}

describe('the feed of an object type a role reads only in part', () => {
  it('gives an AGENT the events of the escalations it opened, and no other escalation’s', async () => {
    const tenant = await createTenant()
    const mine = await newEscalation(tenant)
    const byPerson = await newEscalation(tenant, {}, 'REPRESENTATIVE')
    await call(200, `/v1/escalations/${mine.id}/assign`, {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { representativeId: tenant.representativeId },
    })

    const feed = await call<{ data: EventBody[] }>(200, '/v1/events?type=escalation.*', {
      token: tenant.tokens.AGENT,
    })
    expect(feed.data.map((event) => [event.type, event.objectId])).toEqual([
      ['escalation.assigned', mine.id],
      ['escalation.created', mine.id],
    ])
    // As GET /v1/escalations/{id} shows it to the agent.
    const read = await call<Record<string, unknown>>(200, `/v1/escalations/${mine.id}`, {
      token: tenant.tokens.AGENT,
    })
    expect(feed.data[0]?.data.object).toEqual({ ...read, allowedActions: expect.any(Array) })

    // One event, and one object's history, by id: the agent's own readable, the person's not found.
    const own = feed.data[1] as EventBody
    await call(200, `/v1/events/${own.id}`, { token: tenant.tokens.AGENT })
    const people = await call<{ data: EventBody[] }>(200, `/v1/events?objectId=${byPerson.id}`, {
      token: tenant.tokens.ADMIN,
    })
    const foreign = people.data[0] as EventBody
    expect(foreign.type).toBe('escalation.created')
    await call(404, `/v1/events/${foreign.id}`, { token: tenant.tokens.AGENT })
    expect(
      (
        await call<{ data: EventBody[] }>(200, `/v1/events?objectId=${byPerson.id}`, {
          token: tenant.tokens.AGENT,
        })
      ).data,
    ).toEqual([])
    // People read every escalation's events.
    const staff = await call<{ data: EventBody[] }>(200, '/v1/events?type=escalation.created', {
      token: tenant.tokens.REPRESENTATIVE,
    })
    expect(new Set(staff.data.map((event) => event.objectId))).toEqual(new Set([mine.id, byPerson.id]))
  })
})
