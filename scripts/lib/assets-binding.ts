/**
 * The ASSETS binding for the app run in Node (scripts): the files of wrangler.toml's [assets] directory, as the
 * binding serves them to the Worker. `GET /openapi.json` needs it: the Worker serves the document the build step
 * wrote there (src/lib/openapi-document.ts).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'smol-toml'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export function assetsBinding(): Fetcher {
  const config = parse(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')) as { assets: { directory: string } }
  const fetch = async (input: RequestInfo | URL): Promise<Response> => {
    const { pathname } = new URL(input instanceof Request ? input.url : input)
    const file = join(ROOT, config.assets.directory, ...pathname.split('/').filter(Boolean))
    return existsSync(file) ? new Response(readFileSync(file)) : new Response('Not Found', { status: 404 })
  }
  return { fetch } as unknown as Fetcher
}
