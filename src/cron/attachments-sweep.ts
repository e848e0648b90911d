import { inArray } from 'drizzle-orm'
import { databaseTimeoutMs, withDatabaseDeadline } from '../db/client'
import { messageAttachments } from '../db/schema'
import { TenantDb } from '../db/tenant'
import type { Bindings } from '../env'
import { postgresErrorOf } from '../lib/errors'
import { log } from '../lib/log'

/*
 * Orphaned attachment objects (README "Attachments"): an upload stores the object in R2 first and writes its row
 * after; when that write fails and the clean-up (waitUntil delete) is lost too, or a redaction's or an
 * organization's deletion removes rows whose objects' deletion is lost, an object is left that no row names. The
 * daily cron deletes such objects once they are older than ORPHAN_MIN_AGE_MS (an upload in progress writes its row
 * within its own request, so an object that old without a row never gets one).
 *
 * Bounded per run: at most SWEEP_MAX_PAGES listings of SWEEP_PAGE keys and SWEEP_MAX_CHECKS database round trips
 * (one per organization run of keys: the keys are listed in order and begin with the organization, so an
 * organization's keys are contiguous). Where a run stops, the next continues: the last key it finished is kept in
 * the bucket itself (CURSOR_PREFIX, a key no attachment can have); a run that reaches the end starts over next time.
 * Only keys of the attachment format are considered, and an object is deleted only when its organization's
 * attachments were read and none names it: a failed read keeps every object of that organization.
 */

export const ORPHAN_MIN_AGE_MS = 24 * 60 * 60 * 1000
/** Keys per listing (R2's maximum). */
export const SWEEP_PAGE = 1000
export const SWEEP_MAX_PAGES = 20
/** Database round trips per run (each checks one organization's keys of one listing). */
export const SWEEP_MAX_CHECKS = 500
/** Where a run keeps the last key it finished (per swept prefix). */
export const CURSOR_PREFIX = '_sweep/attachment-orphans/'

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
/**
 * storageKeyOf's format (resources/messages/attachments.ts): organization, ticket, message, attachment. Any case:
 * keys stored before 2026-12-07 kept a URL's upper-case spelling of the ticket and message.
 */
const ATTACHMENT_KEY = new RegExp(`^(${UUID})/tickets/${UUID}/messages/${UUID}/${UUID}$`, 'i')

export interface OrphanSweepOptions {
  /** The time the age is measured from (tests move it forward). */
  now?: number
  /** Sweep only keys under this prefix, e.g. `<organizationId>/` (its own cursor). */
  prefix?: string
  pageSize?: number
  maxPages?: number
  maxChecks?: number
}

export interface OrphanSweepSummary {
  listed: number
  /** Objects of the attachment format older than the minimum age. */
  candidates: number
  deleted: number
  pages: number
  checks: number
  /** Organizations whose attachments could not be read: their objects were kept. */
  failedChecks: number
  /** The listing reached the end of the bucket (or prefix); the next run starts over. */
  complete: boolean
}

/** Deletes attachment objects that no attachment row names and that are older than ORPHAN_MIN_AGE_MS. */
export async function sweepOrphanedAttachments(
  env: Bindings,
  runId: string,
  options: OrphanSweepOptions = {},
): Promise<OrphanSweepSummary> {
  const summary: OrphanSweepSummary = {
    listed: 0,
    candidates: 0,
    deleted: 0,
    pages: 0,
    checks: 0,
    failedChecks: 0,
    complete: false,
  }
  const bucket = env.ATTACHMENTS
  if (!bucket) {
    log('warn', 'no ATTACHMENTS bucket bound: no orphan sweep', { requestId: runId })
    return summary
  }
  const prefix = options.prefix ?? ''
  const pageSize = Math.min(options.pageSize ?? SWEEP_PAGE, SWEEP_PAGE)
  const maxPages = options.maxPages ?? SWEEP_MAX_PAGES
  const maxChecks = options.maxChecks ?? SWEEP_MAX_CHECKS
  const cutoff = (options.now ?? Date.now()) - ORPHAN_MIN_AGE_MS
  const cursorKey = `${CURSOR_PREFIX}${prefix || '(all)'}`
  const stored = await (await bucket.get(cursorKey))?.text()
  let startAfter = stored?.startsWith(prefix) ? stored : undefined
  /** The last key whose fate is decided: where the next run continues. */
  let finished: string | undefined

  await withDatabaseDeadline(
    { timeoutMs: databaseTimeoutMs(env.DATABASE_TIMEOUT_MS), requestId: runId },
    async () => {
      pages: while (summary.pages < maxPages) {
        const listing = await bucket.list({
          limit: pageSize,
          ...(prefix ? { prefix } : {}),
          ...(startAfter ? { startAfter } : {}),
        })
        summary.pages += 1
        summary.listed += listing.objects.length
        for (const run of organizationRuns(listing.objects)) {
          const old = run.objects.filter((object) => object.uploaded.getTime() <= cutoff)
          if (run.organizationId && old.length > 0) {
            if (summary.checks >= maxChecks) break pages
            summary.checks += 1
            summary.candidates += old.length
            const orphans = await orphansOf(env, runId, run.organizationId, old, summary)
            if (orphans.length > 0) {
              await bucket.delete(orphans)
              summary.deleted += orphans.length
            }
          }
          finished = run.objects[run.objects.length - 1]?.key ?? finished
        }
        if (!listing.truncated) {
          summary.complete = true
          break
        }
        startAfter = finished
      }
    },
  )
  if (summary.complete) await bucket.delete(cursorKey)
  else if (finished) await bucket.put(cursorKey, finished)
  log('info', 'attachment orphan sweep finished', { requestId: runId, prefix, ...summary })
  return summary
}

/** A listing's objects as runs of one organization (null: a key of another format, never touched). */
function organizationRuns(
  objects: R2Object[],
): Array<{ organizationId: string | null; objects: R2Object[] }> {
  const runs: Array<{ organizationId: string | null; objects: R2Object[] }> = []
  for (const object of objects) {
    const organizationId = ATTACHMENT_KEY.exec(object.key)?.[1] ?? null
    const last = runs[runs.length - 1]
    if (last && last.organizationId === organizationId) last.objects.push(object)
    else runs.push({ organizationId, objects: [object] })
  }
  return runs
}

/** The keys among `objects` that no attachment row of the organization names; none when the read fails. */
async function orphansOf(
  env: Bindings,
  runId: string,
  organizationId: string,
  objects: R2Object[],
  summary: OrphanSweepSummary,
): Promise<string[]> {
  const keys = objects.map((object) => object.key)
  try {
    // RLS binds the organization: a deleted organization has no rows, so its objects all go.
    const db = TenantDb.forSystem(env.DATABASE_URL, organizationId, runId)
    const [rows] = await db.read(
      db.selectFields(
        messageAttachments,
        { storageKey: messageAttachments.storageKey },
        inArray(messageAttachments.storageKey, keys),
      ),
    )
    const named = new Set((rows as Array<{ storageKey: string }>).map((row) => row.storageKey))
    return keys.filter((key) => !named.has(key))
  } catch (error) {
    summary.failedChecks += 1
    log(
      'error',
      'attachment orphan sweep could not read an organization’s attachments; its objects are kept',
      {
        requestId: runId,
        organizationId,
        sqlState: postgresErrorOf(error)?.code,
        error: error instanceof Error ? error.name : 'unknown',
      },
    )
    return []
  }
}
