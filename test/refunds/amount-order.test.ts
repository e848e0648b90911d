import { eq, inArray, sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { refunds } from '../../src/db/schema'
import { graphql } from '../reads/graphql-support'
import { api, json } from '../support/api'
import { ownerDb } from '../support/db'
import { createTenant, type TestTenant } from '../support/tenants'

/*
 * The refunds list's amount order (issue 17): `amountMin` / `amountMax` are served by the generated
 * amount_cents column and its (org, amount_cents, created_at, id) index, listed in `amount` / `-amount` order
 * (the default with an amount filter); a date sort with an amount filter is 400 UNSUPPORTED_FILTER_SORT. The
 * same rule holds for REST, `expand` and GraphQL.
 */

interface Seeded {
  id: string
  amount: string
  createdAt: Date
}

/** Refunds with ties in amount (and in amount and creation time), inserted as the owner. */
async function seedRefunds(t: TestTenant): Promise<Seeded[]> {
  const base = Date.parse('2026-01-01T00:00:00.000Z')
  const amounts = ['5.00', '12.50', '12.50', '12.50', '0.01', '99.99', '12.50', '5.00', '1500.00', '12.5']
  const rows = amounts.map((amount, index) => ({
    id: crypto.randomUUID(),
    organizationId: t.organizationId,
    customerId: t.customerId,
    amount,
    currency: index === 8 ? 'JPY' : 'USD',
    reason: 'SERVICE_OUTAGE' as const,
    // Pairs share a creation time, so that some ties in amount are broken by the id only.
    createdAt: new Date(base + Math.floor(index / 2) * 60_000),
  }))
  await ownerDb.insert(refunds).values(rows)
  return rows.map(({ id, amount, createdAt }) => ({ id, amount, createdAt }))
}

const cents = (amount: string) => Math.round(Number(amount) * 100)

/** The amount order: amount, then created_at, then id (uuid order is the order of its lowercase hex). */
function inAmountOrder(rows: Seeded[], direction: 'asc' | 'desc'): string[] {
  const sorted = [...rows].sort(
    (a, b) =>
      cents(a.amount) - cents(b.amount) ||
      a.createdAt.getTime() - b.createdAt.getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  )
  return (direction === 'asc' ? sorted : sorted.reverse()).map((row) => row.id)
}

/** Every page of a REST list query, walked with its cursors. */
async function walk(token: string, query: string): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | null = null
  for (let page = 0; page < 50; page++) {
    const url: string = `/v1/refunds?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
    const response = await api(url, { token })
    expect(response.status, await response.clone().text()).toBe(200)
    const body = await json<{ data: Array<Record<string, unknown>>; nextCursor: string | null }>(response)
    for (const item of body.data) {
      expect(item).not.toHaveProperty('amountCents')
      ids.push(item.id as string)
    }
    cursor = body.nextCursor
    if (!cursor) return ids
  }
  throw new Error('too many pages')
}

describe('refunds: the generated amount_cents column', () => {
  it('is the amount in hundredths, whatever the currency, kept on update and never writable', async () => {
    const t = await createTenant()
    const amounts = ['0.01', '12.50', '1500.00', '9999999999.99', '40']
    const ids = amounts.map(() => crypto.randomUUID())
    await ownerDb.insert(refunds).values(
      amounts.map((amount, index) => ({
        id: ids[index] as string,
        organizationId: t.organizationId,
        customerId: t.customerId,
        amount,
        currency: index === 2 ? 'JPY' : 'USD',
        reason: 'SERVICE_OUTAGE' as const,
      })),
    )
    const read = async () =>
      new Map(
        (
          await ownerDb
            .select({ id: refunds.id, amount: refunds.amount, amountCents: refunds.amountCents })
            .from(refunds)
            .where(inArray(refunds.id, ids))
        ).map((row) => [row.id, row]),
      )
    const rows = await read()
    expect(ids.map((id) => [rows.get(id)?.amount, rows.get(id)?.amountCents])).toEqual([
      ['0.01', 1],
      ['12.50', 1250],
      ['1500.00', 150000],
      ['9999999999.99', 999999999999],
      ['40.00', 4000],
    ])
    await ownerDb
      .update(refunds)
      .set({ amount: '7.25' })
      .where(eq(refunds.id, ids[0] as string))
    expect((await read()).get(ids[0] as string)?.amountCents).toBe(725)
    await expect(
      ownerDb.execute(sql`update refunds set amount_cents = 1 where id = ${ids[1]}`),
    ).rejects.toThrow()
  })
})

describe('refunds: the amount order and the amount filters', () => {
  it('sort=amount / -amount walk every row exactly once, ties in amount by creation time then id', async () => {
    const t = await createTenant()
    const rows = await seedRefunds(t)
    const token = t.tokens.ADMIN
    expect(await walk(token, 'sort=amount&limit=3')).toEqual(inAmountOrder(rows, 'asc'))
    expect(await walk(token, 'sort=-amount&limit=2')).toEqual(inAmountOrder(rows, 'desc'))
    // A range, in both orders: inclusive bounds, compared as numbers (the JPY 1500.00 is 1500).
    const range = rows.filter((row) => cents(row.amount) >= 500 && cents(row.amount) <= 1250)
    expect(range).toHaveLength(7)
    expect(await walk(token, 'amountMin=5&amountMax=12.50&sort=amount&limit=2')).toEqual(
      inAmountOrder(range, 'asc'),
    )
    expect(await walk(token, 'amountMin=5.00&amountMax=12.5&sort=-amount&limit=3')).toEqual(
      inAmountOrder(range, 'desc'),
    )
    const large = rows.filter((row) => cents(row.amount) >= 9999)
    expect(await walk(token, 'amountMin=99.99&limit=1')).toEqual(inAmountOrder(large, 'asc'))
  })

  it('an amount filter without a sort lists in amount order (the cursor continues it)', async () => {
    const t = await createTenant()
    const rows = await seedRefunds(t)
    const small = rows.filter((row) => cents(row.amount) <= 1250)
    expect(await walk(t.tokens.REPRESENTATIVE, 'amountMax=12.50&limit=2')).toEqual(
      inAmountOrder(small, 'asc'),
    )
    expect(await walk(t.tokens.ADMIN, 'amountMin=0.01&limit=4')).toEqual(inAmountOrder(rows, 'asc'))
    // Without an amount filter the default stays newest first.
    const newest = await json<{ data: Array<{ id: string }> }>(
      await api('/v1/refunds?limit=1', { token: t.tokens.ADMIN }),
    )
    const latest = Math.max(...rows.map((row) => row.createdAt.getTime()))
    expect(rows.find((row) => row.id === newest.data[0]?.id)?.createdAt.getTime()).toBe(latest)
  })

  it('an amount filter with a date sort is 400 UNSUPPORTED_FILTER_SORT naming what is accepted (list and expand)', async () => {
    const t = await createTenant()
    await seedRefunds(t)
    for (const query of [
      'amountMin=10&sort=createdAt',
      'amountMax=10&sort=-createdAt',
      'amountMin=1&amountMax=10&sort=createdAt',
      'amountMin=10&sort=-createdAt&expand=customer',
    ]) {
      const response = await api(`/v1/refunds?${query}`, { token: t.tokens.ADMIN })
      expect(response.status, query).toBe(400)
      expect(response.headers.get('content-type')).toContain('application/problem+json')
      const problem = await json<{ code: string; detail: string; errors: Array<{ path: string }> }>(response)
      expect(problem.code).toBe('UNSUPPORTED_FILTER_SORT')
      expect(problem.detail).toMatch(/`amountM(in|ax)`.*`sort=-?createdAt`/)
      expect(problem.detail).toContain('`amount`, `-amount`')
      expect(problem.errors).toEqual([expect.objectContaining({ path: 'sort' })])
    }
    // The amount order with expand is served.
    const expanded = await api('/v1/refunds?amountMin=10&expand=customer&limit=2', { token: t.tokens.ADMIN })
    expect(expanded.status).toBe(200)
    const body = await json<{ data: Array<{ amount: string; customer: { id: string } }> }>(expanded)
    expect(body.data.map((refund) => refund.amount)).toEqual(['12.50', '12.50'])
    expect(body.data[0]?.customer.id).toBe(t.customerId)
  })

  it('GraphQL: the same refusal, the amount order by default with an amount filter, pages via endCursor', async () => {
    const t = await createTenant()
    const rows = await seedRefunds(t)
    const token = t.tokens.ADMIN
    const refused = await graphql(token, '{ refunds(amountMin: "10", sort: "createdAt") { nodes { id } } }')
    expect(refused.status).toBe(200)
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED_FILTER_SORT')
    expect(refused.body.errors?.[0]?.message).toContain('`amount`, `-amount`')
    const ids: string[] = []
    let after: string | null = null
    for (let page = 0; page < 10; page++) {
      const query: string = `{ refunds(first: 3, amountMax: "100"${after ? `, after: "${after}"` : ''}) {
        nodes { id } pageInfo { hasNextPage endCursor } } }`
      const result = await graphql(token, query)
      expect(result.body.errors).toBeUndefined()
      const connection = result.body.data?.refunds as {
        nodes: Array<{ id: string }>
        pageInfo: { hasNextPage: boolean; endCursor: string | null }
      }
      ids.push(...connection.nodes.map((node) => node.id))
      if (!connection.pageInfo.hasNextPage) break
      after = connection.pageInfo.endCursor
    }
    const upTo100 = rows.filter((row) => cents(row.amount) <= 10000)
    expect(ids).toEqual(inAmountOrder(upTo100, 'asc'))
    const descending = await graphql(token, '{ refunds(first: 2, sort: "-amount") { nodes { amount } } }')
    expect(descending.body.data?.refunds).toEqual({ nodes: [{ amount: '1500.00' }, { amount: '99.99' }] })
  })
})
