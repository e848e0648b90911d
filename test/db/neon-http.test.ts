import { env } from 'cloudflare:test'
import { neon as packageNeon } from '@neondatabase/serverless'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/neon-http'
import { describe, expect, it } from 'vitest'
import { createDatabase } from '../../src/db/client'
import { neon as apiNeon, NeonDbError } from '../../src/db/neon-http'
import '../support/db'

/*
 * src/db/neon-http.ts answers exactly as @neondatabase/serverless does (with drizzle-orm/neon-http's type
 * overrides, which importing test/support/db installed on the package): same rows for every type the package
 * parses, same values sent for every kind of parameter, same batches, same errors. Both talk to the same local
 * endpoint here. Exception, by design: bytea stays text (the package returns its own Buffer shim; the API has no
 * binary columns).
 */

// drizzle-orm/neon-http installs its overrides on the package's parsers when it wraps a client.
drizzle({ client: packageNeon(env.TEST_OWNER_DATABASE_URL) })

/** Both clients' batch API, typed loosely enough to drive them with the same calls. */
interface LooseClient {
  query(query: string, params?: unknown[], options?: object): unknown
  transaction(queries: unknown[], options?: object): Promise<unknown[]>
}

const clients = () => ({
  package: packageNeon(env.TEST_OWNER_DATABASE_URL),
  api: apiNeon(env.TEST_OWNER_DATABASE_URL),
})

/** One value of every type pg-types parses (and a few it leaves as text), with NULLs and array edge cases. */
const EVERY_TYPE = `select
  9007199254740993::int8 as int8, 12::int2 as int2, -7::int4 as int4, 26::oid as oid,
  1.5::float4 as float4, 'NaN'::float8 as nan, '-Infinity'::float8 as minf, 3.25::float8 as float8,
  true as t, false as f, '(1.5,-2)'::point as point, '<(1,2),3.5>'::circle as circle,
  '{"a":[1,{"b":null}],"c":"é\\\\n"}'::json as json, '{"z":1,"a":[true,false]}'::jsonb as jsonb,
  array[true, null, false] as bools, array[1, null, -3]::int2[] as int2s, array[1, 2]::int4[] as int4s,
  array[1, 2]::oid[] as oids, array[9007199254740993, null]::int8[] as int8s,
  array['(1,2)'::point, null] as points, array[1.5, null]::float4[] as float4s, array[2.5]::float8[] as float8s,
  array['{"a":1}'::json, null] as jsons, array['[1,"x"]'::jsonb] as jsonbs,
  array['a', null, 'NULL', '', 'with "quote"', 'back\\slash', 'co,mma', '{brace}', ' sp ']::text[] as texts,
  array['x']::varchar[] as varchars, array['y']::char(1)[] as chars, array['z']::name[] as names,
  array['10.0.0.1']::inet[] as inets, array['10.0.0.0/8']::cidr[] as cidrs,
  array['08:00:2b:01:02:03']::macaddr[] as macaddrs, array['[1,5)']::numrange[] as numranges,
  array['0b0e7a52-8f6c-4c61-9a0e-4f3a8e2b1c10']::uuid[] as uuids, array['12.34']::money[] as moneys,
  array['10:00']::time[] as times, array['10:00+02']::timetz[] as timetzs,
  array[array[1,2],array[3,4]] as matrix, '[0:1]={7,8}'::int4[] as dims,
  12.50::numeric as numeric, array[1.5, null]::numeric[] as numerics,
  '2026-11-17 10:00:00+00'::timestamptz as timestamptz, '2026-11-17 10:00'::timestamp as timestamp,
  '2026-11-17'::date as date, '1 day 02:00'::interval as interval,
  array['2026-11-17 10:00+00'::timestamptz] as timestamptzs, array['2026-11-17'::date] as dates,
  array['1 hour'::interval] as intervals, array['2026-11-17 10:00'::timestamp] as timestamps,
  gen_random_uuid() is not null as uuid_ok, 'ok'::text as text, 'x'::char(3) as bpchar, null::int4 as nothing,
  1 as dup, 2 as dup`

