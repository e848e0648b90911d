import type { Schema } from '@cfworker/json-schema'
import { describe, expect, it } from 'vitest'
import type { ZodType } from 'zod'
import { createApp } from '../../src/app'
import { api, json } from '../support/api'
import { createTenant } from '../support/tenants'
import { type OpenApiDocument, ResponseContract } from './response-contract'

/**
 * A `pattern` in JSON Schema is a bare ECMA-262 regular expression: it has no flags. A zod `.regex(/…/i)` is
 * emitted as its `source` alone, so the document would state a stricter (or different) pattern than the one the
 * API applies. Every regex of every schema the routes declare must therefore mean the same without its flags.
 */

interface ZodInternals {
  _zod: { def: Record<string, unknown> & { type: string; checks?: ZodInternals[] } }
}
const isZod = (value: unknown): value is ZodInternals =>
  typeof value === 'object' && value !== null && '_zod' in value

/** Every regex check reachable from `schema`, with where it was found. */
function regexesOf(schema: unknown, where: string, found: Array<[string, RegExp]>, seen: Set<unknown>): void {
  if (!isZod(schema) || seen.has(schema)) return
  seen.add(schema)
  const def = schema._zod.def
  for (const check of def.checks ?? []) {
    const pattern = (check._zod.def as { pattern?: unknown }).pattern
    if (pattern instanceof RegExp) found.push([where, pattern])
  }
  if (def.type === 'lazy') regexesOf((def.getter as () => unknown)(), where, found, seen)
  for (const [key, value] of Object.entries(def)) {
    if (key === 'checks') continue
    const children = Array.isArray(value)
      ? value
      : isZod(value)
        ? [value]
        : value && typeof value === 'object'
          ? Object.values(value)
          : []
    for (const child of children) regexesOf(child, `${where}.${key}`, found, seen)
  }
}

type ContentMap = Record<string, { schema?: ZodType }> | undefined

describe('patterns in the served document', () => {
  it('every regex the route schemas apply has no flag the JSON Schema pattern would lose', () => {
    const found: Array<[string, RegExp]> = []
    const seen = new Set<unknown>()
    for (const definition of createApp().openAPIRegistry.definitions) {
      if (definition.type !== 'route') continue
      const { method, path, request, responses } = definition.route
      const name = `${method.toUpperCase()} ${path}`
      for (const part of ['params', 'query', 'headers'] as const) {
        regexesOf(request?.[part], `${name} ${part}`, found, seen)
      }
      for (const media of Object.values((request?.body?.content ?? {}) as ContentMap & object)) {
        regexesOf(media.schema, `${name} body`, found, seen)
      }
      for (const [status, response] of Object.entries(responses)) {
        const content = ('content' in response ? response.content : undefined) as ContentMap
        for (const media of Object.values(content ?? {}))
          regexesOf(media.schema, `${name} ${status}`, found, seen)
      }
    }
    // `u`/`v` only change how the source is read, as JSON Schema reads it (ECMA-262, Unicode); `g`/`y` make a
    // regex stateful, which a validation must never be; `i`, `m`, `s` change what matches.
    const flagged = found
      .filter(([, regex]) => regex.flags.replace(/[uv]/g, '') !== '')
      .map(([where, regex]) => `${where}: ${regex}`)
    expect(flagged).toEqual([])
    expect(found.length).toBeGreaterThan(0)
  })

  it('GET /v1/tickets ticketNumber: the document’s pattern accepts exactly what the API accepts', async () => {
    const tenant = await createTenant()
    const document = await json<OpenApiDocument>(await api('/openapi.json'))
    const contract = new ResponseContract(document)
    const parameter = document.paths['/v1/tickets']?.get?.parameters?.find(
      (candidate) => candidate.name === 'ticketNumber',
    )
    const schema = parameter?.schema as Schema | undefined
    expect(schema?.pattern).toBeTypeOf('string')
    const cases: Array<[string, boolean]> = [
      ['TICKET-1042', true],
      ['ticket-1042', true],
      ['Ticket-7', true],
      ['tIcKeT-1234567890', true],
      ['TICKET-', false],
      ['TICKET-12345678901', false],
      ['1042', false],
      ['TICKET-10a', false],
      ['XTICKET-1', false],
      ['TICKET-1\n', false],
      ['TICKET-١٢', false],
    ]
    for (const [value, accepted] of cases) {
      const documented = contract.validate(value, schema as Schema, '/x-ticket-number').length === 0
      expect(documented, `document: ${JSON.stringify(value)}`).toBe(accepted)
      const response = await api(`/v1/tickets?ticketNumber=${encodeURIComponent(value)}`, {
        token: tenant.tokens.ADMIN,
      })
      expect(response.status, `API: ${JSON.stringify(value)}`).toBe(accepted ? 200 : 400)
    }
  })
})
