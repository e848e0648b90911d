/**
 * zod's `locales` module as the Worker bundle sees it (wrangler.toml [alias]): English only. zod exposes every
 * locale through its namespace (`z.locales.*`), and @hono/zod-openapi passes that namespace around whole, so
 * esbuild keeps all ~40 of them (≈280 KiB) although the API speaks English only. `z.locales.en` still works.
 */
export { default as en } from 'zod/v4/locales/en.js'
