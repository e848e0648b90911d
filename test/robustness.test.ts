import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { api } from './support/api'
import { createTenant } from './support/tenants'

/** Whatever a caller sends, the answer is never a 5xx, and every error is problem+json. */
async function expectHandled(response: Response, label: string): Promise<void> {
  expect(response.status, label).toBeLessThan(500)
  if (response.status >= 400) {
    expect(response.headers.get('Content-Type'), label).toContain('application/problem+json')
    const problem = (await response.json()) as { code?: unknown; status?: unknown }
    expect(typeof problem.code, label).toBe('string')
    expect(problem.status, label).toBe(response.status)
  } else {
    await response.body?.cancel()
  }
}

const fieldValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    'OPEN',
    'IN_PROGRESS',
    'RESOLVED',
    'CLOSED',
    'URGENT',
    'BILLING',
    '',
    ' ',
    '\u0000',
    'x'.repeat(300),
  ),
  fc.uuid(),
)
const ticketField = fc.constantFrom(
  'customerId',
  'subject',
  'description',
  'status',
  'priority',
  'category',
  'tags',
  'assignedRepresentativeId',
  'organizationId',
  'ticketNumber',
)
const ticketBody = fc.oneof(
  fc.dictionary(ticketField, fieldValue, { maxKeys: 6 }),
  fc.jsonValue({ maxDepth: 3 }),
)

describe('robustness (property-based)', () => {
  it('ticket creation and updates answer 2xx/4xx for any JSON body', async () => {
    const tenant = await createTenant()
    const created = await api('/v1/tickets', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { customerId: tenant.customerId, subject: 's', description: 'd' },
    })
    const { id } = (await created.json()) as { id: string }
    await fc.assert(
      fc.asyncProperty(
        ticketBody,
        fc.constantFrom('ADMIN', 'CUSTOMER', 'AGENT') as fc.Arbitrary<'ADMIN'>,
        async (body, role) => {
          await expectHandled(
            await api('/v1/tickets', { method: 'POST', token: tenant.tokens[role], body }),
            `POST ${JSON.stringify(body)}`,
          )
          await expectHandled(
            await api(`/v1/tickets/${id}`, { method: 'PATCH', token: tenant.tokens[role], body }),
            `PATCH ${JSON.stringify(body)}`,
          )
        },
      ),
      { numRuns: 60 },
    )
  })

  it('list queries answer 200/400 for any parameters', async () => {
    const tenant = await createTenant()
    const param = fc.constantFrom(
      'limit',
      'cursor',
      'sort',
      'status',
      'priority',
      'category',
      'customerId',
      'createdFrom',
      'createdTo',
      'assignedRepresentativeId',
      'x',
    )
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.integer().map(String),
      fc.uuid(),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(param, value), { maxLength: 4 }), async (pairs) => {
        const query = new URLSearchParams(pairs).toString()
        await expectHandled(await api(`/v1/tickets?${query}`, { token: tenant.tokens.REPRESENTATIVE }), query)
      }),
      { numRuns: 80 },
    )
  })

  it('bodies that are not JSON, or have no content type, are 4xx', async () => {
    const tenant = await createTenant()
    for (const [body, headers] of [
      ['not json', { 'Content-Type': 'application/json' }],
      ['{"subject":"s"}', { 'Content-Type': 'text/plain' }],
      ['', { 'Content-Type': 'application/json' }],
      ['null', { 'Content-Type': 'application/json' }],
      ['[]', { 'Content-Type': 'application/json' }],
    ] as const) {
      const response = await api('/v1/tickets', { method: 'POST', token: tenant.tokens.ADMIN, body, headers })
      await expectHandled(response, `${headers['Content-Type']} ${body}`)
      expect(response.status).toBeGreaterThanOrEqual(400)
    }
  })
})
