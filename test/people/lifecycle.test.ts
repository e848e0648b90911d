import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { customerProfiles, representatives, users } from '../../src/db/schema'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { tokenFor } from '../support/tenants'

/*
 * Issue 7's acceptance, end to end through the HTTP API: a freshly provisioned tenant's ADMIN creates a
 * representative and a customer, sees both profiles, creates an agent configuration and pauses it; the
 * paused agent's and a deactivated user's next requests are refused.
 */

async function provision() {
  const slug = `p-${crypto.randomUUID().slice(0, 8)}`
  const response = await api('/v1/organizations', {
    method: 'POST',
    headers: { 'X-Platform-Key': env.PLATFORM_API_KEY as string },
    body: {
      name: 'People Inc',
      slug,
      status: 'ACTIVE',
      // A paying plan: the test environment's FREE limits are tiny on purpose (test/system/rate-limits.test.ts).
      plan: 'PROFESSIONAL',
      admin: { email: `boss@${slug}.example`, name: 'Boss' },
    },
  })
  expect(response.status, await response.clone().text()).toBe(201)
  const body = await json<{ organization: { id: string }; admin: { id: string } }>(response)
  const adminToken = await tokenFor(body.organization.id, body.admin.id, 'ADMIN')
  return { slug, organizationId: body.organization.id, adminId: body.admin.id, adminToken }
}

interface User {
  id: string
  email: string
  role: string
  isActive: boolean
  representativeId: string | null
  version: number
}

