/**
 * What makes the endpoint a boundary (see README.md, "Access"): only this machine's own clients (loopback Host,
 * no browser), only with the password stored for their user, and a Worker's statements confined to `app_api`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Executor } from './executor'
import { type Headers, PgError, ProxyError, type RawResult, type Statement } from './protocol'

/** Names of this machine a client may put in `Host` (a DNS-rebinding page sends its own name). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** Addresses the endpoint may listen on: loopback, or a wildcard (reached through loopback, e.g. in a container). */
const BINDABLE_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0', '::'])

export function assertBindableHost(host: string): void {
  if (!BINDABLE_HOSTS.has(host.toLowerCase())) {
    throw new Error(
      `neon-local listens on loopback only (127.0.0.1, localhost, ::1, or a wildcard reached through them), not ${host}: it refuses every Host but a loopback name`,
    )
  }
}

function single(headers: Headers, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/** `host[:port]` with a loopback name and, when a port is given, the endpoint's own. */
function isLoopbackHost(value: string, port: number): boolean {
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d{1,5}))?$/.exec(value.toLowerCase())
  if (!match?.[1] || !LOOPBACK_HOSTS.has(match[1])) return false
  return match[2] === undefined || Number(match[2]) === port
}

function shown(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value)
}

/**
 * Refuses (403) a request that is not from a client of this machine talking to it by a loopback name: any other
 * `Host` (DNS rebinding, a wildcard bind reached from elsewhere), a browser's `Origin` (sent on every
 * cross-origin request and every POST) or `Sec-Fetch-Site` other than `none`. Checked before the body is read.
 */
export function checkClient(headers: Headers, port: number): void {
  const host = single(headers, 'host')
  if (host === undefined || !isLoopbackHost(host, port)) {
    throw new ProxyError(
      403,
      `neon-local: refused Host ${host === undefined ? '(none)' : shown(host)}: only 127.0.0.1, localhost or [::1] (port ${port}) may be used`,
    )
  }
  const origin = single(headers, 'origin')
  if (origin !== undefined) {
    throw new ProxyError(403, `neon-local: refused a browser request (Origin: ${shown(origin)})`)
  }
  const fetchSite = single(headers, 'sec-fetch-site')
  if (fetchSite !== undefined && fetchSite !== 'none') {
    throw new ProxyError(403, `neon-local: refused a browser request (Sec-Fetch-Site: ${shown(fetchSite)})`)
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest()

/** Arbitrary key of the advisory lock that serializes endpoints creating credentials in the same database. */
const CREDENTIALS_LOCK = '7315092458310724'

/**
 * The users the endpoint serves and their passwords, generated once per database (24 random bytes, base64url)
 * and kept in it, in `neon_local.credentials`: a persisted PGlite or a Postgres database keeps them across
 * restarts, an in-memory PGlite gets new ones. Only the backend's owner can read them.
 */
export class Credentials {
  readonly #passwords: Map<string, string>
  readonly #digests: Map<string, Buffer>
  /** Compared with when the user is unknown, so that an unknown user costs what a known one does. */
  readonly #decoy = digest(randomBytes(24).toString('base64url'))

  private constructor(passwords: Map<string, string>) {
    this.#passwords = passwords
    this.#digests = new Map([...passwords].map(([user, password]) => [user, digest(password)]))
  }

  /** Creates (first start) or reads the credentials of `users`, as the backend's owner, in one transaction.
   *  `preset` passwords are stored instead of new random ones for users that have none yet. */
  static async ensure(
    executor: Executor,
    users: string[],
    preset: Record<string, string> = {},
  ): Promise<Credentials> {
    const wanted = [...new Set(users)]
    const values = wanted.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ')
    const list = wanted.map((_, i) => `$${i + 1}`).join(', ')
    const statements: Statement[] = [
      `select pg_advisory_xact_lock(${CREDENTIALS_LOCK})`,
      'create schema if not exists neon_local',
      "comment on schema neon_local is 'scripts/neon-local: the passwords of the users the local endpoint serves'",
      'revoke all on schema neon_local from public',
      'create table if not exists neon_local.credentials (role_name text primary key, password text not null)',
      'revoke all on table neon_local.credentials from public',
    ].map((query) => ({ query, params: [] }))
    statements.push({
      query: `insert into neon_local.credentials (role_name, password) values ${values} on conflict (role_name) do nothing`,
      params: wanted.flatMap((user) => [user, preset[user] || randomBytes(24).toString('base64url')]),
    })
    statements.push({
      query: `select role_name, password from neon_local.credentials where role_name in (${list})`,
      params: wanted,
    })
    const results = await executor.runTransaction({ begin: 'BEGIN', role: null }, statements, () => {})
    const rows = results.at(-1)?.rows ?? []
    const passwords = new Map<string, string>()
    for (const [user, password] of rows) if (user && password) passwords.set(user, password)
    for (const user of wanted) {
      if (!passwords.has(user)) throw new Error(`neon-local: no password stored for ${user}`)
    }
    return new Credentials(passwords)
  }

  /** The stored password of `user`, for its connection string. */
  passwordOf(user: string): string {
    const password = this.#passwords.get(user)
    if (password === undefined) {
      throw new Error(
        `neon-local serves only ${[...this.#passwords.keys()].join(' and ')}: no credentials for ${user}`,
      )
    }
    return password
  }

  /** Refuses a wrong or missing password, or a user without credentials, as Postgres does (28P01). */
  authenticate(user: string, password: string): void {
    const expected = this.#digests.get(user)
    const matches = timingSafeEqual(digest(password), expected ?? this.#decoy)
    if (!matches || expected === undefined || password === '') {
      throw new PgError('28P01', `password authentication failed for user "${user}"`, 'FATAL')
    }
  }
}

/** Statements a confined user may run: their command tags' first words. WITH … reports its main statement. */
const CONFINED_COMMANDS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE'])

/**
 * Neon: the Worker logs in as `app_api`, so nothing it runs can become another role. Here a superuser session
 * enters it with `SET LOCAL ROLE`, which `RESET ROLE`, `SET ROLE`, `SET SESSION AUTHORIZATION` (allowed: the
 * session user is a superuser) or a COMMIT would undo. So after each statement of such a request its command tag
 * is checked, and anything but plain DML fails the request (rolled back) before the next statement runs.
 * Migration 0003 closes the ways to switch roles inside one statement (set_config, DO, new functions).
 */
export function confinementGuard(user: string): (result: RawResult) => void {
  return (result) => {
    const command = result.commandTag.split(' ', 1)[0] ?? ''
    if (CONFINED_COMMANDS.has(command)) return
    throw new PgError(
      '42501',
      `neon-local: only SELECT, INSERT, UPDATE and DELETE may run as "${user}" (got ${command || 'an empty query'})`,
      'ERROR',
      `On Neon the API logs in as "${user}"; locally a superuser session enters it with SET LOCAL ROLE, so the endpoint allows it plain DML only (scripts/neon-local/README.md)`,
    )
  }
}
