import { env } from 'cloudflare:test'
import { neon } from '@neondatabase/serverless'
import { eq, sql } from 'drizzle-orm'
import {
  bigint,
  boolean,
  date,
  integer,
  jsonb,
  numeric,
  pgSchema,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ownerDb, ownerSql } from '../support/db'
import { createTestSchema } from './support'

/*
 * Every column type the schema uses round-trips through the real driver with the JavaScript values it gives
 * against Neon. Note: importing test/support/db creates a drizzle neon-http instance, which installs drizzle's
 * global type parsers on the driver (timestamptz, date, interval and their arrays stay strings), exactly as in
 * the Worker; so raw neon() returns those as strings here too.
 */

const ID = '0b0e7a52-8f6c-4c61-9a0e-4f3a8e2b1c10'
const OTHER_ID = '6f1d2c3b-4a59-4e8f-9d7c-1b2a3c4d5e6f'

let schemaName: string
let dropSchema: () => Promise<void>

beforeAll(async () => {
  const created = await createTestSchema('nl_types')
  schemaName = created.schema
  dropSchema = created.drop
  await ownerSql.query(`create type ${schemaName}.mood as enum ('sad', 'ok', 'very happy')`)
  await ownerSql.query(`
    create table ${schemaName}.samples (
      id uuid primary key default gen_random_uuid(),
      label text, n integer, big bigint, flag boolean, amount numeric(12,2),
      at timestamptz, day date, doc jsonb, mood ${schemaName}.mood, moods ${schemaName}.mood[],
      tags text[], nums integer[], ids uuid[]
    )`)
})

afterAll(async () => {
  await dropSchema?.()
})

async function typeOid(name: string): Promise<{ oid: number; arrayOid: number }> {
  const [row] = await ownerSql.query(
    'select t.oid::int as oid, t.typarray::int as "arrayOid" from pg_type t join pg_namespace n on n.oid = t.typnamespace where n.nspname = $1 and t.typname = $2',
    [schemaName, name],
  )
  return row as { oid: number; arrayOid: number }
}

describe('raw neon() round trips', () => {
  it('returns each type as the driver parses it against Neon', async () => {
    const rows = await ownerSql.query(
      `insert into ${schemaName}.samples (id, label, n, big, flag, amount, at, day, doc, mood, moods, tags, nums, ids)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) returning *`,
      [
        ID,
        'héllo, "world"',
        -42,
        '9007199254740993',
        false,
        '1234567890.50',
        new Date('2024-01-02T03:04:05.678Z'),
        '2024-02-29',
        { a: 1, nested: { list: [1, 'two', null] }, s: 'ünïcode' },
        'very happy',
        ['sad', 'very happy'],
        ['a', 'b,c', 'd"e', '', null],
        [1, -2, 3],
        [ID, OTHER_ID],
      ],
    )
    expect(rows).toEqual([
      {
        id: ID,
        label: 'héllo, "world"',
        n: -42,
        big: '9007199254740993',
        flag: false,
        amount: '1234567890.50',
        at: '2024-01-02 03:04:05.678+00',
        day: '2024-02-29',
        doc: { a: 1, nested: { list: [1, 'two', null] }, s: 'ünïcode' },
        mood: 'very happy',
        // The driver has no parser for an enum array's runtime OID: Neon gives the Postgres text too.
        moods: '{sad,"very happy"}',
        tags: ['a', 'b,c', 'd"e', '', null],
        nums: [1, -2, 3],
        ids: [ID, OTHER_ID],
      },
    ])
  })

  it('round-trips NULL in every column', async () => {
    const rows = await ownerSql.query(
      `insert into ${schemaName}.samples (id) values ($1) returning label, n, big, flag, amount, at, day, doc, mood, moods, tags, nums, ids`,
      [OTHER_ID],
    )
    expect(Object.values(rows[0] ?? {})).toEqual(Array(13).fill(null))
    const [nulls] = await ownerSql`select ${null}::text as t, ${null}::int as i, array[null]::int[] as a`
    expect(nulls).toEqual({ t: null, i: null, a: [null] })
  })

  it('passes params through untouched (no re-serialization on the endpoint)', async () => {
    const [row] =
      await ownerSql`select ${false}::boolean as f, ${'false'}::text as s, ${'0'}::boolean as z, ${'{"x":1}'}::jsonb as j`
    expect(row).toEqual({ f: false, s: 'false', z: false, j: { x: 1 } })
  })

  it('reports command, rowCount and fields[].dataTypeID as Neon does (fullResults)', async () => {
    const full = neon(env.TEST_OWNER_DATABASE_URL, { fullResults: true })
    const mood = await typeOid('mood')
    const select = await full.query(
      `select id, label, n, big, flag, amount, at, day, doc, mood, moods, tags, nums, ids from ${schemaName}.samples where id = $1`,
      [ID],
    )
    expect(select.command).toBe('SELECT')
    expect(select.rowCount).toBe(1)
    expect(select.rowAsArray).toBe(false)
    expect(select.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
      ['id', 2950],
      ['label', 25],
      ['n', 23],
      ['big', 20],
      ['flag', 16],
      ['amount', 1700],
      ['at', 1184],
      ['day', 1082],
      ['doc', 3802],
      ['mood', mood.oid],
      ['moods', mood.arrayOid],
      ['tags', 1009],
      ['nums', 1007],
      ['ids', 2951],
    ])
    const amount = select.fields.find((f) => f.name === 'amount')
    expect(amount).toMatchObject({
      tableID: expect.any(Number),
      columnID: 6,
      dataTypeSize: -1,
      format: 'text',
    })
    expect(amount?.dataTypeModifier).toBe(((12 << 16) | 2) + 4)

    const update = await full.query(`update ${schemaName}.samples set n = n where id in ($1, $2)`, [
      ID,
      OTHER_ID,
    ])
    expect({ command: update.command, rowCount: update.rowCount, fields: update.fields }).toEqual({
      command: 'UPDATE',
      rowCount: 2,
      fields: [],
    })
    const created = await full.query(`create table ${schemaName}.t_ddl (x int)`)
    expect({ command: created.command, rowCount: created.rowCount }).toEqual({
      command: 'CREATE',
      rowCount: null,
    })
    const inserted = await full.query(`insert into ${schemaName}.t_ddl values (1), (2), (3)`)
    expect({ command: inserted.command, rowCount: inserted.rowCount }).toEqual({
      command: 'INSERT',
      rowCount: 3,
    })
  })

  it('returns rows as arrays in arrayMode', async () => {
    const rows = await ownerSql.query('select 1 as a, $1::text as a', ['x'], { arrayMode: true })
    expect(rows).toEqual([[1, 'x']])
  })
})

