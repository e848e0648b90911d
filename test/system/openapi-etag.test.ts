import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { openApiDocumentConfig } from '../../src/lib/openapi-document'
import { api } from '../support/api'

/**
 * `GET /openapi.json` is generated at build time (the Worker bundle has no generator: src/bundle/zod-to-openapi.ts),
 * read from the assets once per isolate and served with a strong ETag; `If-None-Match` with it answers 304 without
 * a body. The served document must be what the generator makes of the routes (vitest.config.ts runs the build
 * step, so this is also the check that the build's document is the source's).
 */

describe('GET /openapi.json: built once, served with a strong ETag', () => {
  it('answers the same bytes and ETag on every request, equal to the generated document', async () => {
    const first = await api('/openapi.json')
    const second = await api('/openapi.json')
    expect(first.status).toBe(200)
    expect(second.status).toBe(200)
    const etag = first.headers.get('ETag')
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/)
    expect(second.headers.get('ETag')).toBe(etag)
    expect(first.headers.get('Content-Type')).toContain('application/json')
    expect(first.headers.get('Cache-Control')).toBe('no-cache')
    const [firstBody, secondBody] = [await first.text(), await second.text()]
    expect(secondBody).toBe(firstBody)
    // The document is what the generator makes of the routes, with this origin as its server.
    expect(JSON.parse(firstBody)).toEqual(
      createApp().getOpenAPI31Document(openApiDocumentConfig('http://api.test')),
    )
    // And the ETag is the digest of exactly those bytes.
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(firstBody)))
    const tag = btoa(String.fromCharCode(...digest.slice(0, 16)))
      .replaceAll('+', '-')
      .replaceAll('/', '_')
      .replace(/=+$/, '')
    expect(etag).toBe(`"${tag}"`)
  })

  it('answers 304 without a body when If-None-Match names the current ETag (weak, listed or *), 200 otherwise', async () => {
    const etag = (await api('/openapi.json')).headers.get('ETag') as string
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await api('/openapi.json', { headers: { 'If-None-Match': header } })
      expect(response.status, header).toBe(304)
      expect(await response.text(), header).toBe('')
      expect(response.headers.get('ETag'), header).toBe(etag)
      expect(response.headers.get('Cache-Control'), header).toBe('no-cache')
    }
    for (const header of ['"other"', 'W/"other"', etag.slice(0, -2)]) {
      const response = await api('/openapi.json', { headers: { 'If-None-Match': header } })
      expect(response.status, header).toBe(200)
      expect(response.headers.get('ETag'), header).toBe(etag)
      expect((await response.json()) as object, header).toHaveProperty('openapi', '3.1.0')
    }
  })

  it('reads the built document once per isolate; another origin gets the same document with its own server', async () => {
    const app = createApp()
    let reads = 0
    const assets = {
      fetch: (input: RequestInfo | URL, init?: RequestInit) => {
        reads += 1
        return (env.ASSETS as Fetcher).fetch(input, init)
      },
    } as Fetcher
    const get = (origin: string) => app.request(`${origin}/openapi.json`, {}, { ...env, ASSETS: assets })
    const [a1, a2, b] = [await get('http://a.test'), await get('http://a.test'), await get('http://b.test')]
    expect(reads).toBe(1)
    const [docA1, docA2, docB] = [await a1.json(), await a2.json(), await b.json()]
    expect(docA2).toEqual(docA1)
    expect((docA1 as { servers: unknown }).servers).toEqual([
      { url: 'http://a.test', description: 'The deployment serving this document.' },
    ])
    expect((docB as { servers: unknown }).servers).toEqual([
      { url: 'http://b.test', description: 'The deployment serving this document.' },
    ])
    expect({ ...(docB as object), servers: null }).toEqual({ ...(docA1 as object), servers: null })
    expect(b.headers.get('ETag')).not.toBe(a1.headers.get('ETag'))
  })

  it('answers 503 problem+json when the deployment has no built document, and reads it once it is there', async () => {
    const app = createApp()
    let present = false
    const assets = {
      fetch: (input: RequestInfo | URL, init?: RequestInit) =>
        present
          ? (env.ASSETS as Fetcher).fetch(input, init)
          : Promise.resolve(new Response('Not Found', { status: 404 })),
    } as Fetcher
    const get = () => app.request('http://api.test/openapi.json', {}, { ...env, ASSETS: assets })
    const missing = await get()
    expect(missing.status).toBe(503)
    expect(missing.headers.get('Content-Type')).toContain('application/problem+json')
    expect(((await missing.json()) as { code: string }).code).toBe('OPENAPI_DOCUMENT_MISSING')
    present = true
    const found = await get()
    expect(found.status).toBe(200)
    expect(((await found.json()) as { openapi: string }).openapi).toBe('3.1.0')
  })
})
