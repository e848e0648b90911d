import { describe, expect, it } from 'vitest'
import { AuthConfigurationError, authConfigFromBindings, signAccessToken } from '../../src/auth/jwt'
import { bindings, ORG_ID, SECRET, USER_ID } from './support'

describe('authConfigFromBindings()', () => {
  it('uses the secret when no JWKS URL is set, and treats empty strings as unset', () => {
    expect(
      authConfigFromBindings(bindings({ AUTH_JWKS_URL: '', AUTH_ISSUER: '', AUTH_AUDIENCE: '' })),
    ).toEqual({
      secret: SECRET,
      jwksUrl: undefined,
      issuer: undefined,
      audience: undefined,
    })
  })

  it('lets the JWKS URL win over the secret and splits issuer/audience lists', () => {
    const config = authConfigFromBindings(
      bindings({ AUTH_JWKS_URL: 'https://id.example/jwks', AUTH_ISSUER: 'a, b', AUTH_AUDIENCE: 'api' }),
    )
    expect(config).toEqual({
      secret: undefined,
      jwksUrl: 'https://id.example/jwks',
      issuer: ['a', 'b'],
      audience: ['api'],
    })
  })

  it('throws a configuration error when neither is set', () => {
    expect(() => authConfigFromBindings(bindings({ AUTH_JWT_SECRET: ' ', AUTH_JWKS_URL: '' }))).toThrow(
      AuthConfigurationError,
    )
  })
})

describe('signAccessToken()', () => {
  it('refuses secrets too short for HS256', async () => {
    await expect(signAccessToken({ sub: USER_ID, org: ORG_ID, role: 'ADMIN' }, 'short')).rejects.toThrow(
      AuthConfigurationError,
    )
  })
})
