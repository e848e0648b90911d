import type {
  NewAgentConfiguration,
  NewBudget,
  NewBudgetUsageRecord,
  NewCustomerProfile,
  NewDecisionRule,
  NewEscalation,
  NewOrganization,
  NewPerformanceMetrics,
  NewRefund,
  NewRepresentative,
  NewTeamPerformance,
  NewTicket,
  NewUser,
  PerformanceTrend,
  UserRole,
} from '../../src/db/schema'

/*
 * Deterministic demo data: fixed ids and timestamps (anchored in November 2026), no randomness, so every
 * run of the seed writes exactly the same rows. Acme Corp is the full demo tenant; Globex is a small
 * second tenant for trying tenant isolation. Ids start with a per-table digit to be recognisable in logs.
 */

/** Fixed ids, exported so the dev tooling can mint tokens for the seeded principals. */
export const seedIds = {
  organizations: {
    acme: '10000000-0000-4000-8000-000000000001',
    globex: '10000000-0000-4000-8000-000000000002',
  },
  users: {
    acmeAdmin: '20000000-0000-4000-8000-000000000001',
    acmeRepSam: '20000000-0000-4000-8000-000000000002',
    acmeRepPriya: '20000000-0000-4000-8000-000000000003',
    acmeRepMarco: '20000000-0000-4000-8000-000000000004',
    acmeCustomerJane: '20000000-0000-4000-8000-000000000005',
    acmeCustomerRaj: '20000000-0000-4000-8000-000000000006',
    acmeCustomerLi: '20000000-0000-4000-8000-000000000007',
    globexAdmin: '20000000-0000-4000-8000-000000000101',
    globexRep: '20000000-0000-4000-8000-000000000102',
    globexCustomer: '20000000-0000-4000-8000-000000000103',
  },
  representatives: {
    acmeSam: '30000000-0000-4000-8000-000000000001',
    acmePriya: '30000000-0000-4000-8000-000000000002',
    acmeMarco: '30000000-0000-4000-8000-000000000003',
    globexRep: '30000000-0000-4000-8000-000000000101',
  },
  customerProfiles: {
    acmeJane: '40000000-0000-4000-8000-000000000001',
    acmeRaj: '40000000-0000-4000-8000-000000000002',
    acmeLi: '40000000-0000-4000-8000-000000000003',
    globexCustomer: '40000000-0000-4000-8000-000000000101',
  },
  tickets: {
    acmeDamagedOrder: '50000000-0000-4000-8000-000000000001',
    acmeDoubleCharge: '50000000-0000-4000-8000-000000000002',
    acmeDataExport: '50000000-0000-4000-8000-000000000003',
    globexLogin: '50000000-0000-4000-8000-000000000101',
  },
  escalations: {
    acmeDamagedOrder: '60000000-0000-4000-8000-000000000001',
    acmeDoubleCharge: '60000000-0000-4000-8000-000000000002',
  },
  refunds: {
    acmeDoubleCharge: '70000000-0000-4000-8000-000000000001',
    acmeDamagedOrder: '70000000-0000-4000-8000-000000000002',
    acmeLateDelivery: '70000000-0000-4000-8000-000000000003',
  },
  budgets: {
    acmeRefundsNovember: '80000000-0000-4000-8000-000000000001',
  },
  budgetUsageRecords: {
    acmeDoubleCharge: '90000000-0000-4000-8000-000000000001',
    acmeLateDelivery: '90000000-0000-4000-8000-000000000002',
    acmeGoodwill: '90000000-0000-4000-8000-000000000003',
  },
  agentConfigurations: {
    acmeTriage: 'a0000000-0000-4000-8000-000000000001',
    acmeCustomerService: 'a0000000-0000-4000-8000-000000000002',
    acmeRefundProcessor: 'a0000000-0000-4000-8000-000000000003',
    globexAssistant: 'a0000000-0000-4000-8000-000000000101',
  },
  decisionRules: {
    acmeRejectRestricted: 'b0000000-0000-4000-8000-000000000001',
    acmeApproveSmall: 'b0000000-0000-4000-8000-000000000002',
    acmeEscalateLarge: 'b0000000-0000-4000-8000-000000000003',
    acmeVipApproval: 'b0000000-0000-4000-8000-000000000004',
    acmeSelfServiceNeedsPerson: 'b0000000-0000-4000-8000-000000000005',
  },
} as const

