import { describe, expect, it } from 'vitest'
import { newTicket } from '../escalations/support'
import { api, json } from '../support/api'
import { createTenant } from '../support/tenants'

/**
 * A 412 says what the current ETag is (the `ETag` header and `currentEtag` in the problem), so a client can read
 * again or retry without guessing; every conditional write explains its refusal through the same mechanism
 * (src/db/crud.ts refusalOf). A malformed If-Match is refused before any database work, so it names none.
 */

interface Problem {
  status: number
  code: string
  detail: string
  currentEtag?: string
}

async function expectCurrentEtag(response: Response, current: string) {
  expect(response.status).toBe(412)
  expect(response.headers.get('ETag')).toBe(current)
  expect(await json<Problem>(response)).toMatchObject({
    status: 412,
    code: 'PRECONDITION_FAILED',
    currentEtag: current,
  })
}

describe('412 Precondition Failed', () => {
  it('names the current ETag of a ticket, and a retry with it succeeds', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, {}, 'REPRESENTATIVE')
    const first = await api(`/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      token: tenant.tokens.REPRESENTATIVE,
      headers: { 'If-Match': '"1"' },
      body: { priority: 'HIGH' },
    })
    expect(first.headers.get('ETag')).toBe('"2"')
    const stale = await api(`/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      token: tenant.tokens.REPRESENTATIVE,
      headers: { 'If-Match': '"1"' },
      body: { priority: 'LOW' },
    })
    await expectCurrentEtag(stale, '"2"')
    const read = await api(`/v1/tickets/${ticket.id}`, { token: tenant.tokens.REPRESENTATIVE })
    expect(read.headers.get('ETag')).toBe('"2"')
    expect(await json(read)).toMatchObject({ priority: 'HIGH' })
    const retried = await api(`/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      token: tenant.tokens.REPRESENTATIVE,
      headers: { 'If-Match': '"2"' },
      body: { priority: 'LOW' },
    })
    expect(retried.status).toBe(200)
    expect(await json(retried)).toMatchObject({ priority: 'LOW', version: 3 })
  })

  it('names it on an action (ticket assignee) and on the organization itself', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, {}, 'REPRESENTATIVE')
    const assign = await api(`/v1/tickets/${ticket.id}/assignee`, {
      method: 'PUT',
      token: tenant.tokens.ADMIN,
      headers: { 'If-Match': '"7", "8"' },
      body: { representativeId: tenant.representativeId },
    })
    await expectCurrentEtag(assign, '"1"')

    const organization = await api('/v1/organization', { token: tenant.tokens.ADMIN })
    const etag = organization.headers.get('ETag') as string
    const renamed = await api('/v1/organization', {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      headers: { 'If-Match': etag },
      body: { name: 'Renamed once' },
    })
    expect(renamed.status).toBe(200)
    const now = renamed.headers.get('ETag') as string
    expect(now).not.toBe(etag)
    const stale = await api('/v1/organization', {
      method: 'PATCH',
      token: tenant.tokens.ADMIN,
      headers: { 'If-Match': etag },
      body: { name: 'Renamed twice' },
    })
    await expectCurrentEtag(stale, now)
    expect(await json(await api('/v1/organization', { token: tenant.tokens.ADMIN }))).toMatchObject({
      name: 'Renamed once',
    })
  })

  it('names none for an If-Match that holds no tag this API issues (refused before the database)', async () => {
    const tenant = await createTenant()
    const ticket = await newTicket(tenant, {}, 'REPRESENTATIVE')
    const response = await api(`/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      token: tenant.tokens.REPRESENTATIVE,
      headers: { 'If-Match': 'W/"1"' },
      body: { priority: 'HIGH' },
    })
    expect(response.status).toBe(412)
    expect(response.headers.get('ETag')).toBeNull()
    const problem = await json<Problem>(response)
    expect(problem).toMatchObject({ code: 'PRECONDITION_FAILED' })
    expect(problem).not.toHaveProperty('currentEtag')
    expect(problem.detail).toContain('read the resource for its current ETag')
  })
})
