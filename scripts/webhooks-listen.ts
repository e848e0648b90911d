/**
 * `npm run webhooks:listen [-- --api http://127.0.0.1:8787] [--port 8790] [--events ticket.*,refund.*] [--org acme]`:
 * tries webhooks without deploying. Starts a receiver on 127.0.0.1, registers it as a webhook endpoint of the
 * seeded organization (as its ADMIN, through the running `npm run dev`), verifies every delivery's signature with
 * the `standardwebhooks` package and prints the event; deletes the endpoint on Ctrl-C. The API allows
 * `http://127.0.0.1` receivers only in development (APP_ENV). Deliveries arrive right after each change: the API
 * enqueues them after its commit and `wrangler dev` runs the queue consumer.
 */
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { Webhook } from 'standardwebhooks'
import { devAuthSecret } from './lib/dev-defaults'
import { mintSeedTokens } from './token'

const { values } = parseArgs({
  options: {
    api: { type: 'string', default: 'http://127.0.0.1:8787' },
    port: { type: 'string', default: '8790' },
    events: { type: 'string', default: '*' },
    org: { type: 'string', default: 'acme' },
  },
})

const tokens = await mintSeedTokens(devAuthSecret(), 3600)
const admin = tokens.find((token) => token.org === values.org && token.role === 'ADMIN')
if (!admin) throw new Error(`no seeded ADMIN for organization ${values.org}`)
const headers = { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' }

let verifier: Webhook | undefined
const server = createServer((request, response) => {
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8')
    try {
      const event = verifier?.verify(body, request.headers as Record<string, string>) as {
        type: string
        objectId: string
        actor: { type: string; role: string | null }
        data: { previousAttributes: unknown }
      }
      console.log(
        `✓ ${request.headers['webhook-id']} ${event.type} ${event.objectId} by ${event.actor.type}` +
          `${event.actor.role ? ` (${event.actor.role})` : ''}` +
          `${event.data.previousAttributes ? ` was ${JSON.stringify(event.data.previousAttributes)}` : ''}`,
      )
      response.writeHead(204).end()
    } catch (error) {
      console.log(
        `✗ signature check failed (${error instanceof Error ? error.message : error}); answered 400`,
      )
      response.writeHead(400).end()
    }
  })
})
await new Promise<void>((resolve) => server.listen(Number(values.port), '127.0.0.1', resolve))

const registered = await fetch(`${values.api}/v1/webhook-endpoints`, {
  method: 'POST',
  headers,
  body: JSON.stringify({
    url: `http://127.0.0.1:${values.port}/webhooks`,
    enabledEvents: values.events.split(','),
    description: 'npm run webhooks:listen',
  }),
})
if (registered.status !== 201) {
  console.error(`could not register the endpoint (${registered.status}): ${await registered.text()}`)
  console.error('Is `npm run dev` running (with the seed)?')
  process.exit(1)
}
const endpoint = (await registered.json()) as { id: string; secret: string }
verifier = new Webhook(endpoint.secret)
console.log(
  `Listening on http://127.0.0.1:${values.port}/webhooks as endpoint ${endpoint.id} (${values.events}).`,
)
console.log(`Secret: ${endpoint.secret}. Change something through the API; Ctrl-C to stop and unregister.`)

process.on('SIGINT', async () => {
  await fetch(`${values.api}/v1/webhook-endpoints/${endpoint.id}`, { method: 'DELETE', headers })
  console.log(`\nEndpoint ${endpoint.id} deleted.`)
  server.close()
  process.exit(0)
})
