import { describe, expect, inject, it } from 'vitest'
import { newTicket } from '../escalations/support'
import { api, json } from '../support/api'
import { ownerSql, untilRowLocked } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * Following the feed oldest first (`sort=createdAt`): an event's createdAt is its transaction's start, but it is
 * visible only once that transaction commits. The oldest-first feed ends before the oldest transaction still open,
 * so what a read returns is always the beginning of what a later read returns: a client's cursor never passes an
 * event that commits afterwards (events.data.ts, settledHorizon). Every page oldest first hands out a cursor after
 * its last event, the last page too, so a follower that has caught up polls with it for what comes next.
 */

const backend = inject('databaseBackend')

interface EventPage {
  data: Array<{ id: string; type: string; objectId: string; createdAt: string }>
  nextCursor: string | null
}

/** One page of the feed oldest first, after `cursor` if given. */
async function follow(tenant: TestTenant, query: string, cursor?: string | null) {
  const after = cursor ? `&cursor=${cursor}` : ''
  const response = await api(`/v1/events?sort=createdAt&limit=100&${query}${after}`, {
    token: tenant.tokens.ADMIN,
  })
  expect(response.status, await response.clone().text()).toBe(200)
  return json<EventPage>(response)
}

async function oldestFirst(tenant: TestTenant, query: string) {
  return (await follow(tenant, query)).data
}

const patchSubject = (tenant: TestTenant, ticketId: string, subject: string) =>
  api(`/v1/tickets/${ticketId}`, { method: 'PATCH', token: tenant.tokens.ADMIN, body: { subject } })

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

  it('hands a caught-up follower a cursor to poll with: only newer events, or none and the same cursor', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant)
    const query = `objectId=${ticket.id}`
    // Nothing read yet, no position: the follower polls from the start again (`createdFrom` if it has one).
    expect(await follow(tenant, `objectId=${crypto.randomUUID()}`)).toEqual({ data: [], nextCursor: null })
    const first = await eventually(
      () => follow(tenant, query),
      (page) => page.data.length > 0,
    )
    expect(first.data.map((event) => event.type)).toEqual(['ticket.created'])
    expect(first.nextCursor).toEqual(expect.any(String))
    // Caught up: nothing new, and the cursor to poll with again.
    expect(await follow(tenant, query, first.nextCursor)).toEqual({ data: [], nextCursor: first.nextCursor })

    expect((await patchSubject(tenant, ticket.id, 'Changed after the follower caught up')).status).toBe(200)
    const next = await eventually(
      () => follow(tenant, query, first.nextCursor),
      (page) => page.data.length > 0,
    )
    // Only what is newer than the cursor: no duplicate of the event already read.
    expect(next.data.map((event) => event.type)).toEqual(['ticket.updated'])
    expect(next.nextCursor).toEqual(expect.any(String))
    expect(next.nextCursor).not.toEqual(first.nextCursor)
    expect(await follow(tenant, query, next.nextCursor)).toEqual({ data: [], nextCursor: next.nextCursor })
  })

  it.skipIf(backend !== 'postgres')(
    'a follower polling with its cursor gets an event that commits behind one already committed',
    async () => {
      const tenant = await createTenant()
      const [slow, fast] = [await newTicket(tenant), await newTicket(tenant)]
      const query = 'type=ticket.*'
      const created = await eventually(
        () => follow(tenant, query),
        (page) => page.data.length === 2,
      )
      expect(created.nextCursor).toEqual(expect.any(String))
      const hold = ownerSql.transaction([
        ownerSql`select 1 from tickets where id = ${slow.id} for update`,
        ownerSql`select pg_sleep(2)`,
      ])
      await untilRowLocked(
        () => ownerSql`select 1 from tickets where id = ${slow.id} for update nowait`,
        'the hold',
      )
      const slowPatch = patchSubject(tenant, slow.id, 'Began first, commits last')
      await untilSomeoneWaitsFor(slow.id)
      expect((await patchSubject(tenant, fast.id, 'Began second, commits first')).status).toBe(200)
      // Polled while the slow PATCH is open: the fast one's event waits behind it, the cursor stays.
      const early = await follow(tenant, query, created.nextCursor)
      expect(early).toEqual({ data: [], nextCursor: created.nextCursor })
      expect((await slowPatch).status).toBe(200)
      await hold
      const later = await eventually(
        () => follow(tenant, query, early.nextCursor),
        (page) => page.data.length === 2,
      )
      expect(later.data.map((event) => [event.type, event.objectId])).toEqual([
        ['ticket.updated', slow.id],
        ['ticket.updated', fast.id],
      ])
    },
  )

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
