import { describe, expect, it } from 'vitest'
import {
  AuthConfigurationError,
  authConfigFromBindings,
  DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  signAccessToken,
} from '../../src/auth/jwt'
import { bindings, callMe, expectUnauthorized, ORG_ID, SECRET, signRaw, USER_ID } from './support'

/**
 * A token may live at most AUTH_MAX_TOKEN_LIFETIME_SECONDS (default one day), measured as `exp − iat`, or as
 * `exp − now` when it has no `iat`: an IdP (or a leaked minting key) handing out year-long tokens is refused.
 */

const claims = { sub: USER_ID, org: ORG_ID, role: 'ADMIN' } as const
const now = () => Math.floor(Date.now() / 1000)
const DAY = DEFAULT_MAX_TOKEN_LIFETIME_SECONDS

describe('token lifetime cap', () => {
  it('defaults to 86400 seconds', () => {
    expect(DAY).toBe(86_400)
  })

  it('accepts a token living exactly the cap (exp − iat = 86400)', async () => {
    const issuedAt = now()
    const token = await signRaw({ ...claims, iat: issuedAt, exp: issuedAt + DAY })
    expect((await callMe(`Bearer ${token}`)).status).toBe(200)
  })

  it('401 TOKEN_LIFETIME_TOO_LONG one second over the cap', async () => {
    const issuedAt = now()
    const token = await signRaw({ ...claims, iat: issuedAt, exp: issuedAt + DAY + 1 })
    await expectUnauthorized(await callMe(`Bearer ${token}`), 'TOKEN_LIFETIME_TOO_LONG')
  })

  it('measures exp − iat, not the time left: a long-lived token is refused even near its end', async () => {
    const token = await signRaw({ ...claims, iat: now() - 2 * DAY, exp: now() + 60 })
    await expectUnauthorized(await callMe(`Bearer ${token}`), 'TOKEN_LIFETIME_TOO_LONG')
  })

  it('judges a token without iat by exp − now', async () => {
    const atCap = await signRaw({ ...claims, iat: undefined, exp: now() + DAY })
    expect((await callMe(`Bearer ${atCap}`)).status).toBe(200)
    const beyond = await signRaw({ ...claims, iat: undefined, exp: now() + DAY + 60 })
    await expectUnauthorized(await callMe(`Bearer ${beyond}`), 'TOKEN_LIFETIME_TOO_LONG')
  })

  it('follows AUTH_MAX_TOKEN_LIFETIME_SECONDS', async () => {
    const env = bindings({ AUTH_MAX_TOKEN_LIFETIME_SECONDS: '600' })
    const tenMinutes = await signAccessToken(claims, SECRET, { expiresInSeconds: 600 })
    expect((await callMe(`Bearer ${tenMinutes}`, env)).status).toBe(200)
    const anHour = await signAccessToken(claims, SECRET, { expiresInSeconds: 3600 })
    await expectUnauthorized(await callMe(`Bearer ${anHour}`, env), 'TOKEN_LIFETIME_TOO_LONG')
  })

  it('keeps signAccessToken’s default lifetime (one hour) acceptable', async () => {
    expect((await callMe(`Bearer ${await signAccessToken(claims, SECRET)}`)).status).toBe(200)
  })

  it('refuses an AUTH_MAX_TOKEN_LIFETIME_SECONDS that is not a positive whole number', () => {
    for (const value of ['0', '-5', '1.5', 'one day', '1e9']) {
      expect(
        () => authConfigFromBindings(bindings({ AUTH_MAX_TOKEN_LIFETIME_SECONDS: value })),
        value,
      ).toThrow(AuthConfigurationError)
    }
    expect(
      authConfigFromBindings(bindings({ AUTH_MAX_TOKEN_LIFETIME_SECONDS: ' 3600 ' })).maxTokenLifetimeSeconds,
    ).toBe(3600)
  })
})
