import { pgEnum } from 'drizzle-orm/pg-core'

/*
 * The 22 Postgres enums of docs/api.md §2. Each is exported with its values array (`...Values`, for zod:
 * `z.enum(ticketStatusValues)`) and its TypeScript union, so the API and the database share one list.
 */

export const userRoleEnum = pgEnum('user_role', ['CUSTOMER', 'REPRESENTATIVE', 'ADMIN'])
export const userRoleValues = userRoleEnum.enumValues
export type UserRole = (typeof userRoleValues)[number]

export const representativeRoleEnum = pgEnum('representative_role', [
  'AGENT',
  'SENIOR_AGENT',
  'SUPERVISOR',
  'MANAGER',
])
export const representativeRoleValues = representativeRoleEnum.enumValues
export type RepresentativeRole = (typeof representativeRoleValues)[number]

export const representativeStatusEnum = pgEnum('representative_status', ['ONLINE', 'AWAY', 'BUSY', 'OFFLINE'])
export const representativeStatusValues = representativeStatusEnum.enumValues
export type RepresentativeStatus = (typeof representativeStatusValues)[number]

export const organizationPlanEnum = pgEnum('organization_plan', [
  'FREE',
  'STARTER',
  'PROFESSIONAL',
  'ENTERPRISE',
])
export const organizationPlanValues = organizationPlanEnum.enumValues
export type OrganizationPlan = (typeof organizationPlanValues)[number]

export const organizationStatusEnum = pgEnum('organization_status', [
  'TRIAL',
  'ACTIVE',
  'SUSPENDED',
  'CANCELLED',
])
export const organizationStatusValues = organizationStatusEnum.enumValues
export type OrganizationStatus = (typeof organizationStatusValues)[number]

export const accountTierEnum = pgEnum('account_tier', ['BASIC', 'STANDARD', 'PREMIUM', 'VIP'])
export const accountTierValues = accountTierEnum.enumValues
export type AccountTier = (typeof accountTierValues)[number]

export const accountStandingEnum = pgEnum('account_standing', ['GOOD', 'WARNING', 'RESTRICTED', 'SUSPENDED'])
export const accountStandingValues = accountStandingEnum.enumValues
export type AccountStanding = (typeof accountStandingValues)[number]

export const ticketStatusEnum = pgEnum('ticket_status', [
  'OPEN',
  'IN_PROGRESS',
  'WAITING_ON_CUSTOMER',
  'RESOLVED',
  'CLOSED',
])
export const ticketStatusValues = ticketStatusEnum.enumValues
export type TicketStatus = (typeof ticketStatusValues)[number]

export const ticketPriorityEnum = pgEnum('ticket_priority', ['LOW', 'MEDIUM', 'HIGH', 'URGENT'])
export const ticketPriorityValues = ticketPriorityEnum.enumValues
export type TicketPriority = (typeof ticketPriorityValues)[number]

export const ticketCategoryEnum = pgEnum('ticket_category', [
  'TECHNICAL_ISSUE',
  'BILLING',
  'ACCOUNT',
  'REFUND_REQUEST',
  'PRODUCT_QUESTION',
  'FEATURE_REQUEST',
  'COMPLAINT',
  'OTHER',
])
export const ticketCategoryValues = ticketCategoryEnum.enumValues
export type TicketCategory = (typeof ticketCategoryValues)[number]

