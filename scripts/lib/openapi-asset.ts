/**
 * The OpenAPI document as the Worker serves it, generated at build time: the Worker bundle has no generator
 * (src/bundle/zod-to-openapi.ts), and `GET /openapi.json` reads this file through the ASSETS binding and fills in
 * `servers` with its own origin (src/lib/openapi-document.ts). Written into the Workers Static Assets directory by
 * scripts/lib/docs-assets.ts (wrangler.toml's [build] command, before every `wrangler dev` — again on every source
 * change — deploy, dry run and `versions upload`, and by vitest.config.ts before the tests), so the document is
 * always the build's own. test/system/openapi-etag.test.ts and `npm run bundle:check` compare it with the generator's
 * output for the source.
 */
import { createApp, openApiInfo } from '../../src/app'

/** The generator's document for the routes, with `servers` left for the Worker to fill in. */
export function openApiDocumentAsset(): string {
  const document = createApp().getOpenAPI31Document(openApiInfo)
  return `${JSON.stringify({ ...document, servers: [] })}\n`
}
