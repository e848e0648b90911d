import { describe, expect, it } from 'vitest'
import { tickets } from '../../src/db/schema'
import { SEARCH_CANDIDATES } from '../../src/resources/tickets/ticket-search'
import { openTicket, post } from '../messages/support'
import { api, json } from '../support/api'
import { neonLocalStats, ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/** GET /v1/tickets?q=: the ids found, in order (asserting 200). */
async function search(token: string, query: string): Promise<string[]> {
  const response = await api(`/v1/tickets?${query}`, { token })
  expect(response.status, `${query}: ${await response.clone().text()}`).toBe(200)
  return (await json<{ data: Array<{ id: string }> }>(response)).data.map((ticket) => ticket.id)
}
const q = (text: string, extra = '') => `q=${encodeURIComponent(text)}${extra}`

async function ticketOf(
  tenant: TestTenant,
  subject: string,
  description: string,
  customerId = tenant.customerId,
) {
  return (await openTicket(tenant, { subject, description, customerId })).id
}

describe('GET /v1/tickets?q= (full-text search)', () => {
  it('ranks by the number of query terms a ticket holds, then by the latest mention; words are stemmed', async () => {
    const t = await createTenant()
    const subjectOnly = await ticketOf(t, 'Printer jam', 'Paper stuck in tray two')
    const both = await ticketOf(t, 'Billing question', 'Invoice looks wrong')
    await post(t.tokens.CUSTOMER, both, { body: 'I was charged twice for the printer' })
    await post(t.tokens.REPRESENTATIVE, both, { body: 'We refunded the duplicate charge' })
    const bothLater = await ticketOf(t, 'Refunds for printers?', 'Asking for a friend')
    const neither = await ticketOf(t, 'Password reset', 'Cannot log in')

    const admin = t.tokens.ADMIN
    // "refund" matches "refunded" and "Refunds", "printer" matches "printers": both hold both terms.
    expect(await search(admin, q('printer refund'))).toEqual([bothLater, both, subjectOnly])
    expect(await search(admin, q('REFUNDING'))).toEqual([bothLater, both])
    expect(await search(admin, q('password'))).toEqual([neither])
    // Stop words alone match nothing; an unknown word neither.
    expect(await search(admin, q('the and of'))).toEqual([])
    expect(await search(admin, q('xylophone'))).toEqual([])
    // A later mention of the first ticket moves it ahead of tickets with as many terms.
    await post(t.tokens.AGENT, subjectOnly, { body: 'Refund issued for the printer' })
    expect(await search(admin, q('printer refund'))).toEqual([subjectOnly, bothLater, both])
  })

  it('combines with the list’s filters and sorts, and pages by relevance without gaps or repeats', async () => {
    const t = await createTenant()
    const ids: string[] = []
    for (let i = 0; i < 5; i++)
      ids.push(await ticketOf(t, `Router ${i}`, i % 2 === 0 ? 'wifi drops' : 'cable'))
    const [first, , third] = ids as [string, string, string]
    await api(`/v1/tickets/${third}`, {
      method: 'PATCH',
      token: t.tokens.ADMIN,
      body: { status: 'IN_PROGRESS' },
    })
    expect(await search(t.tokens.ADMIN, q('router wifi', '&status=IN_PROGRESS'))).toEqual([third])
    expect(await search(t.tokens.ADMIN, q('router', '&sort=createdAt'))).toEqual(ids)

    const seen: string[] = []
    let cursor: string | null = null
    do {
      const requestId = `search-${crypto.randomUUID()}`
      const path: string = `/v1/tickets?${q('router wifi')}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      const response = await api(path, {
        token: t.tokens.REPRESENTATIVE,
        headers: { 'X-Request-Id': requestId },
      })
      expect(response.status).toBe(200)
      expect(await neonLocalStats(requestId)).toBe(1)
      const page = await json<{ data: Array<{ id: string }>; nextCursor: string | null }>(response)
      seen.push(...page.data.map((ticket) => ticket.id))
      cursor = page.nextCursor
    } while (cursor)
    // Tickets 0, 2 and 4 hold both terms (newest first), then 1 and 3.
    expect(seen).toEqual([ids[4], ids[2], first, ids[3], ids[1]])
  })

  it('never lets a customer match words of INTERNAL notes, nor another customer’s tickets', async () => {
    const t = await createTenant()
    const own = await ticketOf(t, 'Late delivery', 'Parcel is late')
    const others = await ticketOf(t, 'Late delivery too', 'Parcel is late', t.otherCustomerId)
    await post(t.tokens.REPRESENTATIVE, own, { body: 'Suspected chargeback fraud', visibility: 'INTERNAL' })
    await post(t.tokens.AGENT, own, { body: 'courier contacted' })

    expect(await search(t.tokens.REPRESENTATIVE, q('chargeback'))).toEqual([own])
    expect(await search(t.tokens.AGENT, q('fraud'))).toEqual([own])
    expect(await search(t.tokens.CUSTOMER, q('chargeback'))).toEqual([])
    expect(await search(t.tokens.CUSTOMER, q('fraud courier'))).toEqual([own])
    // Ranking for the customer counts its visible terms only: "fraud" adds nothing.
    expect(await search(t.tokens.CUSTOMER, q('late parcel'))).toEqual([own])
    expect(await search(t.tokens.OTHER_CUSTOMER, q('late parcel'))).toEqual([others])
    expect(await search(t.tokens.OTHER_CUSTOMER, q('courier'))).toEqual([])
    // A word in both a public message and a note stays findable by the customer when the note is redacted, and the
    // reverse: redacting the public one leaves it to staff only.
    await post(t.tokens.REPRESENTATIVE, own, { body: 'escalated internally', visibility: 'INTERNAL' })
    const reply = await post(t.tokens.REPRESENTATIVE, own, { body: 'Your case is escalated' })
    expect(await search(t.tokens.CUSTOMER, q('escalated'))).toEqual([own])
    await api(`/v1/tickets/${own}/messages/${reply.id}/redact`, {
      method: 'POST',
      token: t.tokens.REPRESENTATIVE,
    })
    expect(await search(t.tokens.CUSTOMER, q('escalated'))).toEqual([])
    expect(await search(t.tokens.ADMIN, q('escalated'))).toEqual([own])
  })

  it('reads a bounded number of candidates per term, yet counts every term a candidate holds', async () => {
    const t = await createTenant()
    // An old ticket with a rare and a common word, then more recent tickets with the common word than one term may
    // contribute (SEARCH_CANDIDATES shared between the two terms).
    const old = await ticketOf(t, 'Alpha zulu', 'The oldest one')
    const rows = Array.from({ length: SEARCH_CANDIDATES + 10 }, (_, i) => ({
      organizationId: t.organizationId,
      ticketNumber: `TICKET-${5000 + i}`,
      customerId: t.customerId,
      subject: `Alpha number ${i}`,
      description: 'common',
      createdAt: new Date(Date.now() + 60_000 + i * 1000),
    }))
    await ownerDb.insert(tickets).values(rows)
    const alpha = await search(t.tokens.ADMIN, q('alpha', '&limit=100'))
    expect(alpha).toHaveLength(SEARCH_CANDIDATES)
    expect(alpha).not.toContain(old)
    // Found through "zulu", credited with "alpha" too: it holds both terms, so it ranks first.
    const both = await search(t.tokens.ADMIN, q('alpha zulu', '&limit=3'))
    expect(both[0]).toBe(old)
  })

  it('is per tenant: another organization’s identical words never match', async () => {
    const [a, b] = [await createTenant(), await createTenant()]
    const inA = await ticketOf(a, 'Quantum flux capacitor', 'broken')
    const inB = await ticketOf(b, 'Quantum flux capacitor', 'broken')
    await post(b.tokens.REPRESENTATIVE, inB, { body: 'zebra note', visibility: 'INTERNAL' })
    for (const role of ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'] as const) {
      expect(await search(a.tokens[role], q('quantum capacitor')), role).toEqual([inA])
      expect(await search(a.tokens[role], q('zebra')), role).toEqual([])
    }
  })

  it('follows redactions and edits: a removed word stops matching, a new one matches', async () => {
    const t = await createTenant()
    const ticket = await ticketOf(t, 'Account locked', 'Locked out since Monday')
    const secret = await post(t.tokens.REPRESENTATIVE, ticket, { body: 'temporary password hunter2' })
    expect(await search(t.tokens.ADMIN, q('hunter2'))).toEqual([ticket])
    await api(`/v1/tickets/${ticket}/messages/${secret.id}/redact`, { method: 'POST', token: t.tokens.ADMIN })
    expect(await search(t.tokens.ADMIN, q('hunter2'))).toEqual([])
    // "password" was only in the redacted message; "locked" is still in the subject and description.
    expect(await search(t.tokens.ADMIN, q('password'))).toEqual([])
    expect(await search(t.tokens.ADMIN, q('locked'))).toEqual([ticket])
    const patched = await api(`/v1/tickets/${ticket}`, {
      method: 'PATCH',
      token: t.tokens.CUSTOMER,
      body: { subject: 'Account disabled', description: 'Disabled since Monday' },
    })
    expect(patched.status).toBe(200)
    expect(await search(t.tokens.ADMIN, q('locked'))).toEqual([])
    expect(await search(t.tokens.CUSTOMER, q('disabled monday'))).toEqual([ticket])
  })

  it('looks a ticket up by its number (q=TICKET-n in any case, or ticketNumber=), within what the caller may see', async () => {
    const t = await createTenant()
    const first = await openTicket(t)
    const second = await openTicket(t, { customerId: t.otherCustomerId })
    expect(await search(t.tokens.ADMIN, `q=${second.ticketNumber}`)).toEqual([second.id])
    expect(await search(t.tokens.ADMIN, `q=${second.ticketNumber.toLowerCase()}`)).toEqual([second.id])
    expect(await search(t.tokens.AGENT, `ticketNumber=${first.ticketNumber}`)).toEqual([first.id])
    expect(await search(t.tokens.CUSTOMER, `q=${second.ticketNumber}`)).toEqual([])
    expect(await search(t.tokens.CUSTOMER, `q=${first.ticketNumber}`)).toEqual([first.id])
    expect(await search(t.tokens.ADMIN, 'q=TICKET-999999')).toEqual([])
  })

  it('q=TICKET-n with leading zeros is that ticket; any number looks up, however large (nothing found, no 500)', async () => {
    const t = await createTenant()
    const ticket = await openTicket(t)
    expect(ticket.ticketNumber).toBe('TICKET-1001')
    // A reference copied zero-padded.
    for (const text of ['TICKET-01001', 'ticket-0000001001', ' TICKET-001001 ']) {
      expect(await search(t.tokens.ADMIN, q(text)), text).toEqual([ticket.id])
      expect(await search(t.tokens.ADMIN, q(text, '&sort=relevance')), text).toEqual([ticket.id])
    }
    expect(await search(t.tokens.AGENT, q('TICKET-01001', '&expand=customer'))).toEqual([ticket.id])
    // The filter reads a number as `q` does.
    expect(await search(t.tokens.ADMIN, 'ticketNumber=TICKET-01001')).toEqual([ticket.id])
    expect(await search(t.tokens.ADMIN, 'ticketNumber=ticket-0000001001')).toEqual([ticket.id])
    // A ticket whose text holds the words of a huge number: a number is never searched as text, whatever its size.
    await ticketOf(t, 'Ticket 99999999999999999999 again', 'Ticket 9999999999 too')
    for (const number of ['TICKET-9999999999', 'TICKET-99999999999999999999', `TICKET-${'9'.repeat(193)}`]) {
      expect(await search(t.tokens.ADMIN, q(number)), number).toEqual([])
      expect(await search(t.tokens.ADMIN, q(number, '&sort=relevance')), number).toEqual([])
    }
  })

  it('uses the first 8 terms as typed, not the first 8 in alphabetical order', async () => {
    const t = await createTenant()
    const zebra = await ticketOf(t, 'Zebra print', 'The zebra pattern prints badly')
    // Nine terms: "zebra", typed first, is the last of them alphabetically; "honeydew", typed last, goes.
    const typed = 'zebra apple banana cherry dates elder figs grape honeydew'
    expect(await search(t.tokens.ADMIN, q(typed))).toEqual([zebra])
    const honeydew = await ticketOf(t, 'Honeydew', 'Melon order')
    expect(await search(t.tokens.ADMIN, q(typed))).toEqual([zebra])
    expect(await search(t.tokens.ADMIN, q('honeydew zebra'))).toEqual([honeydew, zebra])
  })

  it('rejects bad search parameters with 400', async () => {
    const t = await createTenant()
    for (const query of [
      'sort=relevance',
      `q=${'x'.repeat(201)}`,
      'q=',
      'ticketNumber=1042',
      'q=a&sort=rank',
    ]) {
      const response = await api(`/v1/tickets?${query}`, { token: t.tokens.ADMIN })
      expect(response.status, query).toBe(400)
      expect(response.headers.get('Content-Type')).toContain('application/problem+json')
    }
  })
})
