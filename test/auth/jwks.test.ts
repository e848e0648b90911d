import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type AuthConfig, signAccessToken, verifyAccessToken } from '../../src/auth/jwt'
import type { ApiError } from '../../src/lib/errors'
import { bindings, callMe, expectUnauthorized, ORG_ID, SECRET, USER_ID } from './support'

const claims = { sub: USER_ID, org: ORG_ID, role: 'AGENT' } as const
const ISSUER = 'https://id.example'
const AUDIENCE = 'organization-api'

let signingKey: CryptoKey
let publicJwk: JWK
let otherSigningKey: CryptoKey

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true })
  signingKey = pair.privateKey
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' }
  otherSigningKey = (await generateKeyPair('ES256')).privateKey
})

afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

// The key-set cache is per isolate and keyed by URL: every test gets its own URL.
let urlCounter = 0
function uniqueJwksUrl(): string {
  urlCounter += 1
  return `https://id.example/jwks-${urlCounter}-${crypto.randomUUID()}.json`
}

/** Replaces global fetch (which jose's createRemoteJWKSet uses) and counts the JWKS requests. */
function serveJwks(
  respond: (call: number) => Response | Promise<Response> = () => Response.json({ keys: [publicJwk] }),
) {
  const calls: string[] = []
  vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
    calls.push(String(input instanceof Request ? input.url : input))
    return respond(calls.length)
  })
  return calls
}

function es256Token(options: { key?: CryptoKey; kid?: string; issuer?: string; audience?: string } = {}) {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ org: claims.org, role: claims.role })
    .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'key-1', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .sign(options.key ?? signingKey)
}

function jwksConfig(jwksUrl = uniqueJwksUrl()): AuthConfig {
  return { jwksUrl, issuer: ISSUER, audience: AUDIENCE }
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  return promise.then(
    () => expect.unreachable('verification should have failed'),
    (error: ApiError) => error,
  )
}

describe('verifyAccessToken() with a JWKS URL', () => {
  it('verifies with the fetched keys and fetches the JWKS once per isolate', async () => {
    const calls = serveJwks()
    const config = jwksConfig()
    for (let i = 0; i < 3; i++) {
      expect(await verifyAccessToken(await es256Token(), config)).toEqual({
        subject: USER_ID,
        organizationId: ORG_ID,
        role: 'AGENT',
        issuedAt: expect.any(Number),
      })
    }
    expect(calls).toEqual([config.jwksUrl])
  })

  it('refreshes stale keys in the background, never on the request path', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    let releaseRefresh: (response: Response) => void = () => {}
    const calls = serveJwks((call) =>
      call === 1
        ? Response.json({ keys: [publicJwk] })
        : new Promise((resolve) => (releaseRefresh = resolve)),
    )
    const config = jwksConfig()
    await verifyAccessToken(await es256Token(), config)

    vi.setSystemTime(Date.now() + 11 * 60_000)
    const background: Promise<unknown>[] = []
    const runInBackground = (promise: Promise<unknown>) => background.push(promise)
    // The refresh's fetch hangs, yet verification answers from the cached keys.
    await verifyAccessToken(await es256Token(), config, { runInBackground })
    await verifyAccessToken(await es256Token(), config, { runInBackground })
    expect({ fetches: calls.length, backgroundRefreshes: background.length }).toEqual({
      fetches: 2,
      backgroundRefreshes: 1,
    })
    releaseRefresh(Response.json({ keys: [publicJwk] }))
    await Promise.all(background)
  })

  it('401 TOKEN_INVALID for an HS256 token when a JWKS is configured (algorithm confusion), without fetching', async () => {
    const calls = serveJwks()
    const config = { ...jwksConfig(), secret: SECRET }
    const hs256 = await signAccessToken(claims, SECRET, { issuer: ISSUER, audience: AUDIENCE })
    expect((await rejection(verifyAccessToken(hs256, config))).code).toBe('TOKEN_INVALID')
    // The public key itself as an HMAC secret: the classic confusion attack.
    const publicKeyAsSecret = JSON.stringify(publicJwk)
    const confused = await signAccessToken(claims, publicKeyAsSecret, { issuer: ISSUER, audience: AUDIENCE })
    expect((await rejection(verifyAccessToken(confused, config))).code).toBe('TOKEN_INVALID')
    expect(calls).toEqual([])
  })

  it('401 TOKEN_INVALID for a token signed by a key outside the set (known or unknown kid)', async () => {
    serveJwks()
    const config = jwksConfig()
    const forged = await es256Token({ key: otherSigningKey })
    expect((await rejection(verifyAccessToken(forged, config))).code).toBe('TOKEN_INVALID')
    const unknownKid = await es256Token({ key: otherSigningKey, kid: 'key-2' })
    expect((await rejection(verifyAccessToken(unknownKid, config))).code).toBe('TOKEN_INVALID')
  })

  it('401 TOKEN_INVALID for a wrong issuer or audience', async () => {
    serveJwks()
    const config = jwksConfig()
    const wrongIssuer = await es256Token({ issuer: 'https://evil.example' })
    expect((await rejection(verifyAccessToken(wrongIssuer, config))).code).toBe('TOKEN_INVALID')
    const wrongAudience = await es256Token({ audience: 'another-api' })
    expect((await rejection(verifyAccessToken(wrongAudience, config))).code).toBe('TOKEN_INVALID')
  })

  it('503 when the JWKS cannot be fetched (our outage, not a bad token)', async () => {
    serveJwks(() => new Response('down', { status: 502 }))
    const error = await rejection(verifyAccessToken(await es256Token(), jwksConfig()))
    expect({ status: error.status, code: error.code }).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE' })
  })

  it('refuses a JWKS URL over plain http (except loopback)', async () => {
    serveJwks()
    const config = jwksConfig('http://id.example/jwks.json')
    await expect(verifyAccessToken(await es256Token(), config)).rejects.toMatchObject({
      name: 'AuthConfigurationError',
    })
  })
})

describe('authenticate() with AUTH_JWKS_URL', () => {
  it('prefers the JWKS over the secret and sets the principal', async () => {
    const calls = serveJwks()
    const env = bindings({ AUTH_JWKS_URL: uniqueJwksUrl(), AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE })
    const ok = await callMe(`Bearer ${await es256Token()}`, env)
    expect(await ok.json()).toEqual({
      subject: USER_ID,
      organizationId: ORG_ID,
      role: 'AGENT',
      issuedAt: expect.any(Number),
    })
    const hs256 = await signAccessToken(claims, SECRET, { issuer: ISSUER, audience: AUDIENCE })
    await expectUnauthorized(await callMe(`Bearer ${hs256}`, env), 'TOKEN_INVALID')
    expect(calls).toHaveLength(1)
  })
})
