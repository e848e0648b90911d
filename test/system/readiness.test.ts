import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { json } from '../support/api'
import { neonLocalStats } from '../support/db'
import { callWith, errorLogsOf } from './support'

/**
 * GET /ready refuses a deployment whose database role could bypass row-level security (the owner's URL,
 * a superuser, a BYPASSRLS role), in the same single round trip that proves the database answers.
 */
describe('GET /ready and the database role', () => {
  it('503 DATABASE_ROLE_UNSAFE, logged, when connected as a role that can bypass RLS (the owner)', async () => {
    const requestId = `ready-owner-${crypto.randomUUID()}`
    const { result: response, logs } = await errorLogsOf(() =>
      callWith({ DATABASE_URL: env.TEST_OWNER_DATABASE_URL }, '/ready', {
        headers: { 'X-Request-Id': requestId },
      }),
    )
    expect(response.status).toBe(503)
    expect(response.headers.get('Content-Type')).toContain('application/problem+json')
    expect(await json(response)).toMatchObject({
      status: 503,
      code: 'DATABASE_ROLE_UNSAFE',
      detail: 'The database role can bypass row-level security; connect as app_api.',
      requestId,
    })
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'readiness check failed: the database role can bypass row-level security',
        requestId,
      }),
    )
    expect(await neonLocalStats(requestId)).toBe(1)
  })

  it('200 as app_api, in exactly one round trip', async () => {
    const requestId = `ready-app-${crypto.randomUUID()}`
    const response = await callWith({}, '/ready', { headers: { 'X-Request-Id': requestId } })
    expect(response.status).toBe(200)
    expect(await json(response)).toEqual({ status: 'ready', database: 'ok', eventFeed: 'exact' })
    expect(await neonLocalStats(requestId)).toBe(1)
  })
})
