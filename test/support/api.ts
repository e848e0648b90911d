import { SELF } from 'cloudflare:test'

export interface ApiRequest {
  method?: string
  token?: string
  body?: unknown
  headers?: Record<string, string>
}

/** Calls the Worker under test (through its real fetch handler, middleware included). */
export async function api(path: string, request: ApiRequest = {}): Promise<Response> {
  const headers = new Headers(request.headers)
  if (request.token) headers.set('Authorization', `Bearer ${request.token}`)
  let body: string | undefined
  if (request.body !== undefined) {
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body)
    if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/json')
  }
  return SELF.fetch(`http://api.test${path}`, { method: request.method ?? 'GET', headers, body })
}

/** Reads a JSON body with a type for the test's convenience (the test asserts its shape). */
export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T
}
