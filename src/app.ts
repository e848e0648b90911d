import { bodyLimit } from 'hono/body-limit'
import { secureHeaders } from 'hono/secure-headers'
import { errors } from './lib/errors'
import { createRouter } from './lib/openapi'
import { openApiDocumentConfig, registerDocumentRoutes } from './lib/openapi-document'
import { corsForConfiguredOrigins } from './middleware/cors'
import { databaseDeadline } from './middleware/database-deadline'
import { notFound, onError } from './middleware/error-handler'
import { idempotency } from './middleware/idempotency'
import { inputHygiene } from './middleware/input-hygiene'
import { noStore } from './middleware/no-store'
import { requestId } from './middleware/request-id'
import { requestLog } from './middleware/request-log'
import { agentsRouter } from './resources/agents/agents.index'
import { budgetsRouter } from './resources/budgets/budgets.index'
import { customersRouter } from './resources/customers/customers.index'
import { decisionRulesRouter } from './resources/decision-rules/decision-rules.index'
import { docsPage } from './resources/docs/docs.index'
import { escalationsRouter } from './resources/escalations/escalations.index'
import { eventsRouter } from './resources/events/events.index'
import { healthRouter } from './resources/health/health.index'
import { meRouter } from './resources/me/me.index'
import { messagesRouter } from './resources/messages/messages.index'
import { metricsRouter } from './resources/metrics/metrics.index'
import { organizationsRouter } from './resources/organizations/organizations.index'
import { refundsRouter } from './resources/refunds/refunds.index'
import { representativesRouter } from './resources/representatives/representatives.index'
import { ticketsRouter } from './resources/tickets/tickets.index'
import { usersRouter } from './resources/users/users.index'

const MAX_BODY_BYTES = 64 * 1024

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
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw errors.payloadTooLarge(`Request bodies are limited to ${MAX_BODY_BYTES} bytes.`)
      },
    }),
  )
  app.use('*', inputHygiene())
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
    .route('/', escalationsRouter)
    .route('/', metricsRouter)
    .route('/', eventsRouter)

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
  app.doc31('/openapi.json', (c) => openApiDocumentConfig(new URL(c.req.url).origin))
  registerDocumentRoutes(app)
  app.get('/docs', docsPage)
  return routes
}

export type App = ReturnType<typeof createApp>
