/**
 * The local development credentials: what `npm run dev` gives `wrangler dev` and what `npm run token` signs with.
 * Both read them the same way (`devSetting`): the environment, else `.dev.vars` (what a plain `wrangler dev`
 * reads), else the defaults below (a fresh clone). One definition, so the two always agree. Local only:
 * deployments get theirs from `wrangler secret put`.
 */
import { existsSync, readFileSync } from 'node:fs'

export const DEV_AUTH_JWT_SECRET = 'dev-secret-change-me-at-least-32-characters'
export const DEV_PLATFORM_API_KEY = 'dev-platform-key'

/** `.dev.vars` as wrangler reads it: KEY=VALUE lines, optionally quoted. */
export function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line)
    if (match?.[1] && match[2] !== undefined) vars[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2')
  }
  return vars
}

/** A setting from the environment, else from `.dev.vars` in the working directory. */
export function devSetting(name: string): string | undefined {
  const fromEnv = process.env[name]?.trim()
  if (fromEnv) return fromEnv
  return existsSync('.dev.vars')
    ? parseDevVars(readFileSync('.dev.vars', 'utf8'))[name] || undefined
    : undefined
}

/** The HS256 secret of local runs: AUTH_JWT_SECRET from the environment or `.dev.vars`, else the default. */
export function devAuthSecret(): string {
  return devSetting('AUTH_JWT_SECRET') ?? DEV_AUTH_JWT_SECRET
}

/** The platform key of local runs: PLATFORM_API_KEY from the environment or `.dev.vars`, else the default. */
export function devPlatformKey(): string {
  return devSetting('PLATFORM_API_KEY') ?? DEV_PLATFORM_API_KEY
}
