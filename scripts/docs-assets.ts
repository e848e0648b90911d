/**
 * `npx tsx scripts/docs-assets.ts`: the /docs UI and the OpenAPI document into the Workers Static Assets directory
 * (scripts/lib/docs-assets.ts, scripts/lib/openapi-asset.ts).
 * wrangler.toml's [build] command, so every `wrangler dev`, `wrangler deploy` and `wrangler versions upload` has it.
 */
import { relative } from 'node:path'
import { prepareDocsAssets } from './lib/docs-assets'

const { manifest, directory, written } = prepareDocsAssets()
const where = relative(process.cwd(), directory)
console.log(
  written.length
    ? `docs assets: ${manifest.package}@${manifest.version} (${manifest.integrity}) and the OpenAPI document in ` +
        `${where}; written: ${written.map((file) => relative(directory, file)).join(', ')}`
    : `docs assets: ${manifest.package}@${manifest.version} and the OpenAPI document in ${where}, up to date`,
)