const { organizations: org, users: user, representatives: rep, tickets: ticket } = seedIds
const { agentConfigurations: agent, decisionRules: rule, budgets: budget, refunds: refund } = seedIds

/** A fixed instant (never "now"): `at('2026-11-18T09:30:00Z')`. */
function at(iso: string): Date {
  return new Date(iso)
}

/** created_at = updated_at = the given instant. */
function stamped(iso: string) {
  return { createdAt: at(iso), updatedAt: at(iso) }
}

export const seedOrganizations: NewOrganization[] = [
  {
    id: org.acme,
    name: 'Acme Corp',
    slug: 'acme',
    plan: 'PROFESSIONAL',
    status: 'ACTIVE',
    settings: { timezone: 'America/New_York', locale: 'en-US', supportEmail: 'support@acme.example' },
    ticketSequence: 1003,
    ...stamped('2026-01-15T10:00:00Z'),
  },
  {
    id: org.globex,
    name: 'Globex',
    slug: 'globex',
    plan: 'STARTER',
    status: 'ACTIVE',
    settings: { timezone: 'Europe/Berlin', locale: 'de-DE' },
    ticketSequence: 1001,
    ...stamped('2026-03-02T08:00:00Z'),
  },
]

/** An active user account with fixed timestamps. */
function account(id: string, organizationId: string, email: string, name: string, role: UserRole): NewUser {
  const created = organizationId === org.acme ? '2026-01-15T10:30:00Z' : '2026-03-02T08:30:00Z'
  return {
    id,
    organizationId,
    email,
    name,
    role,
    isActive: true,
    lastLoginAt: at('2026-11-19T08:00:00Z'),
    ...stamped(created),
  }
}

export const seedUsers: NewUser[] = [
  account(user.acmeAdmin, org.acme, 'admin@acme.example', 'Alice Admin', 'ADMIN'),
  account(user.acmeRepSam, org.acme, 'sam@acme.example', 'Sam Rivera', 'REPRESENTATIVE'),
  account(user.acmeRepPriya, org.acme, 'priya@acme.example', 'Priya Shah', 'REPRESENTATIVE'),
  account(user.acmeRepMarco, org.acme, 'marco@acme.example', 'Marco Rossi', 'REPRESENTATIVE'),
  account(user.acmeCustomerJane, org.acme, 'jane.doe@acme.example', 'Jane Doe', 'CUSTOMER'),
  account(user.acmeCustomerRaj, org.acme, 'raj.patel@acme.example', 'Raj Patel', 'CUSTOMER'),
  account(user.acmeCustomerLi, org.acme, 'li.wei@acme.example', 'Li Wei', 'CUSTOMER'),
  account(user.globexAdmin, org.globex, 'admin@globex.example', 'Hank Scorpio', 'ADMIN'),
  account(user.globexRep, org.globex, 'rep@globex.example', 'Frank Grimes', 'REPRESENTATIVE'),
  account(user.globexCustomer, org.globex, 'customer@globex.example', 'Homer Simpson', 'CUSTOMER'),
]

export const seedRepresentatives: NewRepresentative[] = [
  {
    id: rep.acmeSam,
    organizationId: org.acme,
    userId: user.acmeRepSam,
    role: 'SUPERVISOR',
    status: 'ONLINE',
    maxConcurrentTickets: 8,
    skills: ['billing', 'refunds', 'escalations'],
    languages: ['en', 'es'],
    ...stamped('2026-01-16T09:00:00Z'),
  },
  {
    id: rep.acmePriya,
    organizationId: org.acme,
    userId: user.acmeRepPriya,
    role: 'SENIOR_AGENT',
    status: 'BUSY',
    maxConcurrentTickets: 6,
    skills: ['technical', 'billing'],
    languages: ['en', 'hi'],
    ...stamped('2026-01-16T09:10:00Z'),
  },
  {
    id: rep.acmeMarco,
    organizationId: org.acme,
    userId: user.acmeRepMarco,
    role: 'AGENT',
    status: 'OFFLINE',
    maxConcurrentTickets: 4,
    skills: ['product'],
    languages: ['en', 'it'],
    ...stamped('2026-02-01T09:00:00Z'),
  },
  {
    id: rep.globexRep,
    organizationId: org.globex,
    userId: user.globexRep,
    role: 'AGENT',
    status: 'ONLINE',
    maxConcurrentTickets: 5,
    skills: ['technical'],
    languages: ['en', 'de'],
    ...stamped('2026-03-02T09:00:00Z'),
  },
]

