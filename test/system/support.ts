import { env } from 'cloudflare:test'
import { vi } from 'vitest'
import { createApp } from '../../src/app'
import type { Bindings } from '../../src/env'
import { checkContract } from '../support/api'

const app = createApp()

/**
 * Calls a fresh instance of the app with the test Worker's bindings plus overrides (e.g. another DATABASE_URL); the
 * answer is checked against the served OpenAPI document like every `api()` answer.
 */
export function callWith(
  overrides: Partial<Bindings>,
  path: string,
  init: RequestInit & { token?: string } = {},
): Promise<Response> {
  const { token, ...rest } = init
  const headers = new Headers(rest.headers)
  if (token) headers.set('Authorization', `Bearer ${token}`)
  const url = `http://api.test${path}`
  return Promise.resolve(app.request(url, { ...rest, headers }, { ...env, ...overrides })).then((response) =>
    checkContract(rest.method ?? 'GET', url, response),
  )
}

/** Captures the structured log lines written with console.error while `fn` runs. */
export async function errorLogsOf<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; logs: Array<Record<string, unknown>> }> {
  const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
  try {
    const result = await fn()
    const logs = spy.mock.calls.flatMap(([line]) => {
      try {
        return [JSON.parse(String(line)) as Record<string, unknown>]
      } catch {
        return []
      }
    })
    return { result, logs }
  } finally {
    spy.mockRestore()
  }
}