describe('src/db/neon-http.ts answers as @neondatabase/serverless does', () => {
  it('parses every type alike, as objects and arrays, with and without full results', async () => {
    const { package: pkg, api } = clients()
    for (const options of [
      {},
      { arrayMode: true },
      { fullResults: true },
      { arrayMode: true, fullResults: true },
    ]) {
      const expected = await pkg.query(EVERY_TYPE, [], options)
      const actual = await api.query(EVERY_TYPE, [], options)
      expect(comparable(actual), JSON.stringify(options)).toEqual(comparable(expected))
    }
    // Spot checks, so "alike" is also "right".
    const [row] = (await api.query(EVERY_TYPE)) as Array<Record<string, unknown>>
    expect(row).toMatchObject({
      int8: '9007199254740993',
      int2: 12,
      float4: 1.5,
      nan: Number.NaN,
      t: true,
      point: { x: 1.5, y: -2 },
      circle: { x: 1, y: 2, radius: 3.5 },
      jsonb: { a: [true, false], z: 1 },
      int8s: ['9007199254740993', null],
      texts: ['a', null, 'NULL', '', 'with "quote"', 'back\\slash', 'co,mma', '{brace}', ' sp '],
      matrix: [
        [1, 2],
        [3, 4],
      ],
      dims: [7, 8],
      numeric: '12.50',
      timestamptz: '2026-11-17 10:00:00+00',
      date: '2026-11-17',
      nothing: null,
      dup: 2,
    })
  })

  it('sends every kind of parameter as the package does', async () => {
    const { package: pkg, api } = clients()
    const binary = new Uint8Array([0, 1, 254, 255])
    const values: unknown[] = [
      null,
      undefined,
      42,
      -0.5,
      12345678901234567890n,
      true,
      false,
      'text with "quotes" and \\ backslash',
      new Date(Date.UTC(2026, 10, 17, 10, 0, 0, 123)),
      new Date(Date.UTC(-5, 0, 1)),
      ['a', null, ['b', 'c "q"'], 'd\\e', 7, new Date(Date.UTC(2026, 0, 2))],
      { nested: { list: [1, 'two'] }, date: new Date(Date.UTC(2026, 0, 1)) },
      { toPostgres: () => 'custom' },
      binary,
    ]
    for (const value of values) {
      const query = 'select $1::text as sent'
      const expected = await pkg.query(query, [value])
      const actual = await api.query(query, [value])
      expect(actual, String(value)).toEqual(expected)
    }
    // A binary value in a template is cast to bytea, alike.
    const [fromPackage] = (await pkg`select ${binary} as b, ${'x'} || ${1} as s`) as Array<
      Record<string, unknown>
    >
    const [fromApi] = (await api`select ${binary} as b, ${'x'} || ${1} as s`) as Array<
      Record<string, unknown>
    >
    expect(fromApi?.s).toBe(fromPackage?.s)
    expect(fromApi?.b).toBe('\\x0001feff')
  })

  it('runs batches alike: one transaction, per-query array mode, the isolation and read-only headers', async () => {
    const { package: pkg, api } = clients()
    const batch = (client: LooseClient) =>
      client.transaction(
        [
          client.query('select 1::int as one', [], { arrayMode: true }),
          client.query('select $1::jsonb as doc', [{ a: 1 }]),
          client.query('select current_setting($1) as level', ['transaction_isolation'], {
            fullResults: true,
          }),
          client.query("select current_setting('transaction_read_only') as ro"),
        ],
        { isolationLevel: 'RepeatableRead', readOnly: true },
      )
    const expected = await batch(pkg as unknown as LooseClient)
    const actual = await batch(api as unknown as LooseClient)
    expect(comparable(actual)).toEqual(comparable(expected))
    expect((actual[2] as { rows: unknown[] }).rows).toEqual([{ level: 'repeatable read' }])
    expect(actual[3]).toEqual([{ ro: 'on' }])
    // The function form of transaction() too.
    expect(await api.transaction((tx) => [tx`select ${2}::int as two`])).toEqual([[{ two: 2 }]])
  })

  it('fails alike: a Postgres error with its fields, a failed batch, an unreachable endpoint, a bad URL, a refused password', async () => {
    const { package: pkg, api } = clients()
    const failure = async (promise: PromiseLike<unknown>) => {
      try {
        await promise
      } catch (error) {
        return error as Error & Record<string, unknown>
      }
      throw new Error('expected a failure')
    }
    const fields = (error: Error & Record<string, unknown>) => ({
      name: error.name,
      message: error.message,
      ...Object.fromEntries(
        [
          'severity',
          'code',
          'detail',
          'hint',
          'position',
          'where',
          'schema',
          'table',
          'column',
          'constraint',
        ].map((key) => [key, error[key]]),
      ),
    })
    const cases: Array<(client: typeof pkg) => PromiseLike<unknown>> = [
      (client) => client.query('select 1/0'),
      (client) => client.query("select 'x'::uuid"),
      (client) => client.query('select * from no_such_table'),
      (client) =>
        client.transaction([client.query('select 1'), client.query('select raise_it from (select 1) as x')]),
    ]
    for (const run of cases) {
      const expected = await failure(run(pkg))
      const actual = await failure(run(api as unknown as typeof pkg))
      expect(actual).toBeInstanceOf(NeonDbError)
      expect(fields(actual)).toEqual(fields(expected))
    }

    const unreachable = 'postgres://app_api:local@127.0.0.1:1/neondb'
    const [down, apiDown] = [
      await failure(packageNeon(unreachable).query('select 1')),
      await failure(apiNeon(unreachable).query('select 1')),
    ]
    expect(apiDown.name).toBe(down.name)
    expect(apiDown.message).toMatch(/^Error connecting to database: /)
    expect(apiDown.sourceError).toBeInstanceOf(Error)

    // The URL is checked when a query runs (a bad DATABASE_URL fails the database work, not the client's creation).
    for (const url of ['not a url', 'mysql://u:p@h/db', 'postgres://u:p@h']) {
      const expected = await failure(packageNeon(url).query('select 1'))
      const actual = await failure(apiNeon(url).query('select 1'))
      expect(fields(actual)).toEqual(fields(expected))
    }

    const wrongPassword = new URL(env.TEST_OWNER_DATABASE_URL)
    wrongPassword.password = 'wrong'
    const [refused, apiRefused] = [
      await failure(packageNeon(wrongPassword.toString()).query('select 1')),
      await failure(apiNeon(wrongPassword.toString()).query('select 1')),
    ]
    expect(fields(apiRefused)).toEqual(fields(refused))
  })

  it('is what the app uses, and drizzle reads through it as through the package', async () => {
    const query = sql`select 5::int as n, '{"a":1}'::jsonb as doc, now() is not null as ok, '2026-11-17'::date as d`
    const viaApi = await createDatabase(env.TEST_OWNER_DATABASE_URL).execute(query)
    const viaPackage = await drizzle({ client: packageNeon(env.TEST_OWNER_DATABASE_URL) }).execute(query)
    expect(viaApi.rows).toEqual(viaPackage.rows)
    expect(viaApi.rows).toEqual([{ n: 5, doc: { a: 1 }, ok: true, d: '2026-11-17' }])
  })
})

/** Results without the package's private fields (`_parsers`, `_types`: its parser objects). */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable)
  if (value && typeof value === 'object' && 'fields' in value && 'rows' in value) {
    const { _parsers: _p, _types: _t, ...rest } = value as Record<string, unknown>
    return rest
  }
  return value
}
