/**
 * `@asteasolutions/zod-to-openapi` as the Worker bundle sees it (wrangler.toml [alias], imported by
 * `@hono/zod-openapi`): the route registry and zod's `.openapi()` metadata, without the document generator
 * (≈8 KiB gzipped). The Worker never generates its OpenAPI document: the build step does (scripts/docs-assets.ts →
 * scripts/lib/openapi-asset.ts, run before every `wrangler dev`, deploy and dry run, and by vitest.config.ts), and
 * `GET /openapi.json` serves that file (src/lib/openapi-document.ts). Node (tests' helpers, scripts) keeps the real
 * package, generator included.
 */
// The package's own file (the bare specifier is this module in the Worker bundle); named imports, so the bundler
// keeps only these three and what they use.
export {
  extendZodWithOpenApi,
  getOpenApiMetadata,
  OpenAPIRegistry,
  // @ts-expect-error no declarations for the file path (the package's types are those of the bare specifier)
} from '../../node_modules/@asteasolutions/zod-to-openapi/dist/index.mjs'

function notInTheWorker(): never {
  throw new Error(
    'The OpenAPI generator is not part of the Worker bundle (src/bundle/zod-to-openapi.ts): the document is ' +
      'generated at build time and served from the assets (src/lib/openapi-document.ts)',
  )
}

export class OpenApiGeneratorV3 {
  constructor() {
    notInTheWorker()
  }
}
export class OpenApiGeneratorV31 {
  constructor() {
    notInTheWorker()
  }
}
