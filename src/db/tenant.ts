import type { WithSubquery } from 'drizzle-orm'
import { and, eq, SQL, sql } from 'drizzle-orm'
import type { BatchItem, BatchResponse } from 'drizzle-orm/batch'
import type {
  PgColumn,
  PgInsertSelectQueryBuilder,
  PgInsertValue,
  PgTable,
  PgUpdateSetSource,
} from 'drizzle-orm/pg-core'
import type { Principal } from '../auth/principal'
import { planRefreshDue, rememberPlan } from '../lib/plan-cache'
import { createDatabase, type Database, statementTimeoutMs } from './client'
import { organizations } from './schema'

/** Every table of a tenant: it has an `organization_id` column, and a version on every row. */
export type TenantTable = VersionedTable & { organizationId: PgColumn; id: PgColumn }

type VersionedTable = PgTable & { version: PgColumn; updatedAt: PgColumn }

/**
 * What every UPDATE sets besides the caller's changes: the next version (under the row lock the UPDATE takes,
 * so concurrent writers get distinct, increasing versions: the ETag) and an `updated_at` that never goes back
 * (a transaction that waited on the lock started earlier: its now() may be older than the row's).
 */
function nextVersion(table: VersionedTable, updatedAt?: unknown) {
  return {
    version: sql`${table.version} + 1`,
    // A caller's own updatedAt (a later clock) may move it further, never back.
    updatedAt:
      updatedAt instanceof SQL
        ? sql`greatest(now(), ${table.updatedAt}, ${updatedAt})`
        : sql`greatest(now(), ${table.updatedAt})`,
  }
}

/**
 * A row-ownership rule of a route (e.g. "a CUSTOMER sees only their own tickets"): on `table`, the
 * caller may only read and write rows whose `key` column is the caller's id, and inserts get it set. A rule
 * that is not one column (e.g. "only PUBLIC messages of the caller's own tickets") gives `rows` instead: the
 * condition, given the caller's id, that every row the caller reads or changes must meet.
 */
export type OwnershipRule =
  | { table: TenantTable; key: string; rows?: undefined }
  | { table: TenantTable; key?: undefined; rows: (principalId: string) => SQL }

/**
 * The condition the ownership rules put on `table`'s rows for the caller (undefined: no rule for that table). The
 * SQL names the table itself, so it holds wherever the table is read under its own name (TenantDb's statements,
 * and each level of a read plan, src/reads/planner.ts).
 */
export function ownershipCondition(
  rules: readonly OwnershipRule[] | undefined,
  table: TenantTable,
  principalId: string | null,
): SQL | undefined {
  const rule = rules?.find((candidate) => candidate.table === table)
  if (!rule) return undefined
  if (rule.rows) return rule.rows(principalId ?? '')
  return eq((table as unknown as Record<string, PgColumn>)[rule.key] as PgColumn, principalId)
}

export type Statement = BatchItem<'pg'>
type Statements = readonly [Statement, ...Statement[]]

/**
 * Who the transaction runs for. `role`/`principalId` are null for platform operations, which bind
 * the tenant without a caller of that tenant (provisioning).
 */
export interface TenantContext {
  organizationId: string
  role: Principal['role'] | null
  principalId: string | null
  /** The ownership rules that apply to this caller on this route (one per table), if any. */
  ownership?: readonly OwnershipRule[] | undefined
  /** The request's Idempotency-Key, when it sent one (src/middleware/idempotency.ts). */
  idempotency?: IdempotencyClaim | undefined
  /** The request id, bound with the tenant: the events the batch writes carry it (and the Idempotency-Key). */
  requestId?: string | undefined
  /** Who acts when there is no caller (role null): an operator's platform operation, or the API's own jobs. */
  actor?: 'PLATFORM' | 'SYSTEM' | undefined
  /**
   * The request may write: each `run` batch also reads, as its last statement, the webhook deliveries its
   * transaction created (app_fan_out_event), for the producer to enqueue after the commit (webhooks/dispatch.ts).
   */
  collectsDeliveries?: boolean | undefined
  /** The caller's token `iat` (seconds): the request's first batch records it as the user's last login. */
  issuedAt?: number | undefined
}

/**
 * The caller id of the platform's Idempotency-Keys (idempotency_keys.caller_id): the nil UUID, never a user's or
 * an agent configuration's id (random v4 ids).
 */
export const PLATFORM_CALLER_ID = '00000000-0000-0000-0000-000000000000'

