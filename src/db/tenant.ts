import type { WithSubquery } from 'drizzle-orm'
import { and, eq, type SQL, sql } from 'drizzle-orm'
import type { BatchItem, BatchResponse } from 'drizzle-orm/batch'
import type { PgColumn, PgInsertValue, PgTable, PgUpdateSetSource } from 'drizzle-orm/pg-core'
import type { Principal } from '../auth/principal'
import { createDatabase, type Database } from './client'
import { organizations } from './schema'

/** Every table of a tenant: it has an `organization_id` column, and a version on every row. */
export type TenantTable = VersionedTable & { organizationId: PgColumn; id: PgColumn }

type VersionedTable = PgTable & { version: PgColumn; updatedAt: PgColumn }

/**
 * What every UPDATE sets besides the caller's changes: the next version (under the row lock the UPDATE takes,
 * so concurrent writers get distinct, increasing versions: the ETag) and an `updated_at` that never goes back
 * (a transaction that waited on the lock started earlier: its now() may be older than the row's).
 */
function nextVersion(table: VersionedTable) {
  return {
    version: sql`${table.version} + 1`,
    updatedAt: sql`greatest(now(), ${table.updatedAt})`,
  }
}

/**
 * A row-ownership rule of a route (e.g. "a CUSTOMER sees only their own tickets"): on `table`, the
 * caller may only read and write rows whose `column` is the caller's id, and inserts get it set.
 */
export interface OwnershipRule {
  table: TenantTable
  key: string
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
}

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
    options: { requestId?: string; ownership?: readonly OwnershipRule[] | undefined } = {},
  ): TenantDb {
    return new TenantDb(createDatabase(databaseUrl, options.requestId), {
      organizationId: principal.organizationId,
      role: principal.role,
      principalId: principal.subject,
      ownership: options.ownership,
    })
  }

  /** A tenant binding without a caller of that tenant: platform operations only (provisioning). */
  static forPlatform(databaseUrl: string, organizationId: string, requestId?: string): TenantDb {
    return new TenantDb(createDatabase(databaseUrl, requestId), {
      organizationId,
      role: null,
      principalId: null,
    })
  }

  get organizationId(): string {
    return this.context.organizationId
  }

  /** The ownership rule's column when it applies to `table`. */
  #ownedColumn(table: TenantTable): { key: string; column: PgColumn } | undefined {
    const rule = this.context.ownership?.find((candidate) => candidate.table === table)
    if (!rule) return undefined
    return { key: rule.key, column: (table as unknown as Record<string, PgColumn>)[rule.key] as PgColumn }
  }

  /** `organization_id = <tenant>`, the caller's ownership rule on this table, and the given conditions. */
  where<T extends TenantTable>(table: T, ...conditions: Array<SQL | undefined>): SQL {
    const owned = this.#ownedColumn(table)
    return and(
      eq(table.organizationId, this.organizationId),
      owned ? eq(owned.column, this.context.principalId) : undefined,
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
    const { organizationId: _ignored, version: _version, ...values } = set as Record<string, unknown>
    const builder = ctes.length ? this.#db.with(...ctes) : this.#db
    return builder
      .update(table)
      .set({ ...values, ...nextVersion(table) } as unknown as PgUpdateSetSource<T>)
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

  /** The statement that opens every batch: binds the tenant, checks organization status and caller. */
  #begin(): Statement {
    const { organizationId, role, principalId } = this.context
    // Without a role (platform operations) it binds the tenant only: no status or caller check.
    return this.#db.execute(
      sql`select app_begin_request(${organizationId}::uuid, ${role}::text, ${principalId}::uuid)`,
    )
  }

  /** Runs the statements, in order, in one round trip and one transaction, after binding the tenant. */
  async run<T extends Statements>(...statements: T): Promise<BatchResponse<T>> {
    const results = (await this.#db.batch([this.#begin(), ...statements])) as unknown[]
    return results.slice(1) as BatchResponse<T>
  }
}
