/**
 * `npm run token -- --org acme --role ADMIN [--user admin@acme.example] [--expires 3600]`
 * prints an HS256 access token for a seeded user (or, for AGENT, a seeded ACTIVE agent configuration).
 * The secret comes from AUTH_JWT_SECRET, else `.dev.vars`, else the development default that `npm run dev` uses
 * (scripts/lib/dev-defaults.ts): a fresh clone needs no setup. `--expires` may not exceed the API's cap,
 * AUTH_MAX_TOKEN_LIFETIME_SECONDS (environment or `.dev.vars`; default 86400): the API refuses longer tokens.
 */
import { existsSync, readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { maxTokenLifetimeSeconds, signAccessToken } from '../src/auth/jwt'
import { type PrincipalRole, principalRoles } from '../src/auth/principal'
import { DEV_AUTH_JWT_SECRET } from './lib/dev-defaults'
import { seedAgentConfigurations, seedOrganizations, seedUsers } from './seed/data'

export interface SeedToken {
  /** Organization slug. */
  org: string
  role: PrincipalRole
  /** The user's email, or the agent configuration's name for AGENT. */
  who: string
  token: string
}

interface TokenSubject {
  id: string
  who: string
}

const USAGE = 'usage: npm run token -- --org <slug> --role <ROLE> [--user <email>] [--expires <seconds>]'

/** The first seeded subject of a role in an organization; `who` narrows it to one email (or agent name). */
function findSubject(organizationId: string, role: PrincipalRole, who?: string): TokenSubject | undefined {
  const matches = (candidate: string) => who === undefined || candidate.toLowerCase() === who.toLowerCase()
  if (role === 'AGENT') {
    const agent = seedAgentConfigurations.find(
      (a) => a.organizationId === organizationId && a.status === 'ACTIVE' && matches(a.name),
    )
    return agent?.id ? { id: agent.id, who: agent.name } : undefined
  }
  const user = seedUsers.find(
    (u) => u.organizationId === organizationId && u.role === role && matches(u.email),
  )
  return user?.id ? { id: user.id, who: user.email } : undefined
}

/** Seed rows are insert types whose ids are optional; the seed always fixes them. */
function organizations(): Array<{ id: string; slug: string }> {
  return seedOrganizations.flatMap((o) => (o.id ? [{ id: o.id, slug: o.slug }] : []))
}

/** One token per seeded role per seeded organization (roles without a seeded subject are skipped). */
export async function mintSeedTokens(secret: string, expiresInSeconds = 3600): Promise<SeedToken[]> {
  const tokens: SeedToken[] = []
  for (const org of organizations()) {
    for (const role of principalRoles) {
      const subject = findSubject(org.id, role, undefined)
      if (!subject) continue
      const token = await signAccessToken({ sub: subject.id, org: org.id, role }, secret, {
        expiresInSeconds,
      })
      tokens.push({ org: org.slug, role, who: subject.who, token })
    }
  }
  return tokens
}

/** A setting from the environment, else from `.dev.vars` (simple KEY=VALUE lines). */
function readSetting(name: string): string | undefined {
  const fromEnv = process.env[name]?.trim()
  if (fromEnv) return fromEnv
  return existsSync('.dev.vars') ? devVars(readFileSync('.dev.vars', 'utf8'))[name] : undefined
}

/** The secret `npm run dev` verifies with: the environment's, else `.dev.vars`' (plain `wrangler dev`), else the default. */
function readSecret(): string {
  return readSetting('AUTH_JWT_SECRET') ?? DEV_AUTH_JWT_SECRET
}

function devVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line)
    if (match?.[1] && match[2] !== undefined) vars[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2')
  }
  return vars
}

function parseCli(argv: string[]): { org: string; role: PrincipalRole; user?: string; expires: number } {
  const { values } = parseArgs({
    args: argv,
    options: {
      org: { type: 'string' },
      role: { type: 'string' },
      user: { type: 'string' },
      expires: { type: 'string', default: '3600' },
    },
  })
  const role = values.role?.toUpperCase()
  if (!values.org || !role) throw new Error(USAGE)
  if (!isRole(role)) throw new Error(`--role must be one of ${principalRoles.join(', ')}.`)
  const expires = Number(values.expires)
  if (!Number.isInteger(expires) || expires <= 0)
    throw new Error('--expires must be a positive number of seconds.')
  const cap = maxTokenLifetimeSeconds(readSetting('AUTH_MAX_TOKEN_LIFETIME_SECONDS'))
  if (expires > cap) {
    throw new Error(
      `--expires must be at most ${cap} seconds: the API refuses tokens living longer (AUTH_MAX_TOKEN_LIFETIME_SECONDS).`,
    )
  }
  return { org: values.org, role, user: values.user, expires }
}

function isRole(value: string): value is PrincipalRole {
  return (principalRoles as readonly string[]).includes(value)
}

async function main(argv: string[]): Promise<string> {
  const args = parseCli(argv)
  const org = organizations().find((o) => o.slug === args.org)
  if (!org) {
    throw new Error(
      `No seeded organization "${args.org}"; known: ${organizations()
        .map((o) => o.slug)
        .join(', ')}.`,
    )
  }
  const subject = findSubject(org.id, args.role, args.user)
  if (!subject) {
    const kind = args.role === 'AGENT' ? 'ACTIVE agent configuration' : `user with role ${args.role}`
    throw new Error(`No seeded ${kind}${args.user ? ` named ${args.user}` : ''} in "${args.org}".`)
  }
  return signAccessToken({ sub: subject.id, org: org.id, role: args.role }, readSecret(), {
    expiresInSeconds: args.expires,
  })
}

// Run only as a script: scripts/dev.ts imports mintSeedTokens from this module.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (token) => console.log(token),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error))
      process.exit(1)
    },
  )
}