export const seedCustomerProfiles: NewCustomerProfile[] = [
  {
    id: seedIds.customerProfiles.acmeJane,
    organizationId: org.acme,
    userId: user.acmeCustomerJane,
    accountTier: 'VIP',
    accountStanding: 'GOOD',
    lifetimeValue: '12500.00',
    currency: 'USD',
    context: { company: 'Doe Industries', ordersCount: 48, lastOrderId: 'ORD-88231', notes: 'Key account' },
    preferences: { contactChannel: 'email', language: 'en' },
    ...stamped('2026-02-10T14:00:00Z'),
  },
  {
    id: seedIds.customerProfiles.acmeRaj,
    organizationId: org.acme,
    userId: user.acmeCustomerRaj,
    accountTier: 'STANDARD',
    accountStanding: 'WARNING',
    lifetimeValue: '830.50',
    currency: 'USD',
    context: { ordersCount: 9, chargebacks: 1 },
    preferences: { contactChannel: 'chat', language: 'en' },
    ...stamped('2026-04-22T11:00:00Z'),
  },
  {
    id: seedIds.customerProfiles.acmeLi,
    organizationId: org.acme,
    userId: user.acmeCustomerLi,
    accountTier: 'BASIC',
    accountStanding: 'GOOD',
    lifetimeValue: '120.00',
    currency: 'USD',
    context: { ordersCount: 2 },
    preferences: { contactChannel: 'email', language: 'zh' },
    ...stamped('2026-09-05T16:00:00Z'),
  },
  {
    id: seedIds.customerProfiles.globexCustomer,
    organizationId: org.globex,
    userId: user.globexCustomer,
    accountTier: 'STANDARD',
    accountStanding: 'GOOD',
    lifetimeValue: '2400.00',
    currency: 'EUR',
    context: { ordersCount: 15 },
    preferences: { contactChannel: 'phone', language: 'de' },
    ...stamped('2026-03-10T10:00:00Z'),
  },
]

export const seedTickets: NewTicket[] = [
  {
    id: ticket.acmeDamagedOrder,
    organizationId: org.acme,
    ticketNumber: 'TICKET-1001',
    customerId: user.acmeCustomerJane,
    assignedRepresentativeId: rep.acmeSam,
    subject: 'Order ORD-88231 arrived damaged',
    description: 'Two of the five ceramic panels in my order were cracked on arrival. Photos attached.',
    status: 'IN_PROGRESS',
    priority: 'HIGH',
    category: 'REFUND_REQUEST',
    tags: ['damaged', 'shipping', 'vip'],
    firstResponseAt: at('2026-11-18T09:42:00Z'),
    createdAt: at('2026-11-18T09:30:00Z'),
    updatedAt: at('2026-11-18T10:15:00Z'),
  },
  {
    id: ticket.acmeDoubleCharge,
    organizationId: org.acme,
    ticketNumber: 'TICKET-1002',
    customerId: user.acmeCustomerRaj,
    assignedRepresentativeId: rep.acmePriya,
    subject: 'Charged twice for my November subscription',
    description: 'My card statement shows two charges of $49.99 on November 3rd.',
    status: 'RESOLVED',
    priority: 'MEDIUM',
    category: 'BILLING',
    tags: ['duplicate-charge'],
    firstResponseAt: at('2026-11-04T13:05:00Z'),
    resolvedAt: at('2026-11-05T10:00:00Z'),
    createdAt: at('2026-11-04T12:50:00Z'),
    updatedAt: at('2026-11-05T10:00:00Z'),
  },
  {
    id: ticket.acmeDataExport,
    organizationId: org.acme,
    ticketNumber: 'TICKET-1003',
    customerId: user.acmeCustomerLi,
    subject: 'How do I export my order history?',
    description: 'I would like a CSV of all my past orders for my records.',
    status: 'OPEN',
    priority: 'LOW',
    category: 'PRODUCT_QUESTION',
    tags: [],
    ...stamped('2026-11-19T17:20:00Z'),
  },
  {
    id: ticket.globexLogin,
    organizationId: org.globex,
    ticketNumber: 'TICKET-1001',
    customerId: user.globexCustomer,
    assignedRepresentativeId: rep.globexRep,
    subject: 'Cannot log in after password reset',
    description: 'The reset link says it has expired although I clicked it right away.',
    status: 'OPEN',
    priority: 'HIGH',
    category: 'ACCOUNT',
    tags: ['login'],
    ...stamped('2026-11-19T07:45:00Z'),
  },
]

