import {
  createTableRelationsHelpers,
  extractTablesRelationalConfig,
  getTableName,
  is,
  Many,
  normalizeRelation,
} from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import * as tables from '../../src/db/schema'
import { customerProfiles, users } from '../../src/db/schema'
import * as relations from '../../src/db/schema/relations'
import { readNodes } from '../../src/reads/graph'
import { expandPathsFrom, readEdges, readLimits } from '../../src/reads/relations'

const config = extractTablesRelationalConfig({ ...tables, ...relations }, createTableRelationsHelpers)

describe('the read graph follows the schema’s relations', () => {
  it('each edge joins the columns of a drizzle relation (foreign key), from the parent to the related resource', () => {
    for (const [from, edges] of Object.entries(readEdges)) {
      for (const [name, edge] of Object.entries(edges)) {
        const table = config.tables[edge.relation.table]
        const relation = table?.relations[edge.relation.name]
        expect(relation, `${from}.${name}`).toBeDefined()
        const normalized = normalizeRelation(config.tables, config.tableNamesMap, relation as never)
        // A customer is its CUSTOMER user with the profile: users.id is customer_profiles.user_id.
        const asCustomer = (column: unknown, side: typeof edge.parent) =>
          column === users.id && side.table === customerProfiles ? customerProfiles.userId : column
        const [field] = normalized.fields
        const [reference] = normalized.references
        expect(asCustomer(field, edge.parent), `${from}.${name}`).toBe(edge.parent)
        expect(asCustomer(reference, edge.child), `${from}.${name}`).toBe(edge.child)
        expect(getTableName(edge.child.table), `${from}.${name}`).toBe(getTableName(readNodes[edge.to].table))
        expect(edge.kind, `${from}.${name}`).toBe(is(relation, Many) ? 'many' : 'one')
      }
    }
  })

  it('expand accepts every chain of edges up to the depth limit, and no deeper', () => {
    const paths = expandPathsFrom('Ticket')
    expect(paths).toContain('escalations.assignedRepresentative.user')
    expect(paths.every((path) => path.split('.').length <= readLimits.expandDepth)).toBe(true)
    expect(paths).not.toContain('escalations.ticket.escalations.ticket')
  })
})
