/**
 * `npx tsx scripts/build.ts`: wrangler.toml's [build] command, run by wrangler before every `wrangler dev` (again on
 * every change under src/), `wrangler deploy` (also `--dry-run`: `npm run build`, `npm run bundle:check`),
 * `wrangler check startup` and `wrangler versions upload`:
 * 1. the Workers Static Assets: the /docs UI and the OpenAPI document, generated from src/ (scripts/docs-assets.ts,
 *    which vitest.config.ts runs alone: the tests run src/ itself);
 * 2. the Worker's copy of src/ without what only that document reads (scripts/lib/worker-source.ts), which
 *    wrangler.toml's `main` names and wrangler bundles.
 */
import './docs-assets'
import { fileURLToPath } from 'node:url'
import { WORKER_SOURCE_DIRECTORY, writeWorkerSource } from './lib/worker-source'

const worker = writeWorkerSource(fileURLToPath(new URL('..', import.meta.url)))
console.log(
  `worker source: ${worker.files} modules in ${WORKER_SOURCE_DIRECTORY} (${worker.written} written), without ` +
    `${worker.openapiCalls} .openapi(…) arguments, ${worker.routeTexts} route texts and ${worker.tableConfigs} ` +
    `tables' indexes, constraints and policies ` +
    `(${(worker.droppedChars / 1024).toFixed(1)} KiB of source)`,
)
