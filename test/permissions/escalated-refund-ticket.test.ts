import { describe, expect, it } from 'vitest'
import { createRule, type RefundBody, requestRefund } from '../refunds/support'
import { api, json } from '../support/api'
import { createTenant } from '../support/tenants'

/*
 * A refund's `notes` are staff-only (RefundSchema: visibleTo staff): the requester's notes, which an AI agent or a
 * person of the team writes for the team. A refund that a rule escalates opens a REFUND_REQUEST ticket of the
 * customer, which the customer reads: staff notes must not reach it through that ticket's description (nor its
 * search terms). A customer's own notes are its own words and may.
 */

type Body = Record<string, unknown>
type Page = { data: Body[]; nextCursor: string | null }

async function escalatingTenant() {
  const t = await createTenant()
  await createRule(t, {
    name: 'Escalate outages',
    action: 'ESCALATE',
    conditions: { all: [{ fact: 'refund.reason', operator: 'equal', value: 'SERVICE_OUTAGE' }] },
  })
  return t
}

describe('the ticket an escalated refund opens shows the customer nothing the refund hides from it', () => {
  it('an AGENT’s notes stay off the customer’s ticket (REST, search)', async () => {
    const t = await escalatingTenant()
    const notes = 'Flagged internally: suspected refund abuse, third claim this month.'
    const refund = await requestRefund(t, { amount: '99.00', reason: 'SERVICE_OUTAGE', notes })
    expect(refund.decision?.finalAction).toBe('ESCALATE')
    const ticketId = refund.ticketId as string
    expect(ticketId).toBeTruthy()

    const asCustomer = await json<Body>(await api(`/v1/refunds/${refund.id}`, { token: t.tokens.CUSTOMER }))
    expect(asCustomer.notes).toBeUndefined()
    const ticket = await api(`/v1/tickets/${ticketId}`, { token: t.tokens.CUSTOMER })
    expect(ticket.status).toBe(200)
    const { description } = await json<{ description: string }>(ticket)
    expect(description).not.toContain('abuse')
    const search = await api('/v1/tickets?q=suspected%20abuse', { token: t.tokens.CUSTOMER })
    expect(search.status).toBe(200)
    expect((await json<Page>(search)).data).toEqual([])
    // Staff still read the notes on the refund.
    const asStaff = await json<Body>(
      await api(`/v1/refunds/${refund.id}`, { token: t.tokens.REPRESENTATIVE }),
    )
    expect(asStaff.notes).toBe(notes)
  })

  it('a CUSTOMER’s own notes are its words: they describe its ticket', async () => {
    const t = await escalatingTenant()
    const notes = 'The service was down for two days.'
    const refund = await json<RefundBody>(
      await api('/v1/refunds', {
        method: 'POST',
        token: t.tokens.CUSTOMER,
        body: { amount: '99.00', currency: 'USD', reason: 'SERVICE_OUTAGE', notes },
      }),
    )
    expect(refund.ticketId).toBeTruthy()
    const ticket = await json<{ description: string }>(
      await api(`/v1/tickets/${refund.ticketId}`, { token: t.tokens.CUSTOMER }),
    )
    expect(ticket.description).toContain(notes)
  })
})
