import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import {
  agentConfigurations,
  budgets,
  budgetUsageRecords,
  escalations,
  organizations,
  refunds,
  tickets,
  users,
} from '../../src/db/schema'
import { ownerDb } from '../support/db'
import { createFullTenant, sqlStateOf, uniqueSlug } from './fixtures'

/* What the database refuses by itself, whatever the application code does (run as the owner: no RLS). */

describe('composite foreign keys keep every reference inside its tenant', () => {
  it('refuses a ticket of tenant A whose customer belongs to tenant B (23503)', async () => {
    const [a, b] = await Promise.all([createFullTenant(), createFullTenant()])
    const insert = () =>
      ownerDb.insert(tickets).values({
        organizationId: a.organizationId,
        ticketNumber: 'TICKET-2001',
        customerId: b.customerId,
        subject: 'Cross-tenant',
        description: 'Must fail',
      })
    expect(await sqlStateOf(insert)).toBe('23503')
  })

  it('refuses re-pointing a reference to another tenant (assignee, budget, usage record)', async () => {
    const [a, b] = await Promise.all([createFullTenant(), createFullTenant()])
    const assign = () =>
      ownerDb
        .update(tickets)
        .set({ assignedRepresentativeId: b.representativeId })
        .where(eq(tickets.id, a.ticketId))
    const charge = () =>
      ownerDb.update(refunds).set({ budgetId: b.budgetId }).where(eq(refunds.id, a.refundId))
    const record = () =>
      ownerDb
        .insert(budgetUsageRecords)
        .values({ organizationId: a.organizationId, budgetId: b.budgetId, amount: '1.00' })
    expect(await sqlStateOf(assign)).toBe('23503')
    expect(await sqlStateOf(charge)).toBe('23503')
    expect(await sqlStateOf(record)).toBe('23503')
  })

  it('refuses moving a row to another organization while its references stay behind (23503)', async () => {
    const [a, b] = await Promise.all([createFullTenant(), createFullTenant()])
    const moveChild = () =>
      ownerDb
        .update(escalations)
        .set({ organizationId: b.organizationId })
        .where(eq(escalations.id, a.escalationId))
    const moveParent = () =>
      ownerDb
        .update(agentConfigurations)
        .set({ organizationId: b.organizationId })
        .where(eq(agentConfigurations.id, a.agentId))
    expect(await sqlStateOf(moveChild)).toBe('23503')
    expect(await sqlStateOf(moveParent)).toBe('23503')
  })
})

describe('uniqueness is per tenant', () => {
  it('accepts one email in two organizations, refuses it twice in one (23505)', async () => {
    const [a, b] = await Promise.all([createFullTenant(), createFullTenant()])
    const email = `shared-${crypto.randomUUID().slice(0, 8)}@example.com`
    const add = (organizationId: string) =>
      ownerDb.insert(users).values({ organizationId, email, name: 'Shared', role: 'CUSTOMER' })
    await add(a.organizationId)
    await add(b.organizationId)
    expect(await sqlStateOf(() => add(a.organizationId))).toBe('23505')
  })

  it('stores emails lower-cased, so case variants cannot duplicate one (23514)', async () => {
    const a = await createFullTenant()
    const upper = () =>
      ownerDb
        .insert(users)
        .values({ organizationId: a.organizationId, email: 'Mixed@Example.com', name: 'M', role: 'ADMIN' })
    expect(await sqlStateOf(upper)).toBe('23514')
  })

  it('accepts one ticket number in two organizations, refuses it twice in one (23505)', async () => {
    const [a, b] = await Promise.all([createFullTenant(), createFullTenant()])
    // Both tenants already hold a TICKET-1001: the number is unique per organization only.
    const add = (organizationId: string, customerId: string) =>
      ownerDb.insert(tickets).values({
        organizationId,
        customerId,
        ticketNumber: 'TICKET-1001',
        subject: 'Again',
        description: 'Same number',
      })
    expect(await sqlStateOf(() => add(a.organizationId, a.customerId))).toBe('23505')
    expect(await sqlStateOf(() => add(b.organizationId, b.customerId))).toBe('23505')
  })

  it('refuses a duplicate organization slug or a malformed one', async () => {
    const slug = uniqueSlug()
    await ownerDb.insert(organizations).values({ name: 'First', slug })
    expect(await sqlStateOf(() => ownerDb.insert(organizations).values({ name: 'Second', slug }))).toBe(
      '23505',
    )
    for (const bad of ['Upper', '-dash', 'dash-', 'a_b', '', 'x'.repeat(64)]) {
      expect(await sqlStateOf(() => ownerDb.insert(organizations).values({ name: 'Bad', slug: bad }))).toBe(
        '23514',
      )
    }
  })

  it('charges a refund to a budget at most once (23505)', async () => {
    const a = await createFullTenant()
    const again = () =>
      ownerDb.insert(budgetUsageRecords).values({
        organizationId: a.organizationId,
        budgetId: a.budgetId,
        refundId: a.refundId,
        amount: '10.00',
      })
    expect(await sqlStateOf(again)).toBe('23505')
  })
})

describe('check constraints on money', () => {
  it('never lets spent exceed the amount, go negative, or amounts be zero or negative (23514)', async () => {
    const a = await createFullTenant()
    const setBudget = (values: Partial<typeof budgets.$inferInsert>) => () =>
      ownerDb.update(budgets).set(values).where(eq(budgets.id, a.budgetId))
    expect(await sqlStateOf(setBudget({ spent: '100.01' }))).toBe('23514')
    expect(await sqlStateOf(setBudget({ spent: '-0.01' }))).toBe('23514')
    expect(await sqlStateOf(setBudget({ amount: '0.00', spent: '0.00' }))).toBe('23514')
    expect(await sqlStateOf(setBudget({ amount: '9.99' }))).toBe('23514')
    expect(await sqlStateOf(setBudget({ periodEnd: '2026-10-31' }))).toBe('23514')
    expect(await sqlStateOf(setBudget({ currency: 'usd' }))).toBe('23514')
    expect(await sqlStateOf(setBudget({ period: 'DAILY' }))).toBe('23514')
    expect(await sqlStateOf(setBudget({ spent: '100.00' }))).toBeUndefined()

    const refund = (amount: string) => () =>
      ownerDb.insert(refunds).values({
        organizationId: a.organizationId,
        customerId: a.customerId,
        amount,
        reason: 'OTHER',
      })
    expect(await sqlStateOf(refund('0.00'))).toBe('23514')
    expect(await sqlStateOf(refund('-5.00'))).toBe('23514')
    const usage = () =>
      ownerDb
        .insert(budgetUsageRecords)
        .values({ organizationId: a.organizationId, budgetId: a.budgetId, amount: '0.00' })
    expect(await sqlStateOf(usage)).toBe('23514')
  })

  it('keeps money exact as numeric(12,2) strings', async () => {
    const a = await createFullTenant()
    const [row] = await ownerDb
      .update(budgets)
      .set({ amount: '1234567890.10', spent: '0.30' })
      .where(eq(budgets.id, a.budgetId))
      .returning({ amount: budgets.amount, spent: budgets.spent })
    expect(row).toEqual({ amount: '1234567890.10', spent: '0.30' })
  })
})
