import type { Principal } from './auth/principal'
import type { IdempotencyClaim, TenantDb } from './db/tenant'
import type { RateLimitBindings } from './lib/rate-limits'
import type { DocsAssetsBindings } from './resources/docs/docs-assets'

/** Worker bindings: `wrangler.toml` [vars] plus secrets (`.dev.vars` locally, `wrangler secret` in Cloudflare). */
export interface Bindings {
  APP_ENV: string
  /** Connection string of the Worker's database role (not the owner: RLS applies to it). */
  DATABASE_URL: string
  /** Deadline of every database round trip, in milliseconds; default 5000. */
  DATABASE_TIMEOUT_MS?: string
  /** HS256 secret for local development and tests; ignored when AUTH_JWKS_URL is set. */
  AUTH_JWT_SECRET?: string
  /** JWKS of the identity provider; when set, AUTH_ISSUER and AUTH_AUDIENCE are required. */
  AUTH_JWKS_URL?: string
  AUTH_ISSUER?: string
  AUTH_AUDIENCE?: string
  /** Longest accepted access-token lifetime (`exp − iat`), in seconds; default 86400. */
  AUTH_MAX_TOKEN_LIFETIME_SECONDS?: string
  /** Credential of platform operations (provisioning organizations). */
  PLATFORM_API_KEY?: string
  /** Comma-separated origins allowed by CORS. */
  CORS_ORIGINS?: string
  /** `on`; `off` disables the rate limits, honored only when APP_ENV is development or test (local load tests). */
  RATE_LIMITS?: string
}

/** The rate-limiting bindings, RATE_LIMIT_<PLAN>_<SCOPE> (wrangler.toml `ratelimits`; see lib/rate-limits.ts). */
export interface Bindings extends RateLimitBindings {}

/** Workers Static Assets (wrangler.toml [assets]): the /docs UI's files and their manifest (resources/docs). */
export interface Bindings extends DocsAssetsBindings {}

/** The R2 bucket of message attachments (wrangler.toml r2_buckets; resources/messages/attachments.ts). */
export interface Bindings extends AttachmentsBindings {}
interface AttachmentsBindings {
  /** Private: objects are read only through the API, under tenant-prefixed keys. Missing: attachments answer 503. */
  ATTACHMENTS?: R2Bucket
}

/**
 * Per-request values set by middleware. `principal` and `tenantDb` exist only on routes declared with
 * `protectedRoute`; handlers reach them through `authorized(c)`, which refuses when they are missing.
 */
export interface Variables {
  requestId: string
  principal?: Principal
  tenantDb?: TenantDb
  /** The request's Idempotency-Key claim (POST with the header), for its TenantDb. */
  idempotency?: IdempotencyClaim
  /** Database round trips of this request so far (counted by databaseDeadline, logged by requestLog). */
  databaseRoundTrips?: number
  /** The operation a protocol request ran for its caller (an MCP tool call: operationId and REST status), logged. */
  operation?: { operationId: string; status: number }
}

export interface AppEnv {
  Bindings: Bindings
  Variables: Variables
}
