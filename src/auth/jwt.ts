import {
  type CryptoKey,
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  errors as joseErrors,
  jwtVerify,
  type RemoteJWKSet,
  SignJWT,
} from 'jose'
import { z } from 'zod'
import type { Bindings } from '../env'
import { ApiError, errors } from '../lib/errors'
import { log } from '../lib/log'
import { type Principal, type PrincipalRole, principalRoles } from './principal'

/** How access tokens are verified: a JWKS URL (production) or an HS256 secret (local, tests). */
export interface AuthConfig {
  secret?: string
  jwksUrl?: string
  /** Accepted `iss` values; checked when set, and required with a JWKS URL. */
  issuer?: string | string[]
  /** Accepted `aud` values (the token must name one); checked when set, and required with a JWKS URL. */
  audience?: string | string[]
  clockToleranceSeconds?: number
  /** Longest accepted lifetime (`exp − iat`, or `exp − now` without `iat`); default DEFAULT_MAX_TOKEN_LIFETIME_SECONDS. */
  maxTokenLifetimeSeconds?: number
}

/**
 * The Worker is deployed without usable token-verification settings: the app answers 503 AUTH_MISCONFIGURED
 * (and `/ready` fails), never "let everyone in". The message names the setting, never its value.
 */
export class AuthConfigurationError extends Error {
  override readonly name = 'AuthConfigurationError'
}

/** Runs a promise past the response (`executionCtx.waitUntil` in Workers). */
export type RunInBackground = (promise: Promise<unknown>) => void

export interface VerifyOptions {
  runInBackground?: RunInBackground
}

const REALM = 'organization-api'
const HMAC_ALGORITHMS = ['HS256']
// Asymmetric only: accepting HS* next to a JWKS would let a public key be used as an HMAC secret.
const JWKS_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'Ed25519']
// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (32 bytes).
const MIN_SECRET_LENGTH = 32
const MAX_TOKEN_LENGTH = 8192
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30
const DEFAULT_EXPIRES_IN_SECONDS = 3600
/** Tokens living longer than this (AUTH_MAX_TOKEN_LIFETIME_SECONDS) are refused: a leaked token stays useful for a day at most. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 86_400
// Keys older than this are refreshed in the background; requests keep using the cached set meanwhile.
const JWKS_REFRESH_AFTER_MS = 10 * 60_000
// Only if background refreshes kept failing this long does a request wait for a fetch.
const JWKS_MAX_AGE_MS = 24 * 60 * 60_000
// An unknown `kid` (key rotation) triggers a refetch at most this often.
const JWKS_COOLDOWN_MS = 30_000
const JWKS_TIMEOUT_MS = 5_000

const invalidTokenDescriptions = {
  TOKEN_MALFORMED: 'The access token is not a well-formed JWT.',
  TOKEN_EXPIRED: 'The access token has expired.',
  TOKEN_NOT_YET_VALID: 'The access token is not valid yet.',
  TOKEN_INVALID: 'The access token could not be verified.',
  TOKEN_CLAIMS_INVALID: 'The access token lacks valid sub, org, role or exp claims.',
  TOKEN_LIFETIME_TOO_LONG: 'The access token lifetime exceeds the maximum this API accepts.',
} as const

export type InvalidTokenCode = keyof typeof invalidTokenDescriptions

/**
 * 503 for a request the Worker cannot authenticate because its own token settings are unusable: not the
 * caller's fault (so not 401) and not a bug (so not an opaque 500); like an outage, it lasts until a deploy
 * fixes it. The reason (which setting) goes to the logs and `/ready`, not to callers.
 */
export function authMisconfiguredError(error: AuthConfigurationError): ApiError {
  return new ApiError(
    503,
    'AUTH_MISCONFIGURED',
    'Service Unavailable',
    'Access tokens cannot be verified: the service is misconfigured.',
    { headers: { 'Retry-After': '60' }, cause: error.message },
  )
}

/** 401 for a request without bearer credentials (RFC 6750 §3.1: no error code in the challenge). */
export function missingTokenError(): ApiError {
  return errors.unauthorized('TOKEN_MISSING', 'A bearer access token is required.', `Bearer realm="${REALM}"`)
}

/** 401 for a bearer token that was presented but is not acceptable. */
export function invalidTokenError(code: InvalidTokenCode): ApiError {
  const description = invalidTokenDescriptions[code]
  return errors.unauthorized(
    code,
    description,
    `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`,
  )
}

/**
 * Reads the auth settings from the Worker's bindings: empty strings are unset, a JWKS URL wins over a secret.
 * Throws AuthConfigurationError for settings that cannot verify tokens safely: no key, a JWKS URL that is not
 * https or lacks AUTH_ISSUER/AUTH_AUDIENCE (tokens of any issuer's tenant would pass), a short secret, or an
 * invalid AUTH_MAX_TOKEN_LIFETIME_SECONDS.
 */
