import { describe, expect, it } from 'vitest'
import {
  DOCS_CONTENT_SECURITY_POLICY,
  SCALAR_SCRIPT_INTEGRITY,
  SCALAR_SCRIPT_URL,
} from '../../src/resources/docs/docs.index'
import { api } from '../support/api'

/** /docs runs one pinned, integrity-checked script under a strict Content-Security-Policy. */

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name as string, values]),
  )
}

describe('GET /docs', () => {
  it('loads a pinned version of the Scalar standalone script with Subresource Integrity', async () => {
    expect(SCALAR_SCRIPT_URL).toMatch(
      /^https:\/\/cdn\.jsdelivr\.net\/npm\/@scalar\/api-reference@\d+\.\d+\.\d+\/dist\/browser\/standalone\.js$/,
    )
    expect(SCALAR_SCRIPT_INTEGRITY).toMatch(/^sha384-[A-Za-z0-9+/]{64}$/)

    const response = await api('/docs')
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toContain('text/html')
    const html = await response.text()
    expect(html).toContain(
      `<script src="${SCALAR_SCRIPT_URL}" integrity="${SCALAR_SCRIPT_INTEGRITY}" crossorigin="anonymous"></script>`,
    )
    expect(html).toContain('data-url="/openapi.json"')
  })

  it('has no inline script: every script tag is the pinned file or a JSON data block', async () => {
    const html = await (await api('/docs')).text()
    const tags = html.match(/<script\b[^>]*>/g) ?? []
    expect(tags).toHaveLength(2)
    for (const tag of tags) {
      const external = tag.includes(`src="${SCALAR_SCRIPT_URL}"`)
      const data = tag.includes('type="application/json"') && !tag.includes('src=')
      expect(external || data, tag).toBe(true)
    }
    expect(html).not.toMatch(/<script\b[^>]*type="application\/json"[^>]*>[^<]+<\/script>/)
  })

  it('sends a strict Content-Security-Policy, and only that one (secureHeaders does not replace it)', async () => {
    const response = await api('/docs')
    expect(response.headers.get('Content-Security-Policy')).toBe(DOCS_CONTENT_SECURITY_POLICY)
    expect(response.headers.get('Content-Security-Policy-Report-Only')).toBeNull()
    const policy = directives(DOCS_CONTENT_SECURITY_POLICY)
    expect(policy.get('default-src')).toEqual(["'none'"])
    expect(policy.get('script-src')).toEqual([SCALAR_SCRIPT_URL])
    expect(policy.get('connect-src')).toEqual(["'self'"])
    expect(policy.get('object-src') ?? policy.get('default-src')).toEqual(["'none'"])
    expect(policy.get('base-uri')).toEqual(["'none'"])
    expect(policy.get('frame-ancestors')).toEqual(["'none'"])
    expect(DOCS_CONTENT_SECURITY_POLICY).not.toContain("'unsafe-eval'")
    expect(DOCS_CONTENT_SECURITY_POLICY).not.toContain('*')
    // The other secure headers stay (and do not contradict the policy).
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff')
  })
})
