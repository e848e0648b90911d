/**
 * `npx tsx scripts/docs-assets.ts`: the /docs UI into the Workers Static Assets directory (scripts/lib/docs-assets.ts).
 * wrangler.toml's [build] command, so every `wrangler dev`, `wrangler deploy` and `wrangler versions upload` has it.
 */
import { relative } from 'node:path'
import { prepareDocsAssets } from './lib/docs-assets'

const { manifest, directory, written } = prepareDocsAssets()
const where = relative(process.cwd(), directory)
console.log(
  written.length
    ? `docs assets: ${manifest.package}@${manifest.version} → ${where}${manifest.script} (${manifest.integrity})`
    : `docs assets: ${manifest.package}@${manifest.version} in ${where}, up to date`,
)