export const seedEscalations: NewEscalation[] = [
  {
    id: seedIds.escalations.acmeDamagedOrder,
    organizationId: org.acme,
    ticketId: ticket.acmeDamagedOrder,
    agentConfigurationId: agent.acmeCustomerService,
    assignedRepresentativeId: rep.acmeSam,
    priority: 'HIGH',
    status: 'ASSIGNED',
    reason: 'HIGH_VALUE_CUSTOMER',
    summary: 'VIP customer reports damaged goods and asks for a $250 refund; above the auto-refund limit.',
    aiConfidence: '0.6200',
    assignedAt: at('2026-11-18T09:45:00Z'),
    createdAt: at('2026-11-18T09:41:00Z'),
    updatedAt: at('2026-11-18T09:45:00Z'),
  },
  {
    id: seedIds.escalations.acmeDoubleCharge,
    organizationId: org.acme,
    ticketId: ticket.acmeDoubleCharge,
    agentConfigurationId: agent.acmeTriage,
    assignedRepresentativeId: rep.acmePriya,
    priority: 'MEDIUM',
    status: 'RESOLVED',
    reason: 'CUSTOMER_REQUEST',
    summary: 'Customer asked for a human to confirm the duplicate charge was refunded.',
    aiConfidence: '0.9100',
    assignedAt: at('2026-11-04T13:00:00Z'),
    resolvedAt: at('2026-11-05T10:00:00Z'),
    resolutionNotes: 'Duplicate charge refunded automatically; confirmed with the customer by chat.',
    createdAt: at('2026-11-04T12:58:00Z'),
    updatedAt: at('2026-11-05T10:00:00Z'),
  },
]

export const seedAgentConfigurations: NewAgentConfiguration[] = [
  {
    id: agent.acmeTriage,
    organizationId: org.acme,
    name: 'Triage Bot',
    description: 'Classifies incoming tickets and routes them.',
    type: 'TRIAGE',
    status: 'ACTIVE',
    model: 'claude-haiku-4-5',
    thresholds: { minConfidence: 0.7 },
    dataSources: [{ type: 'knowledge_base', name: 'Help Center' }],
    settings: { temperature: 0.1 },
    ...stamped('2026-01-20T12:00:00Z'),
  },
  {
    id: agent.acmeCustomerService,
    organizationId: org.acme,
    name: 'Customer Service Agent',
    description: 'Answers customers and requests refunds on their behalf.',
    type: 'CUSTOMER_SERVICE',
    status: 'ACTIVE',
    model: 'claude-sonnet-4-5',
    thresholds: { minConfidence: 0.75, maxAutoRefundAmount: '50.00', maxAutoRefundCurrency: 'USD' },
    dataSources: [
      { type: 'knowledge_base', name: 'Help Center' },
      { type: 'order_history', name: 'Orders API', config: { lookbackDays: 365 } },
    ],
    settings: { temperature: 0.3, maxTurns: 12 },
    ...stamped('2026-01-20T12:10:00Z'),
  },
  {
    id: agent.acmeRefundProcessor,
    organizationId: org.acme,
    name: 'Refund Processor',
    description: 'Pays out approved refunds (being tested).',
    type: 'REFUND_PROCESSOR',
    status: 'TESTING',
    model: 'claude-sonnet-4-5',
    thresholds: { maxAutoRefundAmount: '500.00', maxAutoRefundCurrency: 'USD' },
    dataSources: [{ type: 'payments', name: 'Payments ledger' }],
    settings: {},
    ...stamped('2026-10-01T12:00:00Z'),
  },
  {
    id: agent.globexAssistant,
    organizationId: org.globex,
    name: 'Globex Assistant',
    description: 'First-line support agent.',
    type: 'CUSTOMER_SERVICE',
    status: 'ACTIVE',
    model: 'claude-haiku-4-5',
    thresholds: { minConfidence: 0.8, maxAutoRefundAmount: '25.00', maxAutoRefundCurrency: 'EUR' },
    dataSources: [{ type: 'knowledge_base', name: 'FAQ' }],
    settings: {},
    ...stamped('2026-03-03T09:00:00Z'),
  },
]

