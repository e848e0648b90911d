import { sql } from 'drizzle-orm'
import { createDatabase, databaseTimeoutMs, withDatabaseDeadline } from '../db/client'
import { metricsStaleDays } from '../db/schema'
import { TenantDb } from '../db/tenant'
import type { Bindings } from '../env'
import { postgresErrorOf } from '../lib/errors'
import { log } from '../lib/log'
import {
  type ComputedMetrics,
  computeMetricsWith,
  type MetricsRange,
} from '../resources/metrics/metrics.data'

/*
 * The metrics cron (wrangler.toml [triggers] crons): every organization's DAY rows of the LOOKBACK_DAYS days
 * ending yesterday and the WEEK and MONTH rows meeting them or today (so a period's last day is counted once it
 * is over), from the source rows. Each organization is its own tenant-bound batch (TenantDb.forSystem: one round
 * trip, one transaction, RLS bound to that tenant); one that fails is logged and the others go on. The upserts
 * change nothing when the data did not change, so reruns (or a retried cron) are harmless, and the overlapping
 * windows of consecutive runs cost a comparison, not a write.
 */

/**
 * How many days each run computes, ending yesterday: a day missed by up to six consecutive runs (an outage, a
 * failed batch, a message dead-lettered) is filled by the next one, without a recompute. Seven keeps the read
 * span (the periods' and their previous periods', metrics.data.ts spanCte) within what the run of a month's 1st
 * already reads: the window reaches into the previous month only on the 1st to 7th.
 */
export const LOOKBACK_DAYS = 7

/** How many organizations are computed at once (Workers allow 6 simultaneous outgoing connections). */
const CONCURRENCY = 4

/**
 * ACTIVE and TRIAL organizations: the one cross-tenant read of the API. `app_list_active_organizations()` is a
 * SECURITY DEFINER function owned by `app_platform_reader`, a NOLOGIN role that may read only organizations'
 * `id` and `status`, and only of ACTIVE/TRIAL rows (its own RLS policy); app_api may execute it and gets ids,
 * nothing else (DATABASE.md, "Listing organizations for the cron"). One round trip.
 */
export async function listActiveOrganizations(databaseUrl: string, requestId?: string): Promise<string[]> {
  const result = await createDatabase(databaseUrl, requestId).execute<{ id: string }>(
    sql`select id from public.app_list_active_organizations()`,
  )
  return result.rows.map((row) => row.id)
}

/** The UTC calendar date of an instant, YYYY-MM-DD. */
export function utcDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10)
}

/** What a cron run at `scheduledTime` computes: the LOOKBACK_DAYS days before its day, and the periods meeting them. */
export function cronRange(scheduledTime: number): MetricsRange {
  return {
    from: utcDate(scheduledTime - LOOKBACK_DAYS * 86_400_000),
    to: utcDate(scheduledTime - 86_400_000),
    through: utcDate(scheduledTime),
  }
}

/**
 * At most this many months holding stale days (metrics_stale_days: older days a late change moved) are recomputed
 * per organization and run, oldest first; the others wait for the next run, so a burst of late changes cannot make
 * one run long. A month is one round trip, bounded like every batch by the statement timeout.
 */
export const STALE_MONTHS_PER_RUN = 3

/**
 * One organization's daily computation: the run's range, then the stale days older than it (migration 0069), one
 * batch per month. A month's batch deletes the marks of its days before the computation reads the source rows: the
 * DELETE sees only marks whose writers have committed, whose changes the computation's later statements then see;
 * a writer still in progress keeps its own mark (one row per change: no unique key to share, nothing to wait for)
 * for the next run. The periods containing those days (week, month, quarter, year) are recomputed with them; a
 * period after them keeps the trend it was computed with. A failure of the stale days is logged and leaves their
 * marks for the next run: the run's range stays computed.
 */
export async function computeDailyMetrics(
  db: TenantDb,
  range: MetricsRange,
  requestId: string,
): Promise<ComputedMetrics & { staleDays: number }> {
  const org = db.organizationId
  // Read in the range's batch: no round trip more while nothing is stale.
  const marked = db.raw<{ day: string }>(sql`select distinct day::text as day from ${metricsStaleDays}
    where organization_id = ${org} order by day limit 100`)
  const { computed, before } = await computeMetricsWith(db, range, 'wait', [marked])
  const result = { ...computed, staleDays: 0 }
  try {
    for (const days of monthsOf(before[0] as { rows: Array<{ day: string }> })) {
      const [from, to] = [days[0] as string, days[days.length - 1] as string]
      const taken = db.raw(sql`delete from ${metricsStaleDays}
        where organization_id = ${org} and day between ${from}::date and ${to}::date`)
      const { computed: changed } = await computeMetricsWith(db, { from, to, through: to }, 'wait', [taken])
      result.organizationRowsChanged += changed.organizationRowsChanged
      result.teamRowsChanged += changed.teamRowsChanged
      result.staleDays += days.length
    }
  } catch (error) {
    log('error', 'stale metric days not recomputed; their marks wait for the next run', {
      requestId,
      organizationId: org,
      sqlState: postgresErrorOf(error)?.code,
      error: error instanceof Error ? error.name : 'unknown',
    })
  }
  return result
}

