/**
 * The embedded PGlite over the Postgres wire protocol, for local tools (psql, drizzle-kit, Drizzle Studio, any
 * Postgres client) while the HTTP endpoint keeps serving the Worker from the same database. See README.md
 * ("Postgres wire port").
 *
 * Why not `@electric-sql/pglite-socket`: its newest release pins PGlite 0.5.14 as an exact peer (the project runs
 * 0.5.16), and it takes PGlite per *message* (`runExclusive` around each one), with no way to hold the session
 * for a client's whole transaction or to hand it back clean. Between two messages of a psql `BEGIN … COMMIT` the
 * endpoint's next HTTP request would run inside that transaction (and roll it back), and a client's session
 * `SET ROLE`/`SET search_path` would stay on the one session every HTTP request uses. So this is a small wire
 * server of its own, built on the endpoint's queue:
 *
 * - **Turns.** PGlite is one session. A client's *turn* takes the executor's queue (`SharedSession.acquire`:
 *   the HTTP transactions queued before it finish, later ones wait) at its first message and keeps it until the
 *   session is idle again: no transaction block open, no extended-protocol exchange waiting for its Sync, no
 *   further message already received. An explicit `BEGIN … COMMIT` over many round trips is therefore one turn,
 *   and an HTTP batch is never inside a wire transaction, nor a wire message inside an HTTP batch.
 * - **Clean hand-back.** At the end of each turn the client's session state (its session `SET`s, `SET ROLE`,
 *   `SET SESSION AUTHORIZATION`) is saved and the session reset (`RESET ROLE`, `SET SESSION AUTHORIZATION
 *   <owner>`, `RESET ALL`; PGlite's `RESET SESSION AUTHORIZATION` does not return to the owner), then restored at
 *   the start of the client's next turn: each client keeps its own settings, as on a real server, and no HTTP
 *   request (nor other client) ever runs with them. A temporary table that would shadow a permanent one (every
 *   statement of the session would see it) is dropped with a notice.
 * - **Idle transactions yield.** A client idle inside a transaction holds the database; when an HTTP request or
 *   another client waits for it for `idleInTransactionTimeoutMs` (default 2 s, well inside the API's 5 s
 *   database deadline), the idle client is terminated as Postgres' `idle_in_transaction_session_timeout`
 *   would (FATAL 25P03) and its transaction rolled back. Nobody waiting: it may stay open.
 * - **What the session must never see.** Only known frontend messages reach PGlite (anything else is a FATAL
 *   protocol error here, without touching the session), `Terminate` never does, and every batch is followed by
 *   a `CopyFail` (ignored outside COPY): a `COPY … FROM STDIN` that PGlite would wait on for data (it cannot
 *   wait: it would exit) fails cleanly instead. A simple-query `COPY … FROM STDIN` (psql's `\copy … from`) is
 *   supported: its data is collected first and handed to PGlite with the query in one piece.
 * - **Access.** Loopback only (the listener and the peer address), the owner only, with the owner's password
 *   from `neon_local.credentials` (cleartext password authentication: the password crosses loopback only).
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'
import { type messages, type PGlite, protocol } from '@electric-sql/pglite'

const { serialize } = protocol

/** One turn with the single PGlite session: nothing else runs on it until `release()`. */
export interface SessionLease {
  readonly db: PGlite
  release(): void
}

/** The executor's view the wire server needs: its queue, and who waits on it. */
export interface SharedSession {
  /** The session's own user: the owner, a superuser. */
  readonly sessionUser: string
  /** Queues for the session (FIFO with the HTTP transactions). */
  acquire(): Promise<SessionLease>
  /** Jobs (HTTP transactions, other clients' turns) waiting for the session. */
  readonly waiting: number
  /** Called each time a job starts waiting; returns the unsubscribe function. */
  onWaiting(listener: () => void): () => void
}

export interface WireServerOptions {
  session: SharedSession
  /** A loopback address; the caller checks it. */
  host: string
  /** 0: a free port */
  port: number
  /** Checks the password of the owner (constant time, done by the caller). */
  checkPassword(password: string): boolean
  /** See the file comment; default 2000 ms. */
  idleInTransactionTimeoutMs?: number
}

export interface WireServer {
  readonly port: number
  /** The session's user and database: the only ones a client may name. */
  readonly user: string
  readonly database: string
  close(): Promise<void>
}

export const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 2000

