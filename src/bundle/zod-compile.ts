/**
 * zod's `z.compile` family as the Worker bundle sees it (wrangler.toml [alias]). The API validates with zod's
 * runtime parser and never compiles a schema (zod's parser only runs a compiled validator that `z.compile` put
 * there), but the namespace export keeps the ≈31 KiB compiler in the bundle. Calling it says why it is absent.
 */
const absent = (name: string) => (): never => {
  throw new Error(`${name} is not part of the Worker bundle (src/bundle/zod-compile.ts)`)
}

export const INVALID = Symbol.for('zod.compile.invalid')
export class ZodCompileAsyncError extends Error {}
export class ZodCompileUnsupportedError extends Error {}
export const compile = absent('z.compile')
export const withParser = absent('z.withParser')
export const compileFn = absent('compileFn')