/**
 * Evaluated by ascending priority; the first match decides. A customer's own request never reaches the
 * auto-approving rule (20): the priority-15 rule gives it to a person (the restricted-account rejection comes first).
 */
export const seedDecisionRules: NewDecisionRule[] = [
  {
    id: rule.acmeSelfServiceNeedsPerson,
    organizationId: org.acme,
    name: 'A customer’s own request needs a person',
    description: 'Self-service refund requests are never approved automatically.',
    priority: 15,
    conditions: { all: [{ fact: 'requester.role', operator: 'equal', value: 'CUSTOMER' }] },
    action: 'REQUIRE_APPROVAL',
    ...stamped('2026-01-21T10:02:00Z'),
  },
  {
    id: rule.acmeRejectRestricted,
    organizationId: org.acme,
    name: 'Reject refunds of restricted accounts',
    priority: 10,
    conditions: {
      any: [{ fact: 'customer.accountStanding', operator: 'in', value: ['RESTRICTED', 'SUSPENDED'] }],
    },
    action: 'AUTO_REJECT',
    ...stamped('2026-01-21T10:00:00Z'),
  },
  {
    id: rule.acmeApproveSmall,
    organizationId: org.acme,
    name: 'Auto-approve small refunds',
    description: 'Up to $50 for customers with fewer than 3 refunds in the last 30 days.',
    priority: 20,
    conditions: {
      all: [
        { fact: 'refund.amount', operator: 'lessThanInclusive', value: '50.00' },
        { fact: 'refund.currency', operator: 'equal', value: 'USD' },
        { fact: 'customer.refundCount30d', operator: 'lessThan', value: 3 },
      ],
    },
    action: 'AUTO_APPROVE',
    ...stamped('2026-01-21T10:05:00Z'),
  },
  {
    id: rule.acmeEscalateLarge,
    organizationId: org.acme,
    agentConfigurationId: agent.acmeRefundProcessor,
    name: 'Escalate large refunds',
    priority: 30,
    conditions: { all: [{ fact: 'refund.amount', operator: 'greaterThan', value: '500.00' }] },
    action: 'ESCALATE',
    ...stamped('2026-01-21T10:10:00Z'),
  },
  {
    id: rule.acmeVipApproval,
    organizationId: org.acme,
    name: 'VIP and premium refunds need a human',
    priority: 40,
    conditions: {
      all: [
        { fact: 'customer.accountTier', operator: 'in', value: ['PREMIUM', 'VIP'] },
        { not: { fact: 'refund.reason', operator: 'equal', value: 'DUPLICATE_CHARGE' } },
      ],
    },
    action: 'REQUIRE_APPROVAL',
    ...stamped('2026-01-21T10:15:00Z'),
  },
]

/**
 * The calendar month (UTC) that contains `day`: the demo budget covers the month the seed runs in, so
 * `npm run dev` demonstrates an auto-approved refund in any month (docs/domain.md §3). Periods are inclusive dates.
 */
