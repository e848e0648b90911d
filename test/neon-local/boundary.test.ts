import { env } from 'cloudflare:test'
import { neon } from '@neondatabase/serverless'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appSql, ownerSql } from '../support/db'
import {
  caught,
  connectionStringFor,
  createTestSchema,
  driverRequest,
  endpointPort,
  ownerUser,
  passwordOf,
  postSql,
  rawHttp,
  sqlEndpoint,
  uniqueName,
} from './support'

/*
 * The endpoint is a boundary, as Neon is: only the password stored for a user opens a connection as it; only
 * this machine's clients (a loopback Host, no browser) are served; and a request as app_api can never leave
 * app_api, though locally it runs on a superuser session that entered app_api with SET LOCAL ROLE.
 */

let s: string
let dropSchema: () => Promise<void>
const OWNER = ownerUser()
const PORT = endpointPort()

beforeAll(async () => {
  const created = await createTestSchema('nl_boundary')
  s = created.schema
  dropSchema = created.drop
  await ownerSql.query(`create table ${s}.marks (tag text not null)`)
  await ownerSql.query(`grant select, insert on ${s}.marks to app_api`)
})

afterAll(async () => {
  await dropSchema?.()
})

/**
 * A fresh sequence: `query` calls nextval on it, `called()` tells whether that ever ran — even in a transaction
 * that was rolled back (sequences are not transactional), so it proves that no statement ran at all.
 */
async function probe(): Promise<{ query: string; called(): Promise<boolean> }> {
  const name = `${s}.${uniqueName('probe')}`
  await ownerSql.query(`create sequence ${name}`)
  return {
    query: `select nextval('${name}')`,
    called: async () => (await ownerSql.query(`select is_called from ${name}`))[0]?.is_called === true,
  }
}

async function marked(tag: string): Promise<boolean> {
  return (await ownerSql.query(`select 1 from ${s}.marks where tag = $1`, [tag])).length > 0
}

function corsHeaders(headers: { forEach(fn: (value: string, name: string) => void): void }): string[] {
  const names: string[] = []
  headers.forEach((_, name) => {
    if (name.toLowerCase().startsWith('access-control-')) names.push(name)
  })
  return names
}

describe('credentials: only the password stored for a user opens a connection as it', () => {
  const refused = (user: string) => ({
    code: '28P01',
    severity: 'FATAL',
    message: `password authentication failed for user "${user}"`,
  })

  it('serves the stored passwords (the URLs the tests were given)', async () => {
    const [owner] = await ownerSql`select current_user as u`
    expect(owner?.u).toBe(OWNER)
    const [app] = await appSql`select current_user as u`
    expect(app?.u).toBe('app_api')
  })

  it('refuses a wrong password with 28P01 (HTTP 400) before any SQL runs', async () => {
    const p = await probe()
    for (const password of ['wrong', 'local', `${passwordOf(env.TEST_OWNER_DATABASE_URL)}x`]) {
      const url = connectionStringFor({ password })
      expect(await caught(() => neon(url).query(p.query))).toMatchObject(refused(OWNER))
      const response = await postSql({ query: p.query }, { 'Neon-Connection-String': url })
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject(refused(OWNER))
    }
    expect(await p.called()).toBe(false)
  })

  it('refuses a connection string without a password', async () => {
    const p = await probe()
    const url = connectionStringFor({ password: '' })
    expect(new URL(url).password).toBe('')
    expect(await caught(() => neon(url).query(p.query))).toMatchObject(refused(OWNER))
    const appWithout = connectionStringFor({ base: env.DATABASE_URL, password: '' })
    expect(await caught(() => neon(appWithout)`select 1`)).toMatchObject(refused('app_api'))
    expect(await p.called()).toBe(false)
  })

  it("does not take app_api's password for the owner, nor the owner's for app_api", async () => {
    const p = await probe()
    const ownerWithAppPassword = connectionStringFor({ password: passwordOf(env.DATABASE_URL) })
    expect(await caught(() => neon(ownerWithAppPassword).query(p.query))).toMatchObject(refused(OWNER))
    const appWithOwnerPassword = connectionStringFor({ user: 'app_api' })
    expect(await caught(() => neon(appWithOwnerPassword)`select 1`)).toMatchObject(refused('app_api'))
    expect(await p.called()).toBe(false)
  })

  it('refuses every other user, even an existing role', async () => {
    const p = await probe()
    for (const user of ['pg_monitor', 'no_such_role_y']) {
      const url = connectionStringFor({ user })
      expect(await caught(() => neon(url).query(p.query))).toMatchObject(refused(user))
    }
    expect(await p.called()).toBe(false)
  })

  it('keeps a password per user in the database, where app_api cannot read them', async () => {
    const rows = await ownerSql`select role_name, password from neon_local.credentials order by role_name`
    expect(rows.map((row) => row.role_name)).toEqual(['app_api', OWNER].sort())
    const stored = Object.fromEntries(rows.map((row) => [row.role_name, row.password]))
    expect(stored.app_api).toBe(passwordOf(env.DATABASE_URL))
    expect(stored[OWNER]).toBe(passwordOf(env.TEST_OWNER_DATABASE_URL))
    expect(stored.app_api).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(stored.app_api).not.toBe(stored[OWNER])
    const error = await caught(() => appSql`select password from neon_local.credentials`)
    expect(error).toMatchObject({ code: '42501', message: 'permission denied for schema neon_local' })
  })
})

