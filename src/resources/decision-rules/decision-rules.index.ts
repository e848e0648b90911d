import { type DecisionRule, decisionRules } from '../../db/schema'
import { errors } from '../../lib/errors'
import { etagOf, ifMatchVersions } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { represent, type Viewer } from '../../lib/representation'
import { authorized } from '../../middleware/authorize'
import * as data from './decision-rules.data'
import * as routes from './decision-rules.routes'
import { DecisionRuleSchema, EvaluationSchema } from './decision-rules.schemas'
import { decideRefund, loadRefundContext } from './refund-decision'
import { parseRuleMoney } from './rules-language'

export const toRule = (row: DecisionRule, viewer: Viewer) => represent(DecisionRuleSchema, row, viewer)

export const decisionRulesRouter = createRouter()
  .openapi(routes.listRules, async (c) => {
    const { db, principal } = authorized(c)
    const page = await data.listRules(db, c.req.valid('query'))
    return c.json({ data: page.data.map((row) => toRule(row, principal)), nextCursor: page.nextCursor }, 200)
  })
  .openapi(routes.evaluateRules, async (c) => {
    const { db, principal } = authorized(c)
    const { rules, requesterRole: hypotheticalRole, ...request } = c.req.valid('json')
    // An agent evaluates as itself; people may name a hypothetical agent or requester role.
    const agentConfigurationId = principal.role === 'AGENT' ? principal.subject : request.agentConfigurationId
    if (principal.role === 'AGENT' && hypotheticalRole && hypotheticalRole !== 'AGENT')
      throw errors.validation([
        { path: 'requesterRole', message: 'An agent evaluates as itself: AGENT or absent.' },
      ])
    if (hypotheticalRole === 'AGENT' && !agentConfigurationId)
      throw errors.validation([
        {
          path: 'agentConfigurationId',
          message: 'Required when requesterRole is AGENT: the hypothetical agent.',
        },
      ])
    const requesterRole = agentConfigurationId ? 'AGENT' : (hypotheticalRole ?? principal.role)
    const context = await loadRefundContext(db, { ...request, agentConfigurationId, requesterRole }, rules)
    const decision = decideRefund(context)
    const remaining = context.budget.remaining === null ? undefined : parseRuleMoney(context.budget.remaining)
    const amount = parseRuleMoney(request.amount)
    const wouldCharge =
      decision.finalAction === 'AUTO_APPROVE' &&
      remaining !== undefined &&
      amount !== undefined &&
      amount <= remaining
    return c.json(
      represent(
        EvaluationSchema,
        {
          action: decision.finalAction,
          decisionRuleId: decision.decisionRuleId,
          escalationReason: decision.escalationReason,
          budget: { ...context.budget, wouldCharge },
          decision: decision.record,
        },
        principal,
      ),
      200,
    )
  })
  .openapi(routes.getRule, async (c) => {
    const { db, principal } = authorized(c)
    const rule = await data.getRule(db, c.req.valid('param').ruleId)
    return c.json(toRule(rule, principal), 200, { ETag: etagOf(rule) })
  })
  .openapi(routes.createRule, async (c) => {
    const { db, principal } = authorized(c)
    const rule = await data.createRule(
      db,
      c.req.valid('json'),
      db.expectCreated(decisionRules, '/v1/decision-rules'),
    )
    return c.json(toRule(rule, principal), 201, {
      ETag: etagOf(rule),
      Location: `/v1/decision-rules/${rule.id}`,
    })
  })
  .openapi(routes.updateRule, async (c) => {
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const { db, principal } = authorized(c)
    const { ruleId } = c.req.valid('param')
    db.expectChanged(decisionRules, `/v1/decision-rules/${ruleId}`, ruleId)
    const rule = await data.updateRule(db, ruleId, c.req.valid('json'), versions)
    return c.json(toRule(rule, principal), 200, { ETag: etagOf(rule) })
  })
  .openapi(routes.deleteRule, async (c) => {
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const { db } = authorized(c)
    const { ruleId } = c.req.valid('param')
    db.expectDeleted(`/v1/decision-rules/${ruleId}`)
    await data.deleteRule(db, ruleId, versions)
    return c.body(null, 204)
  })
