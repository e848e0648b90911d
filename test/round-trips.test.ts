import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { api, json } from './support/api'
import { neonLocalStats } from './support/db'
import { createTenant } from './support/tenants'

/** A request of a round-trip table: name, path, request, expected status, expected round trips (default 1). */
type Call = [name: string, path: string, request: Parameters<typeof api>[1], status: number, trips?: number]

/** Sends each call with a request id of its own, then checks its status and what the local endpoint counted for it. */
async function expectRoundTrips(calls: Call[]) {
  for (const [name, path, request, status, trips = 1] of calls) {
    const requestId = `rt-${crypto.randomUUID()}`
    const response = await api(path, {
      ...request,
      headers: { ...request?.headers, 'X-Request-Id': requestId },
    })
    expect(response.status, `${name}: ${await response.clone().text()}`).toBe(status)
    await response.arrayBuffer()
    expect(await neonLocalStats(requestId), name).toBe(trips)
  }
}

/**
 * Database round trips per API request, counted by the local endpoint (each neon-http request is one
 * HTTP round trip). The budget of the issue: exactly one per tickets/organization request.
 */
describe('database round trips per request', () => {
  it('every organization and tickets endpoint costs exactly one', async () => {
    const tenant = await createTenant()
    const created = await json<{ id: string }>(
      await api('/v1/tickets', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        body: { customerId: tenant.customerId, subject: 's', description: 'd' },
      }),
    )
    const ticket = `/v1/tickets/${created.id}`
    const slug = `rt-${crypto.randomUUID().slice(0, 8)}`
    const calls: Call[] = [
      ['GET /v1/organization', '/v1/organization', { token: tenant.tokens.ADMIN }, 200],
      [
        'PATCH /v1/organization',
        '/v1/organization',
        { method: 'PATCH', token: tenant.tokens.ADMIN, body: { name: 'N' } },
        200,
      ],
      [
        'POST /v1/organizations',
        '/v1/organizations',
        {
          method: 'POST',
          headers: { 'X-Platform-Key': 'test-platform-key-0123456789' },
          body: { name: 'RT', slug, admin: { email: `a@${slug}.example`, name: 'A' } },
        },
        201,
      ],
      [
        'PATCH /v1/organizations/{organizationId}',
        `/v1/organizations/${tenant.organizationId}`,
        {
          method: 'PATCH',
          headers: { 'X-Platform-Key': 'test-platform-key-0123456789' },
          body: { plan: 'PROFESSIONAL' },
        },
        200,
      ],
      [
        'POST /v1/tickets',
        '/v1/tickets',
        {
          method: 'POST',
          token: tenant.tokens.AGENT,
          body: { customerId: tenant.customerId, subject: 's', description: 'd' },
        },
        201,
      ],
      [
        'GET /v1/tickets',
        '/v1/tickets?status=OPEN&sort=-priority',
        { token: tenant.tokens.REPRESENTATIVE },
        200,
      ],
      ['GET /v1/tickets/{id}', ticket, { token: tenant.tokens.CUSTOMER }, 200],
      [
        'PATCH /v1/tickets/{id}',
        ticket,
        { method: 'PATCH', token: tenant.tokens.REPRESENTATIVE, body: { status: 'IN_PROGRESS' } },
        200,
      ],
      [
        'PUT /v1/tickets/{id}/assignee',
        `${ticket}/assignee`,
        {
          method: 'PUT',
          token: tenant.tokens.REPRESENTATIVE,
          body: { representativeId: tenant.representativeId },
        },
        200,
      ],
      [
        'DELETE /v1/tickets/{id}/assignee',
        `${ticket}/assignee`,
        { method: 'DELETE', token: tenant.tokens.ADMIN },
        200,
      ],
      [
        'GET /v1/tickets/{id} (404)',
        `/v1/tickets/${crypto.randomUUID()}`,
        { token: tenant.tokens.ADMIN },
        404,
      ],
      [
        'PATCH /v1/tickets/{id} (409)',
        ticket,
        { method: 'PATCH', token: tenant.tokens.ADMIN, body: { status: 'CLOSED' } },
        409,
      ],
    ]
    await expectRoundTrips(calls)
  })

  it('every people and agents endpoint costs exactly one, reads and writes alike', async () => {
    const tenant = await createTenant()
    const email = `rt-${crypto.randomUUID().slice(0, 8)}@example.com`
    const calls: Call[] = [
      ['GET /v1/me (user)', '/v1/me', { token: tenant.tokens.CUSTOMER }, 200],
      ['GET /v1/me (agent)', '/v1/me', { token: tenant.tokens.AGENT }, 200],
      [
        'PUT /v1/me/status',
        '/v1/me/status',
        { method: 'PUT', token: tenant.tokens.REPRESENTATIVE, body: { status: 'AWAY' } },
        200,
      ],
      ['GET /v1/users', '/v1/users?role=CUSTOMER&emailPrefix=c', { token: tenant.tokens.ADMIN }, 200],
      [
        'POST /v1/users (with profile)',
        '/v1/users',
        { method: 'POST', token: tenant.tokens.ADMIN, body: { email, name: 'N', role: 'CUSTOMER' } },
        201,
      ],
      ['GET /v1/users/{id}', `/v1/users/${tenant.adminId}`, { token: tenant.tokens.REPRESENTATIVE }, 200],
      [
        'PATCH /v1/users/{id} (last-admin check)',
        `/v1/users/${tenant.adminId}`,
        { method: 'PATCH', token: tenant.tokens.ADMIN, body: { isActive: false } },
        409,
      ],
      [
        'PATCH /v1/users/{id}',
        `/v1/users/${tenant.customerId}`,
        { method: 'PATCH', token: tenant.tokens.ADMIN, body: { name: 'Renamed' } },
        200,
      ],
      [
        'PATCH /v1/users/{id} (creates the representative profile)',
        `/v1/users/${tenant.adminId}`,
        { method: 'PATCH', token: tenant.tokens.ADMIN, body: { representative: { role: 'MANAGER' } } },
        200,
      ],
      [
        'PATCH /v1/users/{id} (profile exists: 409, rolled back)',
        `/v1/users/${tenant.adminId}`,
        { method: 'PATCH', token: tenant.tokens.ADMIN, body: { representative: {} } },
        409,
      ],
      [
        'GET /v1/representatives',
        '/v1/representatives?status=ONLINE&skill=billing',
        { token: tenant.tokens.AGENT },
        200,
      ],
      [
        'GET /v1/representatives/{id}',
        `/v1/representatives/${tenant.representativeId}`,
        { token: tenant.tokens.REPRESENTATIVE },
        200,
      ],
      [
        'PATCH /v1/representatives/{id}',
        `/v1/representatives/${tenant.representativeId}`,
        { method: 'PATCH', token: tenant.tokens.ADMIN, body: { skills: ['billing'] } },
        200,
      ],
      ['GET /v1/customers', '/v1/customers?accountTier=PREMIUM', { token: tenant.tokens.AGENT }, 200],
      [
        'GET /v1/customers/{id}',
        `/v1/customers/${tenant.customerId}`,
        { token: tenant.tokens.CUSTOMER },
        200,
      ],
      [
        'PATCH /v1/customers/{id}',
        `/v1/customers/${tenant.customerId}`,
        { method: 'PATCH', token: tenant.tokens.CUSTOMER, body: { preferences: { channel: 'sms' } } },
        200,
      ],
      ['GET /v1/agents', '/v1/agents?status=ACTIVE', { token: tenant.tokens.REPRESENTATIVE }, 200],
      [
        'POST /v1/agents',
        '/v1/agents',
        { method: 'POST', token: tenant.tokens.ADMIN, body: { name: 'B', type: 'TRIAGE', model: 'm' } },
        201,
      ],
      ['GET /v1/agents/{id}', `/v1/agents/${tenant.agentId}`, { token: tenant.tokens.ADMIN }, 200],
      [
        'PATCH /v1/agents/{id}',
        `/v1/agents/${tenant.pausedAgentId}`,
        { method: 'PATCH', token: tenant.tokens.ADMIN, body: { thresholds: { minConfidence: 0.5 } } },
        200,
      ],
    ]
    await expectRoundTrips(calls)
  })

  it('the money path: refund creation 2 (facts, then the decided write) and its replay 2, every other route 1', async () => {
    const tenant = await createTenant()
    const month = (() => {
      const now = new Date()
      const day = (d: Date) => d.toISOString().slice(0, 10)
      return {
        periodStart: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))),
        periodEnd: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0))),
      }
    })()
    const admin = tenant.tokens.ADMIN
    const post = async (path: string, body?: unknown) =>
      json<{ id: string }>(await api(path, { method: 'POST', token: admin, body }))
    const budget = await post('/v1/budgets', { name: 'RT', amount: '1000.00', ...month })
    const rule = await post('/v1/decision-rules', {
      name: 'Small',
      action: 'AUTO_APPROVE',
      conditions: { all: [{ fact: 'refund.amount', operator: 'lessThan', value: '5.00' }] },
    })
    const unusedRule = await post('/v1/decision-rules', {
      name: 'Never used',
      action: 'AUTO_REJECT',
      isActive: false,
      conditions: { all: [] },
    })
    const pending = () =>
      post('/v1/refunds', {
        customerId: tenant.customerId,
        amount: '50.00',
        currency: 'USD',
        reason: 'OTHER',
      })
    const [toApprove, toReject, toCancel] = [await pending(), await pending(), await pending()]
    const approveOf = (id: string) => `/v1/refunds/${id}`
    const refundBody = (amount: string) => ({
      customerId: tenant.customerId,
      amount,
      currency: 'USD',
      reason: 'OTHER',
    })
    const key = `rt-${crypto.randomUUID()}`
    const calls: Call[] = [
      [
        'POST /v1/refunds (auto-approved, charged)',
        '/v1/refunds',
        { method: 'POST', token: tenant.tokens.AGENT, body: refundBody('1.00') },
        201,
        2,
      ],
      [
        'POST /v1/refunds (pending)',
        '/v1/refunds',
        { method: 'POST', token: tenant.tokens.CUSTOMER, body: refundBody('9.00') },
        201,
        2,
      ],
      [
        'POST /v1/refunds (with an Idempotency-Key: the facts, then the write that claims the key)',
        '/v1/refunds',
        {
          method: 'POST',
          token: tenant.tokens.AGENT,
          body: refundBody('3.00'),
          headers: { 'Idempotency-Key': key },
        },
        201,
        2,
      ],
      [
        'POST /v1/refunds (its replay: the facts read finds the key completed, then the resource is read)',
        '/v1/refunds',
        {
          method: 'POST',
          token: tenant.tokens.AGENT,
          body: refundBody('3.00'),
          headers: { 'Idempotency-Key': key },
        },
        201,
        2,
      ],
      [
        'POST /v1/refunds (the key with another request: refused by the facts read)',
        '/v1/refunds',
        {
          method: 'POST',
          token: tenant.tokens.AGENT,
          body: refundBody('4.00'),
          headers: { 'Idempotency-Key': key },
        },
        422,
        1,
      ],
      [
        'GET /v1/refunds',
        '/v1/refunds?status=PENDING&amountMin=1',
        { token: tenant.tokens.REPRESENTATIVE },
        200,
        1,
      ],
      ['GET /v1/refunds/{id}', approveOf(toApprove.id), { token: tenant.tokens.AGENT }, 200, 1],
      ['POST approve', `${approveOf(toApprove.id)}/approve`, { method: 'POST', token: admin }, 200, 1],
      ['POST process', `${approveOf(toApprove.id)}/process`, { method: 'POST', token: admin }, 200, 1],
      [
        'POST reject',
        `${approveOf(toReject.id)}/reject`,
        { method: 'POST', token: admin, body: { notes: 'n' } },
        200,
        1,
      ],
      ['POST cancel', `${approveOf(toCancel.id)}/cancel`, { method: 'POST', token: admin }, 200, 1],
      ['POST approve (409)', `${approveOf(toCancel.id)}/approve`, { method: 'POST', token: admin }, 409, 1],
      [
        'POST /v1/decision-rules/evaluate',
        '/v1/decision-rules/evaluate',
        { method: 'POST', token: tenant.tokens.AGENT, body: refundBody('2.00') },
        200,
        1,
      ],
      ['GET /v1/decision-rules', '/v1/decision-rules', { token: tenant.tokens.REPRESENTATIVE }, 200, 1],
      ['GET /v1/decision-rules/{id}', `/v1/decision-rules/${rule.id}`, { token: admin }, 200, 1],
      [
        'PATCH /v1/decision-rules/{id}',
        `/v1/decision-rules/${rule.id}`,
        { method: 'PATCH', token: admin, body: { priority: 3 } },
        200,
        1,
      ],
      ['GET /v1/budgets', '/v1/budgets', { token: admin }, 200, 1],
      ['GET /v1/budgets/{id}', `/v1/budgets/${budget.id}`, { token: admin }, 200, 1],
      [
        'PATCH /v1/budgets/{id}',
        `/v1/budgets/${budget.id}`,
        { method: 'PATCH', token: admin, body: { name: 'RT2' } },
        200,
        1,
      ],
      ['GET /v1/budgets/{id}/usage', `/v1/budgets/${budget.id}/usage`, { token: admin }, 200, 1],
      ['POST next-period', `/v1/budgets/${budget.id}/next-period`, { method: 'POST', token: admin }, 201, 1],
      [
        'DELETE /v1/decision-rules/{id} (a rule that decided refunds: refused)',
        `/v1/decision-rules/${rule.id}`,
        { method: 'DELETE', token: admin },
        409,
        1,
      ],
      [
        'DELETE /v1/decision-rules/{id}',
        `/v1/decision-rules/${unusedRule.id}`,
        { method: 'DELETE', token: admin },
        204,
        1,
      ],
    ]
    await expectRoundTrips(calls)
  })

  it('every escalation route and every metrics route costs exactly one, refusals included', async () => {
    const tenant = await createTenant()
    const ticket = await json<{ id: string }>(
      await api('/v1/tickets', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        body: { customerId: tenant.customerId, subject: 's', description: 'd' },
      }),
    )
    const open = async () =>
      json<{ id: string }>(
        await api('/v1/escalations', {
          method: 'POST',
          token: tenant.tokens.AGENT,
          body: { ticketId: ticket.id, priority: 'HIGH', reason: 'LOW_CONFIDENCE', summary: 's' },
        }),
      )
    const [e, other] = [await open(), await open()]
    const path = (id: string, suffix = '') => `/v1/escalations/${id}${suffix}`
    const staff = tenant.tokens.REPRESENTATIVE
    // Today: the tenant is created now, and no metrics row is written for a day before that.
    const today = new Date().toISOString().slice(0, 10)
    const calls: Call[] = [
      [
        'POST /v1/escalations (with the ticket priority raise)',
        '/v1/escalations',
        {
          method: 'POST',
          token: tenant.tokens.AGENT,
          body: { ticketId: ticket.id, priority: 'CRITICAL', reason: 'CUSTOMER_REQUEST', summary: 's' },
        },
        201,
      ],
      [
        'GET /v1/escalations',
        '/v1/escalations?status=PENDING&priority=HIGH,CRITICAL&assignedRepresentativeId=none',
        { token: staff },
        200,
      ],
      ['GET /v1/escalations/{id}', path(e.id), { token: staff }, 200],
      [
        'PATCH /v1/escalations/{id}',
        path(e.id),
        { method: 'PATCH', token: staff, body: { summary: 'x' } },
        200,
      ],
      [
        'POST …/assign (explicit)',
        path(e.id, '/assign'),
        { method: 'POST', token: staff, body: { representativeId: tenant.representativeId } },
        200,
      ],
      [
        'POST …/assign (auto)',
        path(other.id, '/assign'),
        { method: 'POST', token: staff, body: { representativeId: 'auto' } },
        200,
      ],
      [
        'POST …/assign (OFFLINE: 409)',
        path(other.id, '/assign'),
        { method: 'POST', token: staff, body: { representativeId: tenant.offlineRepresentativeId } },
        409,
      ],
      ['POST …/start', path(e.id, '/start'), { method: 'POST', token: staff }, 200],
      [
        'POST …/resolve',
        path(e.id, '/resolve'),
        { method: 'POST', token: staff, body: { resolutionNotes: 'ok' } },
        200,
      ],
      ['POST …/cancel (RESOLVED: 409)', path(e.id, '/cancel'), { method: 'POST', token: staff }, 409],
      ['POST …/cancel', path(other.id, '/cancel'), { method: 'POST', token: staff }, 200],
      ['GET /v1/escalations/{id} (404)', path(crypto.randomUUID()), { token: staff }, 404],
      ['GET /v1/metrics', '/v1/metrics?period=DAY&from=2026-11-01&to=2026-11-30', { token: staff }, 200],
      [
        'GET /v1/metrics/team',
        `/v1/metrics/team?period=WEEK&representativeId=${tenant.representativeId}`,
        { token: staff },
        200,
      ],
      [
        'POST /v1/metrics/recompute (DAY/WEEK/MONTH, both tables)',
        '/v1/metrics/recompute',
        { method: 'POST', token: tenant.tokens.ADMIN, body: { from: today, to: today } },
        200,
      ],
    ]
    await expectRoundTrips(calls)
  })

  it('every conversation route costs exactly one: messages read, posted (ticket effects included), redacted', async () => {
    const tenant = await createTenant()
    const ticket = await json<{ id: string }>(
      await api('/v1/tickets', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        body: { customerId: tenant.customerId, subject: 's', description: 'd' },
      }),
    )
    const messages = `/v1/tickets/${ticket.id}/messages`
    const note = await json<{ id: string }>(
      await api(messages, {
        method: 'POST',
        token: tenant.tokens.REPRESENTATIVE,
        body: { body: 'A note', visibility: 'INTERNAL' },
      }),
    )
    const calls: Call[] = [
      [
        'POST …/messages (customer: reopens, moves updatedAt)',
        messages,
        { method: 'POST', token: tenant.tokens.CUSTOMER, body: { body: 'Hello' } },
        201,
      ],
      [
        'POST …/messages (agent: first response, metadata, Idempotency-Key)',
        messages,
        {
          method: 'POST',
          token: tenant.tokens.AGENT,
          headers: { 'Idempotency-Key': crypto.randomUUID() },
          body: { body: 'Hi', metadata: { confidence: 0.5 } },
        },
        201,
      ],
      ['GET …/messages', `${messages}?visibility=PUBLIC&limit=1`, { token: tenant.tokens.CUSTOMER }, 200],
      [
        'GET …/messages (backward)',
        `${messages}?direction=backward&limit=1`,
        { token: tenant.tokens.AGENT },
        200,
      ],
      ['GET …/messages/{id}', `${messages}/${note.id}`, { token: tenant.tokens.REPRESENTATIVE }, 200],
      [
        'GET …/messages/{id} (a note, to a customer: 404)',
        `${messages}/${note.id}`,
        { token: tenant.tokens.CUSTOMER },
        404,
      ],
      [
        'POST …/redact',
        `${messages}/${note.id}/redact`,
        { method: 'POST', token: tenant.tokens.REPRESENTATIVE },
        200,
      ],
      [
        'POST …/redact (409)',
        `${messages}/${note.id}/redact`,
        { method: 'POST', token: tenant.tokens.ADMIN },
        409,
      ],
      ['GET /v1/tickets?q=', '/v1/tickets?q=hello', { token: tenant.tokens.CUSTOMER }, 200],
    ]
    await expectRoundTrips(calls)
  })

  it('attachments: upload 2 (the check before storing, then the write), metadata and download 1', async () => {
    const tenant = await createTenant()
    const ticket = await json<{ id: string }>(
      await api('/v1/tickets', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        body: { customerId: tenant.customerId, subject: 's', description: 'd' },
      }),
    )
    const reply = await json<{ id: string }>(
      await api(`/v1/tickets/${ticket.id}/messages`, {
        method: 'POST',
        token: tenant.tokens.CUSTOMER,
        body: { body: 'See attached' },
      }),
    )
    const files = `/v1/tickets/${ticket.id}/messages/${reply.id}/attachments`
    const requestId = `rt-${crypto.randomUUID()}`
    const uploaded = await api(`${files}?fileName=a.txt`, {
      method: 'POST',
      token: tenant.tokens.CUSTOMER,
      headers: { 'Content-Type': 'text/plain', 'X-Request-Id': requestId },
      body: 'hello',
    })
    expect(uploaded.status, await uploaded.clone().text()).toBe(201)
    expect(await neonLocalStats(requestId)).toBe(2)
    const { id } = await json<{ id: string }>(uploaded)
    const customer = { token: tenant.tokens.CUSTOMER }
    await expectRoundTrips([
      ['GET …/attachments/{id}', `${files}/${id}`, customer, 200],
      ['GET …/attachments/{id}/content', `${files}/${id}/content`, customer, 200],
      ['GET …/attachments/{id}/content (404)', `${files}/${crypto.randomUUID()}/content`, customer, 404],
    ])
    // A refused upload stores nothing and costs its one check.
    const refusedId = `rt-${crypto.randomUUID()}`
    const refused = await api(`${files}?fileName=b.txt`, {
      method: 'POST',
      token: tenant.tokens.AGENT,
      headers: { 'Content-Type': 'text/plain', 'X-Request-Id': refusedId },
      body: 'not the author',
    })
    expect(refused.status).toBe(403)
    expect(await neonLocalStats(refusedId)).toBe(1)
  })

  it('events and webhooks: every route costs one, a change with subscribed endpoints too; an event redelivery 1, its replay 2', async () => {
    const tenant = await createTenant()
    const admin = tenant.tokens.ADMIN
    const receiver = env.TEST_WEBHOOK_RECEIVER_URL
    const endpoint = await json<{ id: string; version: number }>(
      await api('/v1/webhook-endpoints', {
        method: 'POST',
        token: admin,
        body: { url: `${receiver}/hooks/rt-${crypto.randomUUID()}`, enabledEvents: ['*'] },
      }),
    )
    const ticket = await json<{ id: string }>(
      await api('/v1/tickets', {
        method: 'POST',
        token: admin,
        body: { customerId: tenant.customerId, subject: 's', description: 'd' },
      }),
    )
    const events = await json<{ data: Array<{ id: string }> }>(
      await api(`/v1/events?objectId=${ticket.id}`, { token: admin }),
    )
    const eventId = events.data[0]?.id as string
    const deliveries = await json<{ data: Array<{ id: string }> }>(
      await api(`/v1/events/${eventId}/deliveries`, { token: admin }),
    )
    const deliveryId = deliveries.data[0]?.id as string
    const key = { 'Idempotency-Key': `rt-${crypto.randomUUID()}` }
    const deliveryKey = { 'Idempotency-Key': `rt-delivery-${crypto.randomUUID()}` }
    const calls: Call[] = [
      [
        'PATCH /v1/tickets/{id} (its event, delivered to an endpoint)',
        `/v1/tickets/${ticket.id}`,
        { method: 'PATCH', token: admin, body: { priority: 'HIGH' } },
        200,
        1,
      ],
      ['GET /v1/events', '/v1/events?type=ticket.*', { token: admin }, 200, 1],
      ['GET /v1/events/{id}', `/v1/events/${eventId}`, { token: tenant.tokens.REPRESENTATIVE }, 200, 1],
      ['GET /v1/events/{id}/deliveries', `/v1/events/${eventId}/deliveries`, { token: admin }, 200, 1],
      [
        'POST /v1/events/{id}/redeliver',
        `/v1/events/${eventId}/redeliver`,
        { method: 'POST', token: admin, headers: key },
        202,
        1,
      ],
      [
        'POST /v1/events/{id}/redeliver (replayed: the claim, then the GET)',
        `/v1/events/${eventId}/redeliver`,
        { method: 'POST', token: admin, headers: key },
        202,
        2,
      ],
      [
        'POST /v1/events/{id}/redeliver (refused: unknown endpointId, 422)',
        `/v1/events/${eventId}/redeliver`,
        { method: 'POST', token: admin, body: { endpointId: crypto.randomUUID() } },
        422,
        1,
      ],
      ['GET /v1/webhook-endpoints', '/v1/webhook-endpoints', { token: admin }, 200, 1],
      ['GET /v1/webhook-endpoints/{id}', `/v1/webhook-endpoints/${endpoint.id}`, { token: admin }, 200, 1],
      [
        'GET /v1/webhook-endpoints/{id}/deliveries',
        `/v1/webhook-endpoints/${endpoint.id}/deliveries`,
        { token: admin },
        200,
        1,
      ],
      [
        'GET /v1/webhook-endpoints/{id}/deliveries/{deliveryId}',
        `/v1/webhook-endpoints/${endpoint.id}/deliveries/${deliveryId}`,
        { token: admin },
        200,
        1,
      ],
      [
        'POST …/deliveries/{id}/redeliver',
        `/v1/webhook-endpoints/${endpoint.id}/deliveries/${deliveryId}/redeliver`,
        { method: 'POST', token: admin, headers: deliveryKey },
        202,
        1,
      ],
      [
        'POST …/deliveries/{id}/redeliver (replayed: the claim, then the GET)',
        `/v1/webhook-endpoints/${endpoint.id}/deliveries/${deliveryId}/redeliver`,
        { method: 'POST', token: admin, headers: deliveryKey },
        202,
        2,
      ],
      [
        'PATCH /v1/webhook-endpoints/{id}',
        `/v1/webhook-endpoints/${endpoint.id}`,
        { method: 'PATCH', token: admin, body: { enabled: false } },
        200,
        1,
      ],
      [
        'POST /v1/events/{id}/redeliver (refused: endpoint disabled, 409)',
        `/v1/events/${eventId}/redeliver`,
        { method: 'POST', token: admin },
        409,
        1,
      ],
    ]
    await expectRoundTrips(calls)
  })

  it('a refused request (401, 403 by role, 400 validation) costs none', async () => {
    const tenant = await createTenant()
    const calls: Array<[string, Parameters<typeof api>[1], number]> = [
      ['/v1/tickets', {}, 401],
      [
        '/v1/organization',
        { method: 'PATCH', token: tenant.tokens.REPRESENTATIVE, body: { name: 'x' } },
        403,
      ],
      ['/v1/tickets?limit=1000', { token: tenant.tokens.ADMIN }, 400],
    ]
    await expectRoundTrips(calls.map(([path, request, status]) => [path, path, request, status, 0]))
  })
})