/** A keyed hard DELETE's `.returning()` column (TenantDb.expectDeleted): evaluated for each row it removes. */
export const deletedMark = sql<boolean>`public.app_mark_deleted()`

export interface IdempotencyClaim {
  key: string
  /** SHA-256 of method, path and body. */
  fingerprint: string
  ttlSeconds: number
}

/**
 * What a keyed request's work produces, declared by its handler before the work runs: the status it answers
 * and the resource it writes (table + id), read from `path` on a replay.
 */
export type IdempotentResult = {
  status: 200 | 201 | 202 | 204
  /** What a replay reads (GET, with the caller's token); a SQL value when only the work knows it. */
  path: string | SQL
} & (
  | { table: TenantTable; id: string }
  /** Work that writes several rows: a condition, true in the work's transaction when it wrote any. */
  | { written: SQL }
)

/**
 * The only way route code reaches the database. Every builder adds `organization_id` to what it
 * reads and writes, and `run` sends a request's statements as ONE neon-http batch (one HTTP round trip,
 * one transaction) whose first statement, `app_begin_request`, binds the tenant with transaction-local
 * settings (RLS reads them), and refuses a suspended organization or an inactive caller in the same trip.
 */
export class TenantDb {
  readonly #db: Database
  readonly context: TenantContext

  constructor(db: Database, context: TenantContext) {
    this.#db = db
    this.context = context
  }

  static forPrincipal(
    databaseUrl: string,
    principal: Principal,
    options: {
      requestId?: string
      ownership?: readonly OwnershipRule[] | undefined
      idempotency?: IdempotencyClaim | undefined
      collectsDeliveries?: boolean | undefined
    } = {},
  ): TenantDb {
    return new TenantDb(createDatabase(databaseUrl, options.requestId), {
      organizationId: principal.organizationId,
      role: principal.role,
      principalId: principal.subject,
      ownership: options.ownership,
      idempotency: options.idempotency,
      requestId: options.requestId,
      collectsDeliveries: options.collectsDeliveries,
      issuedAt: principal.issuedAt,
    })
  }

  /**
   * A tenant binding without a caller of that tenant: platform operations only (provisioning). The platform's
   * Idempotency-Keys are claimed under PLATFORM_CALLER_ID (keys are scoped to tenant and caller); without a role
   * the id binds nothing else: no caller check, and events name the PLATFORM actor without an id.
   */
  static forPlatform(
    databaseUrl: string,
    organizationId: string,
    requestId?: string,
    idempotency?: IdempotencyClaim,
  ): TenantDb {
    return new TenantDb(createDatabase(databaseUrl, requestId), {
      organizationId,
      role: null,
      principalId: idempotency ? PLATFORM_CALLER_ID : null,
      idempotency,
      requestId,
      actor: 'PLATFORM',
    })
  }

  /** A tenant binding for the API's own scheduled and queued work: its changes' events name the SYSTEM actor. */
  static forSystem(databaseUrl: string, organizationId: string, requestId?: string): TenantDb {
    return new TenantDb(createDatabase(databaseUrl, requestId), {
      organizationId,
      role: null,
      principalId: null,
      requestId,
      actor: 'SYSTEM',
    })
  }

  get organizationId(): string {
    return this.context.organizationId
  }

