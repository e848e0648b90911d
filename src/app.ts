import { bodyLimit } from 'hono/body-limit'
import { secureHeaders } from 'hono/secure-headers'
import { errors } from './lib/errors'
import { createRouter } from './lib/openapi'
import { corsForConfiguredOrigins } from './middleware/cors'
import { databaseDeadline } from './middleware/database-deadline'
import { notFound, onError } from './middleware/error-handler'
import { inputHygiene } from './middleware/input-hygiene'
import { noStore } from './middleware/no-store'
import { requestId } from './middleware/request-id'
import { agentsRouter } from './resources/agents/agents.index'
import { customersRouter } from './resources/customers/customers.index'
import { docsPage } from './resources/docs/docs.index'
import { healthRouter } from './resources/health/health.index'
import { meRouter } from './resources/me/me.index'
import { organizationsRouter } from './resources/organizations/organizations.index'
import { representativesRouter } from './resources/representatives/representatives.index'
import { ticketsRouter } from './resources/tickets/tickets.index'
import { usersRouter } from './resources/users/users.index'

const MAX_BODY_BYTES = 64 * 1024

export const openApiInfo = {
  openapi: '3.1.0',
  info: {
    title: 'Organization API',
    version: '0.1.0',
    description:
      'Multi-tenant backend of an AI-first customer-support platform. Errors are RFC 9457 problem+json.',
  },
}

export function createApp() {
  const app = createRouter()
  app.use('*', requestId())
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
    .route('/', ticketsRouter)

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
  app.doc31('/openapi.json', openApiInfo)
  app.get('/docs', docsPage)
  return routes
}

export type App = ReturnType<typeof createApp>
