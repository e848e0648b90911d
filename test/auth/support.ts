import { Hono } from 'hono'
import { base64url, type JWTPayload, SignJWT } from 'jose'
import { expect } from 'vitest'
import type { AppEnv, Bindings } from '../../src/env'
import { ApiError, errors, problemResponse } from '../../src/lib/errors'
import { authenticate } from '../../src/middleware/authenticate'

export const SECRET = 'auth-test-secret-0123456789-0123456789'
export const ORG_ID = '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b'
export const USER_ID = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d'
export const REALM_CHALLENGE = 'Bearer realm="organization-api"'

export function bindings(overrides: Partial<Bindings> = {}): Bindings {
  return { APP_ENV: 'test', DATABASE_URL: 'postgres://unused', AUTH_JWT_SECRET: SECRET, ...overrides }
}

/** A tiny app: authenticate() in front of a route that echoes the principal; ApiError → problem+json. */
export function authApp() {
  const app = new Hono<AppEnv>()
  app.onError((error, c) => problemResponse(c, error instanceof ApiError ? error : errors.internal()))
  app.use('*', authenticate())
  app.get('/me', (c) => c.json(c.get('principal')))
  return app
}

export async function callMe(
  authorization: string | undefined,
  env: Bindings = bindings(),
): Promise<Response> {
  const headers: Record<string, string> = authorization === undefined ? {} : { Authorization: authorization }
  return authApp().request('/me', { headers }, env)
}

/** Asserts a 401 problem+json with the given code and a Bearer challenge (invalid_token unless missing). */
export async function expectUnauthorized(response: Response, code: string): Promise<void> {
  const body = (await response.json()) as { code: string; status: number }
  expect({ status: response.status, code: body.code, bodyStatus: body.status }).toEqual({
    status: 401,
    code,
    bodyStatus: 401,
  })
  expect(response.headers.get('Content-Type')).toContain('application/problem+json')
  const challenge = response.headers.get('WWW-Authenticate')
  if (code === 'TOKEN_MISSING') {
    expect(challenge).toBe(REALM_CHALLENGE)
  } else {
    expect(challenge).toMatch(
      /^Bearer realm="organization-api", error="invalid_token", error_description="[^"\\]+"$/,
    )
  }
}

/** Signs arbitrary (even ill-typed) claims, for claim sets signAccessToken refuses to build. */
export async function signRaw(
  payload: Record<string, unknown>,
  secret = SECRET,
  alg = 'HS256',
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ iat: now, exp: now + 300, ...payload } as JWTPayload)
    .setProtectedHeader({ alg, typ: 'JWT' })
    .sign(new TextEncoder().encode(secret))
}

/** An unsigned token (`alg: none`), crafted by hand as an attacker would. */
export function unsignedToken(payload: JWTPayload): string {
  const encode = (value: object) => base64url.encode(JSON.stringify(value))
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`
}
