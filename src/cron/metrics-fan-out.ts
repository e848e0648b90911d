import { databaseTimeoutMs, withDatabaseDeadline } from '../db/client'
import { TenantDb } from '../db/tenant'
import type { Bindings } from '../env'
import { log } from '../lib/log'
import {
  computeDailyMetrics,
  cronRange,
  listActiveOrganizations,
  metricsRequestId,
  runMetricsCron,
} from './metrics'

/*
 * The daily metrics through the queue: the cron lists the served organizations (one round trip) and sends one
 * message per organization (sendBatch, 100 a call), and the queue consumer computes each organization in its own
 * invocation (one round trip, src/cron/metrics.ts's computation), retried by the queue when it fails. No single
 * invocation loops over every tenant, so the run's length no longer grows with the number of organizations.
 * Without the queue binding it falls back to computing in the cron (runMetricsCron).
 */

export interface MetricsMessage {
  kind: 'metrics'
  organizationId: string
  /** The cron run's scheduled time: what the consumer computes (cronRange). */
  scheduledTime: number
}

const SEND_BATCH = 100

export interface FanOutSummary {
  organizations: number
  sendBatches: number
}

/** The cron's part: one message per organization. */
export async function fanOutMetrics(
  env: Bindings,
  scheduledTime: number,
  listOrganizations: (env: Bindings, runId: string) => Promise<string[]> = (bindings, runId) =>
    listActiveOrganizations(bindings.DATABASE_URL, runId),
): Promise<FanOutSummary> {
  const runId = `metrics-${scheduledTime}`
  if (!env.WEBHOOK_QUEUE) {
    log('warn', 'no queue bound: the metrics are computed in the cron itself', { requestId: runId })
    const summary = await runMetricsCron(env, scheduledTime)
    return { organizations: summary.organizations, sendBatches: 0 }
  }
  const organizationIds = await withDatabaseDeadline(
    { timeoutMs: databaseTimeoutMs(env.DATABASE_TIMEOUT_MS), requestId: runId },
    () => listOrganizations(env, runId),
  )
  const summary: FanOutSummary = { organizations: organizationIds.length, sendBatches: 0 }
  const queue = env.WEBHOOK_QUEUE as unknown as Queue<MetricsMessage>
  const unsent: string[] = []
  for (let start = 0; start < organizationIds.length; start += SEND_BATCH) {
    const batch = organizationIds.slice(start, start + SEND_BATCH)
    const messages = batch.map((organizationId) => ({
      body: { kind: 'metrics', organizationId, scheduledTime } as MetricsMessage,
    }))
    // Tried twice, then skipped: a cron run is not retried, so one failing call must not cost the batches after it.
    const sent = await queue
      .sendBatch(messages)
      .catch(() => queue.sendBatch(messages))
      .then(
        () => true,
        () => false,
      )
    if (sent) summary.sendBatches += 1
    else unsent.push(...batch)
  }
  log('info', 'metrics fanned out', { requestId: runId, ...summary })
  if (unsent.length > 0) {
    // The next run's window covers their days (LOOKBACK_DAYS); the run shows as failed.
    log('error', 'metrics messages not sent', { requestId: runId, organizationIds: unsent })
    throw new Error(`metrics fan-out: ${unsent.length} of ${organizationIds.length} organizations not sent`)
  }
  return summary
}

/** The consumer's part: one organization's rows for the run's range. Throws on failure (the queue retries). */
export async function computeOrganizationMetrics(env: Bindings, message: MetricsMessage): Promise<void> {
  const requestId = metricsRequestId(message.scheduledTime, message.organizationId)
  const range = cronRange(message.scheduledTime)
  await withDatabaseDeadline(
    { timeoutMs: databaseTimeoutMs(env.DATABASE_TIMEOUT_MS), requestId },
    async () => {
      const db = TenantDb.forSystem(env.DATABASE_URL, message.organizationId, requestId)
      // Waits for a recompute of the same organization in progress (never two at once, never skipped).
      const result = await computeDailyMetrics(db, range, requestId)
      log('info', 'metrics computed', {
        requestId,
        organizationId: message.organizationId,
        ...range,
        ...result,
      })
    },
  )
}