  /** The ownership rule's column when it applies to `table`. */
  #ownedColumn(table: TenantTable): { key: string; column: PgColumn } | undefined {
    const rule = this.context.ownership?.find((candidate) => candidate.table === table)
    if (!rule?.key) return undefined
    return { key: rule.key, column: (table as unknown as Record<string, PgColumn>)[rule.key] as PgColumn }
  }

  /** `organization_id = <tenant>`, the caller's ownership rule on this table, and the given conditions. */
  where<T extends TenantTable>(table: T, ...conditions: Array<SQL | undefined>): SQL {
    return and(
      eq(table.organizationId, this.organizationId),
      ownershipCondition(this.context.ownership, table, this.context.principalId),
      ...conditions,
    ) as SQL
  }

  /** SELECT of a tenant table, already filtered to the tenant (chain orderBy/limit; not where). */
  select<T extends TenantTable>(table: T, ...conditions: Array<SQL | undefined>) {
    return this.#db
      .select()
      .from(table as PgTable)
      .where(this.where(table, ...conditions))
      .$dynamic()
  }

  /** SELECT of chosen fields (expressions allowed) of a tenant table, filtered to the tenant. */
  selectFields<T extends TenantTable, F extends Parameters<Database['select']>[0] & object>(
    table: T,
    fields: F,
    ...conditions: Array<SQL | undefined>
  ) {
    return this.#db
      .select(fields)
      .from(table as PgTable)
      .where(this.where(table, ...conditions))
      .$dynamic()
  }

  /**
   * INSERT into a tenant table: `organization_id` is always the tenant's, whatever the values say, and an
   * ownership rule on the table sets its column to the caller. `with` adds CTEs (see organizationCounter).
   */
  insert<T extends TenantTable>(
    table: T,
    values: Omit<PgInsertValue<T>, 'organizationId'>,
    options: { with?: WithSubquery[] } = {},
  ) {
    const owned = this.#ownedColumn(table)
    const row = {
      ...values,
      organizationId: this.organizationId,
      ...(owned ? { [owned.key]: this.context.principalId } : {}),
    }
    const builder = options.with?.length ? this.#db.with(...options.with) : this.#db
    return builder.insert(table).values(row as PgInsertValue<T>)
  }

  /**
   * INSERT … SELECT into a tenant table: a row only where another table's row qualifies, e.g. a message only on a
   * ticket the batch's UPDATE just accepted. The select must come from this TenantDb (tenant-filtered, ownership
   * applied) and yield `organizationId` from the tenant's rows; RLS refuses any other tenant (42501).
   */
  insertFrom<T extends TenantTable>(table: T, select: PgInsertSelectQueryBuilder<T>) {
    return this.#db.insert(table).select(select)
  }

  /**
   * A CTE `alias(value)` that increments a counter column of the tenant's organization and yields the new
   * value. The UPDATE's row lock serializes concurrent users of the counter; it rolls back with the statement.
   */
  organizationCounter(alias: string, column: PgColumn) {
    const name = sql.identifier(column.name)
    const cte = this.#db
      .$with(alias, { value: sql<number>`value` })
      .as(
        sql`update ${organizations} set ${name} = ${name} + 1 where ${organizations.id} = ${this.organizationId} returning ${name} as value`,
      )
    return { cte, value: sql`(select value from ${sql.identifier(alias)})` }
  }

  /** The tenant's own organization row. */
  selectOrganization() {
    return this.#db.select().from(organizations).where(eq(organizations.id, this.organizationId))
  }

  /** UPDATE of the tenant's own organization row (a new version, see `nextVersion`). */
  updateOrganization(set: PgUpdateSetSource<typeof organizations>, ...conditions: Array<SQL | undefined>) {
    const { id: _id, ...values } = set as Record<string, unknown>
    return this.#db
      .update(organizations)
      .set({ ...values, ...nextVersion(organizations) } as PgUpdateSetSource<typeof organizations>)
      .where(and(eq(organizations.id, this.organizationId), ...conditions))
  }

  /** INSERT of the tenant's organization row itself (provisioning): its id is the bound tenant. */
  insertOrganization(values: Omit<typeof organizations.$inferInsert, 'id'>) {
    return this.#db.insert(organizations).values({ ...values, id: this.organizationId })
  }

  /** UPDATE of a tenant table's rows matching the conditions, within the tenant; each row gets a new version. */
  update<T extends TenantTable>(table: T, set: PgUpdateSetSource<T>, ...conditions: Array<SQL | undefined>) {
    return this.updateWith([], table, set, ...conditions)
  }

  /** `update`, preceded by CTEs its conditions use (e.g. `lockRows`). */
  updateWith<T extends TenantTable>(
    ctes: WithSubquery[],
    table: T,
    set: PgUpdateSetSource<T>,
    ...conditions: Array<SQL | undefined>
  ) {
    const {
      organizationId: _ignored,
      version: _version,
      updatedAt,
      ...values
    } = set as Record<string, unknown>
    const builder = ctes.length ? this.#db.with(...ctes) : this.#db
    return builder
      .update(table)
      .set({ ...values, ...nextVersion(table, updatedAt) } as unknown as PgUpdateSetSource<T>)
      .where(this.where(table, ...conditions))
  }

  /**
   * A CTE `alias(id)` that locks (FOR UPDATE) the tenant's rows of `table` matching the conditions. A statement
   * that counts them sees only rows still matching after concurrent writers commit (Read Committed re-checks a
   * locked row), which makes "at least one other X remains" checks exact under concurrency.
   */
  lockRows<T extends TenantTable>(alias: string, table: T, ...conditions: Array<SQL | undefined>) {
    return this.#db.$with(alias).as(
      this.#db
        .select({ id: table.id })
        .from(table as PgTable)
        .where(this.where(table, ...conditions))
        .orderBy(table.id)
        .for('update'),
    )
  }

  /** DELETE of a tenant table's rows matching the conditions, within the tenant. */
  delete<T extends TenantTable>(table: T, ...conditions: Array<SQL | undefined>) {
    return this.#db.delete(table).where(this.where(table, ...conditions))
  }

  /** A raw statement, for what the builders cannot say (e.g. data-modifying CTEs). Must filter by tenant itself. */
  raw<T extends Record<string, unknown>>(query: SQL) {
    return this.#db.execute<T>(query)
  }

  /**
   * The statement that opens every batch: binds the tenant, checks organization status and caller, and binds what
   * the batch's events record (request id, Idempotency-Key, the actor of a call without a caller); and bounds each
   * of the batch's statements on the server (`statementTimeoutMs`: the request's deadline plus a margin).
   */
  #begin(): Statement {
    const { organizationId, role, principalId, requestId, idempotency, actor } = this.context
    // Without a role (platform operations) it binds the tenant only: no status or caller check.
    return this.#db.execute(
      sql`select app_begin_request(${organizationId}::uuid, ${role}::text, ${principalId}::uuid, ${requestId ?? null}::text, ${idempotency?.key ?? null}::text, ${role === null ? (actor ?? 'PLATFORM') : null}::text), app_set_statement_timeout(${statementTimeoutMs()}::int)`,
    )
  }

  #loginRecorded = false

  /**
   * The user's last login (the token's `iat`), for the request's first batch only: its LAST statement
   * (app_record_login, migration 0061). Last, because the stamp holds the caller's row until the COMMIT: taken
   * first, a request of the same token that locks another row and then the caller's deadlocked with it.
   */
  #loginStatement(): Statement | undefined {
    const { role, issuedAt } = this.context
    if (this.#loginRecorded || issuedAt === undefined || role === null || role === 'AGENT') return undefined
    return this.#db.execute(sql`select app_record_login(to_timestamp(${issuedAt}::float8))`)
  }

  #result: IdempotentResult | undefined
  #claimed = false

  /**
   * Declares what this request's work writes (see IdempotentResult). With an Idempotency-Key, the next `run`
   * claims the key in its own batch and completes it there, only if the work wrote that resource: one round
   * trip, one transaction, no extra cost for a first attempt.
   */
  expectResult(result: IdempotentResult): void {
    this.#result = result
  }

  /** A creating request: chooses the new row's id (so a replay can find it) and declares a 201. */
  expectCreated(table: TenantTable, collectionPath: string): string {
    const id = crypto.randomUUID()
    this.expectResult({ status: 201, table, id, path: `${collectionPath}/${id}` })
    return id
  }

  /** An action on an existing row (approve, assign, …): declares a 200 of the resource at `path`. */
  expectChanged(table: TenantTable, path: string, id: string): void {
    this.expectResult({ status: 200, table, id, path })
  }

  /**
   * A hard DELETE (204): the key completes only if the DELETE removed the row. A deleted row is no longer there to
   * compare xmin with, so the DELETE's `.returning()` says it: `deletedMark`, evaluated for each row it removes,
   * sets a transaction-local flag (app_mark_deleted, migration 0072).
   */
  expectDeleted(path: string): void {
    this.expectResult({ status: 204, path, written: sql`current_setting('app.deleted', true) = 'on'` })
  }

  /**
   * Runs the statements, in order, in one round trip and one transaction, after binding the tenant. The first
   * `run` of a request with an Idempotency-Key and a declared result also claims the key (before the work) and
   * completes it (after): a repeated or concurrent duplicate is refused by the claim and replayed. A batch that
   * failed claimed nothing (its transaction rolled back), so a later `run` of the request (a retry) claims again.
   */
  async run<T extends Statements>(...statements: T): Promise<BatchResponse<T>> {
    const claim = this.#claimStatements()
    const report = this.context.collectsDeliveries
      ? this.#db.execute(sql`select current_setting('app.webhook_deliveries', true) as ids`)
      : undefined
    const batch: Statement[] = [
      this.#begin(),
      ...(claim ? [claim.claim] : []),
      ...statements,
      ...(claim ? [claim.complete] : []),
      ...(report ? [report] : []),
    ]
    try {
      const results = await this.#batch(batch as [Statement, ...Statement[]])
      if (report) this.#collectDeliveries(results.pop())
      return results.slice(claim ? 2 : 1, claim ? -1 : undefined) as BatchResponse<T>
    } catch (error) {
      if (claim) this.#claimed = false
      throw error
    }
  }

  #reached = false

  /**
   * Checks the caller and its organization (app_begin_request alone: 401/403 for an inactive one) unless a batch of
   * this request already did: for an answer that reads no tenant data (MCP's tools/list, GraphQL introspection).
   */
  async checkCaller(): Promise<void> {
    if (!this.#reached) await this.#batch([this.#begin()])
  }

  #newDeliveries: string[] = []

  #collectDeliveries(result: unknown): void {
    const ids = (result as { rows?: Array<{ ids: string | null }> } | undefined)?.rows?.[0]?.ids
    if (ids) this.#newDeliveries.push(...ids.split(','))
  }

  /** The webhook deliveries this request's committed batches created, once (webhooks/dispatch.ts sends them). */
  takeNewDeliveries(): string[] {
    return this.#newDeliveries.splice(0)
  }

  /**
   * `run` for read-only batches that come before a request's work (they never claim its Idempotency-Key). With a
   * key not yet claimed, the batch first peeks at it (app_peek_idempotency_key): a completed key raises the same
   * replay signal as the claim (OA010), and a key used for another request OA011, so a replay or a misuse is
   * answered from the request's first round trip instead of after the work was decided.
   */
  async read<T extends Statements>(...statements: T): Promise<BatchResponse<T>> {
    const peek = this.#peekStatement()
    const results = await this.#batch([this.#begin(), ...(peek ? [peek] : []), ...statements])
    return results.slice(peek ? 2 : 1) as BatchResponse<T>
  }

  #peekStatement(): Statement | undefined {
    const idempotency = this.context.idempotency
    if (!idempotency || this.#claimed) return undefined
    return this.#db.execute(
      sql`select app_peek_idempotency_key(${idempotency.key}, ${idempotency.fingerprint})`,
    )
  }

  #claimStatements(): { claim: Statement; complete: Statement } | undefined {
    const idempotency = this.context.idempotency
    const result = this.#result
    if (!idempotency || this.#claimed) return undefined
    // A keyed route's handler that forgot to declare its result would ignore the key and write again on every
    // retry: refuse (a 500 no test with a key can miss) rather than risk a double write.
    if (!result) throw new Error('A request with an Idempotency-Key runs a write that declares no result')
    this.#claimed = true
    const { key, fingerprint, ttlSeconds } = idempotency
    // The work wrote the resource ⇔ its row version is this transaction's (xmin): a refused conditional write
    // (404/409/412) leaves the key uncompleted, so a retry runs again instead of replaying a failure.
    const written =
      'written' in result
        ? result.written
        : sql`exists (select 1 from ${result.table} where ${result.table.id} = ${result.id}
      and xmin = pg_current_xact_id()::xid)`
    return {
      claim: this.#db.execute(
        sql`select app_claim_idempotency_key(${key}, ${fingerprint}, ${ttlSeconds}::int)`,
      ),
      complete: this.#db.execute(sql`update idempotency_keys set status_code = ${result.status},
        resource_path = ${result.path}, completed_at = now()
        where organization_id = ${this.organizationId} and caller_id = ${this.context.principalId}
          and key = ${key} and ${written}`),
    }
  }

  /**
   * Sends one batch. When this isolate's copy of the tenant's plan is missing or stale (lib/plan-cache.ts, read by
   * the rate limiter before any database work), the batch also reads the plan, as its last statement: same round
   * trip, same transaction, and the caller gets the results of its own statements only.
   */
  async #batch(statements: [Statement, ...Statement[]]): Promise<unknown[]> {
    this.#reached = true
    const { organizationId, role } = this.context
    const plan =
      role !== null && planRefreshDue(organizationId)
        ? this.#db
            .select({ plan: organizations.plan })
            .from(organizations)
            .where(eq(organizations.id, organizationId))
        : undefined
    const login = this.#loginStatement()
    const results = (await this.#db.batch([
      ...statements,
      ...(plan ? [plan] : []),
      ...(login ? [login] : []),
    ])) as unknown[]
    if (login) {
      results.pop()
      this.#loginRecorded = true
    }
    if (plan) {
      const [row] = results.pop() as Array<{ plan: (typeof organizations.$inferSelect)['plan'] }>
      if (row) rememberPlan(organizationId, row.plan)
    }
    return results
  }
}
