import { type AgentConfiguration, agentConfigurations } from '../../db/schema'
import { etagOf, ifMatchVersions } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { represent, type Viewer } from '../../lib/representation'
import { authorized } from '../../middleware/authorize'
import * as data from './agents.data'
import * as routes from './agents.routes'
import { AgentSchema } from './agents.schemas'

export const toAgent = (row: AgentConfiguration, viewer: Viewer) => represent(AgentSchema, row, viewer)

export const agentsRouter = createRouter()
  .openapi(routes.listAgents, async (c) => {
    const { db, principal } = authorized(c)
    const page = await data.listAgents(db, c.req.valid('query'))
    return c.json({ data: page.data.map((row) => toAgent(row, principal)), nextCursor: page.nextCursor }, 200)
  })
  .openapi(routes.getAgent, async (c) => {
    const { db, principal } = authorized(c)
    const agent = await data.getAgent(db, c.req.valid('param').agentId)
    return c.json(toAgent(agent, principal), 200, { ETag: etagOf(agent) })
  })
  .openapi(routes.createAgent, async (c) => {
    const { db, principal } = authorized(c)
    const agent = await data.createAgent(
      db,
      c.req.valid('json'),
      db.expectCreated(agentConfigurations, '/v1/agents'),
    )
    return c.json(toAgent(agent, principal), 201, { ETag: etagOf(agent), Location: `/v1/agents/${agent.id}` })
  })
  .openapi(routes.updateAgent, async (c) => {
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const { db, principal } = authorized(c)
    const { agentId } = c.req.valid('param')
    db.expectChanged(agentConfigurations, `/v1/agents/${agentId}`, agentId)
    const agent = await data.updateAgent(db, agentId, c.req.valid('json'), versions)
    return c.json(toAgent(agent, principal), 200, { ETag: etagOf(agent) })
  })
