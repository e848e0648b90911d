import { z } from '@hono/zod-openapi'
import { AgentSchema } from '../resources/agents/agents.schemas'
import { CustomerSchema } from '../resources/customers/customers.schemas'
import { EscalationSchema } from '../resources/escalations/escalations.schemas'
import { MessageSchema } from '../resources/messages/messages.schemas'
import { RefundSchema } from '../resources/refunds/refunds.schemas'
import { RepresentativeSchema } from '../resources/representatives/representatives.schemas'
import { TicketSchema } from '../resources/tickets/tickets.schemas'
import { UserSchema } from '../resources/users/users.schemas'
import { type ReadNodeName, readEdges, readLimits } from './relations'

/*
 * The shapes `expand` answers, declared in the OpenAPI document: each resource's representation plus, as optional
 * fields, the related resources it may expand (`ExpandedTicket`: a Ticket whose `customer`, `escalations`, … are
 * present when asked for). A nested list is a first page with the way to the rest (`Expanded…List`).
 */

const baseSchemas: Record<ReadNodeName, z.ZodObject> = {
  Ticket: TicketSchema,
  Message: MessageSchema,
  Escalation: EscalationSchema,
  Refund: RefundSchema,
  Customer: CustomerSchema,
  Representative: RepresentativeSchema,
  User: UserSchema,
  Agent: AgentSchema,
}

const expanded = new Map<ReadNodeName, z.ZodType>()
const lists = new Map<ReadNodeName, z.ZodType>()

/** `Expanded<Name>`: the resource with its expandable relations as optional fields (recursive through $ref). */
export function expandedSchema(name: ReadNodeName): z.ZodType {
  const known = expanded.get(name)
  if (known) return known
  const relations = Object.fromEntries(
    Object.entries(readEdges[name]).map(([edgeName, edge]) => [
      edgeName,
      (edge.kind === 'one'
        ? z.lazy(() => expandedSchema(edge.to)).nullable()
        : z.lazy(() => expandedListSchema(edge.to))
      )
        .optional()
        .openapi({ description: `${edge.description} Present when expanded (\`expand=${edgeName}\`).` }),
    ]),
  )
  // A resource without relations is itself (extended by nothing, typed clients read an empty extension as `never`).
  const base = baseSchemas[name]
  const schema = (Object.keys(relations).length > 0 ? base.extend(relations) : base).openapi(
    `Expanded${name}`,
  )
  expanded.set(name, schema)
  return schema
}

/** A nested list as `expand` gives it: the first page (at most 20) and where the rest is. */
export function expandedListSchema(name: ReadNodeName): z.ZodType {
  const known = lists.get(name)
  if (known) return known
  const schema = z
    .object({
      data: z.array(z.lazy(() => expandedSchema(name))).openapi({
        description: `At most ${readLimits.nestedPage}, in the order of the related resource’s own list.`,
      }),
      nextCursor: z.string().nullable().openapi({
        description:
          'The cursor of the next page of the related resource’s own list route; null when complete.',
      }),
      nextUrl: z.string().nullable().openapi({
        description: 'That list route with this branch’s filters and the cursor: GET it for the rest.',
        example: '/v1/escalations?ticketId=0b9c…&sort=queue&limit=20&cursor=eyJzIj…',
      }),
    })
    .openapi(`Expanded${name}List`)
  lists.set(name, schema)
  return schema
}

/** `{ data, nextCursor }` of expanded items (a list route's page). */
export function expandedPageSchema(name: ReadNodeName) {
  return z
    .object({ data: z.array(expandedSchema(name)), nextCursor: z.string().nullable() })
    .openapi(`Expanded${name}Page`)
}
