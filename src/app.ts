import { createRouter } from './lib/openapi'
import { openApiDocumentConfig, openApiDocumentHandler, registerDocumentRoutes } from './lib/openapi-document'
import { allowedMethods } from './middleware/allowed-methods'
import { corsForConfiguredOrigins } from './middleware/cors'
import { databaseDeadline } from './middleware/database-deadline'
import { notFound, onError } from './middleware/error-handler'
import { idempotency } from './middleware/idempotency'
import { noStore } from './middleware/no-store'
import { requestId } from './middleware/request-id'
import { requestLog } from './middleware/request-log'
import { secureHeaders } from './middleware/secure-headers'
import { graphqlRouter } from './reads/graphql/graphql.index'
import { agentsRouter } from './resources/agents/agents.index'
import { budgetsRouter } from './resources/budgets/budgets.index'
import { customersRouter } from './resources/customers/customers.index'
import { decisionRulesRouter } from './resources/decision-rules/decision-rules.index'
import { docsPage } from './resources/docs/docs.index'
import { escalationsRouter } from './resources/escalations/escalations.index'
import { eventsRouter } from './resources/events/events.index'
import { healthRouter } from './resources/health/health.index'
import { mountMcp } from './resources/mcp/mcp.index'
import { meRouter } from './resources/me/me.index'
import { attachmentsRouter } from './resources/messages/attachments.index'
import { messagesRouter } from './resources/messages/messages.index'
import { metricsRouter } from './resources/metrics/metrics.index'
import { organizationsRouter } from './resources/organizations/organizations.index'
import { refundsRouter } from './resources/refunds/refunds.index'
import { representativesRouter } from './resources/representatives/representatives.index'
import { ticketsRouter } from './resources/tickets/tickets.index'
import { usersRouter } from './resources/users/users.index'
import { webhookEndpointsRouter } from './resources/webhook-endpoints/webhook-endpoints.index'

/** The document as `npm run dev` serves it (scripts/openapi-check.ts); deployments name their own origin. */
export const openApiInfo = openApiDocumentConfig('http://127.0.0.1:8787')

export function createApp() {
  const app = createRouter()
  app.use('*', requestId())
  app.use('*', requestLog())
  app.use('*', noStore())
  app.use('*', databaseDeadline())
  app.use('*', corsForConfiguredOrigins())
  app.use('*', secureHeaders())
  // 405 with Allow for a documented path (the registry holds every operation once the routes below are mounted).
  app.use(
    '*',
    allowedMethods(() =>
      app.openAPIRegistry.definitions.flatMap((definition) =>
        definition.type === 'route' ? [{ method: definition.route.method, path: definition.route.path }] : [],
      ),
    ),
  )
  // Bodies, query parameters and Idempotency-Key claims are checked per route, after its credential and
  // permission (lib/routes.ts); this only replays a claimed key's stored answer.
  app.use(
    '*',
    idempotency(() => app),
  )
  app.onError(onError)
  app.notFound(notFound)

  const routes = app
    .route('/', healthRouter)
    .route('/', organizationsRouter)
    .route('/', meRouter)
    .route('/', usersRouter)
    .route('/', representativesRouter)
    .route('/', customersRouter)
    .route('/', agentsRouter)
    .route('/', decisionRulesRouter)
    .route('/', refundsRouter)
    .route('/', budgetsRouter)
    .route('/', ticketsRouter)
    .route('/', messagesRouter)
    .route('/', attachmentsRouter)
    .route('/', escalationsRouter)
    .route('/', metricsRouter)
    .route('/', eventsRouter)
    .route('/', webhookEndpointsRouter)
    .route(
      '/',
      graphqlRouter(() => app),
    )

  app.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Access token with claims sub, org, role (CUSTOMER, REPRESENTATIVE, ADMIN, AGENT) and exp.',
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'PlatformKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Platform-Key',
    description: 'Platform credential for provisioning organizations.',
  })
  registerDocumentRoutes(app, {
    document: openApiDocumentHandler(),
    docs: docsPage,
  })
  // After every route: MCP's tools are the document's operations (resources/mcp).
  mountMcp(app)
  return routes
}

export type App = ReturnType<typeof createApp>
