import { eq } from 'drizzle-orm'
import type { Principal } from '../../auth/principal'
import {
  type AgentConfiguration,
  agentConfigurations,
  type CustomerProfile,
  customerProfiles,
  type Representative,
  representatives,
  type User,
  users,
} from '../../db/schema'
import type { TenantDb } from '../../db/tenant'

export interface MeRows {
  user: User | null
  representative: Representative | null
  customerProfile: CustomerProfile | null
  agent: AgentConfiguration | null
}

/** The caller and its profiles, one round trip (app_begin_request has already checked it is active). */
export async function getMe(db: TenantDb, principal: Principal): Promise<MeRows> {
  if (principal.role === 'AGENT') {
    const [[agent]] = await db.run(
      db.select(agentConfigurations, eq(agentConfigurations.id, principal.subject)),
    )
    return {
      user: null,
      representative: null,
      customerProfile: null,
      agent: (agent as AgentConfiguration) ?? null,
    }
  }
  const [[user], [representative], [customerProfile]] = await db.run(
    db.select(users, eq(users.id, principal.subject)),
    db.select(representatives, eq(representatives.userId, principal.subject)),
    db.select(customerProfiles, eq(customerProfiles.userId, principal.subject)),
  )
  return {
    user: (user as User) ?? null,
    representative: (representative as Representative) ?? null,
    customerProfile: (customerProfile as CustomerProfile) ?? null,
    agent: null,
  }
}
