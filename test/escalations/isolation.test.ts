import { env } from 'cloudflare:test'
import { and, eq, type SQL, sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createDatabase } from '../../src/db/client'
import { escalations, performanceMetrics, representatives, tickets } from '../../src/db/schema'
import { TenantDb, type TenantTable } from '../../src/db/tenant'
import * as data from '../../src/resources/escalations/escalations.data'
import * as metrics from '../../src/resources/metrics/metrics.data'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, LONG_AGO, type TestTenant } from '../support/tenants'
import { act, type EscalationBody, newEscalation, newTicket } from './support'

/** Everything of tenant A that a caller of tenant B could try to reach through escalations. */
async function snapshot(tenant: TestTenant) {
  const org = tenant.organizationId
  return {
    escalations: await ownerDb
      .select()
      .from(escalations)
      .where(eq(escalations.organizationId, org))
      .orderBy(escalations.id),
    tickets: await ownerDb.select().from(tickets).where(eq(tickets.organizationId, org)).orderBy(tickets.id),
    representatives: await ownerDb
      .select()
      .from(representatives)
      .where(eq(representatives.organizationId, org))
      .orderBy(representatives.id),
  }
}

describe('escalations: another tenant’s ids', () => {
  it('are 404 for every route and method, for every caller of tenant B that may use it, and tenant A is unchanged', async () => {
    // A existed on the day it computes (no metrics row is written for a day before an organization's creation).
    const [a, b] = [await createTenant({ createdAt: LONG_AGO }), await createTenant()]
    const escalation = await newEscalation(a)
    const before = await snapshot(a)
    const attempts: Array<[string, unknown]> = [
      ['get', undefined],
      ['update', { summary: 'Hijacked', priority: 'LOW' }],
      ['assign', { representativeId: b.representativeId }],
      ['assign', { representativeId: 'auto' }],
      ['assign', { representativeId: a.representativeId }],
      ['start', undefined],
      ['resolve', { resolutionNotes: 'Hijacked' }],
      ['cancel', undefined],
    ]
    for (const role of ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'] as const) {
      for (const [action, body] of attempts) {
        const response =
          action === 'get'
            ? await api(`/v1/escalations/${escalation.id}`, { token: b.tokens[role] })
            : await act(b, escalation.id, action, { token: b.tokens[role], body })
        const label = `${role} ${action}`
        // 404 where the role may use the route (an AGENT reads the escalations it opened); 403 where it may not.
        const mayUse = role === 'ADMIN' || role === 'REPRESENTATIVE' || (role === 'AGENT' && action === 'get')
        expect(response.status, label).toBe(mayUse ? 404 : 403)
        const { instance: _echoed, ...problem } = await json(response)
        expect(JSON.stringify(problem), label).not.toContain(a.organizationId)
      }
    }
    // Opening one on A's ticket from B: the ticket is not B's (422 on ticketId), nothing is written.
    const [aTicket] = before.tickets
    const foreign = await api('/v1/escalations', {
      method: 'POST',
      token: b.tokens.AGENT,
      body: { ticketId: aTicket?.id, priority: 'CRITICAL', reason: 'LOW_CONFIDENCE', summary: 'x' },
    })
    expect(foreign.status).toBe(422)
    // B's lists never show A's escalation, whatever the filters.
    for (const query of [
      'limit=100',
      `ticketId=${aTicket?.id}`,
      `agentConfigurationId=${a.agentId}`,
      'assignedRepresentativeId=none',
      'status=PENDING',
    ]) {
      const page = await json<{ data: EscalationBody[] }>(
        await api(`/v1/escalations?${query}`, { token: b.tokens.ADMIN }),
      )
      expect(
        page.data.map((row) => row.id),
        query,
      ).not.toContain(escalation.id)
    }
    expect(await snapshot(a)).toEqual(before)
  })
})

/** The access layer with its tenant filter forgotten: only RLS stands between tenants. */
class ForgetfulTenantDb extends TenantDb {
  override where<T extends TenantTable>(_table: T, ...conditions: Array<SQL | undefined>): SQL {
    return and(...conditions) ?? sql`true`
  }
}

describe('escalations and metrics: RLS alone keeps tenants apart (the code’s tenant filter removed)', () => {
  it('lists, gets, writes and automatic assignment of tenant B never see or change tenant A', async () => {
    // A existed on the day it computes (no metrics row is written for a day before an organization's creation).
    const [a, b] = [await createTenant({ createdAt: LONG_AGO }), await createTenant()]
    const escalation = await newEscalation(a)
    const bTicket = await newTicket(b)
    const bEscalation = await newEscalation(b, { ticketId: bTicket.id })
    // A's representative is ONLINE with room; B's only ONLINE one goes OFFLINE: auto in B must find nobody.
    await ownerDb
      .update(representatives)
      .set({ status: 'OFFLINE' })
      .where(eq(representatives.id, b.representativeId))
    await metrics.computeMetrics(TenantDb.forPlatform(env.DATABASE_URL, a.organizationId), {
      from: '2026-11-17',
      to: '2026-11-17',
      through: '2026-11-17',
    })
    const before = await snapshot(a)
    const db = new ForgetfulTenantDb(createDatabase(env.DATABASE_URL), {
      organizationId: b.organizationId,
      role: 'ADMIN',
      principalId: b.adminId,
    })
    expect(db.select(escalations).toSQL().sql).not.toMatch(/where .*organization_id/)

    const page = await data.listEscalations(db, { sort: 'queue', limit: 100 })
    expect(page.data.map((row) => row.id)).toEqual([bEscalation.id])
    const metricsPage = await metrics.listMetrics(db, { sort: 'periodStart', limit: 100 })
    expect(metricsPage.data).toEqual([])
    const aMetrics = await ownerDb
      .select()
      .from(performanceMetrics)
      .where(eq(performanceMetrics.organizationId, a.organizationId))
    expect(aMetrics).toHaveLength(5) // DAY, WEEK, MONTH, QUARTER, YEAR of its one day

    const notFound = async (work: () => Promise<unknown>) => {
      await expect(work()).rejects.toMatchObject({ status: 404 })
    }
    await notFound(() => data.getEscalation(db, escalation.id))
    await notFound(() => data.updateEscalation(db, escalation.id, { summary: 'Hijacked' }, undefined))
    await notFound(() => data.assignEscalation(db, escalation.id, b.offlineRepresentativeId, undefined))
    await notFound(() => data.assignEscalation(db, escalation.id, 'auto', undefined))
    await notFound(() => data.startEscalation(db, escalation.id, undefined))
    await notFound(() => data.resolveEscalation(db, escalation.id, 'Hijacked', undefined))
    await notFound(() => data.cancelEscalation(db, escalation.id, undefined))
    // B's own escalation: `auto` never reaches A's ONLINE representative.
    await expect(data.assignEscalation(db, bEscalation.id, 'auto', undefined)).rejects.toMatchObject({
      status: 409,
      code: 'NO_REPRESENTATIVE_AVAILABLE',
    })
    await expect(
      data.assignEscalation(db, bEscalation.id, a.representativeId, undefined),
    ).rejects.toMatchObject({
      status: 422,
    })
    // Opening an escalation on A's ticket from B fails on the tenant foreign key.
    await expect(
      data.createEscalation(
        db,
        {
          ticketId: before.tickets[0]?.id as string,
          priority: 'CRITICAL',
          reason: 'LOW_CONFIDENCE',
          summary: 'x',
        },
        null,
      ),
    ).rejects.toMatchObject({ status: 422 })
    expect(await snapshot(a)).toEqual(before)
  })
})
