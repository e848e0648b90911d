import { env } from 'cloudflare:test'
import { base64url, CompactSign } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { signAccessToken } from '../../src/auth/jwt'
import { expectUnauthorized, signRaw, unsignedToken } from '../auth/support'
import { api, json } from '../support/api'
import { neonLocalStats } from '../support/db'
import { createTenant, type TestTenant, tokenFor } from '../support/tenants'

/**
 * Bad credentials through the real Worker: every kind is a 401 problem+json with a Bearer challenge,
 * answered before any database request. The claims name a real ADMIN of a real tenant, so only the
 * token's defect stands between the caller and the data.
 * (Issuer and audience are checked only when AUTH_ISSUER/AUTH_AUDIENCE are set: see test/auth.)
 */

const APP_SECRET = env.AUTH_JWT_SECRET as string
const OTHER_SECRET = 'not-the-app-secret-0123456789-0123456789'
const now = () => Math.floor(Date.now() / 1000)

let tenant: TestTenant
beforeAll(async () => {
  tenant = await createTenant()
})

const claims = () => ({ sub: tenant.adminId, org: tenant.organizationId, role: 'ADMIN' as const })

/** A valid token whose payload is swapped for one with more privileges, keeping the signature. */
async function tamperedToken(): Promise<string> {
  const [header, , signature] = (await tokenFor(tenant.organizationId, tenant.customerId, 'CUSTOMER')).split(
    '.',
  )
  const elevated = base64url.encode(JSON.stringify({ ...claims(), iat: now(), exp: now() + 300 }))
  return `${header}.${elevated}.${signature}`
}

/** Signed with the app's secret, so only the payload's shape is wrong. */
function signedNonJson(): Promise<string> {
  const encoder = new TextEncoder()
  return new CompactSign(encoder.encode('not json'))
    .setProtectedHeader({ alg: 'HS256' })
    .sign(encoder.encode(APP_SECRET))
}

type Authorization = () => Promise<string | undefined>
const bearer = (token: () => Promise<string> | string) => async () => `Bearer ${await token()}`

const cases: Array<[string, Authorization, string]> = [
  ['no Authorization header', async () => undefined, 'TOKEN_MISSING'],
  ['another scheme (Basic)', async () => 'Basic dXNlcjpwYXNz', 'TOKEN_MISSING'],
  ['Bearer without a token', async () => 'Bearer', 'TOKEN_MALFORMED'],
  [
    'Bearer with two tokens',
    async () => `Bearer ${await tokenFor(claims().org, claims().sub, 'ADMIN')} x`,
    'TOKEN_MALFORMED',
  ],
  ['a token that is not a JWS', bearer(() => 'abc.def'), 'TOKEN_MALFORMED'],
  [
    'a correctly signed JWS whose payload is not a JWT claims set',
    bearer(() => signedNonJson()),
    'TOKEN_MALFORMED',
  ],
  [
    'a forged JWS whose payload is not JSON',
    bearer(() => 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln'),
    'TOKEN_INVALID',
  ],
  ['an oversized token', bearer(() => 'a'.repeat(9000)), 'TOKEN_MALFORMED'],
  ['an expired token', bearer(() => tokenFor(claims().org, claims().sub, 'ADMIN', -120)), 'TOKEN_EXPIRED'],
  [
    'a token with nbf in the future',
    bearer(() => signAccessToken(claims(), APP_SECRET, { notBefore: now() + 3600 })),
    'TOKEN_NOT_YET_VALID',
  ],
  [
    'a token issued in the future (iat)',
    bearer(() => signRaw({ ...claims(), iat: now() + 3600, exp: now() + 7200 }, APP_SECRET)),
    'TOKEN_NOT_YET_VALID',
  ],
  ['a wrong signature', bearer(() => signAccessToken(claims(), OTHER_SECRET)), 'TOKEN_INVALID'],
  ['a tampered payload', bearer(tamperedToken), 'TOKEN_INVALID'],
  ['alg: none', bearer(() => unsignedToken({ ...claims(), iat: now(), exp: now() + 300 })), 'TOKEN_INVALID'],
  [
    'an algorithm outside the allowlist (HS512)',
    bearer(() => signRaw(claims(), APP_SECRET, 'HS512')),
    'TOKEN_INVALID',
  ],
  [
    'an unknown role',
    bearer(() => signRaw({ ...claims(), role: 'SUPERUSER' }, APP_SECRET)),
    'TOKEN_CLAIMS_INVALID',
  ],
  [
    'a lower-case role',
    bearer(() => signRaw({ ...claims(), role: 'admin' }, APP_SECRET)),
    'TOKEN_CLAIMS_INVALID',
  ],
  [
    'no org claim',
    bearer(() => signRaw({ ...claims(), org: undefined }, APP_SECRET)),
    'TOKEN_CLAIMS_INVALID',
  ],
  [
    'a sub that is not a uuid',
    bearer(() => signRaw({ ...claims(), sub: 'admin' }, APP_SECRET)),
    'TOKEN_CLAIMS_INVALID',
  ],
  [
    'no exp claim',
    bearer(() => signRaw({ ...claims(), exp: undefined }, APP_SECRET)),
    'TOKEN_CLAIMS_INVALID',
  ],
]

async function getTickets(authorization: string | undefined, requestId: string): Promise<Response> {
  const headers: Record<string, string> = { 'X-Request-Id': requestId }
  if (authorization !== undefined) headers.Authorization = authorization
  return api('/v1/tickets', { headers })
}

describe('authentication through GET /v1/tickets', () => {
  it('a valid token reaches the database (the control: request ids are counted)', async () => {
    const requestId = `auth-ok-${crypto.randomUUID()}`
    const response = await getTickets(`Bearer ${tenant.tokens.ADMIN}`, requestId)
    expect(response.status).toBe(200)
    expect(await json(response)).toMatchObject({ data: [] })
    expect(await neonLocalStats(requestId)).toBe(1)
  })

  for (const [name, authorization, code] of cases) {
    it(`${name}: 401 ${code}, no database request`, async () => {
      const requestId = `auth-bad-${crypto.randomUUID()}`
      const response = await getTickets(await authorization(), requestId)
      await expectUnauthorized(response, code)
      expect(response.headers.get('X-Request-Id')).toBe(requestId)
      expect(await neonLocalStats(requestId)).toBe(0)
    })
  }

  it('is the same on a write route, which writes nothing', async () => {
    const requestId = `auth-write-${crypto.randomUUID()}`
    const response = await api('/v1/tickets', {
      method: 'POST',
      token: await signAccessToken(claims(), OTHER_SECRET),
      headers: { 'X-Request-Id': requestId },
      body: { customerId: tenant.customerId, subject: 'Forged', description: 'Forged' },
    })
    await expectUnauthorized(response, 'TOKEN_INVALID')
    expect(await neonLocalStats(requestId)).toBe(0)
  })
})
