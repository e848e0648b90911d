import { eq, inArray } from 'drizzle-orm'
import { foundOr404, getById, listTable, refusalOf, updateVersioned } from '../../db/crud'
import { type DecisionRule, decisionRules } from '../../db/schema'
import { deletedMark, type TenantDb } from '../../db/tenant'
import { errors, postgresErrorOf } from '../../lib/errors'
import { versionMatches } from '../../lib/etag'
import type { SortOrder } from '../../lib/pagination'
import type {
  CreateDecisionRuleInput,
  ListDecisionRulesQuery,
  RuleSort,
  UpdateDecisionRuleInput,
} from './decision-rules.schemas'

const sortOrders: Record<RuleSort, SortOrder> = {
  priority: {
    columns: [decisionRules.priority, decisionRules.createdAt, decisionRules.id],
    direction: 'asc',
  },
  '-createdAt': { columns: [decisionRules.createdAt, decisionRules.id], direction: 'desc' },
  createdAt: { columns: [decisionRules.createdAt, decisionRules.id], direction: 'asc' },
}

export function listRules(db: TenantDb, query: ListDecisionRulesQuery) {
  return listTable<typeof decisionRules, RuleSort, DecisionRule>(db, decisionRules, query, sortOrders, [
    query.isActive === undefined ? undefined : eq(decisionRules.isActive, query.isActive),
    query.action ? inArray(decisionRules.action, query.action) : undefined,
    query.agentConfigurationId
      ? eq(decisionRules.agentConfigurationId, query.agentConfigurationId)
      : undefined,
  ])
}

export function getRule(db: TenantDb, ruleId: string): Promise<DecisionRule> {
  return getById(db, decisionRules, ruleId, 'decision rule')
}

export async function createRule(
  db: TenantDb,
  input: CreateDecisionRuleInput,
  id: string = crypto.randomUUID(),
): Promise<DecisionRule> {
  const [rows] = await db.run(db.insert(decisionRules, { ...input, id } as never).returning())
  return foundOr404(rows as DecisionRule[], 'decision rule')
}

export function updateRule(
  db: TenantDb,
  ruleId: string,
  changes: UpdateDecisionRuleInput,
  versions: number[] | undefined,
): Promise<DecisionRule> {
  return updateVersioned<typeof decisionRules, DecisionRule>(db, decisionRules, ruleId, changes as never, {
    what: 'decision rule',
    versions,
  })
}

/**
 * Deletes a rule (If-Match honoured). A rule that decided refunds is part of their record (refunds_decision_rule_fk,
 * migration 0075): 409, deactivate it instead.
 */
export async function deleteRule(
  db: TenantDb,
  ruleId: string,
  versions: number[] | undefined,
): Promise<void> {
  const [deleted, current] = await db
    .run(
      db
        .delete(decisionRules, eq(decisionRules.id, ruleId), versionMatches(decisionRules.version, versions))
        .returning({ id: decisionRules.id, mark: deletedMark }),
      db.select(decisionRules, eq(decisionRules.id, ruleId)),
    )
    .catch((error: unknown) => {
      if (postgresErrorOf(error)?.constraint !== 'refunds_decision_rule_fk') throw error
      throw errors.conflict(
        'DECISION_RULE_IN_USE',
        'Refunds were decided by this rule and keep it in their record: deactivate it instead (PATCH isActive: false).',
      )
    })
  if (deleted.length > 0) return
  throw refusalOf((current as DecisionRule[])[0], { what: 'decision rule', versions })
}