describe('loopback clients only, and no browser', () => {
  it('serves a loopback Host, with the endpoint port or none (the control for the raw requests below)', async () => {
    for (const host of [
      `127.0.0.1:${PORT}`,
      `localhost:${PORT}`,
      `[::1]:${PORT}`,
      '127.0.0.1',
      'LocalHost',
    ]) {
      const response = await rawHttp({ ...driverRequest('select 1 as one'), host })
      expect(response.status, host).toBe(200)
      expect(JSON.parse(response.body)).toMatchObject({ rows: [['1']] })
    }
  })

  it('refuses any other Host (DNS rebinding) with 403 before any SQL runs', async () => {
    const p = await probe()
    const hosts = [
      `evil.example:${PORT}`,
      'evil.example',
      '127.0.0.1.evil.example',
      `127.0.0.1.evil.example:${PORT}`,
      `localhost.evil.example:${PORT}`,
      `127.0.0.1:${PORT + 1}`,
      `localhost:${PORT}0`,
      `127.0.0.2:${PORT}`,
      `0.0.0.0:${PORT}`,
      '',
    ]
    for (const host of hosts) {
      const response = await rawHttp({ ...driverRequest(p.query), host })
      expect(response.status, host).toBe(403)
      expect(JSON.parse(response.body).message, host).toMatch(/^neon-local: refused Host/)
      expect(corsHeaders(response.headers)).toEqual([])
    }
    const stats = await rawHttp({ method: 'GET', path: '/__neon_local/stats', host: `evil.example:${PORT}` })
    expect(stats.status).toBe(403)
    expect(await p.called()).toBe(false)
  })

  it('refuses a request with an Origin or a cross-site Sec-Fetch-Site, before any SQL runs', async () => {
    const p = await probe()
    const browserHeaders: Record<string, string>[] = [
      { Origin: 'https://evil.example' },
      { Origin: 'null' },
      { Origin: `http://127.0.0.1:${PORT}` },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
      { 'Sec-Fetch-Site': 'same-origin' },
    ]
    for (const headers of browserHeaders) {
      const response = await postSql({ query: p.query }, headers)
      expect(response.status, JSON.stringify(headers)).toBe(403)
      expect(corsHeaders(response.headers)).toEqual([])
      expect(await response.json()).toMatchObject({
        message: expect.stringMatching(/refused a browser request/),
      })
    }
    const stats = await fetch(new URL('/__neon_local/stats', env.TEST_NEON_LOCAL_URL), {
      headers: { Origin: 'https://evil.example' },
    })
    expect(stats.status).toBe(403)
    await stats.body?.cancel()
    expect(await p.called()).toBe(false)
    // What no browser sends on a cross-site request: a user-initiated navigation's Sec-Fetch-Site.
    const direct = await postSql({ query: 'select 1 as one' }, { 'Sec-Fetch-Site': 'none' })
    expect(direct.status).toBe(200)
    await direct.body?.cancel()
  })

  it('answers a CORS preflight with 403 and no CORS headers', async () => {
    const preflights: Record<string, string>[] = [
      {
        Origin: 'https://evil.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'neon-connection-string, neon-raw-text-output',
      },
      {},
    ]
    for (const headers of preflights) {
      const response = await fetch(sqlEndpoint(), { method: 'OPTIONS', headers })
      expect(response.status).toBe(403)
      expect(corsHeaders(response.headers)).toEqual([])
      await response.body?.cancel()
    }
  })

  it('never sends Access-Control-Allow-Origin', async () => {
    const responses = [
      await postSql({ query: 'select 1' }),
      await postSql({ query: 'select 1 / 0' }),
      await postSql(
        { query: 'select 1' },
        { 'Neon-Connection-String': connectionStringFor({ password: 'x' }) },
      ),
      await fetch(new URL('/__neon_local/stats', env.TEST_NEON_LOCAL_URL)),
      await fetch(new URL('/nope', env.TEST_NEON_LOCAL_URL)),
    ]
    expect(responses.map((response) => response.status)).toEqual([200, 400, 400, 200, 404])
    for (const response of responses) {
      expect(corsHeaders(response.headers)).toEqual([])
      await response.body?.cancel()
    }
  })
})

