import { describe, expect, it } from 'vitest'
import { operationIdOf } from '../../src/lib/operation-id'
import { api, json } from '../support/api'

/** Every operation of the served document has the operationId derived from its method and path: unique, camelCase. */

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'])

describe('operationId', () => {
  it('is derived, camelCase and unique on every operation of the served document', async () => {
    const document = await json<{ paths: Record<string, Record<string, { operationId?: string }>> }>(
      await api('/openapi.json'),
    )
    const seen = new Map<string, string>()
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item).filter(([method]) => METHODS.has(method))) {
        const name = `${method.toUpperCase()} ${path}`
        expect(operation.operationId, name).toBe(operationIdOf(method, path))
        expect(operation.operationId, name).toMatch(/^[a-z][a-zA-Z0-9]*$/)
        expect(seen.get(operation.operationId as string), `${name} repeats an operationId`).toBeUndefined()
        seen.set(operation.operationId as string, name)
      }
    }
    expect(seen.size).toBeGreaterThan(40)
  })

  it.each([
    ['get', '/v1/tickets', 'listTickets'],
    ['post', '/v1/tickets', 'createTicket'],
    ['get', '/v1/tickets/{ticketId}', 'getTicket'],
    ['patch', '/v1/tickets/{ticketId}', 'updateTicket'],
    ['put', '/v1/tickets/{ticketId}/assignee', 'replaceTicketAssignee'],
    ['delete', '/v1/tickets/{ticketId}/assignee', 'deleteTicketAssignee'],
    ['post', '/v1/refunds/{refundId}/approve', 'approveRefund'],
    ['post', '/v1/escalations/{escalationId}/assign', 'assignEscalation'],
    ['get', '/v1/budgets/{budgetId}/usage', 'getBudgetUsage'],
    ['post', '/v1/decision-rules/evaluate', 'evaluateDecisionRules'],
    ['delete', '/v1/decision-rules/{ruleId}', 'deleteDecisionRule'],
    ['get', '/v1/organization', 'getOrganization'],
    ['post', '/v1/organizations', 'createOrganization'],
    ['put', '/v1/me/status', 'replaceMeStatus'],
    ['get', '/v1/metrics', 'listMetrics'],
    ['get', '/v1/categories', 'listCategories'],
    ['get', '/v1/tickets/{ticketId}/comments', 'listTicketComments'],
    ['post', '/v1/tickets/{ticketId}/comments', 'createTicketComment'],
    ['get', '/v1/tickets/{ticketId}/comments/{commentId}', 'getTicketComment'],
    ['get', '/health', 'getHealth'],
    ['get', '/docs', 'getDocs'],
  ])('%s %s → %s', (method, path, expected) => {
    expect(operationIdOf(method, path)).toBe(expected)
  })
})
