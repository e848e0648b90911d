/**
 * zod's `z.fromJSONSchema` as the Worker bundle sees it (wrangler.toml [alias]): the API builds its schemas in
 * code and never from JSON Schema, but the namespace export keeps the ≈12 KiB converter in the bundle.
 */
export function fromJSONSchema(): never {
  throw new Error('z.fromJSONSchema is not part of the Worker bundle (src/bundle/zod-from-json-schema.ts)')
}
