import { createServer, type Server, type Socket } from 'node:net'
import type { TestProject } from 'vitest/node'
import { type Backend, createScratchDatabase, startNeonLocal } from '../scripts/neon-local'
import { startWebhookReceiver } from './webhooks/receiver'

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
    ownerDatabaseUrl: string
    neonLocalUrl: string
    databaseBackend: string
    /** A database URL whose host accepts connections and never answers (deadline tests). */
    blackholeDatabaseUrl: string
    /** The webhook receiver of the webhook tests (test/webhooks/receiver.ts). */
    webhookReceiverUrl: string
  }
}

/**
 * Starts the local Neon endpoint on a fresh database for this run: PGlite in memory by default,
 * or a new database on the server named by TEST_DATABASE_URL. Tests create their own tenants,
 * so nothing is reset between them.
 */
export default async function setup(project: TestProject) {
  const adminUrl = process.env.TEST_DATABASE_URL
  const scratch = adminUrl ? await createScratchDatabase(adminUrl, 'orgapi_test') : undefined
  const backend: Backend = scratch ? { kind: 'postgres', url: scratch.url } : { kind: 'pglite' }
  const local = await startNeonLocal({ backend })
  await local.migrate()
  // Passwords generated for this database by the endpoint (neon_local.credentials); any other is refused.
  project.provide('databaseUrl', local.connectionString('app_api'))
  project.provide('ownerDatabaseUrl', local.connectionString(local.ownerUser))
  project.provide('neonLocalUrl', `http://127.0.0.1:${local.port}`)
  project.provide('databaseBackend', backend.kind)
  const blackhole = await startBlackhole()
  const webhookReceiver = await startWebhookReceiver()
  project.provide('webhookReceiverUrl', webhookReceiver.url)
  project.provide('blackholeDatabaseUrl', `postgres://app_api:x@127.0.0.1:${blackhole.port}/neondb`)
  console.log(
    `[test] database backend: ${backend.kind}${scratch ? ` (${new URL(scratch.url).pathname})` : ''}`,
  )
  return async () => {
    await blackhole.close()
    await webhookReceiver.close()
    await local.close()
    await scratch?.drop()
  }
}

/** A TCP server on 127.0.0.1 that accepts every connection, reads what it is sent, and never answers. */
async function startBlackhole(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    socket.resume()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the blackhole server has no port')
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
