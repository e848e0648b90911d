import type { Context } from 'hono'
import type { AppEnv } from '../../env'

/**
 * `GET /docs`: the interactive reference (Scalar), rendered in the browser from `/openapi.json`.
 *
 * The script is one pinned file with Subresource Integrity: a CDN or package compromise cannot change the code
 * this page runs. To upgrade, pick a version, then
 *   npm pack @scalar/api-reference@<version>   (and untar it)
 *   openssl dgst -sha384 -binary package/dist/browser/standalone.js | openssl base64 -A
 * and update both constants below (test/system/docs.test.ts checks the page uses them).
 *
 * The page has no inline script: the standalone bundle configures itself from the `#api-reference` element's
 * `data-url` (a JSON data block, which is never executed), so the CSP allows exactly one script URL.
 */
export const SCALAR_VERSION = '1.76.0'
export const SCALAR_SCRIPT_URL = `https://cdn.jsdelivr.net/npm/@scalar/api-reference@${SCALAR_VERSION}/dist/browser/standalone.js`
export const SCALAR_SCRIPT_INTEGRITY =
  'sha384-oH1C0RwqcwbVXkC+r8A+4qRoyEUQdtxAzOwumkxZtQBBcsy61FOoPt7B50OVJYYQ'

/**
 * Only the pinned script runs (no inline script, no eval). The bundle injects its stylesheet and Vue sets
 * inline styles, hence `style-src 'unsafe-inline'` (styles only); its fonts come from fonts.scalar.com.
 * Requests (the document, "try it") go to this origin only, so bearer tokens typed into the page cannot
 * be sent elsewhere.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${SCALAR_SCRIPT_URL}`,
  "style-src 'unsafe-inline'",
  'font-src https://fonts.scalar.com',
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Organization API reference</title>
  </head>
  <body>
    <script id="api-reference" type="application/json" data-url="/openapi.json"></script>
    <script src="${SCALAR_SCRIPT_URL}" integrity="${SCALAR_SCRIPT_INTEGRITY}" crossorigin="anonymous"></script>
  </body>
</html>
`

export function docsPage(c: Context<AppEnv>): Response {
  return c.html(page, 200, { 'Content-Security-Policy': DOCS_CONTENT_SECURITY_POLICY })
}
