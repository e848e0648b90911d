import { env } from 'cloudflare:test'
import { ownerSql } from '../support/db'

/**
 * Helpers of the neon-local conformance tests. Each test file works in a schema of its own, with a unique name,
 * so the files are independent of the app schema and of each other; the schema is dropped afterwards.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`
}

/** Creates a schema for one test file (usable by app_api) and returns it with a cleanup. */
export async function createTestSchema(prefix: string): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = uniqueName(prefix)
  await ownerSql.query(`create schema ${schema}`)
  await ownerSql.query(`grant usage on schema ${schema} to app_api`)
  return { schema, drop: async () => void (await ownerSql.query(`drop schema ${schema} cascade`)) }
}

/** The local endpoint's SQL URL, for requests the driver would never send. */
export function sqlEndpoint(): string {
  return new URL('/sql', env.TEST_NEON_LOCAL_URL).toString()
}

/** A connection string like the owner's but for another user and/or tagged with an application_name. */
export function connectionStringFor(options: { user?: string; applicationName?: string }): string {
  const url = new URL(env.TEST_OWNER_DATABASE_URL)
  if (options.user) url.username = encodeURIComponent(options.user)
  if (options.applicationName) url.searchParams.set('application_name', options.applicationName)
  return url.toString()
}

/** POSTs a body to the endpoint with the driver's headers (overridable), as the driver would. */
export async function postSql(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(sqlEndpoint(), {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: {
      'Neon-Connection-String': env.TEST_OWNER_DATABASE_URL,
      'Neon-Raw-Text-Output': 'true',
      'Neon-Array-Mode': 'true',
      ...headers,
    },
  })
}

/** Runs `fn` and returns what it threw (failing the test if it did not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await fn()
  } catch (error) {
    return error as Record<string, unknown>
  }
  throw new Error('expected an error, none was thrown')
}