export function monthContaining(day: Date): { periodStart: string; periodEnd: string; label: string } {
  const start = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1))
  const end = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0))
  const label = start.toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' })
  return { periodStart: start.toISOString().slice(0, 10), periodEnd: end.toISOString().slice(0, 10), label }
}

const demoMonth = monthContaining(new Date())

export const seedBudgets: NewBudget[] = [
  {
    id: budget.acmeRefundsNovember,
    organizationId: org.acme,
    name: `Refunds — ${demoMonth.label}`,
    type: 'REFUNDS',
    period: 'MONTHLY',
    amount: '5000.00',
    // The sum of the usage records below.
    spent: '150.00',
    currency: 'USD',
    periodStart: demoMonth.periodStart,
    periodEnd: demoMonth.periodEnd,
    alertThresholds: [50, 80, 100],
    isActive: true,
    ...stamped('2026-10-28T09:00:00Z'),
  },
]

export const seedRefunds: NewRefund[] = [
  {
    id: refund.acmeDoubleCharge,
    organizationId: org.acme,
    customerId: user.acmeCustomerRaj,
    ticketId: ticket.acmeDoubleCharge,
    amount: '49.99',
    currency: 'USD',
    reason: 'DUPLICATE_CHARGE',
    status: 'APPROVED',
    decisionRuleId: rule.acmeApproveSmall,
    budgetId: budget.acmeRefundsNovember,
    decidedAt: at('2026-11-04T13:02:00Z'),
    notes: 'Approved automatically by rule "Auto-approve small refunds".',
    createdAt: at('2026-11-04T13:02:00Z'),
    updatedAt: at('2026-11-04T13:02:00Z'),
  },
  {
    id: refund.acmeDamagedOrder,
    organizationId: org.acme,
    customerId: user.acmeCustomerJane,
    ticketId: ticket.acmeDamagedOrder,
    amount: '250.00',
    currency: 'USD',
    reason: 'DEFECTIVE_PRODUCT',
    status: 'PENDING',
    decisionRuleId: rule.acmeVipApproval,
    notes: 'Waiting for a representative to approve.',
    ...stamped('2026-11-18T09:40:00Z'),
  },
  {
    id: refund.acmeLateDelivery,
    organizationId: org.acme,
    customerId: user.acmeCustomerLi,
    amount: '75.00',
    currency: 'USD',
    reason: 'LATE_DELIVERY',
    status: 'PROCESSED',
    decidedByUserId: user.acmeAdmin,
    budgetId: budget.acmeRefundsNovember,
    decidedAt: at('2026-11-10T15:00:00Z'),
    processedAt: at('2026-11-11T09:00:00Z'),
    notes: 'No rule matched; approved by an admin.',
    createdAt: at('2026-11-10T11:00:00Z'),
    updatedAt: at('2026-11-11T09:00:00Z'),
  },
]

/** Sums to the budget's `spent` (49.99 + 75.00 + 25.01 = 150.00). */
export const seedBudgetUsageRecords: NewBudgetUsageRecord[] = [
  {
    id: seedIds.budgetUsageRecords.acmeDoubleCharge,
    organizationId: org.acme,
    budgetId: budget.acmeRefundsNovember,
    refundId: refund.acmeDoubleCharge,
    amount: '49.99',
    description: 'Refund of duplicate charge (TICKET-1002)',
    recordedAt: at('2026-11-04T13:02:00Z'),
    ...stamped('2026-11-04T13:02:00Z'),
  },
  {
    id: seedIds.budgetUsageRecords.acmeLateDelivery,
    organizationId: org.acme,
    budgetId: budget.acmeRefundsNovember,
    refundId: refund.acmeLateDelivery,
    amount: '75.00',
    description: 'Refund for late delivery',
    recordedAt: at('2026-11-10T15:00:00Z'),
    ...stamped('2026-11-10T15:00:00Z'),
  },
  {
    id: seedIds.budgetUsageRecords.acmeGoodwill,
    organizationId: org.acme,
    budgetId: budget.acmeRefundsNovember,
    amount: '25.01',
    description: 'Goodwill credit after service outage',
    recordedAt: at('2026-11-12T10:00:00Z'),
    ...stamped('2026-11-12T10:00:00Z'),
  },
]

