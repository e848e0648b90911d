import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { describe, expect, it } from 'vitest'
import type { PrincipalRole } from '../../src/auth/principal'
import { schemaFor } from '../../src/reads/graphql/schema'
import { expandPathsFrom, type ReadNodeName, readEdges } from '../../src/reads/relations'
import { mcpClient } from '../mcp/support'
import { api, json } from '../support/api'
import { allFields, graphql, withoutNulls } from './graphql-support'
import { consoleScreen } from './support'

type Body = Record<string, unknown>

/*
 * SPEC-surfaces "Who may do what": a representation is decided once per role and reused by every surface. For
 * every resource the read graph reaches and every role: REST's GET, GraphQL's `x(id)` with every field of the
 * role's type, MCP's get tool and the object embedded by `expand` are the same object, or the same refusal.
 */
describe('one representation per role on REST, GraphQL, MCP and expand', () => {
  it('every resource and list, every role: the same fields and values, or the same refusal', async () => {
    const screen = await consoleScreen()
    const { tenant, ticketId } = screen
    const messages = await json<{ data: Body[] }>(
      await api(`/v1/tickets/${ticketId}/messages`, { token: tenant.tokens.ADMIN }),
    )
    const messageId = messages.data[0]?.id as string
    const reads: Array<{ type: ReadNodeName; id: string; path: string; tool: string; args: Body }> = [
      {
        type: 'Ticket',
        id: ticketId,
        path: `/v1/tickets/${ticketId}`,
        tool: 'getTicket',
        args: { ticketId },
      },
      {
        type: 'Message',
        id: messageId,
        path: `/v1/tickets/${ticketId}/messages/${messageId}`,
        tool: 'getTicketMessage',
        args: { ticketId, messageId },
      },
      {
        type: 'Escalation',
        id: screen.escalationId,
        path: `/v1/escalations/${screen.escalationId}`,
        tool: 'getEscalation',
        args: { escalationId: screen.escalationId },
      },
      {
        type: 'Refund',
        id: screen.refundId,
        path: `/v1/refunds/${screen.refundId}`,
        tool: 'getRefund',
        args: { refundId: screen.refundId },
      },
      {
        type: 'Customer',
        id: tenant.customerId,
        path: `/v1/customers/${tenant.customerId}`,
        tool: 'getCustomer',
        args: { customerId: tenant.customerId },
      },
      {
        type: 'Representative',
        id: tenant.representativeId,
        path: `/v1/representatives/${tenant.representativeId}`,
        tool: 'getRepresentative',
        args: { representativeId: tenant.representativeId },
      },
      {
        type: 'User',
        id: tenant.representativeUserId,
        path: `/v1/users/${tenant.representativeUserId}`,
        tool: 'getUser',
        args: { userId: tenant.representativeUserId },
      },
      {
        type: 'Agent',
        id: tenant.agentId,
        path: `/v1/agents/${tenant.agentId}`,
        tool: 'getAgent',
        args: { agentId: tenant.agentId },
      },
    ]
    for (const role of ['ADMIN', 'REPRESENTATIVE', 'AGENT', 'CUSTOMER'] as const satisfies PrincipalRole[]) {
      const token = tenant.tokens[role]
      const mcp = role === 'CUSTOMER' ? undefined : await mcpClient(token)
      const rest = new Map<ReadNodeName, { status: number; body: Body }>()
      for (const read of reads) {
        const label = `${role} ${read.type}`
        const response = await api(read.path, { token })
        const body = await json<Body>(response)
        rest.set(read.type, { status: response.status, body })
        const field = read.type.charAt(0).toLowerCase() + read.type.slice(1)
        const inSchema = schemaFor(role).getQueryType()?.getFields()[field] !== undefined
        if (response.status === 200) {
          expect(inSchema, label).toBe(true)
          const result = await graphql(
            token,
            `{ ${field}(id: "${read.id}") { ${allFields(role, read.type)} } }`,
          )
          expect(result.body.errors, label).toBeUndefined()
          expect(withoutNulls(result.body.data?.[field]), label).toEqual(withoutNulls(body))
        } else if (response.status === 403) {
          expect(inSchema, label).toBe(false)
        } else {
          expect(response.status, label).toBe(404)
          const result = await graphql(token, `{ ${field}(id: "${read.id}") { id } }`)
          expect(result.body.errors?.[0]?.extensions?.code, label).toBe('NOT_FOUND')
        }
        if (mcp) {
          const result = (await mcp.client.callTool({
            name: read.tool,
            arguments: read.args,
          })) as CallToolResult
          if (response.status === 200) {
            expect(result.isError, label).toBeFalsy()
            expect(result.structuredContent, label).toEqual(body)
          } else {
            expect(result.isError, label).toBe(true)
            const problem = JSON.parse((result.content[0] as { text: string }).text) as Body
            expect([problem.status, problem.code], label).toEqual([response.status, body.code])
          }
        }
      }

      // expand: each path of depth 1 from the ticket (and from its escalation and refund) embeds what the related
      // resource's GET answers this role, or is refused as that GET refuses it.
      for (const root of reads.filter((read) => ['Ticket', 'Escalation', 'Refund'].includes(read.type))) {
        const own = rest.get(root.type)
        if (own?.status !== 200) continue
        for (const path of expandPathsFrom(root.type, 1)) {
          const label = `${role} ${root.type}?expand=${path}`
          const edge = readEdges[root.type][path]
          const response = await api(`${root.path}?expand=${path}`, { token })
          const body = await json<Body>(response)
          if (response.status === 403) {
            const related = rest.get(edge?.to as ReadNodeName)
            const hiddenReference = edge?.via !== undefined && !(edge.via in own.body)
            expect(related?.status === 403 || hiddenReference, label).toBe(true)
            continue
          }
          expect(response.status, `${label}: ${JSON.stringify(body)}`).toBe(200)
          const { [path]: embedded, ...rest_ } = body
          expect(rest_, label).toEqual(own.body)
          if (edge?.kind === 'one') {
            const related = rest.get(edge.to)
            if (related && embedded !== null && related.body.id === (embedded as Body).id) {
              expect(embedded, label).toEqual(related.body)
            }
          }
        }
      }

      // The lists: REST's page, the same page with every expansion the role may ask for (its items, the
      // expansions aside), GraphQL's root list and MCP's list tool.
      for (const type of ['Ticket', 'Escalation', 'Refund'] as const) {
        const field = `${type.charAt(0).toLowerCase()}${type.slice(1)}s`
        const label = `${role} ${field}`
        const response = await api(`/v1/${field}`, { token })
        const inSchema = schemaFor(role).getQueryType()?.getFields()[field] !== undefined
        if (response.status === 403) {
          expect(inSchema, label).toBe(false)
          continue
        }
        expect(response.status, label).toBe(200)
        const page = await json<{ data: Body[]; nextCursor: string | null }>(response)
        expect(page.data.length, label).toBeGreaterThan(0)
        const allowed = expandPathsFrom(type, 1).filter((path) => {
          const edge = readEdges[type][path]
          const related = edge && rest.get(edge.to)
          return related?.status !== 403 && (edge?.via === undefined || edge.via in (page.data[0] as Body))
        })
        const expanded = await json<{ data: Body[] }>(
          await api(`/v1/${field}?expand=${allowed.join(',')}`, { token }),
        )
        expect(
          expanded.data.map((item) =>
            Object.fromEntries(Object.entries(item).filter(([key]) => !allowed.includes(key))),
          ),
          label,
        ).toEqual(page.data)
        const result = await graphql(token, `{ ${field} { nodes { ${allFields(role, type)} } } }`)
        expect(result.body.errors, label).toBeUndefined()
        const connection = result.body.data?.[field] as { nodes: Body[] } | undefined
        expect(withoutNulls(connection?.nodes), label).toEqual(withoutNulls(page.data))
        if (mcp) {
          const listed = (await mcp.client.callTool({
            name: `list${type}s`,
            arguments: {},
          })) as CallToolResult
          expect(listed.structuredContent, label).toEqual(page)
        }
      }
      await mcp?.close()
    }
  })
})
