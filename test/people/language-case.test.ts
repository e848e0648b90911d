import { and, desc, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import migration from '../../drizzle/0031_representative_languages_lower_case.sql?raw'
import { events, representatives } from '../../src/db/schema'
import { act, type EscalationBody, newEscalation } from '../escalations/support'
import { api, json } from '../support/api'
import { ownerDb, ownerSql } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

// Language tags (BCP 47) are case-insensitive: "EN" and "en" are one language. Representatives' languages are
// stored lower-cased; customers' preferences and the list filter are compared against them case-insensitively.

const storedLanguages = async (id: string) =>
  (await ownerDb.select().from(representatives).where(eq(representatives.id, id)))[0]?.languages

async function patchRepresentative(tenant: TestTenant, id: string, body: Record<string, unknown>) {
  return api(`/v1/representatives/${id}`, { method: 'PATCH', token: tenant.tokens.ADMIN, body })
}

async function setPreferences(tenant: TestTenant, preferences: Record<string, unknown>) {
  const response = await api(`/v1/customers/${tenant.customerId}`, {
    method: 'PATCH',
    token: tenant.tokens.ADMIN,
    body: { preferences },
  })
  expect(response.status, await response.clone().text()).toBe(200)
}

async function assignAuto(tenant: TestTenant) {
  const escalation = await newEscalation(tenant)
  const response = await act(tenant, escalation.id, 'assign', { body: { representativeId: 'auto' } })
  expect(response.status, await response.clone().text()).toBe(200)
  return (await json<EscalationBody>(response)).assignedRepresentativeId
}

/**
 * Both representatives ONLINE with room; the one whose id sorts last would lose the no-preference tie (the
 * smaller id wins), so it is the one given `languages`: only a language match makes auto pick it.
 */
async function tenantWithSpeaker(languages: string[]) {
  const tenant = await createTenant()
  const [other, speaker] = [tenant.representativeId, tenant.offlineRepresentativeId].sort() as [
    string,
    string,
  ]
  await ownerDb
    .update(representatives)
    .set({ status: 'ONLINE', maxConcurrentTickets: 10, languages: ['de'] })
    .where(eq(representatives.id, other))
  await ownerDb
    .update(representatives)
    .set({ status: 'ONLINE', maxConcurrentTickets: 10 })
    .where(eq(representatives.id, speaker))
  const response = await patchRepresentative(tenant, speaker, { languages })
  expect(response.status, await response.clone().text()).toBe(200)
  return { tenant, speaker, other }
}

describe('representatives’ languages are case-insensitive', () => {
  it('PATCH stores and answers languages lower-cased', async () => {
    const tenant = await createTenant()
    const response = await patchRepresentative(tenant, tenant.representativeId, { languages: ['EN', 'Fr'] })
    expect(response.status, await response.clone().text()).toBe(200)
    expect(await json(response)).toMatchObject({ languages: ['en', 'fr'] })
    expect(await storedLanguages(tenant.representativeId)).toEqual(['en', 'fr'])
    const read = await json(
      await api(`/v1/representatives/${tenant.representativeId}`, { token: tenant.tokens.ADMIN }),
    )
    expect(read).toMatchObject({ languages: ['en', 'fr'] })
  })

  it('POST /v1/users stores a new representative’s languages lower-cased', async () => {
    const tenant = await createTenant()
    const response = await api('/v1/users', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: {
        email: 'polyglot@example.com',
        name: 'Polyglot',
        role: 'REPRESENTATIVE',
        representative: { languages: ['EN', 'Fr'], skills: ['Billing'] },
      },
    })
    expect(response.status, await response.clone().text()).toBe(201)
    const user = await json<{ representativeId: string }>(response)
    const read = await json(
      await api(`/v1/representatives/${user.representativeId}`, { token: tenant.tokens.ADMIN }),
    )
    // Skills are the organization's own labels, not language tags: kept as written.
    expect(read).toMatchObject({ languages: ['en', 'fr'], skills: ['Billing'] })
    expect(await storedLanguages(user.representativeId)).toEqual(['en', 'fr'])
  })

  it('auto prefers the "EN" representative for a customer preferring "en"', async () => {
    const { tenant, speaker } = await tenantWithSpeaker(['EN'])
    await setPreferences(tenant, { language: 'en' })
    expect(await assignAuto(tenant)).toBe(speaker)
  })

  it('auto prefers the "en" representative for a customer preferring "EN"', async () => {
    const { tenant, speaker } = await tenantWithSpeaker(['en'])
    await setPreferences(tenant, { language: 'EN' })
    expect(await assignAuto(tenant)).toBe(speaker)
  })

  it('auto matches the `languages` array form case-insensitively (non-strings ignored)', async () => {
    const { tenant, speaker } = await tenantWithSpeaker(['Fr-CA'])
    await setPreferences(tenant, { languages: [7, 'it', 'fr-ca'] })
    expect(await assignAuto(tenant)).toBe(speaker)
  })

  it('the list filter ?language=EN finds an "en" representative', async () => {
    const tenant = await createTenant()
    await patchRepresentative(tenant, tenant.representativeId, { languages: ['EN'] })
    await ownerDb
      .update(representatives)
      .set({ languages: ['de'] })
      .where(eq(representatives.id, tenant.offlineRepresentativeId))
    for (const value of ['EN', 'en', 'eN']) {
      const response = await api(`/v1/representatives?language=${value}`, { token: tenant.tokens.AGENT })
      expect(response.status, await response.clone().text()).toBe(200)
      const page = await json<{ data: { id: string; languages: string[] }[] }>(response)
      expect(page.data.map((r) => [r.id, r.languages])).toEqual([[tenant.representativeId, ['en']]])
    }
  })

  it('bad languages stay a 422 problem and change nothing', async () => {
    const tenant = await createTenant()
    const before = await storedLanguages(tenant.representativeId)
    for (const languages of [[], ['  '], ['x'.repeat(51)]]) {
      const response = await patchRepresentative(tenant, tenant.representativeId, { languages })
      expect(response.status).toBeGreaterThanOrEqual(400)
      expect(response.status).toBeLessThan(500)
      expect(response.headers.get('Content-Type')).toContain('application/problem+json')
    }
    expect(await storedLanguages(tenant.representativeId)).toEqual(before)
  })

  it('migration 0031 lowers languages stored before, only where they change: next version, a SYSTEM event', async () => {
    const tenant = await createTenant()
    const [legacy, clean] = [tenant.representativeId, tenant.offlineRepresentativeId]
    await ownerDb
      .update(representatives)
      .set({ languages: ['EN', 'Fr-CA', 'de'] })
      .where(eq(representatives.id, legacy))
    await ownerDb
      .update(representatives)
      .set({ languages: ['en', 'pt-br'] })
      .where(eq(representatives.id, clean))
    const row = async (id: string) =>
      (await ownerDb.select().from(representatives).where(eq(representatives.id, id)))[0]
    const [legacyBefore, cleanBefore] = [await row(legacy), await row(clean)]
    const representativeEvents = (id: string) =>
      ownerDb
        .select()
        .from(events)
        .where(and(eq(events.organizationId, tenant.organizationId), eq(events.objectId, id)))
        .orderBy(desc(events.createdAt))
    const [legacyEvents, cleanEvents] = [
      (await representativeEvents(legacy)).length,
      (await representativeEvents(clean)).length,
    ]
    // Twice: the second run changes nothing (idempotent).
    for (let run = 0; run < 2; run++) await ownerSql.query(migration)
    expect(await row(legacy)).toMatchObject({
      languages: ['en', 'fr-ca', 'de'],
      version: (legacyBefore?.version ?? 0) + 1,
    })
    expect(await row(clean)).toEqual(cleanBefore)
    const written = await representativeEvents(legacy)
    expect(written.length).toBe(legacyEvents + 1)
    expect(written[0]).toMatchObject({
      type: 'representative.updated',
      actorType: 'SYSTEM',
      previous: { languages: ['EN', 'Fr-CA', 'de'] },
      object: expect.objectContaining({ languages: ['en', 'fr-ca', 'de'] }),
    })
    expect((await representativeEvents(clean)).length).toBe(cleanEvents)
  })
})
