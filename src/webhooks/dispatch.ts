import { sql } from 'drizzle-orm'
import { createDatabase, databaseTimeoutMs, withDatabaseDeadline } from '../db/client'
import type { Bindings } from '../env'
import { postgresErrorOf } from '../lib/errors'
import { log } from '../lib/log'
import type { WebhookMessage } from './delivery'

/*
 * Getting deliveries onto WEBHOOK_QUEUE. The database creates them in the transaction of the change, already marked
 * enqueued (0019, app_fan_out_event); the request that made the change sends them after its commit
 * (`enqueueDeliveries` in waitUntil, no round trip: TenantDb read the new ids in the request's own batch). A send
 * that is lost (the isolate dies, the queue refuses) leaves them pending: the sweeper, every minute, claims due
 * pending deliveries that no one enqueued within the lease (FOR UPDATE SKIP LOCKED, across tenants, through
 * app_claim_webhook_deliveries) and sends them.
 */

declare module '../env' {
  /** The webhook queue (wrangler.toml [[queues.producers]]; its consumer is the Worker's `queue` handler). */
  interface Bindings {
    WEBHOOK_QUEUE?: Queue<WebhookMessage>
  }
}

/** A delivery enqueued this long ago without progress is enqueued again by the sweeper. */
export const WEBHOOK_LEASE_SECONDS = 600
/** Deliveries claimed per round trip, and sent per sendBatch (the queue's limit is 100 messages). */
const SWEEP_CHUNK = 100
const SWEEP_MAX_CHUNKS = 50

/** Sends deliveries to the queue. Without the binding (misconfigured) it logs: the sweeper cannot send either. */
export async function enqueueDeliveries(env: Bindings, messages: readonly WebhookMessage[]): Promise<void> {
  if (messages.length === 0) return
  if (!env.WEBHOOK_QUEUE) {
    log('error', 'WEBHOOK_QUEUE is not bound: webhook deliveries stay pending', { count: messages.length })
    return
  }
  for (let start = 0; start < messages.length; start += SWEEP_CHUNK) {
    await env.WEBHOOK_QUEUE.sendBatch(messages.slice(start, start + SWEEP_CHUNK).map((body) => ({ body })))
  }
}

/** The request's producer: its new deliveries, after the response (a lost send is the sweeper's). */
export async function sendAfterCommit(env: Bindings, organizationId: string, deliveryIds: readonly string[]) {
  try {
    await enqueueDeliveries(
      env,
      deliveryIds.map((deliveryId) => ({ deliveryId, organizationId })),
    )
  } catch (error) {
    log('warn', 'webhook deliveries not enqueued after commit; the sweeper will', {
      organizationId,
      count: deliveryIds.length,
      error: error instanceof Error ? error.message : 'unknown',
    })
  }
}

export interface SweepSummary {
  claimed: number
  chunks: number
}

/** The scheduled sweeper: claims and sends due deliveries no one has on the queue. */
export async function sweepWebhookDeliveries(env: Bindings, runId: string): Promise<SweepSummary> {
  return withDatabaseDeadline(
    { timeoutMs: databaseTimeoutMs(env.DATABASE_TIMEOUT_MS), requestId: runId },
    async () => {
      const db = createDatabase(env.DATABASE_URL, runId)
      const summary: SweepSummary = { claimed: 0, chunks: 0 }
      try {
        while (summary.chunks < SWEEP_MAX_CHUNKS) {
          const result = await db.execute<{ id: string; organization_id: string }>(
            sql`select id, organization_id from public.app_claim_webhook_deliveries(${SWEEP_CHUNK}::int, ${WEBHOOK_LEASE_SECONDS}::int)`,
          )
          summary.chunks += 1
          summary.claimed += result.rows.length
          await enqueueDeliveries(
            env,
            result.rows.map((row) => ({ deliveryId: row.id, organizationId: row.organization_id })),
          )
          if (result.rows.length < SWEEP_CHUNK) break
        }
      } catch (error) {
        log('error', 'webhook sweep failed; claimed deliveries are retried after the lease', {
          requestId: runId,
          ...summary,
          sqlState: postgresErrorOf(error)?.code,
          error: error instanceof Error ? error.name : 'unknown',
        })
        throw error
      }
      if (summary.claimed > 0) log('info', 'webhook sweep', { requestId: runId, ...summary })
      return summary
    },
  )
}