export function authConfigFromBindings(env: Bindings): AuthConfig {
  const jwksUrl = nonEmpty(env.AUTH_JWKS_URL)
  const secret = jwksUrl ? undefined : nonEmpty(env.AUTH_JWT_SECRET)
  if (!jwksUrl && !secret) {
    throw new AuthConfigurationError('Neither AUTH_JWKS_URL nor AUTH_JWT_SECRET is set.')
  }
  const lifetime = nonEmpty(env.AUTH_MAX_TOKEN_LIFETIME_SECONDS)
  const config: AuthConfig = {
    jwksUrl,
    secret,
    issuer: commaList(env.AUTH_ISSUER),
    audience: commaList(env.AUTH_AUDIENCE),
    // Left undefined when unset: verifyAccessToken applies the default.
    maxTokenLifetimeSeconds: lifetime === undefined ? undefined : maxTokenLifetimeSeconds(lifetime),
  }
  if (jwksUrl) jwksEndpoint(jwksUrl)
  assertIssuerAndAudience(config)
  if (secret) assertSecretStrength(secret)
  return config
}

/** AUTH_MAX_TOKEN_LIFETIME_SECONDS as a number of seconds (the default when unset); throws when it is not a positive integer. */
export function maxTokenLifetimeSeconds(value: string | undefined): number {
  const trimmed = nonEmpty(value)
  if (trimmed === undefined) return DEFAULT_MAX_TOKEN_LIFETIME_SECONDS
  const seconds = /^[0-9]+$/.test(trimmed) ? Number(trimmed) : Number.NaN
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new AuthConfigurationError(
      'AUTH_MAX_TOKEN_LIFETIME_SECONDS must be a positive whole number of seconds.',
    )
  }
  return seconds
}

/** With a JWKS (an IdP that signs tokens for many audiences), a token must be checked for both `iss` and `aud`. */
function assertIssuerAndAudience(config: AuthConfig): void {
  if (!config.jwksUrl) return
  const missing = [
    isEmptyList(config.issuer) ? 'AUTH_ISSUER' : undefined,
    isEmptyList(config.audience) ? 'AUTH_AUDIENCE' : undefined,
  ].filter(Boolean)
  if (missing.length > 0) {
    throw new AuthConfigurationError(
      `AUTH_JWKS_URL is set, so AUTH_ISSUER and AUTH_AUDIENCE must both be configured; missing: ${missing.join(', ')}.`,
    )
  }
}

function isEmptyList(value: string | string[] | undefined): boolean {
  return value === undefined || (Array.isArray(value) ? value.length === 0 : value.trim() === '')
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim()
  return trimmed ? trimmed : undefined
}

function commaList(value: string | undefined): string[] | undefined {
  const items = (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
  return items.length > 0 ? items : undefined
}

const uuid = z.guid().transform((value) => value.toLowerCase())
const claimsSchema = z.object({ sub: uuid, org: uuid, role: z.enum(principalRoles) })

/** Verifies a bearer token and returns the caller; throws a 401 ApiError with a stable code otherwise. */
export async function verifyAccessToken(
  token: string,
  config: AuthConfig,
  options: VerifyOptions = {},
): Promise<Principal> {
  if (!token) throw missingTokenError()
  if (token.length > MAX_TOKEN_LENGTH) throw invalidTokenError('TOKEN_MALFORMED')
  assertIssuerAndAudience(config)
  const tolerance = config.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS
  const payload = await verifiedPayload(token, config, tolerance, options)
  const now = Date.now() / 1000
  // jose checks `iat` only as a number unless maxTokenAge is set; a token from the future is not valid yet.
  if (typeof payload.iat === 'number' && payload.iat > now + tolerance) {
    throw invalidTokenError('TOKEN_NOT_YET_VALID')
  }
  assertLifetime(payload, config.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, now)
  const claims = claimsSchema.safeParse(payload)
  if (!claims.success) throw invalidTokenError('TOKEN_CLAIMS_INVALID')
  return {
    subject: claims.data.sub,
    organizationId: claims.data.org,
    role: claims.data.role,
    issuedAt: payload.iat,
  }
}

/** `exp − iat` (or, without `iat`, `exp − now`) must not exceed the cap; exactly the cap is accepted. */
function assertLifetime(payload: JWTPayload, maxSeconds: number, now: number): void {
  // jose has checked that `exp` is present and a number (requiredClaims), and `iat` a number when present.
  if (typeof payload.exp !== 'number') throw invalidTokenError('TOKEN_CLAIMS_INVALID')
  const start = typeof payload.iat === 'number' ? payload.iat : now
  if (payload.exp - start > maxSeconds) throw invalidTokenError('TOKEN_LIFETIME_TOO_LONG')
}

async function verifiedPayload(
  token: string,
  config: AuthConfig,
  tolerance: number,
  options: VerifyOptions,
): Promise<JWTPayload> {
  const checks = (algorithms: string[]): JWTVerifyOptions => ({
    algorithms,
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: tolerance,
    requiredClaims: ['exp'],
  })
  try {
    if (config.jwksUrl) {
      const keySet = remoteKeySet(config.jwksUrl, options.runInBackground)
      return (await jwtVerify(token, keySet, checks(JWKS_ALGORITHMS))).payload
    }
    if (config.secret) {
      return (await jwtVerify(token, await hmacVerifyKey(config.secret), checks(HMAC_ALGORITHMS))).payload
    }
  } catch (error) {
    throw toAuthError(error)
  }
  throw new AuthConfigurationError('No JWKS URL and no secret to verify access tokens with.')
}

/** Maps jose's failures to stable codes; anything else (configuration, JWKS outage, bugs) passes through. */
function toAuthError(error: unknown): unknown {
  if (error instanceof joseErrors.JWTExpired) return invalidTokenError('TOKEN_EXPIRED')
  if (error instanceof joseErrors.JWTClaimValidationFailed) return claimValidationError(error)
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) {
    return invalidTokenError('TOKEN_MALFORMED')
  }
  // Bad signature, alg not allowed (including "none"), no matching key: one answer, no hint which.
  if (error instanceof joseErrors.JOSEError) return invalidTokenError('TOKEN_INVALID')
  return error
}

