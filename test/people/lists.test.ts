import { describe, expect, it } from 'vitest'
import { api, json } from '../support/api'
import { createTenant, type TestTenant } from '../support/tenants'

interface Page<T> {
  data: T[]
  nextCursor: string | null
}

async function page<T = { id: string }>(tenant: TestTenant, path: string, token = tenant.tokens.ADMIN) {
  const response = await api(path, { token })
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200)
  return json<Page<T>>(response)
}

async function addUser(tenant: TestTenant, body: Record<string, unknown>) {
  const response = await api('/v1/users', { method: 'POST', token: tenant.tokens.ADMIN, body })
  expect(response.status, await response.clone().text()).toBe(201)
  return json<{ id: string; representativeId: string | null }>(response)
}

describe('people lists: filters, order and cursors', () => {
  it('users: role, isActive and emailPrefix (taken literally: % and _ are not wildcards)', async () => {
    const t = await createTenant()
    const odd = await addUser(t, { email: 'odd_100@example.com', name: 'Odd', role: 'CUSTOMER' })
    await addUser(t, { email: 'oddx100@example.com', name: 'Lookalike', role: 'CUSTOMER' })
    const literal = await page(t, `/v1/users?emailPrefix=${encodeURIComponent('ODD_')}`)
    expect(literal.data.map((user) => user.id)).toEqual([odd.id])
    expect((await page(t, `/v1/users?emailPrefix=${encodeURIComponent('%')}`)).data).toEqual([])
    const customers = await page<{ role: string }>(t, '/v1/users?role=CUSTOMER')
    expect(customers.data).toHaveLength(4)
    expect(new Set(customers.data.map((user) => user.role))).toEqual(new Set(['CUSTOMER']))
    const staff = await page<{ role: string }>(t, '/v1/users?role=ADMIN,REPRESENTATIVE')
    expect(staff.data).toHaveLength(3)
    await api(`/v1/users/${odd.id}`, { method: 'PATCH', token: t.tokens.ADMIN, body: { isActive: false } })
    expect((await page(t, '/v1/users?isActive=false')).data.map((user) => user.id)).toEqual([odd.id])
    expect((await page(t, '/v1/users?isActive=true')).data).toHaveLength(6)
    const bad = await api('/v1/users?isActive=maybe', { token: t.tokens.ADMIN })
    expect(bad.status).toBe(400)
  })

  it('an emailPrefix search lists its matches by email (byte order), page by page; sort still applies', async () => {
    const t = await createTenant()
    for (const email of [
      'zed.b@example.com',
      'zed.a@example.com',
      'zed.c@example.com',
      'zed.aa@example.com',
    ]) {
      await addUser(t, { email, name: 'Zed', role: 'CUSTOMER' })
    }
    const emails: string[] = []
    let cursor: string | null = null
    do {
      const next: Page<{ email: string }> = await page(
        t,
        `/v1/users?emailPrefix=zed.&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      )
      emails.push(...next.data.map((user) => user.email))
      cursor = next.nextCursor
    } while (cursor)
    expect(emails).toEqual([
      'zed.a@example.com',
      'zed.aa@example.com',
      'zed.b@example.com',
      'zed.c@example.com',
    ])
    const customers = await page<{ email: string }>(t, '/v1/customers?emailPrefix=zed.&limit=2')
    expect(customers.data.map((customer) => customer.email)).toEqual([
      'zed.a@example.com',
      'zed.aa@example.com',
    ])
    const byDate = await page<{ email: string }>(t, '/v1/users?emailPrefix=zed.&sort=createdAt')
    expect(byDate.data.map((user) => user.email)).toEqual([
      'zed.b@example.com',
      'zed.a@example.com',
      'zed.c@example.com',
      'zed.aa@example.com',
    ])
  })

  it('users: a cursor walks every row once, in a stable order, in both directions', async () => {
    const t = await createTenant()
    for (let i = 0; i < 5; i++)
      await addUser(t, { email: `walk-${i}@example.com`, name: `W${i}`, role: 'CUSTOMER' })
    for (const sort of ['-createdAt', 'createdAt']) {
      const seen: string[] = []
      let cursor: string | null = null
      do {
        const next: Page<{ id: string }> = await page(
          t,
          `/v1/users?limit=3&sort=${sort}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        )
        seen.push(...next.data.map((user) => user.id))
        cursor = next.nextCursor
      } while (cursor)
      expect(seen, sort).toHaveLength(10)
      expect(new Set(seen).size).toBe(10)
    }
    const forged = await api('/v1/users?cursor=eyJzIjoiLWNyZWF0ZWRBdCIsInYiOlsieCIsInkiXX0', {
      token: t.tokens.ADMIN,
    })
    expect(forged.status).toBe(400)
    expect(await json(forged)).toMatchObject({ code: 'INVALID_CURSOR' })
  })

  it('representatives: status, role, skill and language', async () => {
    const t = await createTenant()
    await addUser(t, {
      email: 'polyglot@example.com',
      name: 'Polyglot',
      role: 'REPRESENTATIVE',
      representative: {
        role: 'SUPERVISOR',
        status: 'BUSY',
        skills: ['billing', 'refunds'],
        languages: ['de', 'fr'],
      },
    })
    const names = async (query: string) =>
      (await page<{ name: string }>(t, `/v1/representatives?${query}`, t.tokens.AGENT)).data
        .map((r) => r.name)
        .sort()
    expect(await names('status=BUSY')).toEqual(['Polyglot'])
    expect(await names('status=ONLINE,OFFLINE')).toEqual(['Otto Offline', 'Rita Rep'])
    expect(await names('role=SUPERVISOR')).toEqual(['Polyglot'])
    expect(await names('skill=refunds')).toEqual(['Polyglot'])
    expect(await names('language=fr')).toEqual(['Polyglot'])
    expect(await names('language=en')).toEqual(['Otto Offline', 'Rita Rep'])
    expect(await names('skill=refunds&language=en')).toEqual([])
  })

  it('customers: accountTier, accountStanding, emailPrefix; a CUSTOMER sees and changes only itself, only preferences', async () => {
    const t = await createTenant()
    const vip = await addUser(t, {
      email: 'vip@example.com',
      name: 'Vip',
      role: 'CUSTOMER',
      customer: { accountTier: 'VIP', accountStanding: 'WARNING' },
    })
    const ids = async (query: string) =>
      (await page(t, `/v1/customers?${query}`, t.tokens.REPRESENTATIVE)).data.map((c) => c.id).sort()
    expect(await ids('accountTier=VIP')).toEqual([vip.id])
    expect(await ids('accountTier=PREMIUM')).toEqual([t.customerId])
    expect(await ids('accountStanding=WARNING')).toEqual([vip.id])
    expect(await ids('emailPrefix=VIP')).toEqual([vip.id])

    const own = await api(`/v1/customers/${t.customerId}`, { token: t.tokens.CUSTOMER })
    const etag = own.headers.get('ETag') as string
    const tier = await api(`/v1/customers/${t.customerId}`, {
      method: 'PATCH',
      token: t.tokens.CUSTOMER,
      body: { accountTier: 'VIP' },
    })
    expect(tier.status).toBe(403)
    expect(await json(tier)).toMatchObject({ code: 'FORBIDDEN_FIELD' })
    const prefs = await api(`/v1/customers/${t.customerId}`, {
      method: 'PATCH',
      token: t.tokens.CUSTOMER,
      headers: { 'If-Match': etag },
      body: { preferences: { channel: 'sms' } },
    })
    expect(prefs.status).toBe(200)
    expect(await json(prefs)).toMatchObject({
      profile: { preferences: { channel: 'sms' }, accountTier: 'PREMIUM' },
    })
    const stale = await api(`/v1/customers/${t.customerId}`, {
      method: 'PATCH',
      token: t.tokens.CUSTOMER,
      headers: { 'If-Match': etag },
      body: { preferences: { channel: 'email' } },
    })
    expect(stale.status).toBe(412)
    const other = await api(`/v1/customers/${vip.id}`, { token: t.tokens.CUSTOMER })
    expect(other.status).toBe(404)
  })

  it('agents: status and type; /v1/me/status for a representative, with If-Match', async () => {
    const t = await createTenant()
    const types = async (query: string) =>
      (await page<{ name: string }>(t, `/v1/agents?${query}`)).data.map((agent) => agent.name).sort()
    expect(await types('status=PAUSED')).toEqual(['Paused bot'])
    expect(await types('type=TRIAGE')).toEqual(['Paused bot', 'Triage bot'].sort())
    const first = await api('/v1/me/status', {
      method: 'PUT',
      token: t.tokens.REPRESENTATIVE,
      body: { status: 'BUSY' },
    })
    expect(first.status).toBe(200)
    expect(await json(first)).toMatchObject({ id: t.representativeId, status: 'BUSY' })
    const stale = await api('/v1/me/status', {
      method: 'PUT',
      token: t.tokens.REPRESENTATIVE,
      headers: { 'If-Match': '"1"' },
      body: { status: 'AWAY' },
    })
    expect(stale.status).toBe(412)
    const me = await json<{ representative: { status: string } }>(
      await api('/v1/me', { token: t.tokens.REPRESENTATIVE }),
    )
    expect(me.representative.status).toBe('BUSY')
  })
})
