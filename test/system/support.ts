import { env } from 'cloudflare:test'
import { vi } from 'vitest'
import { createApp } from '../../src/app'
import type { Bindings } from '../../src/env'

const app = createApp()

/** Calls a fresh instance of the app with the test Worker's bindings plus overrides (e.g. another DATABASE_URL). */
export function callWith(
  overrides: Partial<Bindings>,
  path: string,
  init: RequestInit & { token?: string } = {},
): Promise<Response> {
  const { token, ...rest } = init
  const headers = new Headers(rest.headers)
  if (token) headers.set('Authorization', `Bearer ${token}`)
  return Promise.resolve(
    app.request(`http://api.test${path}`, { ...rest, headers }, { ...env, ...overrides }),
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
