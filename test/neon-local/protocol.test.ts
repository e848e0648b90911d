import { env } from 'cloudflare:test'
import { neon } from '@neondatabase/serverless'
import { describe, expect, it } from 'vitest'
import { neonLocalStats, ownerSql } from '../support/db'
import { caught, connectionStringFor, postSql, uniqueName } from './support'

/* The HTTP protocol itself, spoken by hand where the driver would not send the request. */

describe('response shape', () => {
  it('answers a single query with fields, rows as text, command and rowCount', async () => {
    const response = await postSql({
      query: 'select $1::int as n, $2::text as t, null::jsonb as j',
      params: ['7', 'x'],
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toEqual({
      rowAsArray: true,
      command: 'SELECT',
      rowCount: 1,
      rows: [['7', 'x', null]],
      fields: [
        expect.objectContaining({
          name: 'n',
          dataTypeID: 23,
          dataTypeSize: 4,
          dataTypeModifier: -1,
          format: 'text',
        }),
        expect.objectContaining({ name: 't', dataTypeID: 25, tableID: 0, columnID: 0, format: 'text' }),
        expect.objectContaining({ name: 'j', dataTypeID: 3802 }),
      ],
    })
  })

  it('answers a batch with results and echoes its transaction headers', async () => {
    const response = await postSql(
      { queries: [{ query: 'select 1 as a', params: [] }, { query: 'select 2 as b' }] },
      { 'Neon-Batch-Isolation-Level': 'RepeatableRead', 'Neon-Batch-Read-Only': 'true' },
    )
    expect(response.status).toBe(200)
    expect(response.headers.get('neon-batch-isolation-level')).toBe('RepeatableRead')
    expect(response.headers.get('neon-batch-read-only')).toBe('true')
    const body = (await response.json()) as { results: { rows: unknown[] }[] }
    expect(body.results.map((result) => result.rows)).toEqual([[['1']], [['2']]])
  })

  it('returns rows as objects without Neon-Array-Mode, and honours a per-query arrayMode', async () => {
    const objects = await postSql({ query: 'select 1 as a, 2 as b' }, { 'Neon-Array-Mode': 'false' })
    expect(await objects.json()).toMatchObject({ rowAsArray: false, rows: [{ a: '1', b: '2' }] })
    const arrays = await postSql({ query: 'select 1 as a', arrayMode: true }, { 'Neon-Array-Mode': 'false' })
    expect(await arrays.json()).toMatchObject({ rowAsArray: true, rows: [['1']] })
  })

  it('converts non-string JSON params as Neon does', async () => {
    const response = await postSql({
      query: 'select $1::int as n, $2::boolean as b, $3::jsonb as j, $4::text[] as a',
      params: [5, true, { k: 1 }, ['x', null, 'y"z']],
    })
    expect(await response.json()).toMatchObject({ rows: [['5', 't', '{"k": 1}', '{x,NULL,"y\\"z"}']] })
  })

  it('answers an empty batch with no results', async () => {
    expect(await ownerSql.transaction([])).toEqual([])
  })
})

describe('request validation (as Neon)', () => {
  it('rejects an unknown isolation level with 400', async () => {
    const response = await postSql({ queries: [] }, { 'Neon-Batch-Isolation-Level': 'serializable' })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ message: 'invalid isolation level', code: '' })
  })

  it('counts only the exact string "true" for read-only and deferrable', async () => {
    const response = await postSql(
      {
        queries: [
          {
            query:
              "select current_setting('transaction_read_only'), current_setting('transaction_deferrable')",
          },
        ],
      },
      { 'Neon-Batch-Read-Only': 'TRUE', 'Neon-Batch-Deferrable': '1' },
    )
    expect(await response.json()).toMatchObject({ results: [{ rows: [['off', 'off']] }] })
  })

  it('rejects a request without a connection string, or with a malformed body, with 400', async () => {
    const noConnection = await postSql({ query: 'select 1' }, { 'Neon-Connection-String': '' })
    expect(noConnection.status).toBe(400)
    const badJson = await postSql('{not json')
    expect(badJson.status).toBe(400)
    expect(await badJson.json()).toMatchObject({
      message: expect.stringContaining('could not parse the HTTP request body'),
    })
  })

  it('rejects several statements in one query string, like the extended protocol on Neon', async () => {
    const error = await caught(() => ownerSql.query('select 1; select 2'))
    expect(error).toMatchObject({
      code: '42601',
      message: 'cannot insert multiple commands into a prepared statement',
    })
  })

  it('rejects a request body over 10 MiB with 413', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024)
    const response = await postSql({ query: 'select $1::text', params: [big] })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ message: 'request is too large (max is 10485760 bytes)' })
  })

  it('answers 404 to anything but POST /sql and the stats route', async () => {
    const response = await fetch(new URL('/nope', env.TEST_NEON_LOCAL_URL))
    expect(response.status).toBe(404)
    await response.body?.cancel()
    const getSql = await fetch(new URL('/sql', env.TEST_NEON_LOCAL_URL))
    expect(getSql.status).toBe(404)
    await getSql.body?.cancel()
  })
})

describe('request counter', () => {
  it('counts each HTTP request once, per application_name, and not the stats route itself', async () => {
    const tag = uniqueName('req')
    const tagged = neon(connectionStringFor({ applicationName: tag }))
    expect(await neonLocalStats(tag)).toBe(0)
    await tagged`select 1`
    await tagged.transaction([tagged`select 1`, tagged`select 2`, tagged`select 3`])
    await caught(() => tagged`select 1 / 0`)
    expect(await neonLocalStats(tag)).toBe(3)
    expect(await neonLocalStats(tag)).toBe(3)
  })

  it('counts all requests in total', async () => {
    const before = await neonLocalStats()
    await ownerSql`select 1`
    // Other test files may run in parallel against the same endpoint: at least our one request.
    expect(await neonLocalStats()).toBeGreaterThanOrEqual(before + 1)
  })
})

describe('concurrency', () => {
  it('never interleaves the transactions of concurrent requests', async () => {
    const values = Array.from({ length: 24 }, (_, i) => `v${i}`)
    const results = await Promise.all(
      values.map((value) =>
        ownerSql.transaction([
          ownerSql`select set_config('app.probe', ${value}, true)`,
          ownerSql`select pg_sleep(0.005)`,
          ownerSql`select current_setting('app.probe') as probe, txid_current()::text as tx`,
        ]),
      ),
    )
    expect(results.map((result) => result[2]?.[0]?.probe)).toEqual(values)
    expect(new Set(results.map((result) => result[2]?.[0]?.tx)).size).toBe(values.length)
  })
})
