import { z } from '@hono/zod-openapi'
import { describe, expect, it } from 'vitest'
import { represent, staffRoles, visibleTo } from '../../src/lib/representation'

// `represent` is the one place a role's representation is built (REST, expand, GraphQL, MCP, events): a field
// declared for some roles must stay hidden from the others wherever the schema puts it, arrays of objects included.
const Item = z.object({
  name: z.string(),
  secret: visibleTo(staffRoles, z.string(), 'Staff only.'),
  at: z.string(),
})
const Holder = z.object({
  items: z.array(Item),
  maybeItems: z.array(Item).nullable().optional(),
  tags: z.array(z.string()),
})

const row = {
  items: [
    { name: 'a', secret: 's1', at: new Date('2026-01-02T03:04:05Z'), organizationId: 'x' },
    { name: 'b', secret: 's2', at: new Date('2026-01-02T03:04:06Z') },
  ],
  maybeItems: null,
  tags: ['t'],
}

describe('represent on arrays of objects', () => {
  it('leaves a hidden field out of every element, and keeps only the schema’s fields', () => {
    expect(represent(Holder, row, { role: 'CUSTOMER' })).toEqual({
      items: [
        { name: 'a', at: '2026-01-02T03:04:05.000Z' },
        { name: 'b', at: '2026-01-02T03:04:06.000Z' },
      ],
      maybeItems: null,
      tags: ['t'],
    })
  })

  it('shows the field to the roles it is declared for', () => {
    const staff = represent(Holder, { ...row, maybeItems: row.items.slice(1) }, { role: 'ADMIN' })
    expect(staff.items.map((item) => item.secret)).toEqual(['s1', 's2'])
    expect(staff.maybeItems).toEqual([{ name: 'b', secret: 's2', at: '2026-01-02T03:04:06.000Z' }])
  })
})
