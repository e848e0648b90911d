import { describe, expect, it } from 'vitest'
import { webhookUrlRefusal } from '../../src/webhooks/url-safety'
import { call } from '../events/support'
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