function claimValidationError(error: InstanceType<typeof joseErrors.JWTClaimValidationFailed>): ApiError {
  if (error.claim === 'nbf' && error.reason === 'check_failed')
    return invalidTokenError('TOKEN_NOT_YET_VALID')
  if (error.claim === 'iss' || error.claim === 'aud') return invalidTokenError('TOKEN_INVALID')
  return invalidTokenError('TOKEN_CLAIMS_INVALID')
}

// Per-isolate caches: a warm isolate verifies with CPU only (no key import, no JWKS round trip).
const hmacKeys = new Map<string, CryptoKey>()
const remoteKeySets = new Map<string, { keySet: RemoteJWKSet; refreshedAt: number }>()

function assertSecretStrength(secret: string): void {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new AuthConfigurationError(
      `The HS256 secret must be at least ${MIN_SECRET_LENGTH} characters long.`,
    )
  }
}

async function hmacVerifyKey(secret: string): Promise<CryptoKey> {
  const cached = hmacKeys.get(secret)
  if (cached) return cached
  assertSecretStrength(secret)
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  )
  hmacKeys.set(secret, key)
  return key
}

/** The cached key set for a JWKS URL, refreshed in the background once stale (stale-while-revalidate). */
function remoteKeySet(url: string, runInBackground: RunInBackground = () => {}): JWTVerifyGetKey {
  let entry = remoteKeySets.get(url)
  if (!entry) {
    const keySet = createRemoteJWKSet(jwksEndpoint(url), {
      cooldownDuration: JWKS_COOLDOWN_MS,
      cacheMaxAge: JWKS_MAX_AGE_MS,
      timeoutDuration: JWKS_TIMEOUT_MS,
    })
    entry = { keySet, refreshedAt: Date.now() }
    remoteKeySets.set(url, entry)
  } else if (Date.now() - entry.refreshedAt > JWKS_REFRESH_AFTER_MS) {
    entry.refreshedAt = Date.now()
    runInBackground(entry.keySet.reload().catch((error: unknown) => logJwksFailure(url, error)))
  }
  return keyFrom(entry.keySet, url)
}

function jwksEndpoint(url: string): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new AuthConfigurationError('AUTH_JWKS_URL is not a valid URL.')
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname)
  if (parsed.protocol !== 'https:' && !(local && parsed.protocol === 'http:')) {
    throw new AuthConfigurationError('AUTH_JWKS_URL must use https.')
  }
  return parsed
}

/** A JWKS that cannot be fetched or parsed is our outage (503), not the caller's bad token (401). */
function keyFrom(keySet: RemoteJWKSet, url: string): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await keySet(header, token)
    } catch (error) {
      if (
        error instanceof joseErrors.JWKSNoMatchingKey ||
        error instanceof joseErrors.JWKSMultipleMatchingKeys
      ) {
        throw error
      }
      logJwksFailure(url, error)
      throw errors.unavailable('The keys that verify access tokens are unavailable; retry shortly.')
    }
  }
}

function logJwksFailure(url: string, error: unknown): void {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  log('error', 'JWKS fetch failed', { jwksUrl: url, reason })
}

export interface AccessTokenClaims {
  sub: string
  org: string
  role: PrincipalRole
}

export interface SignAccessTokenOptions {
  /** Lifetime from now; negative values mint already-expired tokens (tests). */
  expiresInSeconds?: number
  issuer?: string
  audience?: string | string[]
  /** `nbf` as seconds since the epoch. */
  notBefore?: number
}

/** Mints an HS256 access token (tests, local development, `npm run token`); production tokens come from the IdP. */
export async function signAccessToken(
  claims: AccessTokenClaims,
  secret: string,
  options: SignAccessTokenOptions = {},
): Promise<string> {
  assertSecretStrength(secret)
  const now = Math.floor(Date.now() / 1000)
  const jwt = new SignJWT({ org: claims.org, role: claims.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS))
  if (options.issuer) jwt.setIssuer(options.issuer)
  if (options.audience) jwt.setAudience(options.audience)
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore)
  return jwt.sign(new TextEncoder().encode(secret))
}
