import { describe, expect, it, vi } from 'vitest'
import { AuthConfigurationError, authConfigFromBindings, verifyAccessToken } from '../../src/auth/jwt'
import { bindings } from './support'

/**
 * With a JWKS URL (an identity provider that signs tokens for other applications and tenants too), a token
 * proves nothing unless its issuer and audience are this API's: both settings are required, never "checked
 * when set".
 */

const JWKS_URL = 'https://id.example/.well-known/jwks.json'

describe('AUTH_JWKS_URL requires AUTH_ISSUER and AUTH_AUDIENCE', () => {
  it('refuses the configuration when either or both are missing, naming what is missing', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ AUTH_AUDIENCE: 'organization-api' }, 'missing: AUTH_ISSUER.'],
      [{ AUTH_ISSUER: 'https://id.example' }, 'missing: AUTH_AUDIENCE.'],
      [{ AUTH_ISSUER: ' ', AUTH_AUDIENCE: ', ' }, 'missing: AUTH_ISSUER, AUTH_AUDIENCE.'],
      [{}, 'missing: AUTH_ISSUER, AUTH_AUDIENCE.'],
    ]
    for (const [settings, message] of cases) {
      const env = bindings({ AUTH_JWKS_URL: JWKS_URL, ...settings })
      expect(() => authConfigFromBindings(env), JSON.stringify(settings)).toThrow(AuthConfigurationError)
      expect(() => authConfigFromBindings(env), JSON.stringify(settings)).toThrow(message)
    }
  })

  it('accepts the configuration with both', () => {
    const env = bindings({ AUTH_JWKS_URL: JWKS_URL, AUTH_ISSUER: 'https://id.example', AUTH_AUDIENCE: 'api' })
    expect(authConfigFromBindings(env)).toMatchObject({ jwksUrl: JWKS_URL, audience: ['api'] })
  })

  it('refuses a JWKS URL that is not https in the configuration itself', () => {
    const env = bindings({ AUTH_JWKS_URL: 'http://id.example/jwks', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' })
    expect(() => authConfigFromBindings(env)).toThrow('AUTH_JWKS_URL must use https.')
  })

  it('verifyAccessToken refuses a JWKS config without issuer or audience before fetching keys', async () => {
    const fetchSpy = vi.fn()
    vi.stubGlobal('fetch', fetchSpy)
    try {
      for (const config of [
        { jwksUrl: JWKS_URL, audience: 'api' },
        { jwksUrl: JWKS_URL, issuer: 'https://id.example' },
        { jwksUrl: JWKS_URL, issuer: [], audience: [] },
      ]) {
        await expect(verifyAccessToken('a.b.c', config)).rejects.toBeInstanceOf(AuthConfigurationError)
      }
      expect(fetchSpy).not.toHaveBeenCalled()
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
