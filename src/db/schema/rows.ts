import type { agentConfigurations, decisionRules } from './automation'
import type { messageAttachments, messages } from './conversations'
import type { budgets, budgetUsageRecords, refunds } from './finance'
import type { performanceMetrics, teamPerformance } from './metrics'
import type { customerProfiles, representatives } from './people'
import type { escalations, tickets } from './support'
import type { organizations, users } from './tenancy'

/** Row types: `X` as selected, `NewX` as inserted (defaults optional). */
export type Organization = typeof organizations.$inferSelect
export type NewOrganization = typeof organizations.$inferInsert
export type User = typeof users.$inferSelect
export type NewUser = typeof users.$inferInsert
export type Representative = typeof representatives.$inferSelect
export type NewRepresentative = typeof representatives.$inferInsert
export type CustomerProfile = typeof customerProfiles.$inferSelect
export type NewCustomerProfile = typeof customerProfiles.$inferInsert
export type Ticket = typeof tickets.$inferSelect
export type NewTicket = typeof tickets.$inferInsert
export type Escalation = typeof escalations.$inferSelect
export type NewEscalation = typeof escalations.$inferInsert
export type Refund = typeof refunds.$inferSelect
export type NewRefund = typeof refunds.$inferInsert
export type Budget = typeof budgets.$inferSelect
export type NewBudget = typeof budgets.$inferInsert
export type BudgetUsageRecord = typeof budgetUsageRecords.$inferSelect
export type NewBudgetUsageRecord = typeof budgetUsageRecords.$inferInsert
export type AgentConfiguration = typeof agentConfigurations.$inferSelect
export type NewAgentConfiguration = typeof agentConfigurations.$inferInsert
export type DecisionRule = typeof decisionRules.$inferSelect
export type NewDecisionRule = typeof decisionRules.$inferInsert
export type PerformanceMetrics = typeof performanceMetrics.$inferSelect
export type NewPerformanceMetrics = typeof performanceMetrics.$inferInsert
export type TeamPerformance = typeof teamPerformance.$inferSelect
export type NewTeamPerformance = typeof teamPerformance.$inferInsert
export type Message = typeof messages.$inferSelect
export type NewMessage = typeof messages.$inferInsert
export type MessageAttachment = typeof messageAttachments.$inferSelect
export type NewMessageAttachment = typeof messageAttachments.$inferInsert
