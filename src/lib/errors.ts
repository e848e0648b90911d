import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { MAX_STORED_FREE_FORM_BYTES } from '../db/schema/helpers'

/** One invalid input location, as reported in validation problems. */
export interface FieldError {
  path: string
  message: string
}

/** RFC 9457 problem details, plus the stable machine-readable `code` every error of this API carries. */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  instance?: string
  requestId?: string
  /** On a 412: the resource's ETag now (RFC 9457 extension member). */
  currentEtag?: string
  errors?: FieldError[]
}

const PROBLEM_TYPE_BASE = 'https://errors.organization-api.dev/'

/**
 * The one error type route code throws. The error handler turns it into problem+json;
 * anything else that reaches the handler is logged and answered as an opaque 500.
 */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode
  readonly code: string
  readonly title: string
  readonly errors: FieldError[] | undefined
  readonly headers: Record<string, string>
  readonly currentEtag: string | undefined

  constructor(
    status: ContentfulStatusCode,
    code: string,
    title: string,
    detail: string,
    options: {
      errors?: FieldError[]
      headers?: Record<string, string>
      currentEtag?: string
      cause?: unknown
    } = {},
  ) {
    super(detail, { cause: options.cause })
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.title = title
    this.errors = options.errors
    this.headers = options.headers ?? {}
    this.currentEtag = options.currentEtag
  }
}

/** Constructors for the errors the API uses, so codes and titles stay consistent. */
export const errors = {
  badRequest: (code: string, detail: string) => new ApiError(400, code, 'Bad Request', detail),
  validation: (fieldErrors: FieldError[], detail = 'The request is invalid.') =>
    new ApiError(422, 'VALIDATION_FAILED', 'Unprocessable Content', detail, { errors: fieldErrors }),
  unauthorized: (code: string, detail: string, challenge = 'Bearer') =>
    new ApiError(401, code, 'Unauthorized', detail, { headers: { 'WWW-Authenticate': challenge } }),
  forbidden: (code: string, detail: string) => new ApiError(403, code, 'Forbidden', detail),
  notFound: (detail = 'The requested resource does not exist.') =>
    new ApiError(404, 'NOT_FOUND', 'Not Found', detail),
  conflict: (code: string, detail: string) => new ApiError(409, code, 'Conflict', detail),
  /** 412; with the resource's current ETag when there is one to compare (header and `currentEtag`). */
  preconditionFailed: (
    detail = 'The resource has changed since it was read (ETag mismatch).',
    currentEtag?: string,
  ) =>
    new ApiError(
      412,
      'PRECONDITION_FAILED',
      'Precondition Failed',
      detail,
      currentEtag ? { currentEtag, headers: { ETag: currentEtag } } : {},
    ),
  payloadTooLarge: (detail: string) => new ApiError(413, 'PAYLOAD_TOO_LARGE', 'Content Too Large', detail),
  unsupportedMediaType: (mediaTypes: readonly string[]) =>
    new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Unsupported Media Type',
      `Send the request body as ${mediaTypes.join(' or ')} (with that Content-Type header).`,
    ),
  methodNotAllowed: (method: string, path: string, allowed: readonly string[]) =>
    new ApiError(
      405,
      'METHOD_NOT_ALLOWED',
      'Method Not Allowed',
      `${path} does not support ${method}; it supports ${allowed.join(', ')}.`,
      { headers: { Allow: allowed.join(', ') } },
    ),
  unprocessable: (code: string, detail: string, fieldErrors?: FieldError[]) =>
    new ApiError(422, code, 'Unprocessable Content', detail, fieldErrors ? { errors: fieldErrors } : {}),
  unavailable: (detail: string, retryAfterSeconds = 1) =>
    new ApiError(503, 'SERVICE_UNAVAILABLE', 'Service Unavailable', detail, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    }),
  internal: () =>
    new ApiError(500, 'INTERNAL_ERROR', 'Internal Server Error', 'An unexpected error occurred.'),
  /**
   * Another computation of the organization's metrics is running (app_lock_metrics_recompute, or one this isolate
   * is running). It ends within its statement timeout (DATABASE_TIMEOUT_MS plus a margin: 5.5 s by default).
   */
  recomputeInProgress: () =>
    new ApiError(
      409,
      'RECOMPUTE_IN_PROGRESS',
      'Conflict',
      'A metrics computation of this organization is already running; retry when it is done.',
      { headers: { 'Retry-After': '5' } },
    ),
}

