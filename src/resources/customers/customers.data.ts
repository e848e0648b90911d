import { and, eq, getTableColumns, inArray, type SQL } from 'drizzle-orm'
import { foundOr404, listView, mergePatch, updateWhere } from '../../db/crud'
import { type CustomerProfile, customerProfiles, users } from '../../db/schema'
import type { TenantDb } from '../../db/tenant'
import type { SortOrder } from '../../lib/pagination'
import { emailSearchSort } from '../../lib/schemas'
import { startsWith } from '../users/users.data'
import type { CustomerSort, ListCustomersQuery, UpdateCustomerInput } from './customers.schemas'

/** A profile row with its user's fields (the list's keyset runs on the profile: created with the user). */
export type CustomerRow = CustomerProfile & {
  email: string
  name: string
  isActive: boolean
  userCreatedAt: Date
}

const sortOrders: Record<CustomerSort, SortOrder> = {
  '-createdAt': { columns: [customerProfiles.createdAt, customerProfiles.id], direction: 'desc' },
  createdAt: { columns: [customerProfiles.createdAt, customerProfiles.id], direction: 'asc' },
  // The user's email, unique per organization: a total order on its own.
  email: { columns: [users.email], direction: 'asc', byteOrder: true },
}

function selectCustomers(db: TenantDb, ...conditions: Array<SQL | undefined>) {
  return db
    .selectFields(
      customerProfiles,
      {
        ...getTableColumns(customerProfiles),
        email: users.email,
        name: users.name,
        isActive: users.isActive,
        userCreatedAt: users.createdAt,
      },
      ...conditions,
    )
    .innerJoin(
      users,
      and(eq(users.organizationId, customerProfiles.organizationId), eq(users.id, customerProfiles.userId)),
    )
}

export function listCustomers(db: TenantDb, query: ListCustomersQuery) {
  return listView<CustomerSort, CustomerRow>(
    db,
    { ...query, sort: emailSearchSort(query) },
    sortOrders,
    (after) =>
      selectCustomers(
        db,
        after,
        query.accountTier ? inArray(customerProfiles.accountTier, query.accountTier) : undefined,
        query.accountStanding ? inArray(customerProfiles.accountStanding, query.accountStanding) : undefined,
        query.emailPrefix ? startsWith(users.email, query.emailPrefix) : undefined,
      ),
  )
}

export async function getCustomer(db: TenantDb, customerId: string): Promise<CustomerRow> {
  const [rows] = await db.run(selectCustomers(db, eq(customerProfiles.userId, customerId)))
  return foundOr404(rows as unknown as CustomerRow[], 'customer')
}

/** `context` and `preferences` are JSON Merge Patches (mergePatch). */
export function updateCustomer(
  db: TenantDb,
  customerId: string,
  { context, preferences, ...changes }: UpdateCustomerInput,
  versions: number[] | undefined,
): Promise<CustomerRow> {
  const which = eq(customerProfiles.userId, customerId)
  return updateWhere<typeof customerProfiles, CustomerProfile, CustomerRow>(
    db,
    customerProfiles,
    which,
    {
      ...changes,
      context: mergePatch(customerProfiles.context, context),
      preferences: mergePatch(customerProfiles.preferences, preferences),
    },
    {
      what: 'customer',
      versions,
      view: selectCustomers(db, which),
    },
  )
}