const PROTOCOL_3 = 3
const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102
const MAX_STARTUP_BYTES = 10_000
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024
/** A COPY FROM STDIN is collected before it runs: bounded. */
const MAX_COPY_BYTES = 256 * 1024 * 1024
const STARTUP_TIMEOUT_MS = 30_000

/** Frontend messages forwarded to PGlite (after authentication). `X` (Terminate) is handled here. */
const FORWARDED = new Set(['Q', 'P', 'B', 'D', 'E', 'C', 'H', 'S', 'F', 'd', 'c', 'f'])
/** Messages that open an extended-protocol exchange: the session is not idle until its ReadyForQuery. */
const EXTENDED = new Set(['P', 'B', 'D', 'E', 'C'])
/** A simple-query COPY FROM STDIN (heuristic; a miss fails cleanly thanks to the CopyFail guard). */
const COPY_FROM_STDIN = /\bcopy\b[^;]*\bfrom\s+stdin\b/i

/** Parameters the server reports at startup (GUC_REPORT), in Postgres' order. */
const REPORTED = [
  'application_name',
  'client_encoding',
  'DateStyle',
  'default_transaction_read_only',
  'in_hot_standby',
  'integer_datetimes',
  'IntervalStyle',
  'scram_iterations',
  'search_path',
  'server_encoding',
  'server_version',
  'standard_conforming_strings',
  'TimeZone',
]

// ---------------------------------------------------------------------------------------------------------------
// Backend messages

function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  const header = Buffer.alloc(5)
  header.write(type, 0, 'latin1')
  header.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([header, body])
}

const int32 = (value: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(value)
  return b
}
const int16 = (value: number) => {
  const b = Buffer.alloc(2)
  b.writeInt16BE(value)
  return b
}
const cstring = (text: string) => Buffer.from(`${text}\0`, 'utf8')

interface Fields {
  severity: 'ERROR' | 'FATAL' | 'NOTICE' | 'WARNING'
  code: string
  message: string
  hint?: string
}

function errorOrNotice(type: 'E' | 'N', fields: Fields): Buffer {
  const parts = [
    Buffer.from('S'),
    cstring(fields.severity),
    Buffer.from('V'),
    cstring(fields.severity),
    Buffer.from('C'),
    cstring(fields.code),
    Buffer.from('M'),
    cstring(fields.message),
  ]
  if (fields.hint) parts.push(Buffer.from('H'), cstring(fields.hint))
  parts.push(Buffer.from([0]))
  return message(type, ...parts)
}

const errorResponse = (fields: Fields) => errorOrNotice('E', fields)
const noticeResponse = (fields: Omit<Fields, 'severity'>) =>
  errorOrNotice('N', { ...fields, severity: 'NOTICE' })

// ---------------------------------------------------------------------------------------------------------------
// Reading messages

/** Walks complete backend messages: type and [start, end) of the whole message. */
function* backendMessages(data: Uint8Array): Generator<{ type: string; start: number; end: number }> {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  let offset = 0
  while (offset + 5 <= view.length) {
    const end = offset + 1 + view.readInt32BE(offset + 1)
    if (end > view.length) return
    yield { type: String.fromCharCode(view[offset] ?? 0), start: offset, end }
    offset = end
  }
}

/** The output without the messages of `type` (the CopyInResponse already sent to the client). */
function withoutMessages(data: Uint8Array, type: string): Buffer {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const kept: Buffer[] = []
  for (const m of backendMessages(data)) if (m.type !== type) kept.push(view.subarray(m.start, m.end))
  return Buffer.concat(kept)
}

function hasMessage(data: Uint8Array, type: string): boolean {
  for (const m of backendMessages(data)) if (m.type === type) return true
  return false
}

