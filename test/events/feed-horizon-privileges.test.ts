import { env } from 'cloudflare:test'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { checkDatabase } from '../../src/db/client'
import { ownerSql } from '../support/db'

/*
 * The oldest-first feed's horizon (app_settle_event_feed, SECURITY DEFINER) reads other sessions' transaction starts
 * from pg_stat_activity, which shows them only to a superuser, the same login role, or a member of pg_read_all_stats.
 * An owner without that privilege (possible on Neon) must not get a horizon of now() while a transaction that may
 * still write an event behind it is open: it falls back to the API's 60 s bound. Each case calls a copy of the
 * deployed function, under another name and owned by a scratch role, so the real one (shared with the tests running
 * beside this file) is never touched. PGlite has no other sessions: PostgreSQL only.
 */

const backend = inject('databaseBackend')
const suffix = crypto.randomUUID().replaceAll('-', '').slice(0, 12)

interface Copy {
  role: string
  fn: string
}

/** A copy of app_settle_event_feed() as public.<name>(), SECURITY DEFINER as the original, owned by a new role. */
async function copyOwnedBy(name: string, statsReader: boolean): Promise<Copy> {
  const role = `${name}_${suffix}`
  const fn = `public.${name}_${suffix}`
  const [{ definition }] =
    (await ownerSql`select pg_catalog.pg_get_functiondef('public.app_settle_event_feed()'::regprocedure) as definition`) as [
      { definition: string },
    ]
  await ownerSql.query(definition.replace('public.app_settle_event_feed()', `${fn}()`))
  await ownerSql.query(`create role ${role} nologin`)
  if (statsReader) await ownerSql.query(`grant pg_read_all_stats to ${role}`)
  await ownerSql.query(`alter function ${fn}() owner to ${role}`)
  return { role, fn }
}

async function drop(copy: Copy | undefined) {
  if (!copy) return
  await ownerSql.query(`drop function if exists ${copy.fn}()`)
  await ownerSql.query(`drop role if exists ${copy.role}`)
}

interface Horizon {
  /** Milliseconds the horizon is before the open transaction's start (positive: before it). */
  beforeHold: number
  /** Milliseconds the horizon is before the clock read right after it was set. */
  beforeClock: number
}

/** Calls `fn` (a copy, or the real function) and reads the horizon it set, against the hold's start. */
async function horizonOf(fn: string, holdStart: string): Promise<Horizon> {
  const [, [row]] = (await ownerSql.transaction([
    ownerSql.query(`select ${fn}()`),
    ownerSql.query(
      `select extract(epoch from ($1::timestamptz - h)) * 1000 as "beforeHold",
              extract(epoch from (pg_catalog.clock_timestamp() - h)) * 1000 as "beforeClock"
       from (select pg_catalog.current_setting('app.feed_horizon')::timestamptz as h) horizon`,
      [holdStart],
    ),
  ])) as [unknown, [{ beforeHold: string; beforeClock: string }]]
  return { beforeHold: Number(row.beforeHold), beforeClock: Number(row.beforeClock) }
}

describe.skipIf(backend !== 'postgres')('the feed horizon whatever its owner may see (postgres)', () => {
  let unprivileged: Copy | undefined
  let statsReader: Copy | undefined
  let hold: Promise<unknown> | undefined
  let holdStart = ''

  beforeAll(async () => {
    unprivileged = await copyOwnedBy('feed_horizon_blind', false)
    statsReader = await copyOwnedBy('feed_horizon_stats', true)
    // Another session's transaction, open for 4 s: the horizon must not pass its start while it could still write.
    const marker = `feed_horizon_hold_${suffix}`
    hold = ownerSql.transaction([ownerSql.query(`select pg_catalog.pg_sleep(4) as ${marker}`)])
    for (let attempt = 0; attempt < 100 && !holdStart; attempt++) {
      const rows = (await ownerSql.query(
        `select xact_start::text as start from pg_catalog.pg_stat_activity where query like $1 and pid <> pg_backend_pid()`,
        [`%as ${marker}%`],
      )) as Array<{ start: string }>
      holdStart = rows[0]?.start ?? ''
      if (!holdStart) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(holdStart, 'the hold never began').not.toBe('')
  })

  afterAll(async () => {
    await hold
    await drop(unprivileged)
    await drop(statsReader)
  })

  it('an owner that cannot see other sessions’ starts falls back to 60 s back, behind the open transaction', async () => {
    const horizon = await horizonOf(unprivileged?.fn ?? '', holdStart)
    expect(horizon.beforeHold).toBeGreaterThan(0)
    expect(horizon.beforeClock).toBeGreaterThanOrEqual(60_001)
    expect(horizon.beforeClock).toBeLessThan(61_000)
  })

  it('an owner with pg_read_all_stats keeps the exact horizon: just before the oldest open transaction', async () => {
    const horizon = await horizonOf(statsReader?.fn ?? '', holdStart)
    expect(horizon.beforeHold).toBeGreaterThanOrEqual(1)
    expect(horizon.beforeClock).toBeLessThan(60_000)
  })

  it('the deployed function (a superuser owns it here) keeps the exact horizon', async () => {
    const horizon = await horizonOf('public.app_settle_event_feed', holdStart)
    expect(horizon.beforeHold).toBeGreaterThanOrEqual(1)
    expect(horizon.beforeClock).toBeLessThan(60_000)
  })

  it('the readiness check tells the delayed feed from the exact one by the function’s owner, as app_api', async () => {
    expect(await checkDatabase(env.DATABASE_URL, undefined, `${unprivileged?.fn}()`)).toEqual({
      roleCanBypassRls: false,
      eventFeed: 'delayed',
    })
    expect(await checkDatabase(env.DATABASE_URL, undefined, `${statsReader?.fn}()`)).toEqual({
      roleCanBypassRls: false,
      eventFeed: 'exact',
    })
    expect(await checkDatabase(env.DATABASE_URL)).toEqual({ roleCanBypassRls: false, eventFeed: 'exact' })
  })
})
