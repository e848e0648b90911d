import { inArray } from 'drizzle-orm'
import { foundOr404, getById, listTable, mergePatch, updateVersioned } from '../../db/crud'
import { type AgentConfiguration, agentConfigurations } from '../../db/schema'
import type { TenantDb } from '../../db/tenant'
import type { SortOrder } from '../../lib/pagination'
import type { AgentSort, CreateAgentInput, ListAgentsQuery, UpdateAgentInput } from './agents.schemas'

const sortOrders: Record<AgentSort, SortOrder> = {
  '-createdAt': { columns: [agentConfigurations.createdAt, agentConfigurations.id], direction: 'desc' },
  createdAt: { columns: [agentConfigurations.createdAt, agentConfigurations.id], direction: 'asc' },
}

export function listAgents(db: TenantDb, query: ListAgentsQuery) {
  return listTable<typeof agentConfigurations, AgentSort, AgentConfiguration>(
    db,
    agentConfigurations,
    query,
    sortOrders,
    [
      query.status ? inArray(agentConfigurations.status, query.status) : undefined,
      query.type ? inArray(agentConfigurations.type, query.type) : undefined,
    ],
  )
}

export function getAgent(db: TenantDb, agentId: string): Promise<AgentConfiguration> {
  return getById(db, agentConfigurations, agentId, 'agent configuration')
}

export async function createAgent(
  db: TenantDb,
  input: CreateAgentInput,
  id: string = crypto.randomUUID(),
): Promise<AgentConfiguration> {
  const [rows] = await db.run(db.insert(agentConfigurations, { ...input, id }).returning())
  return foundOr404(rows as AgentConfiguration[], 'agent configuration')
}

/** `settings` and `thresholds` are JSON Merge Patches (mergePatch). */
export function updateAgent(
  db: TenantDb,
  agentId: string,
  { settings, thresholds, ...changes }: UpdateAgentInput,
  versions: number[] | undefined,
): Promise<AgentConfiguration> {
  return updateVersioned<typeof agentConfigurations, AgentConfiguration>(
    db,
    agentConfigurations,
    agentId,
    {
      ...changes,
      settings: mergePatch(agentConfigurations.settings, settings),
      thresholds: mergePatch(agentConfigurations.thresholds, thresholds),
    },
    {
      what: 'agent configuration',
      versions,
    },
  )
}
