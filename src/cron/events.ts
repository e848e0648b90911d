import { sql } from 'drizzle-orm'
import { createDatabase, databaseTimeoutMs, withDatabaseDeadline } from '../db/client'
import { EVENT_RETENTION_DAYS } from '../db/schema'
import type { Bindings } from '../env'
import { postgresErrorOf } from '../lib/errors'
import { log } from '../lib/log'

/*
 * Event retention (EVENT_RETENTION_DAYS): the daily cron deletes expired events of every tenant in chunks through
 * `app_purge_expired_events(limit)`, which runs as a role that can see and delete only expired events (migration
 * 0014, DATABASE.md "Events"). One round trip per chunk; a chunk is one short transaction, so the purge never
 * holds many locks, and a run that stops early (the chunk limit) is finished by the next one.
 */

/** Events deleted per round trip. */
export const PURGE_CHUNK = 5_000
/** At most this many chunks per run (5·10⁵ events a day per run; a larger backlog takes several days). */
export const PURGE_MAX_CHUNKS = 100

export interface PurgeSummary {
  retentionDays: number
  purged: number
  chunks: number
}

/** Deletes expired events until none is left or the chunk limit is reached. */
export async function purgeExpiredEvents(env: Bindings, runId: string): Promise<PurgeSummary> {
  return withDatabaseDeadline(
    { timeoutMs: databaseTimeoutMs(env.DATABASE_TIMEOUT_MS), requestId: runId },
    async () => {
      const db = createDatabase(env.DATABASE_URL, runId)
      const summary: PurgeSummary = { retentionDays: EVENT_RETENTION_DAYS, purged: 0, chunks: 0 }
      try {
        while (summary.chunks < PURGE_MAX_CHUNKS) {
          const result = await db.execute<{ purged: number }>(
            sql`select public.app_purge_expired_events(${PURGE_CHUNK}::int) as purged`,
          )
          const purged = Number(result.rows[0]?.purged ?? 0)
          summary.chunks += 1
          summary.purged += purged
          if (purged < PURGE_CHUNK) break
        }
      } catch (error) {
        log('error', 'event retention purge failed; the next run continues', {
          requestId: runId,
          ...summary,
          sqlState: postgresErrorOf(error)?.code,
          error: error instanceof Error ? error.name : 'unknown',
        })
        throw error
      }
      log('info', 'event retention purge finished', { requestId: runId, ...summary })
      return summary
    },
  )
}
