import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'

// A caller-supplied id is kept only if it is short and plain, so it cannot inject into logs or headers.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/

/** Gives every request an id (the caller's `X-Request-Id` when acceptable) and echoes it on the response. */
export const requestId = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const incoming = c.req.header('X-Request-Id')
    const id = incoming && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID()
    c.set('requestId', id)
    c.header('X-Request-Id', id)
    await next()
    c.header('X-Request-Id', id)
  })
