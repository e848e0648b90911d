import { describe, expect, it } from 'vitest'
import { webhookUrlRefusal } from '../../src/webhooks/url-safety'
import { call } from '../events/support'
import { ownerSql } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * A fully qualified name may end with a dot (`localhost.` is `localhost`): the URL parser keeps the dot in the
 * host, so the refusals of internal names must not depend on how the name ends.
 */
describe('webhook URL safety: names with a trailing dot', () => {
  // Not `localhost.` itself: with APP_ENV=test (as in development) a local receiver at localhost is allowed.
  const internal = [
    'https://api.localhost./hooks',
    'https://metadata.google.internal./computeMetadata/v1',
    'https://printer.local./x',
    'https://intranet./x',
    'https://router.home.arpa./x',
  ]

  it('refuses internal names written with a trailing dot, when saved', async () => {
    const tenant = await createTenant()
    for (const url of internal) {
      const problem = await call<{ code: string }>(422, '/v1/webhook-endpoints', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        body: { url, enabledEvents: ['*'] },
      })
      expect(problem.code, url).toBe('WEBHOOK_URL_REFUSED')
    }
  })

  it('refuses them at delivery too, and still accepts a public name written with a trailing dot', () => {
    for (const url of ['https://localhost./hooks', 'https://localhost../hooks', ...internal]) {
      expect(webhookUrlRefusal(url, 'production'), url).toBeDefined()
    }
    expect(webhookUrlRefusal('https://hooks.example.com./x', 'production')).toBeUndefined()
  })
})

/*
 * The special-purpose ranges are refused exactly (RFC 6890 and the IANA registries), no wider: 192.0.0.0/24 and the
 * documentation ranges, not the rest of 192.0.0.0/16, which is public (192.0.78.x serves websites). IPv6 addresses
 * that embed an IPv4 one (6to4 2002::/16, Teredo 2001::/32), the deprecated site-local fec0::/10 and the
 * documentation prefix 2001:db8::/32 are no public receivers either.
 */
describe('webhook URL safety: special-purpose address ranges', () => {
  it('refuses each special-purpose range and accepts the public addresses beside them', () => {
    const refused = [
      'https://192.0.0.8/x',
      'https://192.0.2.10/x',
      'https://198.51.100.7/x',
      'https://203.0.113.9/x',
      'https://[2002:7f00:1::]/x',
      'https://[2002:a00:1::1]/x',
      'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x',
      'https://[fec0::1]/x',
      'https://[2001:db8::1]/x',
      // The rest of the registries: the 6to4 relay anycast, discard-only, benchmarking, ORCHID, IPv6 documentation
      // (RFC 9637) and SRv6 SIDs.
      'https://192.88.99.1/x',
      'https://[100::1]/x',
      'https://[2001:2::1]/x',
      'https://[2001:10::1]/x',
      'https://[2001:20::1]/x',
      'https://[3fff::1]/x',
      'https://[5f00::1]/x',
    ]
    for (const url of refused) expect(webhookUrlRefusal(url, 'production'), url).toBeDefined()
    const accepted = [
      'https://192.0.78.9/x',
      'https://198.51.101.7/x',
      'https://203.0.114.9/x',
      'https://[2606:4700::1111]/x',
      'https://192.88.98.1/x',
      'https://[2001:200::1]/x',
      'https://[2a00:1450::1]/x',
    ]
    for (const url of accepted) expect(webhookUrlRefusal(url, 'production'), url).toBeUndefined()
  })
})

/*
 * A URL pasted with surrounding whitespace (a leading space, a trailing newline) is the URL without it: the URL rule
 * and the fetch ignore that whitespace, so it is not stored either (nor refused by the database's https? check
 * as a CONSTRAINT_VIOLATION without a field).
 */
describe('webhook URLs with surrounding whitespace', () => {
  it('are saved trimmed, on registration and on change', async () => {
    const tenant = await createTenant()
    for (const [given, saved] of [
      [' https://hooks.example.com/a', 'https://hooks.example.com/a'],
      ['https://hooks.example.com/b\n', 'https://hooks.example.com/b'],
    ]) {
      const created = await call<{ id: string; url: string }>(201, '/v1/webhook-endpoints', {
        method: 'POST',
        token: tenant.tokens.ADMIN,
        body: { url: given, enabledEvents: ['*'] },
      })
      expect(created.url).toBe(saved)
      const [row] = await ownerSql`select url from webhook_endpoints where id = ${created.id}`
      expect(row?.url).toBe(saved)
      const changed = await call<{ url: string }>(200, `/v1/webhook-endpoints/${created.id}`, {
        method: 'PATCH',
        token: tenant.tokens.ADMIN,
        body: { url: `\t${saved}/changed ` },
      })
      expect(changed.url).toBe(`${saved}/changed`)
    }
  })
})

/*
 * The scheme is case-insensitive (RFC 3986 §3.1): `HTTPS://…` is an https URL, saved as written. A URL without the
 * `//` authority (`https:hooks.example.com`, which the URL parser reads as a host) is refused with a field, not by the
 * database's check as a CONSTRAINT_VIOLATION.
 */
describe('webhook URL schemes', () => {
  it('takes the scheme in any case, and refuses one without an authority with the field named', async () => {
    const tenant = await createTenant()
    const created = await call<{ id: string; url: string }>(201, '/v1/webhook-endpoints', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { url: 'HTTPS://hooks.example.com/upper', enabledEvents: ['*'] },
    })
    expect(created.url).toBe('HTTPS://hooks.example.com/upper')
    expect(webhookUrlRefusal(created.url, 'production')).toBeUndefined()
    const problem = await call<{ code: string }>(422, '/v1/webhook-endpoints', {
      method: 'POST',
      token: tenant.tokens.ADMIN,
      body: { url: 'https:hooks.example.com/x', enabledEvents: ['*'] },
    })
    expect(problem.code).toBe('WEBHOOK_URL_REFUSED')
  })
})
