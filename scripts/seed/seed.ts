import { getTableColumns, type SQL, sql } from 'drizzle-orm'
import type { NeonHttpDatabase } from 'drizzle-orm/neon-http'
import type { PgTable } from 'drizzle-orm/pg-core'
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

type SeedDatabase = NeonHttpDatabase<typeof schema>

/**
 * `SET col = excluded.col` for every column but the key, the creation time and `keep` (columns the app owns
 * after the first seed). Re-seeding restores the demo values of the seeded rows and leaves other rows alone.
 */
function excludedSet(table: PgTable, keep: readonly string[] = []): Record<string, SQL> {
  const set: Record<string, SQL> = {}
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    if (key === 'id' || key === 'createdAt' || keep.includes(key)) continue
    set[key] = sql.raw(`excluded."${column.name}"`)
  }
  return set
}

/**
 * Upserts all seed rows in ONE batch (one transaction over Neon's HTTP API), parents before children.
 * Idempotent: conflicts on the primary key update the row in place, so a second run adds nothing.
 * Must run as a role that bypasses RLS (the owner: a superuser locally, BYPASSRLS on Neon).
 */
export async function seed(db: SeedDatabase): Promise<SeedSummary> {
  const s = schema
  const results = await db.batch([
    db
      .insert(s.organizations)
      .values(seedOrganizations)
      .onConflictDoUpdate({
        target: s.organizations.id,
        // Never move the ticket counter backwards: tickets created after the first seed keep their numbers.
        set: {
          ...excludedSet(s.organizations, ['ticketSequence']),
          ticketSequence: sql`greatest(${s.organizations.ticketSequence}, excluded.ticket_sequence)`,
        },
      }),
    db
      .insert(s.users)
      .values(seedUsers)
      .onConflictDoUpdate({ target: s.users.id, set: excludedSet(s.users) }),
    db
      .insert(s.agentConfigurations)
      .values(seedAgentConfigurations)
      .onConflictDoUpdate({ target: s.agentConfigurations.id, set: excludedSet(s.agentConfigurations) }),
    db
      .insert(s.representatives)
      .values(seedRepresentatives)
      .onConflictDoUpdate({ target: s.representatives.id, set: excludedSet(s.representatives) }),
    db
      .insert(s.customerProfiles)
      .values(seedCustomerProfiles)
      .onConflictDoUpdate({ target: s.customerProfiles.id, set: excludedSet(s.customerProfiles) }),
    db
      .insert(s.decisionRules)
      .values(seedDecisionRules)
      .onConflictDoUpdate({ target: s.decisionRules.id, set: excludedSet(s.decisionRules) }),
    db
      .insert(s.budgets)
      .values(seedBudgets)
      .onConflictDoUpdate({
        target: s.budgets.id,
        // `spent` belongs to the app once seeded (it equals the sum of all usage records, seeded or not);
        // the amount never drops below it.
        set: {
          ...excludedSet(s.budgets, ['spent', 'amount']),
          amount: sql`greatest(excluded.amount, ${s.budgets.spent})`,
        },
      }),
    db
      .insert(s.tickets)
      .values(seedTickets)
      .onConflictDoUpdate({ target: s.tickets.id, set: excludedSet(s.tickets) }),
    db
      .insert(s.escalations)
      .values(seedEscalations)
      .onConflictDoUpdate({ target: s.escalations.id, set: excludedSet(s.escalations) }),
    db
      .insert(s.refunds)
      .values(seedRefunds)
      .onConflictDoUpdate({ target: s.refunds.id, set: excludedSet(s.refunds) }),
    db
      .insert(s.budgetUsageRecords)
      .values(seedBudgetUsageRecords)
      .onConflictDoUpdate({ target: s.budgetUsageRecords.id, set: excludedSet(s.budgetUsageRecords) }),
    db
      .insert(s.performanceMetrics)
      .values(seedPerformanceMetrics)
      .onConflictDoUpdate({ target: s.performanceMetrics.id, set: excludedSet(s.performanceMetrics) }),
    db
      .insert(s.teamPerformance)
      .values(seedTeamPerformance)
      .onConflictDoUpdate({ target: s.teamPerformance.id, set: excludedSet(s.teamPerformance) }),
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
