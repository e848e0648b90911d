/**
 * The `/docs` UI's static files: Scalar's standalone bundle, copied from the lockfile-pinned npm package
 * `@scalar/api-reference` into the Workers Static Assets directory (wrangler.toml [assets]) by
 * scripts/lib/docs-assets.ts, with a manifest that records its sha384 (computed there, at build time). Cloudflare
 * serves these files from the Worker's own origin; none of them is part of the Worker's JS bundle.
 */

/** URL path of the UI's files; the same path below the assets directory. */
export const DOCS_ASSETS_PATH = '/docs/assets'

/** Written next to the script at build time; the Worker reads it through the ASSETS binding. */
export const DOCS_ASSETS_MANIFEST_PATH = `${DOCS_ASSETS_PATH}/manifest.json`

export interface DocsAssetsManifest {
  /** The npm package the script was copied from, and its installed (lockfile) version. */
  package: string
  version: string
  /** Same-origin URL path of the script, versioned, e.g. `/docs/assets/scalar-api-reference-1.76.4.js`. */
  script: string
  /** Subresource Integrity of the script's bytes: `sha384-<base64>`. */
  integrity: string
}

/** The manifest's shape, checked: a broken or foreign file never reaches the page or its CSP. */
export function parseDocsAssetsManifest(value: unknown): DocsAssetsManifest | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { package: name, version, script, integrity } = value as Record<string, unknown>
  if (typeof name !== 'string' || typeof version !== 'string') return undefined
  if (typeof script !== 'string' || !script.startsWith(`${DOCS_ASSETS_PATH}/`) || !/^[\w./-]+$/.test(script))
    return undefined
  if (typeof integrity !== 'string' || !/^sha384-[A-Za-z0-9+/]{64}$/.test(integrity)) return undefined
  return { package: name, version, script, integrity }
}

export interface DocsAssetsBindings {
  /** Absent where the Worker runs without its assets (then /docs says so and links the document). */
  ASSETS?: Fetcher
}