describe('drizzle-orm/neon-http round trips', () => {
  function tables() {
    const schema = pgSchema(schemaName)
    const mood = schema.enum('mood', ['sad', 'ok', 'very happy'])
    const samples = schema.table('samples', {
      id: uuid('id').primaryKey().defaultRandom(),
      label: text('label'),
      n: integer('n'),
      big: bigint('big', { mode: 'number' }),
      flag: boolean('flag'),
      amount: numeric('amount', { precision: 12, scale: 2, mode: 'string' }),
      at: timestamp('at', { withTimezone: true, mode: 'date' }),
      day: date('day', { mode: 'string' }),
      doc: jsonb('doc').$type<Record<string, unknown>>(),
      mood: mood('mood'),
      moods: mood('moods').array(),
      tags: text('tags').array(),
      nums: integer('nums').array(),
      ids: uuid('ids').array(),
    })
    // The same table read with the other column modes (a table may not name a column twice for inserts).
    const otherModes = schema.table('samples', {
      id: uuid('id').primaryKey(),
      big: bigint('big', { mode: 'bigint' }),
      at: timestamp('at', { withTimezone: true, mode: 'string' }),
      day: date('day', { mode: 'date' }),
    })
    return { samples, otherModes }
  }

  it('gives the values of the column modes the schema uses', async () => {
    const { samples, otherModes } = tables()
    const id = crypto.randomUUID()
    const [inserted] = await ownerDb
      .insert(samples)
      .values({
        id,
        label: 'drizzle',
        n: 7,
        big: 2 ** 40,
        flag: true,
        amount: '125.00',
        at: new Date('2025-06-30T23:59:59.999Z'),
        day: '2025-06-30',
        doc: { k: [true, 1.5] },
        mood: 'ok',
        moods: ['ok', 'very happy'],
        tags: ['x', 'y z'],
        nums: [0, 2147483647],
        ids: [ID],
      })
      .returning()
    expect(inserted).toEqual({
      id,
      label: 'drizzle',
      n: 7,
      big: 2 ** 40,
      flag: true,
      amount: '125.00',
      at: new Date('2025-06-30T23:59:59.999Z'),
      day: '2025-06-30',
      doc: { k: [true, 1.5] },
      mood: 'ok',
      moods: ['ok', 'very happy'],
      tags: ['x', 'y z'],
      nums: [0, 2147483647],
      ids: [ID],
    })
    const [selected] = await ownerDb.select().from(samples).where(eq(samples.id, id))
    expect(selected).toEqual(inserted)
    const [other] = await ownerDb.select().from(otherModes).where(eq(otherModes.id, id))
    expect(other).toEqual({
      id,
      big: 2n ** 40n,
      at: '2025-06-30 23:59:59.999+00',
      day: new Date('2025-06-30T00:00:00.000Z'),
    })
  })

  it('reads NULLs as null', async () => {
    const { samples } = tables()
    const id = crypto.randomUUID()
    await ownerDb.insert(samples).values({ id })
    const [row] = await ownerDb.select().from(samples).where(eq(samples.id, id))
    const { id: _id, ...rest } = row ?? { id: '' }
    expect(Object.values(rest)).toEqual(Array(13).fill(null))
  })

  it('runs db.execute() and db.batch()', async () => {
    const { samples } = tables()
    const id = crypto.randomUUID()
    const [insert, count] = await ownerDb.batch([
      ownerDb.insert(samples).values({ id, n: 1 }).returning({ id: samples.id }),
      ownerDb.execute(sql`select count(*)::int as c from ${samples} where ${samples.id} = ${id}`),
    ])
    expect(insert).toEqual([{ id }])
    expect(count.rows).toEqual([{ c: 1 }])
  })
})
