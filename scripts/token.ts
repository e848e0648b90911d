/**
 * `npm run token`: prints an HS256 access token for local development.
 *
 *   npm run token -- --user <email|id> [--org <slug>] [--expires 3600]   any user of the local database
 *   npm run token -- --agent <name|id> [--org <slug>] [--expires 3600]   any agent configuration of it
 *   npm run token -- --org <slug> --role <ROLE> [--expires 3600]         the seeded subject of that role
 *
 * `--user` and `--agent` look the subject up in the database `npm run dev` uses (scripts/lib/token-subjects.ts):
 * people and agents created through the API included; organization and role come from the row, and an inactive
 * user, a non-ACTIVE agent or a suspended organization is refused with the reason. The seeded shortcut needs no
 * database (the seed's fixed ids). The secret is the one `npm run dev` gives the API (scripts/lib/dev-defaults.ts:
 * AUTH_JWT_SECRET from the environment or `.dev.vars`, else the development default): a fresh clone needs no
 * setup. `--expires` may not exceed the API's cap, AUTH_MAX_TOKEN_LIFETIME_SECONDS (environment or `.dev.vars`;
 * default 86400): the API refuses longer tokens. The token alone goes to stdout; what it is for, to stderr.
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { maxTokenLifetimeSeconds, signAccessToken } from '../src/auth/jwt'
import { type PrincipalRole, principalRoles } from '../src/auth/principal'
import { devAuthSecret, devSetting } from './lib/dev-defaults'
import { findLocalSubject, type SubjectQuery } from './lib/token-subjects'
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

const USAGE = [
  'usage: npm run token -- --user <email|id> [--org <slug>] [--expires <seconds>]',
  '       npm run token -- --agent <name|id> [--org <slug>] [--expires <seconds>]',
  '       npm run token -- --org <slug> --role <ROLE> [--expires <seconds>]   (the seeded subject of that role)',
].join('\n')

/** The first seeded subject of a role in an organization. */
function findSeededSubject(organizationId: string, role: PrincipalRole): TokenSubject | undefined {
  if (role === 'AGENT') {
    const agent = seedAgentConfigurations.find(
      (a) => a.organizationId === organizationId && a.status === 'ACTIVE',
    )
    return agent?.id ? { id: agent.id, who: agent.name } : undefined
  }
  const user = seedUsers.find((u) => u.organizationId === organizationId && u.role === role)
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
      const subject = findSeededSubject(org.id, role)
      if (!subject) continue
      const token = await signAccessToken({ sub: subject.id, org: org.id, role }, secret, {
        expiresInSeconds,
      })
      tokens.push({ org: org.slug, role, who: subject.who, token })
    }
  }
  return tokens
}

/** What the command line asks for: a database lookup, or the seeded subject of a role. */
type Request =
  | { lookup: SubjectQuery; expires: number }
  | { seeded: { org: string; role: PrincipalRole }; expires: number }

function parseCli(argv: string[]): Request {
  const { values } = parseArgs({
    args: argv,
    options: {
      org: { type: 'string' },
      role: { type: 'string' },
      user: { type: 'string' },
      agent: { type: 'string' },
      expires: { type: 'string', default: '3600' },
    },
  })
  const role = values.role?.toUpperCase()
  if (role !== undefined && !isRole(role))
    throw new Error(`--role must be one of ${principalRoles.join(', ')}.`)
  const expires = Number(values.expires)
  if (!Number.isInteger(expires) || expires <= 0)
    throw new Error('--expires must be a positive number of seconds.')
  const cap = maxTokenLifetimeSeconds(devSetting('AUTH_MAX_TOKEN_LIFETIME_SECONDS'))
  if (expires > cap) {
    throw new Error(
      `--expires must be at most ${cap} seconds: the API refuses tokens living longer (AUTH_MAX_TOKEN_LIFETIME_SECONDS).`,
    )
  }
  const org = values.org?.trim() || undefined
  if (values.user !== undefined && values.agent !== undefined)
    throw new Error(`--user or --agent, not both.\n${USAGE}`)
  const agent = values.agent ?? (role === 'AGENT' ? values.user : undefined)
  if (agent !== undefined) {
    if (role !== undefined && role !== 'AGENT')
      throw new Error(`--agent makes an AGENT token; drop --role ${role}.`)
    return { lookup: { kind: 'agent', key: agent.trim(), ...(org ? { org } : {}) }, expires }
  }
  if (values.user !== undefined) {
    return {
      lookup: { kind: 'user', key: values.user.trim(), ...(org ? { org } : {}), ...(role ? { role } : {}) },
      expires,
    }
  }
  if (!org || !role) throw new Error(USAGE)
  return { seeded: { org, role }, expires }
}

function isRole(value: string): value is PrincipalRole {
  return (principalRoles as readonly string[]).includes(value)
}

async function main(argv: string[]): Promise<{ token: string; description: string }> {
  const request = parseCli(argv)
  let subject: {
    id: string
    organizationId: string
    organizationSlug: string
    role: PrincipalRole
    who: string
  }
  if ('lookup' in request) {
    subject = await findLocalSubject(request.lookup)
  } else {
    const { org: slug, role } = request.seeded
    const org = organizations().find((o) => o.slug === slug)
    if (!org) {
      throw new Error(
        `No seeded organization "${slug}" (known: ${organizations()
          .map((o) => o.slug)
          .join(', ')}); for any other subject: --user <email|id> or --agent <name|id>.`,
      )
    }
    const seeded = findSeededSubject(org.id, role)
    if (!seeded)
      throw new Error(`No seeded ${role} in "${slug}"; use --user <email|id> or --agent <name|id>.`)
    subject = { id: seeded.id, organizationId: org.id, organizationSlug: slug, role, who: seeded.who }
  }
  const token = await signAccessToken(
    { sub: subject.id, org: subject.organizationId, role: subject.role },
    devAuthSecret(),
    { expiresInSeconds: request.expires },
  )
  return {
    token,
    description: `${subject.role} ${subject.who} of ${subject.organizationSlug} (sub ${subject.id}), ${request.expires} s`,
  }
}

// Run only as a script: scripts/dev.ts imports mintSeedTokens from this module.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    ({ token, description }) => {
      console.error(`token: ${description}`)
      console.log(token)
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error))
      process.exit(1)
    },
  )
}
