import { HonoBase } from 'hono/hono-base'
import { PatternRouter } from 'hono/router/pattern-router'

/**
 * hono's `Hono` as the Worker bundle sees it (wrangler.toml [alias]: hono's own import of `./hono.js`). hono's class
 * differs from HonoBase only in its default router, SmartRouter over RegExpRouter and TrieRouter, which a bundler
 * must keep because the constructor names it. Every router here is given a StrictPatternRouter (createRouter,
 * src/lib/openapi.ts: the tests run with it); this default, never used, is its base.
 */
export class Hono extends HonoBase {
  constructor(options: ConstructorParameters<typeof HonoBase>[0] = {}) {
    super(options)
    this.router = options.router ?? new PatternRouter()
  }
}
