import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { customerProfiles } from '../../src/db/schema'
import { openTicket } from '../messages/support'
import { graphql } from '../reads/graphql-support'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * A field a role may not see (`visibleTo`) must not be learnt by filtering on it either: a list filter on a hidden
 * field answers "this row has that value" by including or leaving out the row, which is the field's value. Such a
 * filter is refused (403 FORBIDDEN_FIELD) for the roles that do not see the field, on every surface that takes it.
 */

type Page = { data: Array<Record<string, unknown>>; nextCursor: string | null }

describe('a list filter does not reveal a field the caller may not see', () => {
  it('a CUSTOMER cannot learn its own accountStanding through GET /v1/customers?accountStanding=', async () => {
    const t = await createTenant()
    await ownerDb
      .update(customerProfiles)
      .set({ accountStanding: 'WARNING' })
      .where(
        and(eq(customerProfiles.organizationId, t.organizationId), eq(customerProfiles.userId, t.customerId)),
      )
    const me = await json<Record<string, unknown>>(
      await api(`/v1/customers/${t.customerId}`, { token: t.tokens.CUSTOMER }),
    )
    expect((me.profile as Record<string, unknown>).accountStanding).toBeUndefined()

    for (const standing of ['GOOD', 'WARNING']) {
      const response = await api(`/v1/customers?accountStanding=${standing}`, { token: t.tokens.CUSTOMER })
      expect(response.status, await response.clone().text()).toBe(403)
      expect((await json(response)).code).toBe('FORBIDDEN_FIELD')
    }
    // The filters it sees still work, and staff still filter by standing.
    const byTier = await api('/v1/customers?accountTier=PREMIUM', { token: t.tokens.CUSTOMER })
    expect(byTier.status).toBe(200)
    expect((await json<Page>(byTier)).data.map((customer) => customer.id)).toEqual([t.customerId])
    const staff = await api('/v1/customers?accountStanding=WARNING', { token: t.tokens.AGENT })
    expect(staff.status).toBe(200)
    expect((await json<Page>(staff)).data.map((customer) => customer.id)).toEqual([t.customerId])
  })

  it('a CUSTOMER cannot learn whether its tickets are assigned, nor to whom: REST, expand and GraphQL', async () => {
    const t = await createTenant()
    const assigned = await openTicket(t, {
      subject: 'Assigned',
      assignedRepresentativeId: t.representativeId,
    })
    await openTicket(t, { subject: 'Unassigned' })
    const ticket = await json<Record<string, unknown>>(
      await api(`/v1/tickets/${assigned.id}`, { token: t.tokens.CUSTOMER }),
    )
    expect(ticket.assignedRepresentativeId).toBeUndefined()

    for (const value of ['none', t.representativeId]) {
      for (const expand of ['', '&expand=refunds']) {
        const path = `/v1/tickets?assignedRepresentativeId=${value}${expand}`
        const response = await api(path, { token: t.tokens.CUSTOMER })
        expect(response.status, `${path}: ${await response.clone().text()}`).toBe(403)
        expect((await json(response)).code).toBe('FORBIDDEN_FIELD')
      }
      const { status, body } = await graphql(
        t.tokens.CUSTOMER,
        'query($a: String) { tickets(assignedRepresentativeId: $a) { nodes { id subject } } }',
        { a: value },
      )
      expect(status).toBe(200)
      expect(body.data?.tickets ?? null).toBeNull()
      expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN_FIELD')
    }
    // Staff filter by assignee as before.
    const staff = await api(`/v1/tickets?assignedRepresentativeId=${t.representativeId}`, {
      token: t.tokens.AGENT,
    })
    expect(staff.status).toBe(200)
    expect((await json<Page>(staff)).data.map((row) => row.id)).toEqual([assigned.id])
    const { body } = await graphql(
      t.tokens.REPRESENTATIVE,
      'query($a: String) { tickets(assignedRepresentativeId: $a) { nodes { id } } }',
      { a: 'none' },
    )
    expect(body.errors).toBeUndefined()
    expect((body.data as { tickets: { nodes: unknown[] } }).tickets.nodes).toHaveLength(1)
  })
})
