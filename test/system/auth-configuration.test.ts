import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { expectUnauthorized, signRaw } from '../auth/support'
import { api, json } from '../support/api'
import { neonLocalStats } from '../support/db'
import { createTenant, type TestTenant, tokenFor } from '../support/tenants'
import { callWith, errorLogsOf } from './support'

/**
 * Token settings through the whole app: a JWKS deployed without AUTH_ISSUER/AUTH_AUDIENCE refuses every
 * protected request (503 AUTH_MISCONFIGURED, logged) and fails `/ready`; token lifetimes are capped.
 */

const JWKS_ONLY = {
  AUTH_JWKS_URL: 'https://id.example/.well-known/jwks.json',
  AUTH_AUDIENCE: 'organization-api',
}
const APP_SECRET = env.AUTH_JWT_SECRET as string
const now = () => Math.floor(Date.now() / 1000)

let tenant: TestTenant
beforeAll(async () => {
  tenant = await createTenant()
})

describe('AUTH_JWKS_URL without AUTH_ISSUER', () => {
  it('refuses protected routes with 503 AUTH_MISCONFIGURED problem+json, logged, without fetching keys', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch')
    const requestId = `auth-misconfigured-${crypto.randomUUID()}`
    const { result: response, logs } = await errorLogsOf(() =>
      callWith(JWKS_ONLY, '/v1/organization', {
        token: tenant.tokens.ADMIN,
        headers: { 'X-Request-Id': requestId },
      }),
    )
    fetchSpy.mockRestore()
    expect(response.status).toBe(503)
    expect(response.headers.get('Content-Type')).toContain('application/problem+json')
    expect(response.headers.get('Retry-After')).toBe('60')
    const body = await json(response)
    expect(body).toMatchObject({ status: 503, code: 'AUTH_MISCONFIGURED', requestId })
    // Callers learn that the service is misconfigured, not which check is off.
    expect(String(body.detail)).not.toContain('AUTH_ISSUER')
    expect(fetchSpy).not.toHaveBeenCalled()
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'authentication is misconfigured',
        requestId,
        reason: expect.stringContaining('missing: AUTH_ISSUER'),
      }),
    )
    expect(await neonLocalStats(requestId)).toBe(0)
  })

  it('refuses a request without a token the same way (the configuration is checked first)', async () => {
    const response = await callWith(JWKS_ONLY, '/v1/tickets')
    expect(response.status).toBe(503)
    expect(await json(response)).toMatchObject({ code: 'AUTH_MISCONFIGURED' })
  })

  it('fails GET /ready with 503 and a detail naming the missing setting (no secrets), without a query', async () => {
    const requestId = `ready-auth-${crypto.randomUUID()}`
    const { result: response, logs } = await errorLogsOf(() =>
      callWith(JWKS_ONLY, '/ready', { headers: { 'X-Request-Id': requestId } }),
    )
    expect(response.status).toBe(503)
    expect(response.headers.get('Content-Type')).toContain('application/problem+json')
    const body = await json(response)
    expect(body).toMatchObject({ status: 503, code: 'AUTH_MISCONFIGURED' })
    expect(body.detail).toBe(
      'Authentication is misconfigured: AUTH_JWKS_URL is set, so AUTH_ISSUER and AUTH_AUDIENCE must both be configured; missing: AUTH_ISSUER.',
    )
    expect(JSON.stringify(body)).not.toContain(APP_SECRET)
    expect(logs).toContainEqual(
      expect.objectContaining({
        message: 'readiness check failed: authentication is misconfigured',
        requestId,
      }),
    )
    expect(await neonLocalStats(requestId)).toBe(0)
  })

  it('is ready again once both are set (the control)', async () => {
    const response = await callWith({ ...JWKS_ONLY, AUTH_ISSUER: 'https://id.example' }, '/ready')
    expect(response.status).toBe(200)
  })

  it('fails GET /ready for an invalid AUTH_MAX_TOKEN_LIFETIME_SECONDS too', async () => {
    const response = await callWith({ AUTH_MAX_TOKEN_LIFETIME_SECONDS: 'a week' }, '/ready')
    expect(response.status).toBe(503)
    expect(await json(response)).toMatchObject({
      code: 'AUTH_MISCONFIGURED',
      detail: expect.stringContaining('AUTH_MAX_TOKEN_LIFETIME_SECONDS'),
    })
  })
})

describe('token lifetime through the app', () => {
  const claims = () => ({ sub: tenant.adminId, org: tenant.organizationId, role: 'ADMIN' })

  it('401 TOKEN_LIFETIME_TOO_LONG for a token living longer than a day, before any query', async () => {
    const requestId = `lifetime-${crypto.randomUUID()}`
    const token = await signRaw({ ...claims(), iat: now(), exp: now() + 86_401 }, APP_SECRET)
    const response = await api('/v1/organization', { token, headers: { 'X-Request-Id': requestId } })
    await expectUnauthorized(response, 'TOKEN_LIFETIME_TOO_LONG')
    expect(await neonLocalStats(requestId)).toBe(0)
  })

  it('200 for a token living exactly a day', async () => {
    const issuedAt = now()
    const token = await signRaw({ ...claims(), iat: issuedAt, exp: issuedAt + 86_400 }, APP_SECRET)
    expect((await api('/v1/organization', { token })).status).toBe(200)
  })

  it('follows AUTH_MAX_TOKEN_LIFETIME_SECONDS', async () => {
    const token = await tokenFor(tenant.organizationId, tenant.adminId, 'ADMIN', 600)
    expect(
      (await callWith({ AUTH_MAX_TOKEN_LIFETIME_SECONDS: '600' }, '/v1/organization', { token })).status,
    ).toBe(200)
    await expectUnauthorized(
      await callWith({ AUTH_MAX_TOKEN_LIFETIME_SECONDS: '599' }, '/v1/organization', { token }),
      'TOKEN_LIFETIME_TOO_LONG',
    )
  })
})