/** One day, `offset` days after 2026-11-13, as an ISO date. */
function day(offset: number): string {
  return new Date(Date.UTC(2026, 10, 13 + offset)).toISOString().slice(0, 10)
}

/** Seven daily rows for Acme, 2026-11-13 .. 2026-11-19; numbers vary by a fixed pattern. */
export const seedPerformanceMetrics: NewPerformanceMetrics[] = [0, 1, 2, 3, 4, 5, 6].map((i) => {
  const created = 14 + ((i * 5) % 7)
  const resolved = 11 + ((i * 3) % 5)
  return {
    id: `c0000000-0000-4000-8000-00000000000${i + 1}`,
    organizationId: org.acme,
    period: 'DAY' as const,
    periodStart: day(i),
    periodEnd: day(i),
    ticketsCreated: created,
    ticketsResolved: resolved,
    ticketsClosed: resolved - 2,
    escalationsCreated: 1 + (i % 3),
    avgFirstResponseSeconds: 540 + i * 35,
    avgResolutionSeconds: 14_400 + i * 600,
    // The seed rates no ticket (docs/domain.md §5): CSAT is null, as the computed rows have it.
    csatScore: null,
    escalationRate: ((1 + (i % 3)) / created).toFixed(4),
    aiResolutionRate: (0.55 + i * 0.02).toFixed(4),
    refundsCount: 2 + (i % 2),
    refundsApprovedCount: 1 + (i % 2),
    refundsTotalAmount: (60 + i * 12.5).toFixed(2),
    currency: 'USD',
    ...stamped(`${day(i + 1)}T00:15:00Z`),
  }
})

const week1 = { periodStart: '2026-11-02', periodEnd: '2026-11-08' }
const week2 = { periodStart: '2026-11-09', periodEnd: '2026-11-15' }

/** One weekly row of an Acme representative; `n` makes the fixed id unique. */
function weekly(
  n: number,
  representativeId: string,
  week: typeof week1,
  stats: {
    handled: number
    responseSeconds: number
    resolutionSeconds: number
    trend: PerformanceTrend
  },
): NewTeamPerformance {
  return {
    id: `d0000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`,
    organizationId: org.acme,
    representativeId,
    period: 'WEEK',
    ...week,
    ticketsHandled: stats.handled,
    ticketsResolved: Math.floor(stats.handled * 0.85),
    avgResponseSeconds: stats.responseSeconds,
    avgResolutionSeconds: stats.resolutionSeconds,
    // No satisfaction ratings are recorded (docs/domain.md §5): null, as computed rows have it.
    csatScore: null,
    trend: stats.trend,
    ...stamped(`${week.periodEnd}T23:30:00Z`),
  }
}

/** Two weekly rows per Acme representative. */
export const seedTeamPerformance: NewTeamPerformance[] = [
  weekly(1, rep.acmeSam, week1, {
    handled: 31,
    responseSeconds: 610,
    resolutionSeconds: 12_600,
    trend: 'STABLE',
  }),
  weekly(2, rep.acmeSam, week2, {
    handled: 35,
    responseSeconds: 540,
    resolutionSeconds: 11_900,
    trend: 'IMPROVING',
  }),
  weekly(3, rep.acmePriya, week1, {
    handled: 28,
    responseSeconds: 820,
    resolutionSeconds: 15_300,
    trend: 'STABLE',
  }),
  weekly(4, rep.acmePriya, week2, {
    handled: 27,
    responseSeconds: 800,
    resolutionSeconds: 15_600,
    trend: 'STABLE',
  }),
  weekly(5, rep.acmeMarco, week1, {
    handled: 19,
    responseSeconds: 1_150,
    resolutionSeconds: 19_800,
    trend: 'STABLE',
  }),
  weekly(6, rep.acmeMarco, week2, {
    handled: 14,
    responseSeconds: 1_420,
    resolutionSeconds: 23_400,
    trend: 'DECLINING',
  }),
]