describe('people and agents on a freshly provisioned tenant', () => {
  it('ADMIN creates a representative and a customer, an agent, pauses it; refused callers stay refused', async () => {
    const t = await provision()
    const rep = await api('/v1/users', {
      method: 'POST',
      token: t.adminToken,
      body: {
        email: `Rita@${t.slug}.Example`,
        name: 'Rita Rep',
        role: 'REPRESENTATIVE',
        representative: { skills: ['billing'], languages: ['en', 'de'], status: 'ONLINE' },
      },
    })
    expect(rep.status, await rep.clone().text()).toBe(201)
    const repUser = await json<User>(rep)
    expect(repUser).toMatchObject({ email: `rita@${t.slug}.example`, role: 'REPRESENTATIVE', isActive: true })
    expect(repUser.representativeId).toMatch(/^[0-9a-f-]{36}$/)
    expect(rep.headers.get('Location')).toBe(`/v1/users/${repUser.id}`)
    expect(rep.headers.get('ETag')).toBe('"1"')

    const customer = await api('/v1/users', {
      method: 'POST',
      token: t.adminToken,
      body: {
        email: `carl@${t.slug}.example`,
        name: 'Carl Customer',
        role: 'CUSTOMER',
        customer: { accountTier: 'VIP', lifetimeValue: '1234.5' },
      },
    })
    expect(customer.status, await customer.clone().text()).toBe(201)
    const customerUser = await json<User>(customer)
    expect(customerUser.representativeId).toBeNull()

    // Both profiles, as the API shows them and as the database holds them.
    const repProfile = await json(
      await api(`/v1/representatives/${repUser.representativeId}`, { token: t.adminToken }),
    )
    expect(repProfile).toMatchObject({
      id: repUser.representativeId,
      userId: repUser.id,
      name: 'Rita Rep',
      email: `rita@${t.slug}.example`,
      role: 'AGENT',
      status: 'ONLINE',
      maxConcurrentTickets: 5,
      skills: ['billing'],
      languages: ['en', 'de'],
    })
    const customerView = await json(await api(`/v1/customers/${customerUser.id}`, { token: t.adminToken }))
    expect(customerView).toMatchObject({
      id: customerUser.id,
      name: 'Carl Customer',
      isActive: true,
      profile: { accountTier: 'VIP', accountStanding: 'GOOD', lifetimeValue: '1234.50', currency: 'USD' },
    })
    const [profileRow] = await ownerDb
      .select()
      .from(customerProfiles)
      .where(eq(customerProfiles.userId, customerUser.id))
    expect(profileRow?.organizationId).toBe(t.organizationId)
    const [repRow] = await ownerDb
      .select()
      .from(representatives)
      .where(eq(representatives.userId, repUser.id))
    expect(repRow?.id).toBe(repUser.representativeId)

    // An agent configuration, its token works while ACTIVE, and pausing it refuses the next request.
    const agent = await api('/v1/agents', {
      method: 'POST',
      token: t.adminToken,
      body: {
        name: 'Refund bot',
        type: 'REFUND_PROCESSOR',
        status: 'ACTIVE',
        model: 'claude-sonnet',
        thresholds: { minConfidence: 0.8, maxAutoRefundAmount: '50' },
      },
    })
    expect(agent.status, await agent.clone().text()).toBe(201)
    const agentBody = await json<{ id: string; thresholds: unknown }>(agent)
    expect(agentBody.thresholds).toEqual({ minConfidence: 0.8, maxAutoRefundAmount: '50.00' })
    const agentToken = await tokenFor(t.organizationId, agentBody.id, 'AGENT')
    const asAgent = await api('/v1/me', { token: agentToken })
    expect(asAgent.status).toBe(200)
    expect(await json(asAgent)).toMatchObject({ role: 'AGENT', agent: { id: agentBody.id }, user: null })
    const paused = await api(`/v1/agents/${agentBody.id}`, {
      method: 'PATCH',
      token: t.adminToken,
      headers: { 'If-Match': agent.headers.get('ETag') as string },
      body: { status: 'PAUSED' },
    })
    expect(paused.status).toBe(200)
    expect(paused.headers.get('ETag')).toBe('"2"')
    const refusedAgent = await api('/v1/tickets', { token: agentToken })
    expect(refusedAgent.status).toBe(401)
    expect(await json(refusedAgent)).toMatchObject({ code: 'PRINCIPAL_INACTIVE' })

    // The representative works, then is deactivated: its next request is refused; it is not deleted.
    const repToken = await tokenFor(t.organizationId, repUser.id, 'REPRESENTATIVE')
    expect((await api('/v1/customers', { token: repToken })).status).toBe(200)
    const deactivated = await api(`/v1/users/${repUser.id}`, {
      method: 'PATCH',
      token: t.adminToken,
      body: { isActive: false },
    })
    expect(deactivated.status).toBe(200)
    expect(await json(deactivated)).toMatchObject({ isActive: false, version: 2 })
    const refusedRep = await api('/v1/customers', { token: repToken })
    expect(refusedRep.status).toBe(401)
    expect(await json(refusedRep)).toMatchObject({ code: 'PRINCIPAL_INACTIVE' })
    const [kept] = await ownerDb.select().from(users).where(eq(users.id, repUser.id))
    expect(kept?.isActive).toBe(false)
  })

  it('refuses a duplicate email in any case (409 EMAIL_TAKEN), and nothing is written', async () => {
    const t = await provision()
    const create = (email: string) =>
      api('/v1/users', {
        method: 'POST',
        token: t.adminToken,
        body: { email, name: 'Dup', role: 'REPRESENTATIVE' },
      })
    expect((await create(`dup@${t.slug}.example`)).status).toBe(201)
    const again = await create(`DUP@${t.slug}.EXAMPLE`)
    expect(again.status).toBe(409)
    expect(again.headers.get('Content-Type')).toContain('application/problem+json')
    expect(await json(again)).toMatchObject({ code: 'EMAIL_TAKEN', status: 409 })
    const boss = await create(`Boss@${t.slug}.example`)
    expect(await json(boss)).toMatchObject({ code: 'EMAIL_TAKEN' })
    const rows = await ownerDb.select().from(users).where(eq(users.organizationId, t.organizationId))
    expect(rows.map((row) => row.email).sort()).toEqual([`boss@${t.slug}.example`, `dup@${t.slug}.example`])
    const profiles = await ownerDb
      .select()
      .from(representatives)
      .where(eq(representatives.organizationId, t.organizationId))
    expect(profiles).toHaveLength(1)
  })

  it('corrects a user’s email (a typo at creation); another user’s, in any case, is 409 EMAIL_TAKEN and nothing changes', async () => {
    const t = await provision()
    const create = async (email: string) =>
      json<{ id: string }>(
        await api('/v1/users', {
          method: 'POST',
          token: t.adminToken,
          body: { email, name: 'Typo', role: 'CUSTOMER' },
        }),
      )
    const typo = await create(`jane@${t.slug}.exmaple`)
    const other = await create(`john@${t.slug}.example`)
    const fixed = await api(`/v1/users/${typo.id}`, {
      method: 'PATCH',
      token: t.adminToken,
      body: { email: `Jane@${t.slug}.example` },
    })
    expect(fixed.status).toBe(200)
    expect(await json(fixed)).toMatchObject({ id: typo.id, email: `jane@${t.slug}.example`, version: 2 })
    const taken = await api(`/v1/users/${typo.id}`, {
      method: 'PATCH',
      token: t.adminToken,
      body: { email: `JOHN@${t.slug}.example`, name: 'Renamed' },
    })
    expect(taken.status).toBe(409)
    expect(await json(taken)).toMatchObject({ code: 'EMAIL_TAKEN', status: 409 })
    const [row] = await ownerDb.select().from(users).where(eq(users.id, typo.id))
    expect(row).toMatchObject({ email: `jane@${t.slug}.example`, name: 'Typo', version: 2 })
    expect(other.id).not.toBe(typo.id)
  })

  it('refuses invalid thresholds with 422 and the field path', async () => {
    const t = await provision()
    const cases: Array<[unknown, string]> = [
      [{ minConfidence: 1.5 }, 'thresholds.minConfidence'],
      [{ minConfidence: -0.1 }, 'thresholds.minConfidence'],
      [{ maxAutoRefundAmount: 50 }, 'thresholds.maxAutoRefundAmount'],
      [{ maxAutoRefundAmount: '50.001' }, 'thresholds.maxAutoRefundAmount'],
      [{ maxAutoRefundAmount: '-5' }, 'thresholds.maxAutoRefundAmount'],
      [{ somethingElse: 1 }, 'thresholds'],
    ]
    for (const [thresholds, path] of cases) {
      const response = await api('/v1/agents', {
        method: 'POST',
        token: t.adminToken,
        body: { name: 'Bad', type: 'TRIAGE', model: 'm', thresholds },
      })
      expect(response.status, JSON.stringify(thresholds)).toBe(422)
      const problem = await json<{ code: string; errors: Array<{ path: string }> }>(response)
      expect(problem.code).toBe('VALIDATION_FAILED')
      expect(
        problem.errors.map((error) => error.path),
        JSON.stringify(thresholds),
      ).toContain(path)
    }
  })

  it('keeps the last active ADMIN: neither deactivated nor demoted (409), until another admin exists', async () => {
    const t = await provision()
    for (const body of [{ isActive: false }, { role: 'REPRESENTATIVE' }]) {
      const refused = await api(`/v1/users/${t.adminId}`, { method: 'PATCH', token: t.adminToken, body })
      expect(refused.status).toBe(409)
      expect(await json(refused)).toMatchObject({ code: 'LAST_ADMIN' })
    }
    const second = await json<User>(
      await api('/v1/users', {
        method: 'POST',
        token: t.adminToken,
        body: { email: `second@${t.slug}.example`, name: 'Second', role: 'ADMIN' },
      }),
    )
    expect(second.representativeId).toBeNull()
    const demoted = await api(`/v1/users/${t.adminId}`, {
      method: 'PATCH',
      token: t.adminToken,
      body: { role: 'REPRESENTATIVE' },
    })
    expect(demoted.status).toBe(200)
    // Becoming a REPRESENTATIVE creates the representative profile in the same transaction.
    expect((await json<User>(demoted)).representativeId).toMatch(/^[0-9a-f-]{36}$/)
    const secondToken = await tokenFor(t.organizationId, second.id, 'ADMIN')
    const last = await api(`/v1/users/${second.id}`, {
      method: 'PATCH',
      token: secondToken,
      body: { isActive: false },
    })
    expect(last.status).toBe(409)
    const toCustomer = await api(`/v1/users/${t.adminId}`, {
      method: 'PATCH',
      token: secondToken,
      body: { role: 'CUSTOMER' },
    })
    expect(toCustomer.status).toBe(409)
    expect(await json(toCustomer)).toMatchObject({ code: 'ROLE_CHANGE_NOT_ALLOWED' })
  })
})