export const escalationPriorityEnum = pgEnum('escalation_priority', ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'])
export const escalationPriorityValues = escalationPriorityEnum.enumValues
export type EscalationPriority = (typeof escalationPriorityValues)[number]

export const escalationStatusEnum = pgEnum('escalation_status', [
  'PENDING',
  'ASSIGNED',
  'IN_PROGRESS',
  'RESOLVED',
  'CANCELLED',
])
export const escalationStatusValues = escalationStatusEnum.enumValues
export type EscalationStatus = (typeof escalationStatusValues)[number]

export const escalationReasonEnum = pgEnum('escalation_reason', [
  'CUSTOMER_REQUEST',
  'LOW_CONFIDENCE',
  'HIGH_VALUE_CUSTOMER',
  'NEGATIVE_SENTIMENT',
  'COMPLEX_ISSUE',
  'POLICY_EXCEPTION',
  'REFUND_OVER_LIMIT',
])
export const escalationReasonValues = escalationReasonEnum.enumValues
export type EscalationReason = (typeof escalationReasonValues)[number]

export const refundReasonEnum = pgEnum('refund_reason', [
  'DEFECTIVE_PRODUCT',
  'NOT_AS_DESCRIBED',
  'LATE_DELIVERY',
  'DUPLICATE_CHARGE',
  'SERVICE_OUTAGE',
  'CUSTOMER_DISSATISFACTION',
  'OTHER',
])
export const refundReasonValues = refundReasonEnum.enumValues
export type RefundReason = (typeof refundReasonValues)[number]

export const refundStatusEnum = pgEnum('refund_status', [
  'PENDING',
  'APPROVED',
  'REJECTED',
  'PROCESSED',
  'CANCELLED',
])
export const refundStatusValues = refundStatusEnum.enumValues
export type RefundStatus = (typeof refundStatusValues)[number]

export const budgetTypeEnum = pgEnum('budget_type', ['REFUNDS', 'COMPENSATION', 'AI_OPERATIONS'])
export const budgetTypeValues = budgetTypeEnum.enumValues
export type BudgetType = (typeof budgetTypeValues)[number]

export const budgetPeriodEnum = pgEnum('budget_period', ['DAILY', 'WEEKLY', 'MONTHLY', 'QUARTERLY', 'YEARLY'])
export const budgetPeriodValues = budgetPeriodEnum.enumValues
export type BudgetPeriod = (typeof budgetPeriodValues)[number]

export const agentTypeEnum = pgEnum('agent_type', [
  'TRIAGE',
  'CUSTOMER_SERVICE',
  'REFUND_PROCESSOR',
  'ESCALATION_MANAGER',
  'QUALITY_ASSURANCE',
])
export const agentTypeValues = agentTypeEnum.enumValues
export type AgentType = (typeof agentTypeValues)[number]

export const agentStatusEnum = pgEnum('agent_status', ['ACTIVE', 'PAUSED', 'DISABLED', 'TESTING'])
export const agentStatusValues = agentStatusEnum.enumValues
export type AgentStatus = (typeof agentStatusValues)[number]

export const decisionRuleActionEnum = pgEnum('decision_rule_action', [
  'AUTO_APPROVE',
  'AUTO_REJECT',
  'REQUIRE_APPROVAL',
  'ESCALATE',
])
export const decisionRuleActionValues = decisionRuleActionEnum.enumValues
export type DecisionRuleAction = (typeof decisionRuleActionValues)[number]

export const metricPeriodEnum = pgEnum('metric_period', ['DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'])
export const metricPeriodValues = metricPeriodEnum.enumValues
export type MetricPeriod = (typeof metricPeriodValues)[number]

export const performanceTrendEnum = pgEnum('performance_trend', ['IMPROVING', 'STABLE', 'DECLINING'])
export const performanceTrendValues = performanceTrendEnum.enumValues
export type PerformanceTrend = (typeof performanceTrendValues)[number]

/** Who wrote a message: the ticket's customer, staff (any REPRESENTATIVE or ADMIN user), an AI agent, the system. */
export const messageAuthorTypeEnum = pgEnum('message_author_type', [
  'CUSTOMER',
  'REPRESENTATIVE',
  'AGENT',
  'SYSTEM',
])
export const messageAuthorTypeValues = messageAuthorTypeEnum.enumValues
export type MessageAuthorType = (typeof messageAuthorTypeValues)[number]

export const messageVisibilityEnum = pgEnum('message_visibility', ['PUBLIC', 'INTERNAL'])
export const messageVisibilityValues = messageVisibilityEnum.enumValues
export type MessageVisibility = (typeof messageVisibilityValues)[number]

export const messageFormatEnum = pgEnum('message_format', ['TEXT', 'MARKDOWN'])
export const messageFormatValues = messageFormatEnum.enumValues
export type MessageFormat = (typeof messageFormatValues)[number]
