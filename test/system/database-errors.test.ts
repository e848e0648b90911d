import { neon } from '@neondatabase/serverless'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/neon-http'
import { describe, expect, it } from 'vitest'
import { createDatabase, useLocalEndpointFor } from '../../src/db/client'
import { neon as apiNeon } from '../../src/db/neon-http'
import { toApiError } from '../../src/middleware/error-handler'
import { ownerSql } from '../support/db'

const UNREACHABLE = 'postgres://app_api:local@127.0.0.1:1/neondb'

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a failure')
}

describe('database failures map to meaningful statuses', () => {
  it('an unreachable database is 503 with Retry-After, raw or wrapped by drizzle', async () => {
    useLocalEndpointFor(UNREACHABLE)
    for (const error of [
      await caught(neon(UNREACHABLE)`select 1`),
      await caught(drizzle({ client: neon(UNREACHABLE) }).execute(sql`select 1`)),
      // The app's own HTTP client (src/db/neon-http.ts), raw and as the app wraps it.
      await caught(apiNeon(UNREACHABLE)`select 1`),
      await caught(createDatabase(UNREACHABLE).execute(sql`select 1`)),
    ]) {
      const apiError = toApiError(error)
      expect(apiError.status).toBe(503)
      expect(apiError.code).toBe('SERVICE_UNAVAILABLE')
      expect(apiError.headers['Retry-After']).toBeDefined()
    }
  })

  it('Postgres errors keep their SQLSTATE mapping, and unknown failures are an opaque 500', async () => {
    const cases: Array<[string, number, string]> = [
      ["select 'x'::uuid", 422, 'CONSTRAINT_VIOLATION'],
      ['select pg_sleep(1) from no_such_table', 500, 'INTERNAL_ERROR'],
      ['select 1/0', 500, 'INTERNAL_ERROR'],
    ]
    for (const [statement, status, code] of cases) {
      const apiError = toApiError(await caught(ownerSql.query(statement)))
      expect({ statement, status: apiError.status, code: apiError.code }).toEqual({ statement, status, code })
      expect(apiError.message).not.toContain('no_such_table')
    }
    expect(toApiError(new TypeError('boom')).status).toBe(500)
  })
})
