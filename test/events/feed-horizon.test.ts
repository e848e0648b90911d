import { describe, expect, inject, it } from 'vitest'
import { newTicket } from '../escalations/support'
import { api, json } from '../support/api'
import { ownerSql, untilRowLocked } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * Following the feed oldest first (`sort=createdAt`): an event's createdAt is its transaction's start, but it is
 * visible only once that transaction commits. The oldest-first feed ends before the oldest transaction still open,
 * so what a read returns is always the beginning of what a later read returns: a client's cursor never passes an
 * event that commits afterwards (events.data.ts, settledHorizon).
 */

const backend = inject('databaseBackend')

interface EventPage {
  data: Array<{ id: string; type: string; objectId: string; createdAt: string }>
}

async function oldestFirst(tenant: TestTenant, query: string) {
  const response = await api(`/v1/events?sort=createdAt&limit=100&${query}`, { token: tenant.tokens.ADMIN })
  expect(response.status, await response.clone().text()).toBe(200)
  return (await json<EventPage>(response)).data
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `read` gives what `done` wants: other tests' open transactions may hold the horizon back a while. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = await read()
    if (done(value) || attempt === 100) return value
    await pause(100)
  }
}

/**
 * Resolves once a session waits for the transaction that holds `ticketId`'s row lock (the PATCH sent before it has
 * begun its transaction and waits). The row's xmax names the holder, so another test's lock wait never counts.
 */
async function untilSomeoneWaitsFor(ticketId: string) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const [row] = await ownerSql`select count(*)::int as n
      from pg_locks l join tickets t on l.transactionid = t.xmax where t.id = ${ticketId} and l.locktype = 'transactionid' and not l.granted`
    if ((row?.n as number) > 0) return
    await pause(20)
  }
  throw new Error('the PATCH never waited for the ticket’s lock')
}

describe(`the oldest-first feed (${backend})`, () => {
  it('shows an event once it is settled', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant)
    const events = await eventually(
      () => oldestFirst(tenant, `objectId=${ticket.id}`),
      (data) => data.length > 0,
    )
    expect(events.map((event) => event.type)).toEqual(['ticket.created'])
  })

  it.skipIf(backend !== 'postgres')(
    'never shows an event ahead of one that an open transaction will commit behind it',
    async () => {
      const tenant = await createTenant()
      const [slow, fast] = [await newTicket(tenant), await newTicket(tenant)]
      // The owner holds the slow ticket's row: the PATCH of it begins its transaction, then waits.
      const hold = ownerSql.transaction([
        ownerSql`select 1 from tickets where id = ${slow.id} for update`,
        ownerSql`select pg_sleep(2)`,
      ])
      await untilRowLocked(
        () => ownerSql`select 1 from tickets where id = ${slow.id} for update nowait`,
        'the hold',
      )
      const slowPatch = api(`/v1/tickets/${slow.id}`, {
        method: 'PATCH',
        token: tenant.tokens.ADMIN,
        body: { subject: 'Began first, commits last' },
      })
      await untilSomeoneWaitsFor(slow.id)
      const fastPatch = await api(`/v1/tickets/${fast.id}`, {
        method: 'PATCH',
        token: tenant.tokens.ADMIN,
        body: { subject: 'Began second, commits first' },
      })
      expect(fastPatch.status).toBe(200)
      // Read while the slow PATCH is still open: the fast one's event is committed but must wait behind it.
      const early = await oldestFirst(tenant, 'type=ticket.updated')
      expect((await slowPatch).status).toBe(200)
      await hold
      const settled = await eventually(
        () => oldestFirst(tenant, 'type=ticket.updated'),
        (data) => data.length === 2,
      )
      // The slow PATCH's event is first in the feed (its transaction began first) though it committed last.
      expect(settled.map((event) => event.objectId)).toEqual([slow.id, fast.id])
      // What the early read returned is the beginning of the settled feed: a cursor after it misses nothing.
      expect(early.map((event) => event.id)).toEqual(settled.slice(0, early.length).map((event) => event.id))
      expect(early.map((event) => event.objectId)).not.toContain(fast.id)
    },
  )
})
