import { eq, inArray, type SQL, sql } from 'drizzle-orm'
import type { PrincipalRole } from '../../auth/principal'
import { type EscalationStatus, escalations, representatives } from '../../db/schema'
import type { TenantDb } from '../../db/tenant'
import { type ApiError, errors } from '../../lib/errors'

/*
 * The escalation lifecycle (docs/domain.md §4) as one table of rules. The same rules decide what an action's
 * UPDATE may change (its WHERE, see `actionConditions`), why a refused one was refused (`actionRefusal`), and
 * what a representation offers the caller (`allowedActions`): a UI never shows a button that would fail.
 *
 *   PENDING → ASSIGNED (assign) → IN_PROGRESS (start) → RESOLVED (resolve)
 *   PENDING | ASSIGNED | IN_PROGRESS → CANCELLED (cancel); assign again reassigns (back to ASSIGNED).
 */

export const escalationActionValues = ['update', 'assign', 'start', 'resolve', 'cancel'] as const
export type EscalationAction = (typeof escalationActionValues)[number]

interface ActionRule {
  /** The statuses the action may start from. */
  from: readonly EscalationStatus[]
  /** A REPRESENTATIVE may take it only on an escalation assigned to them (an ADMIN on any). */
  assigneeOnly: boolean
}

const open: readonly EscalationStatus[] = ['PENDING', 'ASSIGNED', 'IN_PROGRESS']

export const escalationRules: Record<EscalationAction, ActionRule> = {
  update: { from: open, assigneeOnly: false },
  assign: { from: open, assigneeOnly: false },
  start: { from: ['ASSIGNED'], assigneeOnly: true },
  resolve: { from: ['IN_PROGRESS'], assigneeOnly: true },
  cancel: { from: open, assigneeOnly: false },
}

/** Who manages escalations (an AGENT only opens them). */
export const escalationManagers: readonly PrincipalRole[] = ['ADMIN', 'REPRESENTATIVE']

/** The caller, as the rules see it: its role and its representative profile (if any). */
export interface EscalationCaller {
  role: PrincipalRole
  representativeId: string | null
}

interface EscalationState {
  status: EscalationStatus
  assignedRepresentativeId: string | null
}

/** Why `caller` may not take `action` on an escalation in this state; undefined when it may. */
export function actionRefusal(
  action: EscalationAction,
  escalation: EscalationState,
  caller: EscalationCaller,
): ApiError | undefined {
  if (!escalationManagers.includes(caller.role)) {
    return errors.forbidden('FORBIDDEN', `The role ${caller.role} may not ${action} escalations.`)
  }
  const rule = escalationRules[action]
  if (!rule.from.includes(escalation.status)) {
    return errors.conflict(
      'INVALID_STATUS_TRANSITION',
      `The escalation is ${escalation.status}: it cannot ${action === 'update' ? 'be changed' : `be ${pastTense[action]}`} (only from ${rule.from.join(', ')}).`,
    )
  }
  if (
    rule.assigneeOnly &&
    caller.role === 'REPRESENTATIVE' &&
    (caller.representativeId === null || escalation.assignedRepresentativeId !== caller.representativeId)
  ) {
    return errors.forbidden(
      'NOT_ASSIGNEE',
      `Only the assigned representative (or an ADMIN) may ${action} this escalation.`,
    )
  }
  return undefined
}

const pastTense: Record<Exclude<EscalationAction, 'update'>, string> = {
  assign: 'assigned',
  start: 'started',
  resolve: 'resolved',
  cancel: 'cancelled',
}

/** The actions `caller` may take next on this escalation. */
export function allowedActions(escalation: EscalationState, caller: EscalationCaller): EscalationAction[] {
  return escalationActionValues.filter((action) => actionRefusal(action, escalation, caller) === undefined)
}

/** The caller's representative profile id, as a scalar subquery (NULL when it has none, e.g. an AGENT). */
export function callerRepresentativeSql(db: TenantDb): SQL<string | null> {
  return sql<string | null>`(select ${representatives.id} from ${representatives}
    where ${representatives.organizationId} = ${db.organizationId} and ${representatives.userId} = ${db.context.principalId})`
}

/**
 * The WHERE conditions of an action's UPDATE: the rule's source statuses and, for a REPRESENTATIVE on an
 * assignee-only action, "assigned to the caller". (The role itself is checked by the route's permission.)
 */
export function actionConditions(db: TenantDb, action: EscalationAction): SQL[] {
  const rule = escalationRules[action]
  const conditions = [inArray(escalations.status, [...rule.from])]
  if (rule.assigneeOnly && db.context.role === 'REPRESENTATIVE') {
    conditions.push(eq(escalations.assignedRepresentativeId, callerRepresentativeSql(db)))
  }
  return conditions
}
