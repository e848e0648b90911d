/**
 * The `operationId` of every operation, derived from its method and path (the one mechanism: routes never name
 * their own). Stable while the path is, unique while paths are (test/contract/operation-ids.test.ts checks
 * every operation of the document; Redocly's `operation-operationId-unique` checks it again in CI), camelCase.
 *
 *   GET    /v1/tickets                       listTickets        (a plural last segment: a collection)
 *   POST   /v1/tickets                       createTicket
 *   GET    /v1/tickets/{ticketId}            getTicket
 *   PATCH  /v1/tickets/{ticketId}            updateTicket       (PUT: replace…, DELETE: delete…)
 *   PUT    /v1/tickets/{ticketId}/assignee   replaceTicketAssignee   (a sub-resource of an item)
 *   POST   /v1/refunds/{refundId}/approve    approveRefund      (POST under an item: an action)
 *   POST   /v1/decision-rules/evaluate       evaluateDecisionRules   (POST under a collection: an action)
 *   GET    /v1/organization                  getOrganization    (a singular last segment: a singleton)
 *   PATCH  /v1/organizations/{organizationId} updateOrganizationById (an item of a singleton's noun)
 *   GET    /health                           getHealth
 */

const VERBS: Record<string, string> = {
  get: 'get',
  post: 'create',
  put: 'replace',
  patch: 'update',
  delete: 'delete',
  head: 'head',
  options: 'options',
  trace: 'trace',
}

/** Nouns that are also a singleton (the caller's own: `/v1/organization`): an item of their collection (the
 *  platform's `/v1/organizations/{organizationId}`) is named …ById, so the two never share an operationId. */
const SINGLETONS = new Set(['Organization'])

const VERSION = /^v[0-9]+$/
const PARAMETER = /^\{[^}]+\}$/
const CAMEL_CASE = /^[a-z][a-zA-Z0-9]*$/

/** Words that end in `s` and name one thing (`/docs` is a page, not a collection of docs). */
const SINGULAR_IN_S = /(ss|us|is)$/
const NOT_PLURAL = new Set(['docs', 'news', 'status'])

function words(segment: string): string[] {
  return segment
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase())
}

function pascal(parts: string[]): string {
  return parts.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('')
}

function isPlural(segment: string): boolean {
  const last = words(segment).at(-1) ?? ''
  return last.endsWith('s') && !SINGULAR_IN_S.test(last) && !NOT_PLURAL.has(last)
}

function singular(segment: string): string[] {
  const parts = words(segment)
  const last = parts.at(-1) ?? ''
  if (!isPlural(segment)) return parts
  const one = last.endsWith('ies') ? `${last.slice(0, -3)}y` : last.slice(0, -1)
  return [...parts.slice(0, -1), one]
}

/** The operationId of `method path` (an OpenAPI path: `{param}` segments). Throws on a path it cannot name. */
export function operationIdOf(method: string, path: string): string {
  const verb = VERBS[method.toLowerCase()]
  const segments = path.split('/').filter(Boolean)
  if (segments[0] && VERSION.test(segments[0])) segments.shift()
  const last = segments.at(-1)
  if (!verb || !last) throw new Error(`cannot derive an operationId for ${method} ${path}`)

  // The items the path passes through ("/refunds/{refundId}/…" → Refund), in order.
  const owners: string[] = []
  // The plain segments that are not items ("/decision-rules/evaluate" → DecisionRules).
  const names: string[] = []
  segments.forEach((segment, index) => {
    if (PARAMETER.test(segment)) return
    const next = segments[index + 1]
    if (next !== undefined && PARAMETER.test(next)) owners.push(pascal(singular(segment)))
    else if (index < segments.length - 1) names.push(pascal(words(segment)))
  })
  const prefix = [...names, ...owners].join('')

  let id: string
  if (PARAMETER.test(last)) {
    id = `${verb}${prefix}${SINGLETONS.has(prefix) ? 'ById' : ''}`
  } else if (segments.length > 1 && method.toLowerCase() === 'post' && !isPlural(last)) {
    // An action on an item or a collection: approveRefund, evaluateDecisionRules.
    id = `${words(last)[0]}${pascal(words(last).slice(1))}${prefix}`
  } else if (method.toLowerCase() === 'post') {
    id = `create${prefix}${pascal(singular(last))}`
  } else if (method.toLowerCase() === 'get' && isPlural(last)) {
    id = `list${prefix}${pascal(words(last))}`
  } else {
    id = `${verb}${prefix}${pascal(words(last))}`
  }
  if (!CAMEL_CASE.test(id)) throw new Error(`derived operationId ${id} of ${method} ${path} is not camelCase`)
  return id
}
