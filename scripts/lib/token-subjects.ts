/**
 * Who `npm run token` signs for, looked up in the local database (the one `npm run dev` uses: the embedded
 * database through the running dev's wire port or opened here, or DATABASE_URL=postgres://… on this machine), as
 * the owner so row-level security does not hide other tenants. A user is found by email (any case) or id, an agent
 * configuration by name (any case) or id; `--org` narrows either to one organization. The token's organization and
 * role come from the row. Only subjects the API accepts get a token: an inactive user, an agent that is not ACTIVE
 * and a suspended or cancelled organization are refused here with the reason, not at the first request.
 */
import pg from 'pg'
import type { PrincipalRole } from '../../src/auth/principal'
import { ownerDatabase, redacted } from './local-database'

export interface LocalSubject {
  id: string
  organizationId: string
  organizationSlug: string
  role: PrincipalRole
  /** The user's email, or the agent's name. */
  who: string
}

export interface SubjectQuery {
  kind: 'user' | 'agent'
  /** Email or id (user); name or id (agent). */
  key: string
  org?: string
  /** Only users: the role the caller expects (the row decides; a different one is an error). */
  role?: PrincipalRole
}

/** One row of either lookup, with what decides whether the API would accept its token. */
export interface SubjectRow {
  id: string
  who: string
  role: PrincipalRole
  /** Users: is_active. Agents: status = ACTIVE. */
  active: boolean
  /** Users: "deactivated (isActive: false)"; agents: their status. */
  state: string
  organizationId: string
  organizationSlug: string
  organizationStatus: string
}

const article = (word: string) => (/^[AEIOU]/.test(word) ? 'an' : 'a')

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const USERS = `
  SELECT u.id::text AS id, u.email AS who, u.role::text AS role, u.is_active AS active,
         CASE WHEN u.is_active THEN 'active' ELSE 'deactivated (isActive: false)' END AS state,
         o.id::text AS "organizationId", o.slug AS "organizationSlug", o.status::text AS "organizationStatus"
  FROM users u JOIN organizations o ON o.id = u.organization_id
  WHERE (u.id = $1::uuid OR lower(u.email) = lower($2)) AND ($3::text IS NULL OR o.slug = $3)
  ORDER BY o.slug, u.email`

const AGENTS = `
  SELECT a.id::text AS id, a.name AS who, 'AGENT' AS role, a.status = 'ACTIVE' AS active, a.status::text AS state,
         o.id::text AS "organizationId", o.slug AS "organizationSlug", o.status::text AS "organizationStatus"
  FROM agent_configurations a JOIN organizations o ON o.id = a.organization_id
  WHERE (a.id = $1::uuid OR lower(a.name) = lower($2)) AND ($3::text IS NULL OR o.slug = $3)
  ORDER BY o.slug, a.name, a.id`

/** The rows matching a query; the caller decides (`chooseSubject`). */
export async function findSubjectRows(client: pg.ClientBase, query: SubjectQuery): Promise<SubjectRow[]> {
  const id = UUID.test(query.key) ? query.key : null
  const result = await client.query<SubjectRow>(query.kind === 'user' ? USERS : AGENTS, [
    id,
    query.key,
    query.org ?? null,
  ])
  return result.rows
}

/** Exactly one subject the API accepts, or an error that says what to do. Pure: tested without a database. */
export function chooseSubject(rows: SubjectRow[], query: SubjectQuery, where: string): LocalSubject {
  const noun = query.kind === 'user' ? 'user' : 'agent configuration'
  const by = query.kind === 'user' ? 'email or id' : 'name or id'
  const inOrg = query.org ? ` in organization "${query.org}"` : ''
  if (rows.length === 0) {
    throw new Error(
      `No ${noun} "${query.key}"${inOrg} in the local database (${where}); ${noun}s are found by ${by}` +
        (query.kind === 'user' ? ' (agents: --agent <name|id>).' : '.'),
    )
  }
  if (rows.length > 1) {
    const list = rows.map((row) => `${row.organizationSlug}: ${row.who} ${row.id}`).join('; ')
    throw new Error(
      `"${query.key}" names ${rows.length} ${noun}s (${list}): add --org <slug>${query.kind === 'agent' ? ' or give the id' : ''}.`,
    )
  }
  const row = rows[0] as SubjectRow
  const label = `${query.kind === 'user' ? row.role : 'AGENT'} ${row.who} (${row.organizationSlug}, ${row.id})`
  if (query.role && query.role !== row.role) {
    throw new Error(
      `${label} is ${article(row.role)} ${row.role}, not ${article(query.role)} ${query.role}: a token's role comes from the user (drop --role).`,
    )
  }
  if (row.organizationStatus === 'SUSPENDED' || row.organizationStatus === 'CANCELLED') {
    throw new Error(
      `${label}: organization "${row.organizationSlug}" is ${row.organizationStatus}; the API refuses every request of its members.`,
    )
  }
  if (!row.active) {
    throw new Error(
      query.kind === 'user'
        ? `${label} is ${row.state}: the API refuses its requests. Reactivate it with PATCH /v1/users/${row.id} {"isActive": true}.`
        : `${label} is ${row.state}: the API accepts only ACTIVE agents. Activate it with PATCH /v1/agents/${row.id} {"status": "ACTIVE"}.`,
    )
  }
  return {
    id: row.id,
    organizationId: row.organizationId,
    organizationSlug: row.organizationSlug,
    role: row.role,
    who: row.who,
  }
}

/** Looks the subject up in the local database; a database not on this machine is refused. */
export async function findLocalSubject(query: SubjectQuery): Promise<LocalSubject> {
  const target = await ownerDatabase()
  try {
    if (!target.local) {
      throw new Error(
        `${target.description} is not on this machine (${redacted(target.url)}): npm run token looks subjects up in the local database only.`,
      )
    }
    const client = new pg.Client({ connectionString: target.url })
    await client.connect()
    try {
      return chooseSubject(await findSubjectRows(client, query), query, target.description)
    } finally {
      await client.end()
    }
  } finally {
    await target.close()
  }
}
