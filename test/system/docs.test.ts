import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DOCS_ASSETS_MANIFEST_PATH, DOCS_ASSETS_PATH } from '../../src/resources/docs/docs-assets'
import { api } from '../support/api'
import { callWith, errorLogsOf } from './support'

/**
 * /docs runs one integrity-checked script from its own origin under a strict Content-Security-Policy, and links the
 * document for readers whose browser cannot run it.
 *
 * The test runtime serves the assets of wrangler.toml [assets] (vitest.config.ts generates them) to `env.ASSETS`
 * only: `SELF.fetch` enters the Worker directly and never passes Cloudflare's asset router, which in `wrangler
 * dev` and in production answers `/docs/assets/*` before the Worker runs. So the script is fetched here the way
 * that router serves it: through the binding.
 */

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name as string, values]),
  )
}

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1]
}

async function sha384(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-384', bytes))
  return `sha384-${btoa(String.fromCharCode(...digest))}`
}

async function docs(): Promise<{ response: Response; html: string; scripts: string[] }> {
  const response = await api('/docs')
  const html = await response.text()
  return { response, html, scripts: html.match(/<script\b[^>]*>/g) ?? [] }
}

/** The one external script of the page. */
function externalScript(scripts: string[]): { src: string; integrity: string | undefined; tag: string } {
  const external = scripts.filter((tag) => attribute(tag, 'src') !== undefined)
  expect(external).toHaveLength(1)
  const tag = external[0] as string
  return { src: attribute(tag, 'src') as string, integrity: attribute(tag, 'integrity'), tag }
}

describe('GET /docs', () => {
  it('loads only same-origin scripts: the UI bundle from /docs/assets, and a JSON data block', async () => {
    const { response, html, scripts } = await docs()
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toContain('text/html')
    expect(scripts).toHaveLength(2)
    const { src, tag } = externalScript(scripts)
    expect(src).toMatch(new RegExp(`^${DOCS_ASSETS_PATH}/scalar-api-reference-\\d+\\.\\d+\\.\\d+\\.js$`))
    expect(tag).toContain('crossorigin="anonymous"')
    // The other is Scalar's configuration: a data block (never executed) without content.
    const data = scripts.find((t) => t !== tag) as string
    expect(attribute(data, 'type')).toBe('application/json')
    expect(html).not.toMatch(/<script\b[^>]*type="application\/json"[^>]*>[^<]+<\/script>/)
    const configuration = JSON.parse(
      (attribute(data, 'data-configuration') ?? '').replaceAll('&quot;', '"').replaceAll('&amp;', '&'),
    ) as Record<string, unknown>
    expect(configuration).toMatchObject({ url: '/openapi.json', withDefaultFonts: false, telemetry: false })
    // Nothing on the page points at another origin (no CDN, no web fonts, no absolute or protocol-relative URL).
    expect(html).not.toMatch(/https?:|\/\/[a-z]/i)
    expect(html).not.toMatch(/<link\b|<img\b|<iframe\b/i)
  })

  it('states the sha384 of the served script as its integrity: the bytes the asset server sends, hashed', async () => {
    const { scripts } = await docs()
    const { src, integrity } = externalScript(scripts)
    expect(integrity).toMatch(/^sha384-[A-Za-z0-9+/]{64}$/)

    const asset = await env.ASSETS?.fetch(new URL(src, 'http://api.test'))
    expect(asset?.status).toBe(200)
    expect(asset?.headers.get('Content-Type')).toMatch(/^(application|text)\/javascript/)
    const bytes = (await asset?.arrayBuffer()) as ArrayBuffer
    expect(bytes.byteLength).toBeGreaterThan(100_000)
    expect(await sha384(bytes)).toBe(integrity)

    // The build step's manifest says the same, and names the package it copied.
    const manifest = await (
      await env.ASSETS?.fetch(new URL(DOCS_ASSETS_MANIFEST_PATH, 'http://api.test'))
    )?.json()
    expect(manifest).toEqual({
      package: '@scalar/api-reference',
      version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      script: src,
      integrity,
    })
  })

  it('sends a Content-Security-Policy that allows exactly that script, and only that policy', async () => {
    const { response, scripts } = await docs()
    const { src, integrity } = externalScript(scripts)
    const policy = response.headers.get('Content-Security-Policy') ?? ''
    const rules = directives(policy)
    // The script is same-origin ('self' admits it) and its hash is the page's integrity.
    expect(src.startsWith('/') && !src.startsWith('//')).toBe(true)
    expect(rules.get('script-src')).toEqual(["'self'", `'${integrity}'`])
    expect(rules.get('default-src')).toEqual(["'none'"])
    expect(rules.get('connect-src')).toEqual(["'self'"])
    expect(rules.get('img-src')).toEqual(["'self'", 'data:'])
    expect(rules.get('style-src')).toEqual(["'unsafe-inline'"])
    expect(rules.has('font-src')).toBe(false)
    expect(rules.get('object-src') ?? rules.get('default-src')).toEqual(["'none'"])
    expect(rules.get('base-uri')).toEqual(["'none'"])
    expect(rules.get('form-action')).toEqual(["'none'"])
    expect(rules.get('frame-ancestors')).toEqual(["'none'"])
    // No other origin, no inline or evaluated script.
    expect(policy).not.toMatch(/https?:|\*|'unsafe-eval'|'strict-dynamic'/)
    expect(rules.get('script-src')).not.toContain("'unsafe-inline'")
    expect(response.headers.get('Content-Security-Policy-Report-Only')).toBeNull()
    // The other secure headers stay (and do not contradict the policy).
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff')
  })

  it('shows a link to /openapi.json until the reference renders, and in <noscript>', async () => {
    const { html } = await docs()
    const fallback = /<main id="docs-fallback">([\s\S]*?)<\/main>/.exec(html)?.[1] ?? ''
    const visible = fallback.replace(/<noscript>[\s\S]*?<\/noscript>/, '')
    expect(visible).toContain('<a href="/openapi.json">/openapi.json</a>')
    expect(fallback).toMatch(/<noscript>[\s\S]*<a href="\/openapi\.json">[\s\S]*<\/noscript>/)
    // Hidden only once Scalar's app is in the page (an inline style: style-src allows it; no script needed).
    expect(html).toContain('body:has(.scalar-app) #docs-fallback { display: none; }')
  })

  it('without its assets (the build step did not run) answers 503 with the link, no script, and logs it', async () => {
    const { result: response, logs } = await errorLogsOf(() => callWith({ ASSETS: undefined }, '/docs'))
    expect(response.status).toBe(503)
    const html = await response.text()
    expect(html).not.toContain('<script')
    expect(html).toContain('not installed on this server')
    expect(html).toContain('<a href="/openapi.json">/openapi.json</a>')
    const policy = directives(response.headers.get('Content-Security-Policy') ?? '')
    expect(policy.has('script-src')).toBe(false)
    expect(policy.get('default-src')).toEqual(["'none'"])
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'docs assets missing',
        manifest: DOCS_ASSETS_MANIFEST_PATH,
      }),
    )
  })
})
