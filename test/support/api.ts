import { SELF } from 'cloudflare:test'
import { type OpenApiDocument, ResponseContract } from '../contract/response-contract'

export interface ApiRequest {
  method?: string
  token?: string
  body?: unknown
  headers?: Record<string, string>
}

/**
 * Calls the Worker under test (through its real fetch handler, middleware included). Every answer is checked
 * against the served OpenAPI document (test/contract/response-contract.ts): a status, header or body the
 * document does not declare fails the test that received it.
 */
export async function api(path: string, request: ApiRequest = {}): Promise<Response> {
  const headers = new Headers(request.headers)
  if (request.token) headers.set('Authorization', `Bearer ${request.token}`)
  let body: string | undefined
  if (request.body !== undefined) {
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body)
    if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/json')
  }
  return checkedFetch(`http://api.test${path}`, { method: request.method ?? 'GET', headers, body })
}

/** `SELF.fetch` with the contract check: for clients that bring their own request (e.g. hono/client). */
export async function checkedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init)
  return checkContract(request.method, request.url, await SELF.fetch(request))
}

let contract: Promise<ResponseContract> | undefined

/** The served document, read once per test file (each file has its own module instance). */
function servedContract(): Promise<ResponseContract> {
  contract ??= SELF.fetch('http://api.test/openapi.json').then(async (response) => {
    if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`)
    return new ResponseContract((await response.json()) as OpenApiDocument)
  })
  return contract
}

/**
 * Throws when `response` (the answer to `method url`) is not as the served document declares it; else returns it
 * unread (the check reads a clone).
 */
export async function checkContract(method: string, url: string, response: Response): Promise<Response> {
  const [checker, body] = await Promise.all([servedContract(), response.clone().text()])
  const violations = checker.violationsOf({
    method,
    url,
    status: response.status,
    headers: response.headers,
    body,
  })
  if (violations.length > 0) {
    throw new Error(`The answer departs from the served OpenAPI document:\n- ${violations.join('\n- ')}`)
  }
  return response
}

/** Reads a JSON body with a type for the test's convenience (the test asserts its shape). */
export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T
}

/** JSON as Python's `json.dumps` (and so `requests.post(json=…)`) writes it by default: non-ASCII as `\uXXXX`. */
export const asciiJson = (value: unknown) =>
  JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