describe('app_api can never leave app_api', () => {
  const owner = `"${OWNER.replaceAll('"', '""')}"`
  // Each as the last statement of a batch that wrote a row first: refused (42501), the batch rolled back.
  const attempts: [string, string, RegExp][] = [
    ['RESET ROLE', 'RESET ROLE', /only SELECT, INSERT, UPDATE and DELETE may run as "app_api" \(got RESET\)/],
    ['SET ROLE <owner>', `SET ROLE ${owner}`, /\(got SET\)/],
    ['SET SESSION AUTHORIZATION <owner>', `SET SESSION AUTHORIZATION ${owner}`, /\(got SET\)/],
    ['SET LOCAL ROLE <owner>', `SET LOCAL ROLE ${owner}`, /\(got SET\)/],
    ["set_config('role', <owner>, true)", `select set_config('role', '${OWNER}', true)`, /set_config/],
    ['a DO block resetting the role', 'DO $$ BEGIN RESET ROLE; END $$', /plpgsql|\(got DO\)/],
    [
      'a temporary function',
      "create function pg_temp.f() returns int language sql as 'select 1'",
      /permission denied|\(got CREATE\)/,
    ],
    ['a table in public', 'create table public.x (i int)', /permission denied for schema public/],
    // Reported as SELECT (the command tag of CREATE TABLE AS): the missing privilege refuses it.
    ['CREATE TABLE … AS', 'create table public.x as select 1 as i', /permission denied for schema public/],
    ['a temporary table', 'create temp table t (i int)', /permission denied|\(got CREATE\)/],
    ['SHOW', 'show role', /\(got SHOW\)/],
    ['EXPLAIN', 'explain select 1', /\(got EXPLAIN\)/],
    ['LOCK', 'lock table pg_catalog.pg_class in access share mode', /\(got LOCK\)/],
    ['SAVEPOINT', 'savepoint s1', /\(got SAVEPOINT\)/],
  ]

  it.each(attempts)(
    'refuses %s, rolls the batch back, and the next request is app_api again',
    async (_, query, message) => {
      const tag = uniqueName('mark')
      const error = await caught(() =>
        appSql.transaction([appSql.query(`insert into ${s}.marks values ($1)`, [tag]), appSql.query(query)]),
      )
      expect(error).toMatchObject({ code: '42501', message: expect.stringMatching(message) })
      expect(await marked(tag)).toBe(false)
      const [after] = await appSql`select current_user as u, current_setting('role') as role`
      expect(after).toEqual({ u: 'app_api', role: 'app_api' })
    },
  )

  it('refuses a lone RESET ROLE, and the role switch never reaches the next statement', async () => {
    expect(await caught(() => appSql.query('RESET ROLE'))).toMatchObject({ code: '42501' })
    const p = await probe()
    const tag = uniqueName('mark')
    const error = await caught(() =>
      appSql.transaction([
        appSql.query(`insert into ${s}.marks values ($1)`, [tag]),
        appSql.query('RESET ROLE'),
        appSql.query(p.query),
        appSql`select current_user`,
      ]),
    )
    expect(error).toMatchObject({ code: '42501', message: expect.stringMatching(/\(got RESET\)/) })
    expect(await p.called()).toBe(false)
    expect(await marked(tag)).toBe(false)
  })

  it('stays app_api after a refused statement, on every pooled connection', async () => {
    await Promise.all(Array.from({ length: 12 }, () => caught(() => appSql.query(`SET ROLE ${owner}`))))
    const rows = await Promise.all(
      Array.from({ length: 12 }, () => appSql`select current_user as u, session_user as su`),
    )
    for (const [row] of rows) expect(row).toEqual({ u: 'app_api', su: OWNER })
  })

  it('refuses a COMMIT (its transaction is over; the role with it) before anything else runs', async () => {
    const p = await probe()
    const error = await caught(() => appSql.transaction([appSql.query('COMMIT'), appSql.query(p.query)]))
    expect(error).toMatchObject({ code: '42501', message: expect.stringMatching(/\(got COMMIT\)/) })
    expect(await p.called()).toBe(false)
    const [after] = await appSql`select current_user as u`
    expect(after?.u).toBe('app_api')
  })

  it('serves DML, WITH … and app_begin_request as app_api', async () => {
    const org = crypto.randomUUID()
    const tag = uniqueName('mark')
    const [bound, inserted, selected] = await appSql.transaction([
      appSql`select app_begin_request(${org}::uuid, null, null), current_setting('app.organization_id') as org`,
      appSql.query(
        `with t as (select $1::text as tag) insert into ${s}.marks select tag from t returning tag`,
        [tag],
      ),
      appSql.query(`with t as (select tag from ${s}.marks where tag = $1) select count(*)::int as n from t`, [
        tag,
      ]),
    ])
    expect(bound?.[0]?.org).toBe(org)
    expect(inserted).toEqual([{ tag }])
    expect(selected).toEqual([{ n: 1 }])
    expect(await marked(tag)).toBe(true)
  })

  it('does not restrict the owner', async () => {
    const [, , , note] = await ownerSql.transaction([
      ownerSql.query("set local app.note = 'owner'"),
      ownerSql.query('do $$ begin perform 1; end $$'),
      ownerSql.query(`create temp table ${uniqueName('t')} (i int) on commit drop`),
      ownerSql`select current_setting('app.note') as note, current_user as u`,
    ])
    expect(note).toEqual([{ note: 'owner', u: OWNER }])
  })
})
