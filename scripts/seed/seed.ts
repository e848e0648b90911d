import { getTableColumns, type SQL, sql } from 'drizzle-orm'
import type { PgColumn, PgInsertValue, PgTable } from 'drizzle-orm/pg-core'
import type { Database } from '../../src/db/client'
import * as schema from '../../src/db/schema'
import {
  seedAgentConfigurations,
  seedBudgets,
  seedBudgetUsageRecords,
  seedCustomerProfiles,
  seedDecisionRules,
  seedEscalations,
  seedOrganizations,
  seedPerformanceMetrics,
  seedRefunds,
  seedRepresentatives,
  seedTeamPerformance,
  seedTickets,
  seedUsers,
} from './data'

/** Rows written per table (inserted or updated). */
export interface SeedSummary {
  organizations: number
  users: number
  representatives: number
  customerProfiles: number
  tickets: number
  escalations: number
  refunds: number
  budgets: number
  budgetUsageRecords: number
  agentConfigurations: number
  decisionRules: number
  performanceMetrics: number
  teamPerformance: number
}

type SeedDatabase = Database

/**
 * `SET col = excluded.col` for every column but the key, the creation time and `keep` (columns the app owns
 * after the first seed). Re-seeding restores the demo values of the seeded rows and leaves other rows alone.
 */
function excludedSet(table: PgTable, keep: readonly string[] = []): Record<string, SQL> {
  const set: Record<string, SQL> = {}
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    // Generated columns (tickets.priority_level, escalations.priority_rank) can only be set to DEFAULT.
    if (key === 'id' || key === 'createdAt' || keep.includes(key) || column.generated) continue
    set[key] = sql.raw(`excluded."${column.name}"`)
  }
  return set
}

/** INSERT … ON CONFLICT (id) DO UPDATE: the seed's one statement shape. */
function upsert<T extends PgTable & { id: PgColumn }>(
  db: SeedDatabase,
  table: T,
  rows: T['$inferInsert'][],
  set: Record<string, SQL> = excludedSet(table),
) {
  return db
    .insert(table)
    .values(rows as PgInsertValue<T>[])
    .onConflictDoUpdate({ target: table.id, set })
}

/**
 * Upserts all seed rows in ONE batch (one transaction over Neon's HTTP API), parents before children.
 * Idempotent: conflicts on the primary key update the row in place, so a second run adds nothing.
 * Must run as a role that bypasses RLS (the owner: a superuser locally, BYPASSRLS on Neon).
 */
export async function seed(db: SeedDatabase): Promise<SeedSummary> {
  const s = schema
  const results = await db.batch([
    // Never move the ticket counter backwards: tickets created after the first seed keep their numbers.
    upsert(db, s.organizations, seedOrganizations, {
      ...excludedSet(s.organizations, ['ticketSequence']),
      ticketSequence: sql`greatest(${s.organizations.ticketSequence}, excluded.ticket_sequence)`,
    }),
    upsert(db, s.users, seedUsers),
    upsert(db, s.agentConfigurations, seedAgentConfigurations),
    upsert(db, s.representatives, seedRepresentatives),
    upsert(db, s.customerProfiles, seedCustomerProfiles),
    upsert(db, s.decisionRules, seedDecisionRules),
    // `spent` belongs to the app once seeded (it equals the sum of all usage records, seeded or not);
    // the amount never drops below it.
    upsert(db, s.budgets, seedBudgets, {
      ...excludedSet(s.budgets, ['spent', 'amount']),
      amount: sql`greatest(excluded.amount, ${s.budgets.spent})`,
    }),
    upsert(db, s.tickets, seedTickets),
    upsert(db, s.escalations, seedEscalations),
    upsert(db, s.refunds, seedRefunds),
    upsert(db, s.budgetUsageRecords, seedBudgetUsageRecords),
    upsert(db, s.performanceMetrics, seedPerformanceMetrics),
    upsert(db, s.teamPerformance, seedTeamPerformance),
  ])
  // Same order as the batch above.
  const [
    organizations = 0,
    users = 0,
    agentConfigurations = 0,
    representatives = 0,
    customerProfiles = 0,
    decisionRules = 0,
    budgets = 0,
    tickets = 0,
    escalations = 0,
    refunds = 0,
    budgetUsageRecords = 0,
    performanceMetrics = 0,
    teamPerformance = 0,
  ] = results.map((result) => result.rowCount ?? 0)
  return {
    organizations,
    users,
    representatives,
    customerProfiles,
    tickets,
    escalations,
    refunds,
    budgets,
    budgetUsageRecords,
    agentConfigurations,
    decisionRules,
    performanceMetrics,
    teamPerformance,
  }
}
