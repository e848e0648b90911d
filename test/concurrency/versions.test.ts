import { eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { escalations, tickets } from '../../src/db/schema'
import { newTicket } from '../escalations/support'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * ETags are row versions that the database raises under the row lock: with many simultaneous writers
 * (real concurrency on the PostgreSQL server; PGlite runs them one after another) holding the same ETag
 * exactly one wins, and unconditional writers never receive the same ETag twice.
 */
const WRITERS = 20

describe(`row versions under ${WRITERS} concurrent writers (${inject('databaseBackend')})`, () => {
  it('N writers holding the same ETag: exactly one succeeds, the others get 412, nothing is lost', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, {}, 'REPRESENTATIVE')
    const etag = `"${ticket.version}"`
    expect(etag).toBe('"1"')
    const responses = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        api(`/v1/tickets/${ticket.id}`, {
          method: 'PATCH',
          token: tenant.tokens.REPRESENTATIVE,
          headers: { 'If-Match': etag as string },
          body: { tags: [`writer-${i}`] },
        }),
      ),
    )
    const statuses = responses.map((response) => response.status).sort()
    expect(statuses).toEqual([200, ...Array(WRITERS - 1).fill(412)])
    const winner = responses.find((response) => response.status === 200) as Response
    const body = await json<{ tags: string[]; version: number }>(winner)
    expect(winner.headers.get('ETag')).toBe('"2"')
    const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
    expect(row?.version).toBe(2)
    expect(row?.tags).toEqual(body.tags)
  })

  it('unconditional writers all succeed with distinct, consecutive ETags; updatedAt never goes back', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, {}, 'REPRESENTATIVE')
    const responses = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        api(`/v1/tickets/${ticket.id}`, {
          method: 'PATCH',
          token: tenant.tokens.REPRESENTATIVE,
          body: { tags: [`writer-${i}`] },
        }),
      ),
    )
    expect(responses.map((response) => response.status)).toEqual(Array(WRITERS).fill(200))
    const etags = responses.map((response) => response.headers.get('ETag'))
    expect(new Set(etags).size).toBe(WRITERS)
    expect(etags.map((etag) => Number(JSON.parse(etag as string))).sort((a, b) => a - b)).toEqual(
      Array.from({ length: WRITERS }, (_, i) => i + 2),
    )
    // The representation a writer got back is ordered like its version: a later version is never older.
    const bodies = await Promise.all(
      responses.map((response) => json<{ version: number; updatedAt: string }>(response)),
    )
    bodies.sort((a, b) => a.version - b.version)
    for (let i = 1; i < bodies.length; i++) {
      expect(Date.parse(bodies[i]?.updatedAt as string)).toBeGreaterThanOrEqual(
        Date.parse(bodies[i - 1]?.updatedAt as string),
      )
    }
  })

  it('assignment routes honour If-Match too, and each change is a new version', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, {}, 'REPRESENTATIVE')
    const etag = `"${ticket.version}"`
    const assign = (headers: Record<string, string>) =>
      api(`/v1/tickets/${ticket.id}/assignee`, {
        method: 'PUT',
        token: tenant.tokens.REPRESENTATIVE,
        headers,
        body: { representativeId: tenant.representativeId },
      })
    const assigned = await assign({ 'If-Match': etag as string })
    expect(assigned.status).toBe(200)
    expect(assigned.headers.get('ETag')).toBe('"2"')
    const stale = await assign({ 'If-Match': etag as string })
    expect(stale.status).toBe(412)
    expect(stale.headers.get('Content-Type')).toContain('application/problem+json')
    const unassignStale = await api(`/v1/tickets/${ticket.id}/assignee`, {
      method: 'DELETE',
      token: tenant.tokens.REPRESENTATIVE,
      headers: { 'If-Match': etag as string },
    })
    expect(unassignStale.status).toBe(412)
    const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
    expect(row).toMatchObject({ version: 2, assignedRepresentativeId: tenant.representativeId })
    const unassigned = await api(`/v1/tickets/${ticket.id}/assignee`, {
      method: 'DELETE',
      token: tenant.tokens.REPRESENTATIVE,
      headers: { 'If-Match': '"7", "2"' },
    })
    expect(unassigned.status).toBe(200)
    expect(unassigned.headers.get('ETag')).toBe('"3"')
  })

  it('a malformed, weak or out-of-range If-Match never matches (412), and never reaches the database as a 5xx', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, {}, 'REPRESENTATIVE')
    for (const value of [
      'W/"1"',
      '"1',
      '1',
      '"-1"',
      '"0"',
      '"99999999999"',
      '"1e3"',
      `"${'9'.repeat(400)}"`,
    ]) {
      const response = await api(`/v1/tickets/${ticket.id}`, {
        method: 'PATCH',
        token: tenant.tokens.REPRESENTATIVE,
        headers: { 'If-Match': value },
        body: { priority: 'HIGH' },
      })
      expect({ value, status: response.status }).toEqual({ value, status: 412 })
    }
    const [row] = await ownerDb.select().from(tickets).where(eq(tickets.id, ticket.id))
    expect(row).toMatchObject({ version: 1, priority: 'MEDIUM' })
  })

  it('escalations: N actions holding the same ETag, one wins (412 for the rest); N unconditional starts, one wins (409 for the rest)', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, {}, 'REPRESENTATIVE')
    const open = async () => {
      const response = await api('/v1/escalations', {
        method: 'POST',
        token: tenant.tokens.AGENT,
        body: { ticketId: ticket.id, priority: 'HIGH', reason: 'LOW_CONFIDENCE', summary: 'Contended' },
      })
      expect(response.status).toBe(201)
      return (await json<{ id: string }>(response)).id
    }
    const first = await open()
    const patches = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        api(`/v1/escalations/${first}`, {
          method: 'PATCH',
          token: tenant.tokens.REPRESENTATIVE,
          headers: { 'If-Match': '"1"' },
          body: { summary: `writer-${i}` },
        }),
      ),
    )
    expect(patches.map((response) => response.status).sort()).toEqual([200, ...Array(WRITERS - 1).fill(412)])
    const [row] = await ownerDb.select().from(escalations).where(eq(escalations.id, first))
    expect(row?.version).toBe(2)

    const second = await open()
    const assigned = await api(`/v1/escalations/${second}/assign`, {
      method: 'POST',
      token: tenant.tokens.REPRESENTATIVE,
      body: { representativeId: tenant.representativeId },
    })
    expect(assigned.status).toBe(200)
    const starts = await Promise.all(
      Array.from({ length: WRITERS }, () =>
        api(`/v1/escalations/${second}/start`, { method: 'POST', token: tenant.tokens.REPRESENTATIVE }),
      ),
    )
    expect(starts.map((response) => response.status).sort()).toEqual([200, ...Array(WRITERS - 1).fill(409)])
    const [started] = await ownerDb.select().from(escalations).where(eq(escalations.id, second))
    expect(started).toMatchObject({ status: 'IN_PROGRESS', version: 3 })
  })
})
