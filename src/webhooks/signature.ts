/*
 * Standard Webhooks signatures (standardwebhooks.com): `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "<webhook-id>.<webhook-timestamp>.<body>">`, keyed with the base64-decoded part of the `whsec_…` secret, several
 * space-separated during a secret rotation's overlap. WebCrypto (native in workerd); the tests verify with the
 * `standardwebhooks` npm package, an independent implementation.
 */

import type { PreviousWebhookSecret } from '../db/schema'

const SECRET_PREFIX = 'whsec_'

/** How long a rotated-out secret keeps signing (another signature): each rotation's own 24 hours. */
export const WEBHOOK_SECRET_OVERLAP_MS = 86_400_000
/**
 * How many rotated-out secrets may sign at once (the webhook_endpoints_previous_secrets_bound check reads it): enough for
 * a few retried or repeated rotations; beyond it a rotation is refused rather than ending an overlap early.
 */
export const WEBHOOK_MAX_PREVIOUS_SECRETS = 4

/** The rotated-out secrets whose overlap has not ended at `now`. */
export const stillSigning = (previous: readonly PreviousWebhookSecret[], now: number) =>
  previous.filter((entry) => Date.parse(entry.expiresAt) > now)

function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0))
}

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)))
}

/** `v1,<signature>` of one message under one secret. */
export async function signWebhook(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    fromBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${body}`))
  return `v1,${toBase64(new Uint8Array(mac))}`
}

/** The three Standard Webhooks headers of one attempt, signed with every secret given (current first). */
export async function webhookHeaders(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): Promise<Record<string, string>> {
  const signatures = await Promise.all(secrets.map((secret) => signWebhook(secret, id, timestamp, body)))
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatures.join(' '),
  }
}
