import type { Context } from 'hono'
import type { AppEnv } from '../../env'
import { log } from '../../lib/log'
import { DOCS_ASSETS_MANIFEST_PATH, type DocsAssetsManifest, parseDocsAssetsManifest } from './docs-assets'

/**
 * `GET /docs`: the interactive reference (Scalar), rendered in the browser from `/openapi.json`.
 *
 * Everything the page loads comes from this origin: the script is Scalar's standalone bundle, copied at build
 * time from the lockfile-pinned `@scalar/api-reference` into the Workers Static Assets directory (docs-assets.ts,
 * scripts/lib/docs-assets.ts), so the page works without internet access and no CDN can change what it runs.
 * The script's sha384 is computed by that build step and read here from its manifest (through the ASSETS
 * binding, once per isolate): the page states it as Subresource Integrity and the CSP allows that hash. To
 * upgrade: `npm install -D -E @scalar/api-reference@<version>`; nothing here changes.
 *
 * The page has no inline script: the bundle configures itself from the `#api-reference` element's
 * `data-configuration` (a JSON data block, never executed). A plain link to `/openapi.json` stays visible until
 * the reference has rendered (and for good when the script cannot run), with a `<noscript>` twin.
 */

/** Scalar's options: the document of this origin; no fonts, telemetry or AI chat from Scalar's servers. */
const SCALAR_CONFIGURATION = {
  url: '/openapi.json',
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  showDeveloperTools: 'never',
}

/**
 * Only same-origin scripts run, and only the pinned file at that (its hash; no inline script, no eval). The bundle
 * injects its stylesheet and Vue sets inline styles, hence `style-src 'unsafe-inline'` (styles only). Requests
 * (the document, "try it") go to this origin only, so bearer tokens typed into the page cannot be sent elsewhere.
 */
export function docsContentSecurityPolicy(manifest: DocsAssetsManifest | undefined): string {
  return [
    "default-src 'none'",
    ...(manifest ? [`script-src 'self' '${manifest.integrity}'`] : []),
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

const escapeAttribute = (value: string) =>
  value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')

export function docsPageHtml(manifest: DocsAssetsManifest | undefined): string {
  const status = manifest
    ? 'The interactive reference is loading. If it does not appear, read the OpenAPI 3.1 document itself:'
    : 'The interactive reference is not installed on this server. Read the OpenAPI 3.1 document itself:'
  const reference = manifest
    ? `
    <script id="api-reference" type="application/json" data-configuration="${escapeAttribute(JSON.stringify(SCALAR_CONFIGURATION))}"></script>
    <script src="${escapeAttribute(manifest.script)}" integrity="${manifest.integrity}" crossorigin="anonymous"></script>`
    : ''
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Organization API reference</title>
    <style>
      #docs-fallback { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; }
      body:has(.scalar-app) #docs-fallback { display: none; }
    </style>
  </head>
  <body>
    <main id="docs-fallback">
      <h1>Organization API reference</h1>
      <p>${status} <a href="/openapi.json">/openapi.json</a></p>
      <noscript><p>This page needs JavaScript. The OpenAPI document: <a href="/openapi.json">/openapi.json</a></p></noscript>
    </main>${reference}
  </body>
</html>
`
}

/** Per ASSETS binding (one per isolate in production): the manifest changes only with a deployment. */
const manifests = new WeakMap<Fetcher, DocsAssetsManifest>()

/** The build's manifest, read through the ASSETS binding; undefined when the deployment has no assets. */
async function docsAssetsManifest(c: Context<AppEnv>): Promise<DocsAssetsManifest | undefined> {
  const assets = c.env.ASSETS
  if (!assets) return undefined
  const known = manifests.get(assets)
  if (known) return known
  const response = await assets.fetch(new URL(DOCS_ASSETS_MANIFEST_PATH, c.req.url))
  if (!response.ok) {
    await response.body?.cancel()
    return undefined
  }
  const manifest = parseDocsAssetsManifest(await response.json().catch(() => undefined))
  if (manifest) manifests.set(assets, manifest)
  return manifest
}

export async function docsPage(c: Context<AppEnv>): Promise<Response> {
  const manifest = await docsAssetsManifest(c)
  if (!manifest) {
    // A deployment without its assets (the build step did not run): say so, and still lead to the document.
    log('error', 'docs assets missing', {
      requestId: c.get('requestId'),
      manifest: DOCS_ASSETS_MANIFEST_PATH,
    })
  }
  return c.html(docsPageHtml(manifest), manifest ? 200 : 503, {
    'Content-Security-Policy': docsContentSecurityPolicy(manifest),
  })
}