/** A deployment problem (credentials, an RLS-bypassing role): 503 for the caller, the detail only in logs. */
function misconfigured(reason: string): ApiError {
  return new ApiError(503, 'SERVICE_MISCONFIGURED', 'Service Unavailable', 'The service is misconfigured.', {
    headers: { 'Retry-After': '60' },
    cause: reason,
  })
}

export function toProblem(error: ApiError, requestId?: string, instance?: string): Problem {
  return {
    type: `${PROBLEM_TYPE_BASE}${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...(requestId ? { requestId } : {}),
    ...(error.currentEtag ? { currentEtag: error.currentEtag } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
  }
}

/** Writes an ApiError as `application/problem+json`. */
export function problemResponse(c: Context, error: ApiError): Response {
  const requestId = c.get('requestId') as string | undefined
  const body = toProblem(error, requestId, new URL(c.req.url).pathname)
  return c.json(body, error.status, { ...error.headers, 'Content-Type': 'application/problem+json' })
}

/** The fields of a Postgres error as `@neondatabase/serverless` exposes them (NeonDbError). */
interface PostgresErrorFields {
  code: string
  detail?: string
  constraint?: string
  table?: string
  column?: string
}

/** Finds the Postgres error in what drizzle/neon threw: batches throw it directly, single queries wrap it in `cause`. */
export function postgresErrorOf(error: unknown): PostgresErrorFields | undefined {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    if (typeof current === 'object' && 'code' in current && typeof current.code === 'string') {
      const code = current.code
      if (/^[0-9A-Z]{5}$/.test(code)) return current as PostgresErrorFields
    }
    current = current instanceof Error ? current.cause : undefined
  }
  return undefined
}

/**
 * True when the database could not be reached or answered outside the protocol (network failure, HTTP
 * 5xx from the SQL endpoint): the driver's NeonDbError without a SQLSTATE, possibly wrapped by drizzle.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    if (current.name === 'NeonDbError' && postgresErrorOf(current) === undefined) return true
    current = current.cause
  }
  return false
}

/**
 * Maps a Postgres error to the API's answer. Constraint names and SQL never reach the caller;
 * the codes `OA001`–`OA004` are raised by `app_begin_request` (see DATABASE.md).
 * `readOnly`: the request only reads (GET), so a data exception came from its parameters: 400, not 422.
 */
export function apiErrorFromPostgres(
  pg: PostgresErrorFields,
  options: { readOnly?: boolean } = {},
): ApiError {
  switch (pg.code) {
    case 'OA001':
      return errors.forbidden('ORGANIZATION_NOT_FOUND', 'The organization of this token does not exist.')
    case 'OA002':
      return errors.forbidden('ORGANIZATION_INACTIVE', 'The organization is suspended or cancelled.')
    case 'OA003':
      // The token verified, but its subject is no longer an active caller of that role: a revoked token.
      return errors.unauthorized(
        'PRINCIPAL_INACTIVE',
        'The caller is unknown, inactive or has another role.',
        'Bearer realm="organization-api", error="invalid_token", error_description="The token\'s subject is not an active caller"',
      )
    case 'OA010':
      // Handled by the idempotency middleware (a replay); this is what the log would say otherwise.
      return errors.conflict('IDEMPOTENT_REPLAY', 'This Idempotency-Key was already used for this request.')
    case 'OA020':
      // Refund creation decides again when the customer's refund facts changed (refunds.data.ts); only a bug
      // lets it through, and then it is what it is: a concurrent change.
      return errors.conflict('CONCURRENT_UPDATE', 'A concurrent request changed the same data; retry.')
    case 'OA011':
      return errors.unprocessable(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used for a different request; use a new key.',
      )
    case 'OA030':
      // Raised by the assignee triggers (DATABASE.md, "Assignment"): inactive people are never assigned.
      return errors.conflict(
        'REPRESENTATIVE_INACTIVE',
        'The representative’s user account is deactivated: inactive people are never assigned.',
      )
    case 'OA040':
      // app_lock_metrics_recompute: another computation of the organization's metrics holds its lock.
      return errors.recomputeInProgress()
    case 'OA050':
      // app_limit_active_decision_rules: a decision reads at most 1,000 applicable rules (refund-decision.ts).
      return errors.unprocessable(
        'RULE_LIMIT_REACHED',
        'An organization has at most 1000 active decision rules: deactivate or delete one first.',
      )
    case 'OA051':
      // app_limit_webhook_endpoints: each change fans out to every endpoint in its own transaction.
      return errors.unprocessable(
        'WEBHOOK_ENDPOINT_LIMIT_REACHED',
        'An organization has at most 20 webhook endpoints: delete one first.',
      )
    case 'OA004':
      return misconfigured('The API connects to the database with a role that can bypass row-level security.')
    case '23505':
      return errors.conflict('ALREADY_EXISTS', 'A resource with the same unique value already exists.')
    case '23503': {
      // A missing row names its referencing column by the constraint, `<table>_<column without _id>_fk`
      // (tenantForeignKey): the key's values are hidden under RLS ("Key is not present in table …"). A delete of a
      // row still referenced names none.
      const name = pg.detail?.includes('is not present') && pg.constraint?.replace(`${pg.table}_`, '')
      const column = /^([a-z_]+)_fk$/.exec(name || '')?.[1]
      return errors.unprocessable(
        'INVALID_REFERENCE',
        'A referenced resource does not exist.',
        column
          ? [
              {
                path: `${column.replace(/_(\w)/g, (_, letter: string) => letter.toUpperCase())}Id`,
                message: 'Not a resource of this organization.',
              },
            ]
          : undefined,
      )
    }
    case '23514': {
      // A merged free-form object over its stored cap (storedSizeCheck, src/db/schema/helpers.ts): on the field.
      const field = /_(settings|context|preferences)_size$/.exec(pg.constraint ?? '')?.[1]
      if (field) {
        return errors.validation([
          {
            path: field,
            message: `The merged ${field} would exceed ${MAX_STORED_FREE_FORM_BYTES} bytes: delete keys (null) to make room.`,
          },
        ])
      }
      return errors.unprocessable('CONSTRAINT_VIOLATION', 'The request violates a data constraint.')
    }
    case '23502':
    // 54000: a value too large for Postgres (e.g. an index row), which only input can cause here.
    case '54000':
      return errors.unprocessable('CONSTRAINT_VIOLATION', 'The request violates a data constraint.')
    case '42501':
      return errors.notFound()
    case '40001':
    case '40P01':
      return errors.conflict('CONCURRENT_UPDATE', 'A concurrent request changed the same data; retry.')
    default:
      // 22: a data exception (a value out of range, not valid for its type, untranslatable text): input caused
      // it — the schemas should have refused it first, so this is the backstop that keeps it a 4xx.
      // (22012, division by zero, is arithmetic in our own SQL: a bug, not input.)
      if (pg.code.startsWith('22') && pg.code !== '22012') {
        return options.readOnly
          ? errors.badRequest(
              'INVALID_PARAMETERS',
              'A request parameter has a value the database cannot use.',
            )
          : errors.unprocessable('CONSTRAINT_VIOLATION', 'The request violates a data constraint.')
      }
      // 28: the endpoint refused the API's credentials: our configuration, not the caller's fault.
      if (pg.code.startsWith('28')) return misconfigured('The database refused the API’s credentials.')
      // 08 connection, 53 resources, 57 operator intervention (statement timeout, shutdown): transient.
      if (/^(08|53|57)/.test(pg.code)) return errors.unavailable('The database is temporarily unavailable.')
      return errors.internal()
  }
}
