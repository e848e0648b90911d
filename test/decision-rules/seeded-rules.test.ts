import { describe, expect, it } from 'vitest'
import { seedDecisionRules } from '../../scripts/seed/data'
import {
  accountStandingValues,
  accountTierValues,
  refundReasonValues,
  ticketCategoryValues,
} from '../../src/db/schema'
import {
  type Condition,
  evaluateRules,
  type RuleInput,
} from '../../src/resources/decision-rules/rules-language'

/*
 * docs/domain.md §2: "The seeded rules never auto-approve a customer's self-service request: it waits for a person."
 * Checked over every profile, reason, ticket category and a spread of amounts, for each organization's seeded rules
 * as they would be read from the database (whatever agent a rule is scoped to: a customer's own request has none).
 */
describe('the seeded decision rules', () => {
  it('never auto-approve a request a CUSTOMER makes for itself', () => {
    const organizations = [...new Set(seedDecisionRules.map((rule) => rule.organizationId))]
    expect(organizations.length).toBeGreaterThan(0)
    for (const organizationId of organizations) {
      const rules: RuleInput[] = seedDecisionRules
        .filter((rule) => rule.organizationId === organizationId)
        .map((rule, index) => ({
          id: rule.id ?? `seed-${index}`,
          name: rule.name,
          priority: rule.priority ?? 100,
          createdAt: rule.createdAt ?? new Date(0),
          isActive: rule.isActive ?? true,
          agentConfigurationId: rule.agentConfigurationId ?? null,
          action: rule.action,
          conditions: rule.conditions as Condition,
        }))
      let approvedForStaff = 0
      for (const accountTier of accountTierValues)
        for (const accountStanding of accountStandingValues)
          for (const reason of refundReasonValues)
            for (const category of [...ticketCategoryValues, null])
              for (const amount of ['0.01', '19.99', '50.00', '5000.00']) {
                const facts = (role: 'CUSTOMER' | 'REPRESENTATIVE') => ({
                  refund: { amount, currency: 'USD', reason },
                  customer: {
                    accountTier,
                    accountStanding,
                    lifetimeValue: '100.00',
                    currency: 'USD',
                    refundCount30d: 0,
                    refundTotal30d: '0.00',
                  },
                  ticket: category ? { category, priority: 'LOW' as const } : null,
                  agent: null,
                  requester: { role, agentId: null },
                })
                const own = evaluateRules(rules, facts('CUSTOMER'))
                expect(
                  own.action,
                  `${accountTier} ${accountStanding} ${reason} ${category} ${amount}`,
                ).not.toBe('AUTO_APPROVE')
                if (evaluateRules(rules, facts('REPRESENTATIVE')).action === 'AUTO_APPROVE')
                  approvedForStaff++
              }
      // Not vacuous where the organization has an auto-approving rule: the same request by staff is approved.
      if (rules.some((rule) => rule.action === 'AUTO_APPROVE')) expect(approvedForStaff).toBeGreaterThan(0)
    }
  })
})
