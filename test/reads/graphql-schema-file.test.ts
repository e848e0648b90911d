import { printSchema, validateSchema } from 'graphql'
import { describe, expect, it } from 'vitest'
import published from '../../schema.graphql?raw'
import { principalRoles } from '../../src/auth/principal'
import { publishedSchema } from '../../src/reads/graphql/published-schema'
import { schemaFor } from '../../src/reads/graphql/schema'
import { operations } from './graphql-support'

describe('schema.graphql', () => {
  it('is the schema /graphql serves (the ADMIN role’s, with the mutations only others may call): regenerate with npm run graphql:schema', () => {
    expect(published).toBe(`${printSchema(publishedSchema(operations))}\n`)
    const mutations = publishedSchema(operations).getMutationType()?.getFields() ?? {}
    // The CUSTOMER's own mutation, in the file though not in the ADMIN's schema.
    expect(mutations).toHaveProperty('replaceTicketSatisfaction')
    expect(schemaFor('ADMIN', operations).getMutationType()?.getFields()).not.toHaveProperty(
      'replaceTicketSatisfaction',
    )
    expect(schemaFor('CUSTOMER', operations).getMutationType()?.getFields()).toHaveProperty(
      'replaceTicketSatisfaction',
    )
  })

  it('every role’s schema is valid, with and without mutations (the Worker bundle skips this check at run time: src/bundle/graphql-schema-validation.ts)', () => {
    for (const role of principalRoles) {
      for (const served of [operations, undefined]) {
        expect(validateSchema(schemaFor(role, served)).map(String), role).toEqual([])
      }
    }
  })

  it('every role’s schema is a subset of the published one: the fields, relations and mutations its REST operations leave out are absent', () => {
    const admin = publishedSchema(operations)
    for (const role of ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'] as const) {
      const schema = schemaFor(role, operations)
      for (const [name, type] of Object.entries(schema.getTypeMap())) {
        if (name.startsWith('__') || !('getFields' in type)) continue
        const wider = admin.getType(name) as typeof type
        for (const field of Object.keys(type.getFields()))
          expect(wider.getFields(), `${role} ${name}.${field}`).toHaveProperty(field)
      }
    }
    const customer = schemaFor('CUSTOMER')
    const ticket = customer.getType('Ticket') as unknown as { getFields(): Record<string, unknown> }
    expect(Object.keys(ticket.getFields())).not.toContain('tags')
    expect(Object.keys(ticket.getFields())).not.toContain('escalations')
    expect(customer.getQueryType()?.getFields()).not.toHaveProperty('escalations')
    expect(schemaFor('CUSTOMER', operations).getMutationType()?.getFields()).not.toHaveProperty(
      'createEscalation',
    )
  })
})
