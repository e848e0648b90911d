import { relations } from 'drizzle-orm'
import { agentConfigurations, decisionRules } from './automation'
import { messageAttachments, messages } from './conversations'
import { budgets, budgetUsageRecords, refunds } from './finance'
import { performanceMetrics, teamPerformance } from './metrics'
import { customerProfiles, representatives } from './people'
import { escalations, tickets } from './support'
import { organizations, users } from './tenancy'

/*
 * How the tables link, for Drizzle Studio (`npm run db:studio` follows them from row to row). The API does not use
 * drizzle's relational queries (its instance is built without the schema: src/db/client.ts).
 * They join on the id alone: ids are globally unique and the composite foreign keys guarantee the
 * related row is in the same organization. Named relations disambiguate two links between one pair of tables.
 */

export const organizationsRelations = relations(organizations, ({ many }) => ({
  users: many(users),
  representatives: many(representatives),
  customerProfiles: many(customerProfiles),
  tickets: many(tickets),
  escalations: many(escalations),
  refunds: many(refunds),
  budgets: many(budgets),
  budgetUsageRecords: many(budgetUsageRecords),
  agentConfigurations: many(agentConfigurations),
  decisionRules: many(decisionRules),
  performanceMetrics: many(performanceMetrics),
  teamPerformance: many(teamPerformance),
}))

export const usersRelations = relations(users, ({ one, many }) => ({
  organization: one(organizations, { fields: [users.organizationId], references: [organizations.id] }),
  representative: one(representatives),
  customerProfile: one(customerProfiles),
  tickets: many(tickets, { relationName: 'ticket_customer' }),
  refunds: many(refunds, { relationName: 'refund_customer' }),
  decidedRefunds: many(refunds, { relationName: 'refund_decided_by' }),
}))

export const representativesRelations = relations(representatives, ({ one, many }) => ({
  organization: one(organizations, {
    fields: [representatives.organizationId],
    references: [organizations.id],
  }),
  user: one(users, { fields: [representatives.userId], references: [users.id] }),
  assignedTickets: many(tickets),
  assignedEscalations: many(escalations),
  teamPerformance: many(teamPerformance),
}))

export const customerProfilesRelations = relations(customerProfiles, ({ one }) => ({
  organization: one(organizations, {
    fields: [customerProfiles.organizationId],
    references: [organizations.id],
  }),
  user: one(users, { fields: [customerProfiles.userId], references: [users.id] }),
}))

export const ticketsRelations = relations(tickets, ({ one, many }) => ({
  organization: one(organizations, { fields: [tickets.organizationId], references: [organizations.id] }),
  customer: one(users, {
    fields: [tickets.customerId],
    references: [users.id],
    relationName: 'ticket_customer',
  }),
  assignedRepresentative: one(representatives, {
    fields: [tickets.assignedRepresentativeId],
    references: [representatives.id],
  }),
  escalations: many(escalations),
  refunds: many(refunds),
  messages: many(messages),
}))

export const messagesRelations = relations(messages, ({ one, many }) => ({
  organization: one(organizations, { fields: [messages.organizationId], references: [organizations.id] }),
  ticket: one(tickets, { fields: [messages.ticketId], references: [tickets.id] }),
  authorUser: one(users, {
    fields: [messages.authorUserId],
    references: [users.id],
    relationName: 'message_author_user',
  }),
  authorAgent: one(agentConfigurations, {
    fields: [messages.authorAgentId],
    references: [agentConfigurations.id],
  }),
  redactedBy: one(users, {
    fields: [messages.redactedByUserId],
    references: [users.id],
    relationName: 'message_redacted_by',
  }),
  attachments: many(messageAttachments),
}))

export const messageAttachmentsRelations = relations(messageAttachments, ({ one }) => ({
  organization: one(organizations, {
    fields: [messageAttachments.organizationId],
    references: [organizations.id],
  }),
  message: one(messages, { fields: [messageAttachments.messageId], references: [messages.id] }),
}))

export const escalationsRelations = relations(escalations, ({ one }) => ({
  organization: one(organizations, { fields: [escalations.organizationId], references: [organizations.id] }),
  ticket: one(tickets, { fields: [escalations.ticketId], references: [tickets.id] }),
  agentConfiguration: one(agentConfigurations, {
    fields: [escalations.agentConfigurationId],
    references: [agentConfigurations.id],
  }),
  assignedRepresentative: one(representatives, {
    fields: [escalations.assignedRepresentativeId],
    references: [representatives.id],
  }),
}))

export const refundsRelations = relations(refunds, ({ one, many }) => ({
  organization: one(organizations, { fields: [refunds.organizationId], references: [organizations.id] }),
  customer: one(users, {
    fields: [refunds.customerId],
    references: [users.id],
    relationName: 'refund_customer',
  }),
  ticket: one(tickets, { fields: [refunds.ticketId], references: [tickets.id] }),
  decisionRule: one(decisionRules, { fields: [refunds.decisionRuleId], references: [decisionRules.id] }),
  decidedBy: one(users, {
    fields: [refunds.decidedByUserId],
    references: [users.id],
    relationName: 'refund_decided_by',
  }),
  budget: one(budgets, { fields: [refunds.budgetId], references: [budgets.id] }),
  budgetUsageRecords: many(budgetUsageRecords),
}))

export const budgetsRelations = relations(budgets, ({ one, many }) => ({
  organization: one(organizations, { fields: [budgets.organizationId], references: [organizations.id] }),
  usageRecords: many(budgetUsageRecords),
  refunds: many(refunds),
}))

export const budgetUsageRecordsRelations = relations(budgetUsageRecords, ({ one }) => ({
  organization: one(organizations, {
    fields: [budgetUsageRecords.organizationId],
    references: [organizations.id],
  }),
  budget: one(budgets, { fields: [budgetUsageRecords.budgetId], references: [budgets.id] }),
  refund: one(refunds, { fields: [budgetUsageRecords.refundId], references: [refunds.id] }),
}))

export const agentConfigurationsRelations = relations(agentConfigurations, ({ one, many }) => ({
  organization: one(organizations, {
    fields: [agentConfigurations.organizationId],
    references: [organizations.id],
  }),
  decisionRules: many(decisionRules),
  escalations: many(escalations),
}))

export const decisionRulesRelations = relations(decisionRules, ({ one, many }) => ({
  organization: one(organizations, {
    fields: [decisionRules.organizationId],
    references: [organizations.id],
  }),
  agentConfiguration: one(agentConfigurations, {
    fields: [decisionRules.agentConfigurationId],
    references: [agentConfigurations.id],
  }),
  refunds: many(refunds),
}))

export const performanceMetricsRelations = relations(performanceMetrics, ({ one }) => ({
  organization: one(organizations, {
    fields: [performanceMetrics.organizationId],
    references: [organizations.id],
  }),
}))

export const teamPerformanceRelations = relations(teamPerformance, ({ one }) => ({
  organization: one(organizations, {
    fields: [teamPerformance.organizationId],
    references: [organizations.id],
  }),
  representative: one(representatives, {
    fields: [teamPerformance.representativeId],
    references: [representatives.id],
  }),
}))
