/**
 * Populates the Workers Static Assets directory (wrangler.toml [assets] `directory`) with the `/docs` UI:
 * Scalar's standalone browser bundle from the installed `@scalar/api-reference` (the version package-lock.json
 * pins), a manifest with its sha384, and a `_headers` file. Run by wrangler's [build] command before every
 * `wrangler dev`, `wrangler deploy` (also `--dry-run`, so `npm run build`) and `wrangler versions upload`, and by
 * vitest.config.ts before the tests. The OpenAPI document, generated here (scripts/lib/openapi-asset.ts), is written
 * beside them: the Worker serves it at /openapi.json without a generator of its own. Idempotent: a file is rewritten only when its content changes (wrangler dev
 * re-runs the build on source changes), and files of other versions are removed.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { OPENAPI_DOCUMENT_ASSET_PATH } from '../../src/lib/openapi-document'
import {
  DOCS_ASSETS_MANIFEST_PATH,
  DOCS_ASSETS_PATH,
  type DocsAssetsManifest,
} from '../../src/resources/docs/docs-assets'
import { openApiDocumentAsset } from './openapi-asset'

/** wrangler.toml [assets] `directory` (git-ignored: generated). */
export const ASSETS_DIRECTORY = 'build/assets'

const PACKAGE = '@scalar/api-reference'
/** The self-contained bundle (one file, no chunks loaded at run time). */
const BUNDLE = 'dist/browser/standalone.js'

/** Cloudflare's `_headers` for the assets: the script's name carries its version, so it may be cached for good. */
const HEADERS = `${DOCS_ASSETS_PATH}/scalar-*
  Cache-Control: public, max-age=31536000, immutable
  X-Content-Type-Options: nosniff
${DOCS_ASSETS_MANIFEST_PATH}
  X-Content-Type-Options: nosniff
${OPENAPI_DOCUMENT_ASSET_PATH}
  X-Content-Type-Options: nosniff
`

export function sha384Integrity(bytes: Uint8Array): string {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`
}

function writeIfChanged(file: string, content: Uint8Array | string): boolean {
  const bytes = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content)
  if (existsSync(file) && readFileSync(file).equals(bytes)) return false
  writeFileSync(file, bytes)
  return true
}

/** The installed version, refused when it is not the one package-lock.json pins (run `npm ci`). */
function installedVersion(root: string): string {
  const installed = JSON.parse(readFileSync(join(root, 'node_modules', PACKAGE, 'package.json'), 'utf8')) as {
    version: string
  }
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, { version?: string }>
  }
  const locked = lock.packages?.[`node_modules/${PACKAGE}`]?.version
  if (locked !== installed.version) {
    throw new Error(
      `${PACKAGE}: node_modules has ${installed.version}, package-lock.json pins ${locked ?? 'nothing'}: run npm ci`,
    )
  }
  return installed.version
}

export interface PreparedDocsAssets {
  manifest: DocsAssetsManifest
  directory: string
  /** Files written by this run (none when everything was up to date). */
  written: string[]
}

export function prepareDocsAssets(root = process.cwd()): PreparedDocsAssets {
  const version = installedVersion(root)
  const bundle = readFileSync(join(root, 'node_modules', PACKAGE, BUNDLE))
  const name = `scalar-api-reference-${version}.js`
  const manifest: DocsAssetsManifest = {
    package: PACKAGE,
    version,
    script: `${DOCS_ASSETS_PATH}/${name}`,
    integrity: sha384Integrity(bundle),
  }

  const directory = resolve(root, ASSETS_DIRECTORY)
  const docsDirectory = join(directory, ...DOCS_ASSETS_PATH.split('/').filter(Boolean))
  mkdirSync(docsDirectory, { recursive: true })
  const files: Array<[string, Uint8Array | string]> = [
    [join(docsDirectory, name), bundle],
    [
      join(directory, ...DOCS_ASSETS_MANIFEST_PATH.split('/').filter(Boolean)),
      `${JSON.stringify(manifest, null, 2)}\n`,
    ],
    [join(directory, ...OPENAPI_DOCUMENT_ASSET_PATH.split('/').filter(Boolean)), openApiDocumentAsset()],
    [join(directory, '_headers'), HEADERS],
  ]
  const written = files.filter(([file, content]) => writeIfChanged(file, content)).map(([file]) => file)
  const kept = new Set(files.map(([file]) => file))
  for (const entry of readdirSync(docsDirectory)) {
    if (!kept.has(join(docsDirectory, entry)))
      rmSync(join(docsDirectory, entry), { recursive: true, force: true })
  }
  return { manifest, directory, written }
}
