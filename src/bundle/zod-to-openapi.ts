/**
 * `@asteasolutions/zod-to-openapi` as the Worker bundle sees it (wrangler.toml [alias], imported by
 * `@hono/zod-openapi`). The Worker never generates its OpenAPI document: the build step does (scripts/docs-assets.ts
 * → scripts/lib/openapi-asset.ts, run before every `wrangler dev`, deploy and dry run, by vitest.config.ts and by
 * `npm run contract:check`), with the real package, and `GET /openapi.json` serves that file
 * (src/lib/openapi-document.ts). So the Worker needs none of the package's document metadata either:
 *
 * - `.openapi(…)` returns the schema itself. The package's version clones the schema (a full zod construction) and
 *   wraps eight of its methods, for every call, at module evaluation: the largest share of the Worker's startup
 *   after zod itself. Validation never reads that metadata (zod parses by the schema's definition alone), and nothing
 *   of the Worker reads it (GraphQL's descriptions are zod's own `.describe()`, MCP's tools come from the document).
 *   Because it is the identity, the Worker's copy of src/ drops its arguments altogether (scripts/lib/worker-source.ts):
 *   should `.openapi` ever read them in the Worker, that transform must go too.
 * - The route registry keeps what the Worker reads of it: each route's method and path (the 405 `Allow` header,
 *   src/app.ts), and what @hono/zod-openapi's `route()` merges from a sub-router.
 * - The generators throw: nothing in the Worker may generate a document.
 *
 * Node (tests' helpers, scripts, the build step) imports the real package, generator and metadata included;
 * `npm run bundle:check` checks that the bundled Worker answers as the source does (a validation error included) and
 * serves the build's document byte for byte.
 */

type Definition =
  | { type: 'route'; route: unknown }
  | { type: 'webhook'; webhook: unknown }
  | { type: 'schema'; schema: unknown }
  | { type: 'parameter'; schema: unknown }
  | { type: 'component'; componentType: string; name: string; component: unknown }

export class OpenAPIRegistry {
  private readonly own: Definition[] = []

  constructor(private readonly parents?: OpenAPIRegistry[]) {}

  get definitions(): Definition[] {
    return [...(this.parents?.flatMap((parent) => parent.own) ?? []), ...this.own]
  }

  register<T>(_refId: string | undefined, schema: T): T {
    this.own.push({ type: 'schema', schema })
    return schema
  }

  registerParameter<T>(_refId: string | undefined, schema: T): T {
    this.own.push({ type: 'parameter', schema })
    return schema
  }

  registerPath(route: unknown): void {
    this.own.push({ type: 'route', route })
  }

  registerWebhook(webhook: unknown): void {
    this.own.push({ type: 'webhook', webhook })
  }

  registerComponent(componentType: string, name: string, component: unknown) {
    this.own.push({ type: 'component', componentType, name, component })
    return { name, ref: { $ref: `#/components/${componentType}/${name}` } }
  }
}

/** `.openapi(…)` on every zod schema: the schema itself (see above). */
export function extendZodWithOpenApi(zod: { ZodType: { prototype: object } }): void {
  const prototype = zod.ZodType.prototype as { openapi?: unknown }
  if (prototype.openapi !== undefined) return
  prototype.openapi = function openapi(this: unknown) {
    return this
  }
}

/** No schema carries document metadata in the Worker. */
export function getOpenApiMetadata(_schema: unknown): Record<string, unknown> {
  return {}
}

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
