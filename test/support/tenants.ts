import { env } from 'cloudflare:test'
import { signAccessToken } from '../../src/auth/jwt'
import type { PrincipalRole } from '../../src/auth/principal'
import {
  agentConfigurations,
  customerProfiles,
  organizations,
  representatives,
  users,
} from '../../src/db/schema'
import { ownerDb } from './db'

type OrganizationStatus = (typeof organizations.$inferInsert)['status']

/** A fresh organization with one principal of each kind, created as the owner (tests never share tenants). */
export interface TestTenant {
  organizationId: string
  slug: string
  adminId: string
  representativeUserId: string
  representativeId: string
  offlineRepresentativeId: string
  customerId: string
  otherCustomerId: string
  agentId: string
  pausedAgentId: string
  tokens: Record<'ADMIN' | 'REPRESENTATIVE' | 'CUSTOMER' | 'OTHER_CUSTOMER' | 'AGENT', string>
}

const uuid = () => crypto.randomUUID()

/** A creation date before every fixture date of the suite (metrics of past days are computed for such tenants). */
export const LONG_AGO = new Date('2020-01-01T00:00:00Z')

export function tokenFor(
  organizationId: string,
  subject: string,
  role: PrincipalRole,
  expiresInSeconds = 600,
) {
  return signAccessToken({ sub: subject, org: organizationId, role }, env.AUTH_JWT_SECRET as string, {
    expiresInSeconds,
  })
}

/**
 * `createdAt`: when the organization was created (default now). The metrics computations write no row for a period
 * that ended before it, so tenants computing metrics of past fixture days are created before them (LONG_AGO).
 */
export async function createTenant(
  options: { status?: OrganizationStatus; name?: string; createdAt?: Date } = {},
): Promise<TestTenant> {
  const organizationId = uuid()
  const slug = `t-${organizationId.slice(0, 8)}-${organizationId.slice(9, 13)}`
  const [adminId, repUserId, offlineRepUserId, customerId, otherCustomerId] = [
    uuid(),
    uuid(),
    uuid(),
    uuid(),
    uuid(),
  ]
  const [representativeId, offlineRepresentativeId, agentId, pausedAgentId] = [uuid(), uuid(), uuid(), uuid()]
  const user = (id: string, role: 'ADMIN' | 'REPRESENTATIVE' | 'CUSTOMER', name: string) => ({
    id,
    organizationId,
    role,
    name,
    email: `${name.toLowerCase().replaceAll(' ', '.')}@${slug}.example`,
  })
  await ownerDb.batch([
    ownerDb.insert(organizations).values({
      id: organizationId,
      name: options.name ?? `Test ${slug}`,
      slug,
      plan: 'PROFESSIONAL',
      status: options.status ?? 'ACTIVE',
      ...(options.createdAt && { createdAt: options.createdAt, updatedAt: options.createdAt }),
    }),
    ownerDb
      .insert(users)
      .values([
        user(adminId, 'ADMIN', 'Ada Admin'),
        user(repUserId, 'REPRESENTATIVE', 'Rita Rep'),
        user(offlineRepUserId, 'REPRESENTATIVE', 'Otto Offline'),
        user(customerId, 'CUSTOMER', 'Carl Customer'),
        user(otherCustomerId, 'CUSTOMER', 'Cora Customer'),
      ]),
    ownerDb.insert(representatives).values([
      { id: representativeId, organizationId, userId: repUserId, role: 'AGENT', status: 'ONLINE' },
      {
        id: offlineRepresentativeId,
        organizationId,
        userId: offlineRepUserId,
        role: 'SENIOR_AGENT',
        status: 'OFFLINE',
      },
    ]),
    ownerDb.insert(customerProfiles).values([
      { organizationId, userId: customerId, accountTier: 'PREMIUM' },
      { organizationId, userId: otherCustomerId },
    ]),
    ownerDb.insert(agentConfigurations).values([
      {
        id: agentId,
        organizationId,
        name: 'Triage bot',
        type: 'TRIAGE',
        status: 'ACTIVE',
        model: 'test-model',
      },
      {
        id: pausedAgentId,
        organizationId,
        name: 'Paused bot',
        type: 'TRIAGE',
        status: 'PAUSED',
        model: 'test-model',
      },
    ]),
  ])
  const [admin, representative, customer, otherCustomer, agent] = await Promise.all([
    tokenFor(organizationId, adminId, 'ADMIN'),
    tokenFor(organizationId, repUserId, 'REPRESENTATIVE'),
    tokenFor(organizationId, customerId, 'CUSTOMER'),
    tokenFor(organizationId, otherCustomerId, 'CUSTOMER'),
    tokenFor(organizationId, agentId, 'AGENT'),
  ])
  return {
    organizationId,
    slug,
    adminId,
    representativeUserId: repUserId,
    representativeId,
    offlineRepresentativeId,
    customerId,
    otherCustomerId,
    agentId,
    pausedAgentId,
    tokens: {
      ADMIN: admin,
      REPRESENTATIVE: representative,
      CUSTOMER: customer,
      OTHER_CUSTOMER: otherCustomer,
      AGENT: agent,
    },
  }
}
