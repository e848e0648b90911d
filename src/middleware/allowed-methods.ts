import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { errors } from '../lib/errors'

/** A documented operation: its method and OpenAPI path template (`/v1/tickets/{ticketId}`). */
export interface DocumentedOperation {
  method: string
  path: string
}

interface DocumentedPath {
  pattern: RegExp
  literalSegments: number
  methods: string[]
}

const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']

/** The methods of every documented path; a template's parameter matches one segment. */
function documentedPathsOf(operations: readonly DocumentedOperation[]): DocumentedPath[] {
  const byPath = new Map<string, Set<string>>()
  for (const { method, path } of operations) {
    const methods = byPath.get(path) ?? new Set<string>()
    methods.add(method.toUpperCase())
    // Hono answers HEAD with the GET route (without the body).
    if (method.toUpperCase() === 'GET') methods.add('HEAD')
    byPath.set(path, methods)
  }
  return [...byPath]
    .map(([path, methods]) => {
      const segments = path.split('/')
      const pattern = segments
        .map((segment) =>
          /^\{[^/]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('/')
      return {
        pattern: new RegExp(`^${pattern}$`),
        literalSegments: segments.filter((segment) => !segment.startsWith('{')).length,
        methods: [...methods].sort((a, b) => METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b)),
      }
    })
    .sort((a, b) => b.literalSegments - a.literalSegments)
}

/**
 * 405 with `Allow` for a method that a documented path does not support (a 404 told the caller the resource does
 * not exist, which is false). The methods come from the documented operations (the OpenAPI registry: every
 * route, `/health`, `/ready`, `/openapi.json` and `/docs` included), read once, on the first request. Decided
 * before routing, as OpenAPI matches paths: a concrete path before a templated one, so
 * `GET /v1/decision-rules/evaluate` is 405 (POST only), not a GET of a rule whose id is "evaluate".
 * OPTIONS is CORS's (middleware/cors.ts, earlier); an undocumented path goes on to its 404.
 */
export const allowedMethods = (operations: () => readonly DocumentedOperation[]) => {
  let paths: DocumentedPath[] | undefined
  return createMiddleware<AppEnv>(async (c, next) => {
    paths ??= documentedPathsOf(operations())
    const path = c.req.path
    const documented = paths.find((candidate) => candidate.pattern.test(path))
    if (documented && c.req.method !== 'OPTIONS' && !documented.methods.includes(c.req.method)) {
      throw errors.methodNotAllowed(c.req.method, path, documented.methods)
    }
    await next()
  })
}
