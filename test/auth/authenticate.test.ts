import { CompactSign } from 'jose'
import { describe, expect, it } from 'vitest'
import { signAccessToken } from '../../src/auth/jwt'
import {
  bindings,
  callMe,
  expectUnauthorized,
  ORG_ID,
  SECRET,
  signRaw,
  USER_ID,
  unsignedToken,
} from './support'

const claims = { sub: USER_ID, org: ORG_ID, role: 'ADMIN' } as const
const now = () => Math.floor(Date.now() / 1000)

describe('authenticate() with an HS256 secret', () => {
  it('sets the principal from a valid token', async () => {
    const before = now()
    const response = await callMe(`Bearer ${await signAccessToken(claims, SECRET)}`)
    expect(response.status).toBe(200)
    const principal = (await response.json()) as { issuedAt: number }
    expect(principal).toEqual({
      subject: USER_ID,
      organizationId: ORG_ID,
      role: 'ADMIN',
      issuedAt: expect.any(Number),
    })
    // The token's `iat`, which app_begin_request records as the user's last login.
    expect(principal.issuedAt).toBeGreaterThanOrEqual(before)
    expect(principal.issuedAt).toBeLessThanOrEqual(now())
  })

  it('a token without iat: a principal without issuedAt', async () => {
    const response = await callMe(`Bearer ${await signRaw({ ...claims, iat: undefined })}`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ subject: USER_ID, organizationId: ORG_ID, role: 'ADMIN' })
  })

  it('accepts the scheme in any case and every role, and lowercases ids', async () => {
    for (const role of ['CUSTOMER', 'REPRESENTATIVE', 'ADMIN', 'AGENT'] as const) {
      const token = await signAccessToken({ sub: USER_ID.toUpperCase(), org: ORG_ID, role }, SECRET)
      const response = await callMe(`bearer ${token}`)
      expect(await response.json()).toEqual({
        subject: USER_ID,
        organizationId: ORG_ID,
        role,
        issuedAt: expect.any(Number),
      })
    }
  })

  it('401 TOKEN_MISSING without an Authorization header', async () => {
    await expectUnauthorized(await callMe(undefined), 'TOKEN_MISSING')
  })

  it('401 TOKEN_MISSING for another scheme', async () => {
    await expectUnauthorized(await callMe('Basic dXNlcjpwYXNz'), 'TOKEN_MISSING')
    await expectUnauthorized(await callMe(`Token ${await signAccessToken(claims, SECRET)}`), 'TOKEN_MISSING')
  })

  it('401 TOKEN_MALFORMED for a Bearer header without exactly one token', async () => {
    const token = await signAccessToken(claims, SECRET)
    for (const header of ['Bearer', 'Bearer ', `Bearer ${token} ${token}`, `Bearer ${token},x`]) {
      await expectUnauthorized(await callMe(header), 'TOKEN_MALFORMED')
    }
  })

  it('401 TOKEN_MALFORMED for a token that is not a JWS', async () => {
    // A correctly signed JWS whose payload is not a JSON claims set.
    const notJson = await new CompactSign(new TextEncoder().encode('not json'))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(SECRET))
    const garbage = ['abc', 'a.b.c', 'a.b', 'a.b.c.d.e', 'x'.repeat(9000), notJson]
    for (const token of garbage) await expectUnauthorized(await callMe(`Bearer ${token}`), 'TOKEN_MALFORMED')
  })

  it('401 TOKEN_EXPIRED for an expired token (beyond the clock tolerance)', async () => {
    const token = await signAccessToken(claims, SECRET, { expiresInSeconds: -120 })
    await expectUnauthorized(await callMe(`Bearer ${token}`), 'TOKEN_EXPIRED')
  })

  it('401 TOKEN_NOT_YET_VALID when nbf or iat lies in the future', async () => {
    const notBefore = await signAccessToken(claims, SECRET, { notBefore: now() + 600 })
    await expectUnauthorized(await callMe(`Bearer ${notBefore}`), 'TOKEN_NOT_YET_VALID')
    const issuedLater = await signRaw({ ...claims, iat: now() + 600, exp: now() + 1200 })
    await expectUnauthorized(await callMe(`Bearer ${issuedLater}`), 'TOKEN_NOT_YET_VALID')
  })

  it('401 TOKEN_INVALID for a wrong signature or a tampered payload', async () => {
    const foreign = await signAccessToken(claims, 'another-secret-0123456789-0123456789-xyz')
    await expectUnauthorized(await callMe(`Bearer ${foreign}`), 'TOKEN_INVALID')

    const [header, , signature] = (await signAccessToken(claims, SECRET)).split('.')
    const elevated = btoa(JSON.stringify({ ...claims, role: 'ADMIN', org: USER_ID, exp: now() + 60 }))
      .replaceAll('=', '')
      .replaceAll('+', '-')
      .replaceAll('/', '_')
    await expectUnauthorized(await callMe(`Bearer ${header}.${elevated}.${signature}`), 'TOKEN_INVALID')
  })

  it('401 TOKEN_INVALID for alg "none" and for algorithms outside the allowlist', async () => {
    const none = unsignedToken({ ...claims, exp: now() + 300 })
    await expectUnauthorized(await callMe(`Bearer ${none}`), 'TOKEN_INVALID')
    const hs512 = await signRaw(claims, SECRET, 'HS512')
    await expectUnauthorized(await callMe(`Bearer ${hs512}`), 'TOKEN_INVALID')
  })

  it('checks issuer and audience when configured (comma-separated lists)', async () => {
    const env = bindings({ AUTH_ISSUER: 'https://id.example, https://id2.example', AUTH_AUDIENCE: 'org-api' })
    const sign = (issuer?: string, audience?: string) => signAccessToken(claims, SECRET, { issuer, audience })

    expect((await callMe(`Bearer ${await sign('https://id2.example', 'org-api')}`, env)).status).toBe(200)
    const rejected = [
      await sign('https://evil.example', 'org-api'),
      await sign('https://id.example', 'other-api'),
      await sign(undefined, 'org-api'),
      await sign('https://id.example', undefined),
    ]
    for (const token of rejected)
      await expectUnauthorized(await callMe(`Bearer ${token}`, env), 'TOKEN_INVALID')
  })

  it('ignores issuer and audience when not configured (empty strings are unset)', async () => {
    const env = bindings({ AUTH_ISSUER: '', AUTH_AUDIENCE: ' ' })
    const token = await signAccessToken(claims, SECRET, { issuer: 'anyone', audience: 'anything' })
    expect((await callMe(`Bearer ${token}`, env)).status).toBe(200)
  })

  it('401 TOKEN_CLAIMS_INVALID for an unknown role, missing org, non-uuid sub or missing exp', async () => {
    const badClaims = [
      { ...claims, role: 'SUPERUSER' },
      { ...claims, role: 'admin' },
      { sub: USER_ID, role: 'ADMIN' },
      { ...claims, org: 'acme' },
      { ...claims, sub: 'admin@acme.example' },
      { ...claims, sub: 42 },
      { ...claims, exp: undefined },
      { ...claims, exp: 'tomorrow' },
    ]
    for (const payload of badClaims) {
      await expectUnauthorized(await callMe(`Bearer ${await signRaw(payload)}`), 'TOKEN_CLAIMS_INVALID')
    }
  })

  it('names exp among the claims it checks, so a token without one is not blamed on sub, org or role', async () => {
    const response = await callMe(`Bearer ${await signRaw({ ...claims, exp: undefined })}`)
    const { detail } = (await response.clone().json()) as { detail: string }
    expect(detail).toBe('The access token lacks valid sub, org, role or exp claims.')
    expect(response.headers.get('WWW-Authenticate')).toContain(`error_description="${detail}"`)
    await expectUnauthorized(response, 'TOKEN_CLAIMS_INVALID')
  })

  it('answers 500, never 200, when no verification key is configured', async () => {
    const token = await signAccessToken(claims, SECRET)
    for (const env of [
      bindings({ AUTH_JWT_SECRET: undefined }),
      bindings({ AUTH_JWT_SECRET: '', AUTH_JWKS_URL: '' }),
    ]) {
      const response = await callMe(`Bearer ${token}`, env)
      expect(response.status).toBe(500)
      expect(((await response.json()) as { code: string }).code).toBe('INTERNAL_ERROR')
    }
  })

  it('answers 500 for a secret shorter than 32 characters', async () => {
    const token = await signAccessToken(claims, SECRET)
    const response = await callMe(`Bearer ${token}`, bindings({ AUTH_JWT_SECRET: 'short' }))
    expect(response.status).toBe(500)
  })
})
