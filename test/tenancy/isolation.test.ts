import { eq, inArray } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { organizations, tickets } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/** Everything of tenant A that a caller of tenant B could try to reach. */
async function snapshot(tenant: TestTenant) {
  const [org] = await ownerDb.select().from(organizations).where(eq(organizations.id, tenant.organizationId))
  const rows = await ownerDb.select().from(tickets).where(eq(tickets.organizationId, tenant.organizationId))
  return { org, rows: rows.sort((x, y) => x.id.localeCompare(y.id)) }
}

async function ticketOf(tenant: TestTenant) {
  const response = await api('/v1/tickets', {
    method: 'POST',
    token: tenant.tokens.ADMIN,
    body: { customerId: tenant.customerId, subject: 'Mine', description: 'Tenant A only' },
  })
  return (await json<{ id: string }>(response)).id
}

describe('tenant isolation: a caller of tenant B using ids of tenant A', () => {
  it('gets 404 (or an empty list) for every operation, and tenant A is unchanged', async () => {
    const [a, b] = [await createTenant(), await createTenant()]
    const ticketA = await ticketOf(a)
    await ticketOf(b)
    const before = await snapshot(a)

    for (const role of ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'] as const) {
      const token = b.tokens[role]
      const attempts: Array<[string, Parameters<typeof api>[1], number]> = [
        [`/v1/tickets/${ticketA}`, {}, 404],
        [`/v1/tickets/${ticketA}`, { method: 'PATCH', body: { subject: 'hijacked' } }, 404],
      ]
      if (role !== 'CUSTOMER') {
        attempts.push(
          [`/v1/tickets/${ticketA}`, { method: 'PATCH', body: { status: 'IN_PROGRESS' } }, 404],
          [
            `/v1/tickets/${ticketA}/assignee`,
            { method: 'PUT', body: { representativeId: b.representativeId } },
            404,
          ],
          [`/v1/tickets/${ticketA}/assignee`, { method: 'DELETE' }, 404],
          // A's customer or representative used in B: answered exactly as an id that does not exist.
          [
            '/v1/tickets',
            { method: 'POST', body: { customerId: a.customerId, subject: 's', description: 'd' } },
            422,
          ],
        )
      }
      for (const [path, request, status] of attempts) {
        const response = await api(path, { ...request, token })
        expect(response.status, `${role} ${request?.method ?? 'GET'} ${path}`).toBe(status)
        // Nothing of A comes back, beyond the caller's own path echoed in `instance`.
        const { instance: _echoedPath, ...problem } = await json(response)
        expect(JSON.stringify(problem)).not.toContain(a.organizationId)
        expect(JSON.stringify(problem)).not.toContain(ticketA)
      }
    }

    const lists = [
      `/v1/tickets?customerId=${a.customerId}`,
      `/v1/tickets?assignedRepresentativeId=${a.representativeId}`,
      '/v1/tickets?limit=100',
    ]
    for (const path of lists) {
      const page = await json<{ data: Array<{ id: string }> }>(await api(path, { token: b.tokens.ADMIN }))
      expect(
        page.data.map((t) => t.id),
        path,
      ).not.toContain(ticketA)
    }
    const own = await json<{ id: string }>(await api('/v1/organization', { token: b.tokens.ADMIN }))
    expect(own.id).toBe(b.organizationId)

    expect(await snapshot(a)).toEqual(before)
  })

  it('answers the same for another tenant’s id as for an id that never existed', async () => {
    const [a, b] = [await createTenant(), await createTenant()]
    const ticketA = await ticketOf(a)
    const foreign = await api(`/v1/tickets/${ticketA}`, { token: b.tokens.ADMIN })
    const missing = await api(`/v1/tickets/${crypto.randomUUID()}`, { token: b.tokens.ADMIN })
    const strip = (problem: Record<string, unknown>) => ({
      ...problem,
      instance: undefined,
      requestId: undefined,
    })
    expect(foreign.status).toBe(missing.status)
    expect(strip(await json(foreign))).toEqual(strip(await json(missing)))
  })

  it('keeps a token bound to its own tenant even if the body names another organization', async () => {
    const [a, b] = [await createTenant(), await createTenant()]
    const response = await api('/v1/tickets', {
      method: 'POST',
      token: b.tokens.ADMIN,
      body: { customerId: b.customerId, subject: 's', description: 'd', organizationId: a.organizationId },
    })
    expect(response.status).toBe(422)
    const rows = await ownerDb
      .select()
      .from(tickets)
      .where(inArray(tickets.organizationId, [a.organizationId, b.organizationId]))
    expect(rows).toHaveLength(0)
  })
})
