import { env } from 'cloudflare:test'
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { messageAttachments, messages, ticketSearchTerms } from '../../src/db/schema'
import { TenantDb } from '../../src/db/tenant'
import { sqlStateOf } from '../db/fixtures'
import { appSql, ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'
import { openTicket, post } from './support'

/*
 * The wall between INTERNAL notes and customers, held by the database alone: raw statements with no filter of
 * their own, in the access layer's context (app_api, tenant and caller bound by app_begin_request), as a customer.
 */

const begin = (tenant: TestTenant, role: string, principalId: string) =>
  appSql`select app_begin_request(${tenant.organizationId}::uuid, ${role}::text, ${principalId}::uuid)`

/** A tenant with, on its customer's ticket and on the other customer's ticket, a PUBLIC reply and an INTERNAL note. */
async function conversations() {
  const t = await createTenant()
  const own = await openTicket(t, { subject: 'Own ticket', description: 'mine' })
  const others = await openTicket(t, {
    customerId: t.otherCustomerId,
    subject: 'Other ticket',
    description: 'theirs',
  })
  const ownPublic = await post(t.tokens.CUSTOMER, own.id, { body: 'publicword from the customer' })
  const ownInternal = await post(t.tokens.REPRESENTATIVE, own.id, {
    body: 'secretword fraud suspected',
    visibility: 'INTERNAL',
  })
  const othersPublic = await post(t.tokens.OTHER_CUSTOMER, others.id, { body: 'otherpublic hello' })
  const othersInternal = await post(t.tokens.AGENT, others.id, {
    body: 'othersecret',
    visibility: 'INTERNAL',
  })
  // One attachment row per message (metadata only; the object store is not involved here).
  const attachmentOf = (messageId: string, ticketId: string) => {
    const id = crypto.randomUUID()
    return {
      id,
      organizationId: t.organizationId,
      messageId,
      fileName: 'a.txt',
      contentType: 'text/plain',
      sizeBytes: 1,
      sha256: '0'.repeat(64),
      storageKey: `${t.organizationId}/tickets/${ticketId}/messages/${messageId}/${id}`,
    }
  }
  await ownerDb
    .insert(messageAttachments)
    .values([
      attachmentOf(ownPublic.id, own.id),
      attachmentOf(ownInternal.id, own.id),
      attachmentOf(othersPublic.id, others.id),
      attachmentOf(othersInternal.id, others.id),
    ])
  return { t, own, others, ownPublic, ownInternal, othersPublic, othersInternal }
}

describe('messages under row-level security alone (no application filter)', () => {
  it('a CUSTOMER transaction sees only PUBLIC messages of its own tickets, their attachments and search terms', async () => {
    const c = await conversations()
    const [, visibleMessages, visibleAttachments, internalTerms, visibleTickets, secretTerm] =
      await appSql.transaction([
        begin(c.t, 'CUSTOMER', c.t.customerId),
        appSql.query('select id from messages'),
        appSql.query('select message_id as id from message_attachments'),
        appSql.query('select count(*)::int as n from ticket_search_terms where internal'),
        appSql.query('select distinct ticket_id as id from ticket_search_terms'),
        appSql.query(`select ticket_id from ticket_search_terms where lexeme = 'secretword'`),
      ])
    expect(visibleMessages?.map((row) => row.id)).toEqual([c.ownPublic.id])
    expect(visibleAttachments?.map((row) => row.id)).toEqual([c.ownPublic.id])
    expect(internalTerms).toEqual([{ n: 0 }])
    expect(visibleTickets?.map((row) => row.id)).toEqual([c.own.id])
    expect(secretTerm).toEqual([])

    // Staff, in the same way, see all of it.
    const [, staffMessages, staffAttachments, staffSecret] = await appSql.transaction([
      begin(c.t, 'REPRESENTATIVE', c.t.representativeUserId),
      appSql.query('select id from messages'),
      appSql.query('select message_id as id from message_attachments'),
      appSql.query(`select ticket_id from ticket_search_terms where lexeme = 'secretword' and internal`),
    ])
    const all = [c.ownPublic.id, c.ownInternal.id, c.othersPublic.id, c.othersInternal.id].sort()
    expect(staffMessages?.map((row) => row.id).sort()).toEqual(all)
    expect(staffAttachments?.map((row) => row.id).sort()).toEqual(all)
    expect(staffSecret).toEqual([{ ticket_id: c.own.id }])
  })

  it('a CUSTOMER transaction cannot write an INTERNAL note nor a message on another’s ticket (42501), nor touch notes', async () => {
    const c = await conversations()
    const insert = (ticketId: string, visibility: string) => () =>
      appSql.transaction([
        begin(c.t, 'CUSTOMER', c.t.customerId),
        appSql`insert into messages (organization_id, ticket_id, author_type, author_user_id, visibility, body)
          values (${c.t.organizationId}, ${ticketId}, 'CUSTOMER', ${c.t.customerId}, ${visibility}, 'x')`,
      ])
    expect(await sqlStateOf(insert(c.own.id, 'INTERNAL'))).toBe('42501')
    expect(await sqlStateOf(insert(c.others.id, 'PUBLIC'))).toBe('42501')
    expect(await sqlStateOf(insert(c.own.id, 'PUBLIC'))).toBeUndefined()
    // Making its own message INTERNAL is refused too; notes and other tickets' messages are not even seen.
    const makeInternal = () =>
      appSql.transaction([
        begin(c.t, 'CUSTOMER', c.t.customerId),
        appSql`update messages set visibility = 'INTERNAL' where id = ${c.ownPublic.id}`,
      ])
    expect(await sqlStateOf(makeInternal)).toBe('42501')
    const [, changed, removed] = await appSql.transaction([
      begin(c.t, 'CUSTOMER', c.t.customerId),
      appSql`update messages set body = 'hijacked' where id in (${c.ownInternal.id}, ${c.othersPublic.id}) returning id`,
      appSql`delete from message_attachments where message_id = ${c.ownInternal.id} returning id`,
    ])
    expect(changed).toEqual([])
    expect(removed).toEqual([])
    // Nor can it plant search terms that would make its ticket match staff-only words.
    const plant = () =>
      appSql.transaction([
        begin(c.t, 'CUSTOMER', c.t.customerId),
        appSql`insert into ticket_search_terms (organization_id, ticket_id, internal, lexeme, customer_id, last_mentioned_at)
          values (${c.t.organizationId}, ${c.own.id}, true, 'planted', ${c.t.customerId}, now())`,
      ])
    expect(await sqlStateOf(plant)).toBe('42501')
  })

  it('the access layer without its ownership rules (TenantDb, raw statement) still shows a customer no note', async () => {
    const c = await conversations()
    const db = TenantDb.forPrincipal(env.DATABASE_URL, {
      organizationId: c.t.organizationId,
      subject: c.t.customerId,
      role: 'CUSTOMER',
    })
    const [seen, terms] = await db.run(
      db.raw<{ id: string; visibility: string }>(sql`select id, visibility from ${messages}`),
      db.raw<{ lexeme: string }>(sql`select lexeme from ${ticketSearchTerms}`),
    )
    expect(seen.rows).toEqual([{ id: c.ownPublic.id, visibility: 'PUBLIC' }])
    const lexemes = terms.rows.map((row) => row.lexeme)
    expect(lexemes).toContain('publicword')
    expect(lexemes).not.toContain('secretword')
    expect(lexemes).not.toContain('othersecret')
    expect(lexemes).not.toContain('otherpublic')
  })
})
