import { describe, expect, inject, it } from 'vitest'
import { act, newEscalation } from '../escalations/support'
import { api } from '../support/api'
import { ownerSql } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * A rename of a user writes its representative profile too (a new version: migration 0064), so PATCH /v1/users/{id}
 * takes the profile's row as well as the user's. Assigners take the representative, then its user (FOR SHARE);
 * the PATCH locks the profile first, in that order, so renames running beside assignments to the same person
 * deadlock with none of them (a deadlock would answer one of them 409 CONCURRENT_UPDATE). Proven on PostgreSQL 15,
 * where the requests really run at once.
 */
describe(`renaming a representative while work is assigned to it (${inject('databaseBackend')})`, () => {
  it('10 renames beside 20 explicit and auto assignments: every rename 200, capacity exact, no deadlock', async () => {
    const t = await createTenant()
    await ownerSql`update representatives set max_concurrent_tickets = 3 where id = ${t.representativeId}`
    await ownerSql`update representatives set status = 'OFFLINE' where organization_id = ${t.organizationId}
      and id <> ${t.representativeId}`
    const pending = []
    for (let i = 0; i < 20; i++) pending.push(await newEscalation(t))
    const [before] = await ownerSql`select version from representatives where id = ${t.representativeId}`
    const renames = Array.from({ length: 10 }, (_, i) =>
      api(`/v1/users/${t.representativeUserId}`, {
        method: 'PATCH',
        token: t.tokens.ADMIN,
        body: { name: `Rita Renamed ${i}` },
      }),
    )
    const assignments = pending.map((escalation, i) =>
      act(t, escalation.id, 'assign', {
        role: 'ADMIN',
        body: { representativeId: i % 2 === 0 ? t.representativeId : 'auto' },
      }),
    )
    const [renamed, assigned] = await Promise.all([Promise.all(renames), Promise.all(assignments)])
    const codeOf = async (response: Response) =>
      response.status === 200 ? 'OK' : (await response.json<{ code: string }>()).code
    expect(await Promise.all(renamed.map(codeOf))).toEqual(Array(10).fill('OK'))
    const codes = await Promise.all(assigned.map(codeOf))
    expect(codes.filter((code) => code === 'OK')).toHaveLength(3)
    for (const code of codes.filter((code) => code !== 'OK'))
      expect(['REPRESENTATIVE_AT_CAPACITY', 'NO_REPRESENTATIVE_AVAILABLE']).toContain(code)
    // Each rename was a new version of the profile.
    const [after] = await ownerSql`select version from representatives where id = ${t.representativeId}`
    expect(after?.version).toBe((before?.version as number) + 10)
    const [{ open }] = (await ownerSql`select count(*)::int as open from escalations
      where assigned_representative_id = ${t.representativeId} and status = 'ASSIGNED'`) as [{ open: number }]
    expect(open).toBe(3)
  })
})
