/**
 * zod's entry points `zod` and `zod/v4` as the Worker bundle sees them (wrangler.toml [alias]): every named export
 * as is, and a `z` object with only the members the code calls. zod's own `z` is its whole namespace, and a
 * namespace used as a value (@hono/zod-openapi hands `z` to zod-to-openapi and re-exports it; src/lib/schemas.ts
 * hands it to drizzle-zod) keeps every schema type, format and helper zod has (≈40 KiB more). Named imports and
 * `import * as z` accessed by property (the MCP SDK's) are unaffected: they tree-shake as usual.
 *
 * Who reads members of this object: src/ (`z.<member>`), drizzle-zod (the `zodInstance` src/lib/schemas.ts gives it)
 * and zod-to-openapi's extendZodWithOpenApi (`ZodType`). `npm run bundle:check` fails when one of them reads a
 * member zod has and this object lacks (scripts/bundle-check.ts, zodMembersMissing): add it to `z` below.
 */
import * as zod from '../../node_modules/zod/v4/classic/external.js'

export * from '../../node_modules/zod/v4/classic/external.js'

export const z = {
  any: zod.any,
  array: zod.array,
  bigint: zod.bigint,
  boolean: zod.boolean,
  coerce: zod.coerce,
  custom: zod.custom,
  date: zod.date,
  email: zod.email,
  enum: zod.enum,
  guid: zod.guid,
  int: zod.int,
  iso: zod.iso,
  json: zod.json,
  lazy: zod.lazy,
  literal: zod.literal,
  null: zod.null,
  number: zod.number,
  object: zod.object,
  output: zod.output,
  preprocess: zod.preprocess,
  record: zod.record,
  strictObject: zod.strictObject,
  string: zod.string,
  tuple: zod.tuple,
  union: zod.union,
  unknown: zod.unknown,
  url: zod.url,
  uuid: zod.uuid,
  ZodObject: zod.ZodObject,
  ZodPipe: zod.ZodPipe,
  ZodType: zod.ZodType,
  ZodUUID: zod.ZodUUID,
}

export default z