/** Stale days grouped by month, the STALE_MONTHS_PER_RUN oldest months. */
function monthsOf(marked: { rows: Array<{ day: string }> }): string[][] {
  const months = new Map<string, string[]>()
  for (const { day } of marked.rows) {
    const month = day.slice(0, 7)
    if (!months.has(month) && months.size === STALE_MONTHS_PER_RUN) break
    months.set(month, [...(months.get(month) ?? []), day])
  }
  return [...months.values()]
}

/** The request id (log field; local round-trip counter tag) of one organization's batch in a run. */
export function metricsRequestId(scheduledTime: number, organizationId: string): string {
  return `metrics-${scheduledTime}-${organizationId}`
}

export interface MetricsRunSummary {
  range: MetricsRange
  organizations: number
  succeeded: string[]
  failed: string[]
}

export interface MetricsCronOptions {
  /** The organizations to compute (default: `listActiveOrganizations`). Tests narrow it to their tenants. */
  listOrganizations?: (env: Bindings, requestId: string) => Promise<string[]>
}

/** Computes the run's range for every organization; never throws for one organization's failure. */
export async function runMetricsCron(
  env: Bindings,
  scheduledTime: number,
  options: MetricsCronOptions = {},
): Promise<MetricsRunSummary> {
  const runId = `metrics-${scheduledTime}`
  const range = cronRange(scheduledTime)
  const list =
    options.listOrganizations ?? ((bindings, id) => listActiveOrganizations(bindings.DATABASE_URL, id))
  return withDatabaseDeadline(
    { timeoutMs: databaseTimeoutMs(env.DATABASE_TIMEOUT_MS), requestId: runId },
    async () => {
      let organizationIds: string[]
      try {
        organizationIds = await list(env, runId)
      } catch (error) {
        // Nothing can be computed: the run fails (visible in the Workers dashboard). The next run's window covers
        // this day too (LOOKBACK_DAYS).
        log('error', 'metrics cron could not list the organizations', {
          requestId: runId,
          sqlState: postgresErrorOf(error)?.code,
          error: error instanceof Error ? error.name : 'unknown',
        })
        throw error
      }
      const summary: MetricsRunSummary = {
        range,
        organizations: organizationIds.length,
        succeeded: [],
        failed: [],
      }
      const queue = [...organizationIds]
      const worker = async () => {
        for (let organizationId = queue.shift(); organizationId; organizationId = queue.shift()) {
          const requestId = metricsRequestId(scheduledTime, organizationId)
          try {
            const db = TenantDb.forSystem(env.DATABASE_URL, organizationId, requestId)
            // Waits for a recompute of the same organization in progress (never two at once, never skipped).
            const result = await computeDailyMetrics(db, range, requestId)
            summary.succeeded.push(organizationId)
            log('info', 'metrics computed', { requestId, organizationId, ...range, ...result })
          } catch (error) {
            summary.failed.push(organizationId)
            log('error', 'metrics computation failed for an organization; the others go on', {
              requestId,
              organizationId,
              ...range,
              sqlState: postgresErrorOf(error)?.code,
              error: error instanceof Error ? error.name : 'unknown',
            })
          }
        }
      }
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker))
      log(summary.failed.length ? 'warn' : 'info', 'metrics cron finished', {
        requestId: runId,
        ...range,
        organizations: summary.organizations,
        succeeded: summary.succeeded.length,
        failed: summary.failed.length,
      })
      return summary
    },
  )
}

/** The Worker's `scheduled` handler (it resolves with the run's summary, which the tests read). */
export function metricsScheduledHandler(options: MetricsCronOptions = {}) {
  return (
    controller: ScheduledController,
    env: Bindings,
    _ctx?: ExecutionContext,
  ): Promise<MetricsRunSummary> => runMetricsCron(env, controller.scheduledTime, options)
}
