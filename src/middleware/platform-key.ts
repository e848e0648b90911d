import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { errors } from '../lib/errors'

const encoder = new TextEncoder()

/** Constant-time comparison (Workers' crypto.subtle.timingSafeEqual) of equal-length digests. */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(given)),
    crypto.subtle.digest('SHA-256', encoder.encode(expected)),
  ])
  return crypto.subtle.timingSafeEqual(a, b)
}

/** Platform operations (provisioning tenants) take `X-Platform-Key`, never a tenant's token. */
export const requirePlatformKey = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const expected = c.env.PLATFORM_API_KEY
    if (!expected) throw errors.forbidden('PLATFORM_DISABLED', 'Platform operations are not enabled here.')
    const given = c.req.header('X-Platform-Key')
    if (!given || !(await sameSecret(given, expected))) {
      throw errors.unauthorized(
        'PLATFORM_KEY_INVALID',
        'A valid X-Platform-Key header is required.',
        'PlatformKey',
      )
    }
    await next()
  })