/** Rows (text) of each statement of a simple query, and the first error. */
function resultsOf(list: messages.BackendMessage[]): { sets: (string | null)[][][]; error: string | null } {
  const sets: (string | null)[][][] = []
  let rows: (string | null)[][] = []
  let error: string | null = null
  for (const m of list) {
    if (m.name === 'dataRow') rows.push((m as messages.DataRowMessage).fields)
    else if (m.name === 'commandComplete') {
      sets.push(rows)
      rows = []
    } else if (m.name === 'error' && error === null) error = (m as messages.DatabaseError).message
  }
  return { sets, error }
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`
const identifier = (name: string) => `"${name.replaceAll('"', '""')}"`

/** Splits a startup `options` value as Postgres does (whitespace separates, backslash escapes). */
function splitOptions(options: string): string[] {
  const words: string[] = []
  let word = ''
  let escaped = false
  for (const ch of options) {
    if (escaped) {
      word += ch
      escaped = false
    } else if (ch === '\\') escaped = true
    else if (/\s/.test(ch)) {
      if (word) words.push(word)
      word = ''
    } else word += ch
  }
  if (word) words.push(word)
  return words
}

/** `-c name=value` and `--name=value` of a startup `options` value. */
function settingsFromOptions(options: string): Array<[string, string]> {
  const words = splitOptions(options)
  const settings: Array<[string, string]> = []
  for (let i = 0; i < words.length; i++) {
    let pair = words[i] ?? ''
    if (pair === '-c') pair = words[++i] ?? ''
    else if (pair.startsWith('-c')) pair = pair.slice(2)
    else if (pair.startsWith('--')) pair = pair.slice(2)
    else throw new Error(`unsupported startup option ${JSON.stringify(pair)} (only -c name=value)`)
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new Error(`invalid startup option ${JSON.stringify(pair)}`)
    settings.push([pair.slice(0, eq).replaceAll('-', '_'), pair.slice(eq + 1)])
  }
  return settings
}

const isLoopbackPeer = (address: string | undefined) =>
  address !== undefined && (/^(::ffff:)?127\./.test(address) || address === '::1')

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()

// ---------------------------------------------------------------------------------------------------------------
// One client connection

/** A client's session state, kept between its turns. */
interface SavedSession {
  settings: Array<[string, string]>
  sessionUser: string
  role: string
}

class Connection {
  readonly #socket: Socket
  readonly #server: WireServerState
  #buffer: Buffer = Buffer.alloc(0)
  /** `starting`: authenticated, the startup turn runs (it owns the lease; the pump waits for it). */
  #phase: 'startup' | 'password' | 'starting' | 'ready' = 'startup'
  #startupParams = new Map<string, string>()
  readonly #inbox: Buffer[] = []
  /** A COPY FROM STDIN being collected: the query, then its data, until CopyDone/CopyFail. */
  #copy: { messages: Buffer[]; bytes: number; done: boolean } | null = null
  #lease: SessionLease | null = null
  #saved: SavedSession
  /** An extended-protocol exchange sent without its Sync answered yet. */
  #extendedPending = false
  #pumping = false
  #closed = false
  #idleTimer: NodeJS.Timeout | null = null
  readonly #startupTimer: NodeJS.Timeout
  /** Settled when the connection is closed and the session handed back. */
  readonly finished: Promise<void>
  #finish!: () => void

  constructor(socket: Socket, server: WireServerState) {
    this.#socket = socket
    this.#server = server
    this.#saved = { settings: [], sessionUser: server.user, role: 'none' }
    this.finished = new Promise((resolve) => {
      this.#finish = resolve
    })
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('error', () => this.close())
    socket.on('close', () => this.close())
    this.#startupTimer = setTimeout(() => {
      if (this.#phase !== 'ready') this.#fatal('08006', 'neon-local: the startup did not complete in time')
    }, STARTUP_TIMEOUT_MS)
  }

  /** Idle inside a transaction (or an unfinished extended exchange) while holding the session. */
  get idleHoldingSession(): boolean {
    return this.#lease !== null && !this.#pumping && !this.#closed
  }

  close(): void {
    this.#socket.destroy()
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#startupTimer)
    this.#clearIdleTimer()
    void this.#pump()
  }

  #write(data: Uint8Array): void {
    if (!this.#closed && data.length > 0) this.#socket.write(data)
  }

  #fatal(code: string, text: string, hint?: string): void {
    const fields: Fields = { severity: 'FATAL', code, message: text }
    if (hint) fields.hint = hint
    // Flushed, then closed (a client that never closes its side does not keep the socket).
    if (!this.#closed) this.#socket.end(errorResponse(fields), () => this.#socket.destroy())
    this.#closed = true
    clearTimeout(this.#startupTimer)
    this.#clearIdleTimer()
    void this.#pump()
  }

  // ----- framing

  #onData(chunk: Buffer): void {
    if (this.#closed) return
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk
    this.#clearIdleTimer()
    try {
      while (!this.#closed) {
        if (this.#phase === 'startup') {
          if (this.#buffer.length < 8) break
          const length = this.#buffer.readInt32BE(0)
          if (length < 8 || length > MAX_STARTUP_BYTES) {
            this.#fatal('08P01', 'invalid startup packet length')
            return
          }
          if (this.#buffer.length < length) break
          const packet = this.#buffer.subarray(0, length)
          this.#buffer = this.#buffer.subarray(length)
          this.#onStartupPacket(packet)
        } else {
          if (this.#buffer.length < 5) break
          const length = this.#buffer.readInt32BE(1)
          if (length < 4 || length > MAX_MESSAGE_BYTES) {
            this.#fatal('08P01', `invalid message length ${length}`)
            return
          }
          if (this.#buffer.length < length + 1) break
          const msg = Buffer.from(this.#buffer.subarray(0, length + 1))
          this.#buffer = this.#buffer.subarray(length + 1)
          if (this.#phase === 'password') this.#onPassword(msg)
          else this.#onMessage(msg)
        }
      }
    } catch (error) {
      this.#fatal('08P01', `neon-local: ${(error as Error).message}`)
    }
  }

  #onStartupPacket(packet: Buffer): void {
    const code = packet.readInt32BE(4)
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      // Plain TCP on loopback: no TLS, no GSSAPI (the client continues unencrypted, or gives up if it requires it).
      this.#socket.write('N')
      return
    }
    if (code === CANCEL_REQUEST) {
      // PGlite runs one statement synchronously: nothing to cancel. The protocol expects no answer.
      this.close()
      return
    }
    const major = code >> 16
    const minor = code & 0xffff
    if (major !== PROTOCOL_3) {
      this.#fatal('0A000', `unsupported frontend protocol ${major}.${minor}: server supports 3.0`)
      return
    }
    const fields = packet.subarray(8).toString('utf8').split('\0')
    const unknownProtocolOptions: string[] = []
    for (let i = 0; i + 1 < fields.length && fields[i] !== ''; i += 2) {
      const name = fields[i] ?? ''
      if (name.startsWith('_pq_.')) unknownProtocolOptions.push(name)
      else this.#startupParams.set(name, fields[i + 1] ?? '')
    }
    if (minor !== 0 || unknownProtocolOptions.length > 0) {
      // NegotiateProtocolVersion: we speak 3.0 and no protocol extension.
      this.#socket.write(
        message(
          'v',
          int32(PROTOCOL_3 << 16),
          int32(unknownProtocolOptions.length),
          ...unknownProtocolOptions.map(cstring),
        ),
      )
    }
    const user = this.#startupParams.get('user') ?? ''
    const database = this.#startupParams.get('database') || user
    const replication = this.#startupParams.get('replication')
    if (replication !== undefined && !['false', 'off', 'no', '0'].includes(replication.toLowerCase())) {
      this.#fatal('0A000', 'neon-local: replication connections are not supported')
      return
    }
    if (user !== this.#server.user) {
      this.#fatal(
        '28000',
        `neon-local: role "${user}" may not connect on this port`,
        `The Postgres wire port serves local tools as the owner "${this.#server.user}" only (with the password that npm run dev prints); use SET ROLE to act as another role.`,
      )
      return
    }
    if (database !== this.#server.database) {
      this.#fatal(
        '3D000',
        `database "${database}" does not exist`,
        `The embedded database is "${this.#server.database}".`,
      )
      return
    }
    this.#phase = 'password'
    this.#socket.write(message('R', int32(3))) // AuthenticationCleartextPassword
  }

  #onPassword(msg: Buffer): void {
    if (msg[0] !== 0x70 /* 'p' */) {
      this.#fatal('08P01', 'expected a password message')
      return
    }
    const password = msg.subarray(5).toString('utf8').replace(/\0$/, '')
    if (!this.#server.checkPassword(password)) {
      this.#fatal('28P01', `password authentication failed for user "${this.#server.user}"`)
      return
    }
    this.#phase = 'starting'
    void this.#startSession().finally(() => {
      this.#phase = 'ready'
      if (this.#closed || this.#inbox.length > 0) void this.#pump()
    })
  }

  /** The startup's settings become the client's saved session: applied (and so checked) in a first turn. */
  async #startSession(): Promise<void> {
    const settings: Array<[string, string]> = []
    try {
      for (const [name, value] of this.#startupParams) {
        if (['user', 'database', 'replication', 'options'].includes(name)) continue
        if (name === 'fallback_application_name') {
          if (!this.#startupParams.has('application_name')) settings.push(['application_name', value])
          continue
        }
        settings.push([name, value])
      }
      settings.push(...settingsFromOptions(this.#startupParams.get('options') ?? ''))
    } catch (error) {
      this.#fatal('22023', `neon-local: ${(error as Error).message}`)
      return
    }
    this.#saved.settings = settings
    let reported: Map<string, string>
    try {
      this.#lease = await this.#server.session.acquire()
      if (this.#closed) return
      const restored = await this.#beginTurn()
      if (restored) {
        this.#fatal('22023', restored)
        return
      }
      const list = REPORTED.map((name) => `(${literal(name)}, current_setting(${literal(name)}))`).join(', ')
      const { messages } = await this.#lease.db.execProtocol(
        serialize.query(`select * from (values ${list}) as reported(name, value)`),
        { throwOnError: false, syncToFs: false },
      )
      reported = new Map(resultsOf(messages).sets[0]?.map(([name, value]) => [name ?? '', value ?? '']) ?? [])
      await this.#endTurn()
    } catch (error) {
      this.#fatal('XX000', `neon-local: ${(error as Error).message}`)
      return
    }
    if (this.#closed) return
    clearTimeout(this.#startupTimer)
    reported.set('is_superuser', 'on')
    reported.set('session_authorization', this.#server.user)
    const out = [message('R', int32(0))] // AuthenticationOk
    for (const [name, value] of reported) out.push(message('S', cstring(name), cstring(value)))
    out.push(message('K', int32(randomInt(1, 2 ** 31 - 1)), randomBytes(4)))
    out.push(message('Z', Buffer.from('I')))
    this.#write(Buffer.concat(out))
  }

  #onMessage(msg: Buffer): void {
    const type = String.fromCharCode(msg[0] ?? 0)
    if (type === 'X') {
      this.close()
      return
    }
    if (!FORWARDED.has(type)) {
      this.#fatal('08P01', `invalid frontend message type ${msg[0]}`)
      return
    }
    this.#inbox.push(msg)
    void this.#pump()
  }

  // ----- turns

  /** Complete messages to run now: everything received, but a COPY FROM STDIN only once its data is complete. */
  #takeBatch(): Buffer[] | null {
    const batch: Buffer[] = []
    while (this.#inbox.length > 0) {
      const msg = this.#inbox[0] as Buffer
      if (this.#copy) {
        this.#inbox.shift()
        this.#copy.messages.push(msg)
        this.#copy.bytes += msg.length
        if (this.#copy.bytes > MAX_COPY_BYTES) throw new Error(`COPY FROM STDIN over ${MAX_COPY_BYTES} bytes`)
        if (msg[0] === 0x63 /* c */ || msg[0] === 0x66 /* f */) this.#copy.done = true
        if (this.#copy.done) break
        continue
      }
      if (msg[0] === 0x51 /* Q */ && COPY_FROM_STDIN.test(msg.subarray(5).toString('utf8'))) {
        if (batch.length > 0) break
        this.#inbox.shift()
        const binary = /\bbinary\b/i.test(msg.subarray(5).toString('utf8'))
        // The client may send its data only after a CopyInResponse, which PGlite cannot give without reading
        // the data in the same call: this one is ours (the real one is dropped from PGlite's output).
        this.#write(message('G', Buffer.from([binary ? 1 : 0]), int16(0)))
        this.#copy = { messages: [msg], bytes: msg.length, done: false }
        continue
      }
      batch.push(this.#inbox.shift() as Buffer)
    }
    if (this.#copy?.done) {
      const messages = this.#copy.messages
      this.#copy = null
      return messages
    }
    return batch.length > 0 ? batch : null
  }

  async #pump(): Promise<void> {
    // Before authentication nothing holds the session; while the startup turn runs, it owns the lease.
    if (this.#pumping || this.#phase === 'starting') return
    if (this.#phase !== 'ready' && !this.#closed) return
    this.#pumping = true
    this.#clearIdleTimer()
    try {
      while (true) {
        if (this.#closed) {
          await this.#handBack()
          return
        }
        const batch = this.#takeBatch()
        if (!batch) {
          // Nothing to run now (all answered, or a COPY's data still coming): an idle session is handed back.
          if (this.#lease && !this.#extendedPending && !this.#lease.db.isInTransaction()) {
            await this.#endTurn()
            continue // messages may have arrived meanwhile
          }
          break
        }
        if (!this.#lease) {
          this.#lease = await this.#server.session.acquire()
          if (this.#closed) continue
          const problem = await this.#beginTurn()
          if (problem) this.#write(noticeResponse({ code: '01000', message: problem }))
        }
        await this.#run(batch)
      }
    } catch (error) {
      console.error('[neon-local wire] connection failed:', error)
      this.#closed = true
      this.#socket.destroy()
      await this.#handBack()
      return
    } finally {
      this.#pumping = false
    }
    if (this.#lease && this.#server.session.waiting > 0) this.armIdleTimer()
  }

  /** Forwards one batch and writes PGlite's answer to the client. */
  async #run(batch: Buffer[]): Promise<void> {
    const lease = this.#lease as SessionLease
    if (batch.some((msg) => EXTENDED.has(String.fromCharCode(msg[0] ?? 0)))) this.#extendedPending = true
    const copyIn =
      batch[0]?.[0] === 0x51 &&
      batch.length > 1 &&
      COPY_FROM_STDIN.test(batch[0].subarray(5).toString('utf8'))
    // The guard: a COPY FROM STDIN this batch starts and does not feed fails here instead of waiting for data.
    const guard = serialize.copyFail(
      'neon-local: COPY FROM STDIN runs only as a simple query of its own on the Postgres wire port',
    )
    const { data } = await lease.db.execProtocol(Buffer.concat([...batch, guard]), {
      throwOnError: false,
      syncToFs: false,
    })
    if (hasMessage(data, 'Z')) {
      this.#extendedPending = false
      if (!lease.db.isInTransaction()) await lease.db.syncToFs()
    }
    this.#write(copyIn ? withoutMessages(data, 'G') : data)
  }

  /** Restores the client's session state; returns a problem (message) if it could not. */
  async #beginTurn(): Promise<string | null> {
    const lease = this.#lease as SessionLease
    const { settings, sessionUser, role } = this.#saved
    const statements: string[] = []
    if (settings.length > 0) {
      statements.push(
        `select ${settings.map(([name, value]) => `set_config(${literal(name)}, ${literal(value)}, false)`).join(', ')}`,
      )
    }
    if (sessionUser !== this.#server.user)
      statements.push(`set session authorization ${identifier(sessionUser)}`)
    if (role !== 'none') statements.push(`set role ${identifier(role)}`)
    if (statements.length === 0) return null
    const { messages } = await lease.db.execProtocol(serialize.query(statements.join('; ')), {
      throwOnError: false,
      syncToFs: false,
    })
    const { error } = resultsOf(messages)
    return error === null ? null : `neon-local: your session settings could not be restored: ${error}`
  }

  /**
   * Saves the client's session state, resets the session to the owner's defaults and hands it back. Runs only
   * with no transaction open (after a rollback when the client is gone).
   */
  async #endTurn(): Promise<void> {
    const lease = this.#lease as SessionLease
    const owner = identifier(this.#server.user)
    try {
      const { messages } = await lease.db.execProtocol(
        serialize.query(
          [
            "select current_setting('role'), session_user::text",
            'reset role',
            `set session authorization ${owner}`,
            "select name, current_setting(name) from pg_settings where source = 'session'",
            `select string_agg(quote_ident(t.relname), ', ' order by t.relname) from pg_class t
              where t.relnamespace = pg_my_temp_schema() and exists (
                select 1 from pg_class p join pg_namespace n on n.oid = p.relnamespace
                where p.relname = t.relname and n.nspname !~ '^pg_(temp|toast)')`,
            'reset all',
          ].join('; '),
        ),
        { throwOnError: false, syncToFs: false },
      )
      const { sets, error } = resultsOf(messages)
      if (error !== null) throw new Error(error)
      const [role, sessionUser] = sets[0]?.[0] ?? []
      this.#saved = {
        role: role ?? 'none',
        sessionUser: sessionUser ?? this.#server.user,
        settings: (sets[3] ?? []).map(([name, value]) => [name ?? '', value ?? ''] as [string, string]),
      }
      const shadowing = sets[4]?.[0]?.[0]
      if (shadowing) {
        await this.#simple(lease, 'discard temp')
        this.#write(
          noticeResponse({
            code: '01000',
            message: `neon-local: dropped your temporary tables: ${shadowing} shadowed tables of the same name for every user of the embedded database (one session, shared with the API)`,
          }),
        )
      }
    } catch (error) {
      // Never hand back a session in an unknown state: reset piece by piece, or stop serving this client.
      console.error('[neon-local wire] could not save the session state, resetting it:', error)
      await this.#simple(lease, 'reset role')
      await this.#simple(lease, `set session authorization ${owner}`)
      await this.#simple(lease, 'reset all')
    } finally {
      this.#lease = null
      lease.release()
    }
  }

  async #simple(lease: SessionLease, sql: string): Promise<void> {
    const { messages } = await lease.db.execProtocol(serialize.query(sql), {
      throwOnError: false,
      syncToFs: false,
    })
    const { error } = resultsOf(messages)
    if (error !== null) throw new Error(`${sql}: ${error}`)
  }

  /** The client is gone (or terminated): roll back what it left open and hand the session back clean. */
  async #handBack(): Promise<void> {
    const lease = this.#lease
    if (lease) {
      try {
        if (this.#extendedPending) {
          // Its exchange never got its Sync: as on a server, what it executed is not committed. A failing
          // message aborts the implicit transaction, then the Sync ends it (rolled back).
          const abort = Buffer.concat([
            serialize.parse({ text: 'neon-local: the client is gone' }),
            serialize.sync(),
          ])
          await lease.db.execProtocol(abort, { throwOnError: false, syncToFs: false })
        }
        if (lease.db.isInTransaction()) await this.#simple(lease, 'rollback')
        this.#extendedPending = false
        await this.#endTurn()
      } catch (error) {
        console.error('[neon-local wire] could not clean up after a client:', error)
        if (this.#lease) {
          this.#lease = null
          lease.release()
        }
      }
    }
    this.#server.connections.delete(this)
    this.#finish()
  }

  armIdleTimer(): void {
    if (this.#idleTimer || !this.idleHoldingSession) return
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null
      if (!this.idleHoldingSession || this.#server.session.waiting === 0) return
      this.#fatal(
        '25P03',
        'terminating connection due to idle-in-transaction timeout',
        `neon-local: the embedded database is one session shared with the API; a transaction idle for ${this.#server.idleTimeoutMs} ms while others waited was rolled back.`,
      )
    }, this.#server.idleTimeoutMs)
  }

  #clearIdleTimer(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer)
    this.#idleTimer = null
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The server

interface WireServerState {
  session: SharedSession
  user: string
  database: string
  checkPassword(password: string): boolean
  idleTimeoutMs: number
  connections: Set<Connection>
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address()
      resolvePort(typeof address === 'object' && address ? address.port : port)
    })
  })
}

async function databaseName(session: SharedSession): Promise<string> {
  const lease = await session.acquire()
  try {
    const { messages } = await lease.db.execProtocol(serialize.query('select current_database()'), {
      throwOnError: false,
      syncToFs: false,
    })
    return resultsOf(messages).sets[0]?.[0]?.[0] ?? 'postgres'
  } finally {
    lease.release()
  }
}

export async function startWireServer(options: WireServerOptions): Promise<WireServer> {
  const state: WireServerState = {
    session: options.session,
    user: options.session.sessionUser,
    database: await databaseName(options.session),
    checkPassword: options.checkPassword,
    idleTimeoutMs: options.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    connections: new Set(),
  }
  const unsubscribe = options.session.onWaiting(() => {
    for (const connection of state.connections) connection.armIdleTimer()
  })
  const server = createServer((socket) => {
    if (!isLoopbackPeer(socket.remoteAddress)) {
      socket.destroy()
      return
    }
    state.connections.add(new Connection(socket, state))
  })
  server.maxConnections = 64
  let port: number
  try {
    port = await listen(server, options.port, options.host)
  } catch (error) {
    unsubscribe()
    throw error
  }
  return {
    port,
    user: state.user,
    database: state.database,
    close: async () => {
      unsubscribe()
      const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()))
      const connections = [...state.connections]
      for (const connection of connections) connection.close()
      await Promise.all(connections.map((connection) => connection.finished))
      await closed
    },
  }
}

/** Constant-time comparison of a password with the expected one (on SHA-256 digests). */
export function passwordChecker(expected: string): (password: string) => boolean {
  const wanted = digest(expected)
  return (password) => password !== '' && timingSafeEqual(digest(password), wanted)
}
