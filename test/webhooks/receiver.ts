import { createServer, type IncomingHttpHeaders } from 'node:http'

/*
 * A webhook receiver for the tests (started by test/global-setup.ts, in Node): the Worker under test POSTs real
 * deliveries to http://127.0.0.1:<port>/hooks/<name> (allowed when APP_ENV is test). The tests read what arrived
 * (GET /received/<name>) and script the answers (PUT /answers/<name>, a JSON array of statuses, used in order;
 * then 200).
 */

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders
  body: string
}

export async function startWebhookReceiver(): Promise<{ url: string; close: () => Promise<void> }> {
  const received = new Map<string, ReceivedWebhook[]>()
  const answers = new Map<string, number[]>()
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const [, kind, name = ''] = (request.url ?? '').split('/')
      const body = Buffer.concat(chunks).toString('utf8')
      if (kind === 'hooks' && request.method === 'POST') {
        received.set(name, [...(received.get(name) ?? []), { headers: request.headers, body }])
        const status = answers.get(name)?.shift() ?? 200
        response.writeHead(status, { 'content-type': 'text/plain' }).end(String(status))
      } else if (kind === 'received' && request.method === 'GET') {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(received.get(name) ?? []))
      } else if (kind === 'answers' && request.method === 'PUT') {
        answers.set(name, JSON.parse(body) as number[])
        response.writeHead(204).end()
      } else {
        response.writeHead(404).end()
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the webhook receiver has no port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
