import type { Schema } from '@cfworker/json-schema'
import { describe, expect, it } from 'vitest'
import type { ZodType } from 'zod'
import { createApp } from '../../src/app'
import { api, json } from '../support/api'
import { type OpenApiDocument, ResponseContract } from './response-contract'

/**
 * Every field the zod schemas accept as null is nullable in the served document too, wherever it is declared
 * (request bodies and every response), whatever the generator made of it (a `$ref`, `allOf`, `anyOf`): the walk
 * goes through both trees side by side and asks the document's own validator whether `null` is valid there.
 */

interface ZodInternals {
  _zod: { def: Record<string, unknown> & { type: string } }
}
const defOf = (schema: ZodType) => (schema as unknown as ZodInternals)._zod.def

/** What zod-to-openapi documents for a wrapper: the schema inside (a preprocess pipe documents its output). */
function unwrapped(schema: ZodType): ZodType {
  const def = defOf(schema)
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      return unwrapped(def.innerType as ZodType)
    case 'pipe': {
      const input = def.in as ZodType
      return unwrapped(defOf(input).type === 'transform' ? (def.out as ZodType) : input)
    }
    case 'lazy':
      return unwrapped((def.getter as () => ZodType)())
    default:
      return schema
  }
}

interface DocumentSchema extends Schema {
  $ref?: string
}

class NullabilityWalk {
  readonly lost: string[] = []
  readonly checked: string[] = []
  readonly #seen = new Map<ZodType, Set<DocumentSchema>>()

  constructor(
    private readonly document: OpenApiDocument,
    private readonly contract: ResponseContract,
  ) {}

  #resolve(schema: DocumentSchema | undefined): DocumentSchema | undefined {
    if (!schema?.$ref) return schema
    return this.#resolve(this.document.components?.schemas?.[schema.$ref.split('/').pop() as string])
  }

  /** The document schemas that declare `key` of the object schema `node` (its allOf parts included). */
  #propertiesNamed(node: DocumentSchema | undefined, key: string): DocumentSchema[] {
    const schema = this.#resolve(node)
    if (!schema) return []
    const own = schema.properties?.[key]
    return [
      ...(own && typeof own === 'object' ? [own as DocumentSchema] : []),
      ...(schema.allOf ?? []).flatMap((part) => this.#propertiesNamed(part, key)),
    ]
  }

  #probes = 0

  #acceptsNull(schema: DocumentSchema): boolean {
    return this.contract.validate(null, schema, `/x-nullability/${this.#probes++}`).length === 0
  }

  walk(zod: ZodType, node: DocumentSchema | undefined, where: string): void {
    if (!node) return
    const seen = this.#seen.get(zod) ?? new Set()
    if (seen.has(node)) return
    seen.add(node)
    this.#seen.set(zod, seen)
    const inner = unwrapped(zod)
    const def = defOf(inner)
    const resolved = this.#resolve(node)
    switch (def.type) {
      case 'object': {
        for (const [key, field] of Object.entries(def.shape as Record<string, ZodType>)) {
          const declared = this.#propertiesNamed(node, key)
          if (declared.length === 0) continue
          const path = `${where}.${key}`
          if (field.safeParse(null).success) {
            this.checked.push(path)
            for (const property of declared) {
              if (!this.#acceptsNull(property)) {
                this.lost.push(
                  `${path}: zod accepts null, the document does not: ${JSON.stringify(property)}`,
                )
              }
            }
          }
          for (const property of declared) this.walk(field, property, path)
        }
        return
      }
      case 'array':
        this.walk(def.element as ZodType, resolved?.items as DocumentSchema | undefined, `${where}[]`)
        return
      case 'record':
        this.walk(
          def.valueType as ZodType,
          resolved?.additionalProperties as DocumentSchema | undefined,
          `${where}{}`,
        )
        return
      case 'intersection':
        this.walk(def.left as ZodType, node, where)
        this.walk(def.right as ZodType, node, where)
        return
      case 'union': {
        const options = (def.options as ZodType[]).filter((option) => defOf(option).type !== 'null')
        const branches = (resolved?.anyOf ?? resolved?.oneOf ?? []).filter(
          (branch) => (branch as DocumentSchema).type !== 'null',
        ) as DocumentSchema[]
        if (options.length !== branches.length) return
        for (const [index, option] of options.entries())
          this.walk(option, branches[index], `${where}|${index}`)
        return
      }
      default:
        return
    }
  }
}

type ContentMap = Record<string, { schema?: ZodType }> | undefined

describe('nullable fields in the served document', () => {
  it('keep null wherever zod accepts it: request bodies and every response of every operation', async () => {
    const document = await json<OpenApiDocument>(await api('/openapi.json'))
    const contract = new ResponseContract(document)
    const walk = new NullabilityWalk(document, contract)
    for (const definition of createApp().openAPIRegistry.definitions) {
      if (definition.type !== 'route') continue
      const { method, path, request, responses } = definition.route
      const name = `${method.toUpperCase()} ${path}`
      const operation = document.paths[path]?.[method] as
        | (OpenApiDocument['paths'][string][string] & {
            requestBody?: { content?: Record<string, { schema?: DocumentSchema }> }
          })
        | undefined
      expect(operation, name).toBeDefined()
      for (const [type, media] of Object.entries((request?.body?.content ?? {}) as ContentMap & object)) {
        if (media.schema) {
          walk.walk(media.schema, operation?.requestBody?.content?.[type]?.schema, `${name} request`)
        }
      }
      for (const [status, response] of Object.entries(responses)) {
        const content = ('content' in response ? response.content : undefined) as ContentMap
        for (const [type, media] of Object.entries(content ?? {})) {
          const declared = operation?.responses[status]?.content?.[type]?.schema
          if (media.schema) walk.walk(media.schema, declared, `${name} ${status}`)
        }
      }
    }
    expect(walk.lost).toEqual([])
    // The walk reached the nullable fields, among them a component referenced as nullable.
    expect(walk.checked).toContain('GET /v1/refunds/{refundId} 200.decision')
    expect(walk.checked.length).toBeGreaterThan(50)
  })

  it('a nullable reference to a component accepts null and the component, nothing else', async () => {
    const document = await json<OpenApiDocument>(await api('/openapi.json'))
    const contract = new ResponseContract(document)
    const decision = document.components?.schemas?.Refund?.properties?.decision as Schema
    expect(contract.validate(null, decision, '/x-decision')).toEqual([])
    expect(contract.validate('AUTO_APPROVE', decision, '/x-decision')).not.toEqual([])
    expect(contract.validate({}, decision, '/x-decision')).not.toEqual([])
  })
})
