/**
 * hono's cookie helper as the Worker bundle sees it (wrangler.toml [alias]: hono's validator's import of
 * `../helper/cookie/index.js`). The validator reads cookies only for a route that validates a `cookie` target, and no
 * route declares a cookie parameter (callers authenticate with a bearer token; test/openapi.test.ts holds the document
 * to that). Reading one fails loudly.
 */
export function getCookie(): never {
  throw new Error(
    'No route reads cookies: hono’s cookie helper is not in the Worker bundle (src/bundle/hono-cookie.ts)',
  )
}
