import type { Params, Result, Router } from 'hono/router'
import { PatternRouter } from 'hono/router/pattern-router'

/**
 * hono's PatternRouter (one RegExp per route, tried in registration order: the handlers and order hono's default
 * SmartRouter gives, for microseconds per request over this API's routes), made strict about a trailing slash as the
 * default router is: PatternRouter lets `/v1/users/` reach `/v1/users`, but a path the document does not name is
 * 404 (or 405). So a path ending in `/` reaches only wildcard routes (middleware), never an operation. Why not the
 * default: its SmartRouter, RegExpRouter and TrieRouter weigh 2.4 KiB of the Worker's gzip (src/bundle/hono.ts).
 */
export class StrictPatternRouter<T> implements Router<T> {
  readonly name = 'StrictPatternRouter'
  readonly #inner = new PatternRouter<{ handler: T; exact: boolean }>()

  add(method: string, path: string, handler: T): void {
    this.#inner.add(method, path, { handler, exact: !path.endsWith('*') })
  }

  match(method: string, path: string): Result<T> {
    const trailingSlash = path.length > 1 && path.endsWith('/')
    const [found] = this.#inner.match(method, path) as [[{ handler: T; exact: boolean }, Params][]]
    return [
      found
        .filter(([route]) => !(trailingSlash && route.exact))
        .map(([route, params]): [T, Params] => [route.handler, params]),
    ]
  }
}
