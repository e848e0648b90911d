/*
 * Where a webhook may be sent (SSRF): `https` to a public host. Refused: other schemes, credentials in the URL, IP
 * literals of loopback, private, link-local (the cloud metadata address 169.254.169.254 among them), CGNAT,
 * unspecified, multicast and reserved ranges (IPv4, IPv6, IPv4-mapped IPv6), and names that stay inside a network
 * (`localhost`, `*.localhost`, `*.local`, `*.internal`, single-label hosts). Checked when an endpoint is saved and
 * again before every delivery. In development and test (APP_ENV) `http://127.0.0.1` and `http://localhost`, any
 * port, are also allowed, so a local receiver works (`npm run webhooks:listen`). A name that resolves to a private
 * address cannot be caught here (Workers have no DNS API); Workers' outbound fetch does not reach private networks.
 */

const LOCAL_DEVELOPMENT = new Set(['development', 'test'])

function ipv4(host: string): number[] | undefined {
  const parts = host.split('.')
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return undefined
  const octets = parts.map(Number)
  return octets.every((octet) => octet <= 255) ? octets : undefined
}

function privateIpv4([a, b]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && (b as number) >= 64 && (b as number) <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && (b as number) >= 16 && (b as number) <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a as number) >= 224
  )
}

/** A bracketed IPv6 literal that is not a public unicast address (or maps/embeds a private IPv4 one). */
function privateIpv6(literal: string): boolean {
  const address = literal.slice(1, -1).toLowerCase()
  if (address === '::' || address === '::1') return true
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/)
  if (mapped) return privateIpv4(ipv4(mapped[1] as string) ?? [0])
  // URL serializes a mapped address in hex (::ffff:7f00:1): every ::ffff: form is refused.
  if (address.startsWith('::ffff:') || address.startsWith('64:ff9b:')) return true
  const first = Number.parseInt(address.split(':')[0] || '0', 16)
  return (
    (first & 0xfe00) === 0xfc00 || // fc00::/7 unique local
    (first & 0xffc0) === 0xfe80 || // fe80::/10 link-local
    (first & 0xff00) === 0xff00 || // multicast
    first === 0 // ::/8 and the rest of the unspecified/IPv4-compatible space
  )
}

/** Why `url` may not receive webhooks in this environment, or undefined when it may. */
export function webhookUrlRefusal(url: string, appEnv: string | undefined): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'Not a valid absolute URL.'
  }
  // A fully qualified name may end with dots (`localhost.` is `localhost`): the rules see the name without them.
  const host = parsed.hostname.toLowerCase().replace(/\.+$/, '')
  const localReceiver = LOCAL_DEVELOPMENT.has(appEnv ?? '') && (host === '127.0.0.1' || host === 'localhost')
  if (localReceiver && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) return undefined
  if (parsed.protocol !== 'https:') return 'Webhook URLs must use https.'
  if (parsed.username || parsed.password) return 'Webhook URLs may not carry credentials.'
  const v4 = ipv4(host)
  if (v4 && privateIpv4(v4)) return 'Webhook URLs must point to a public address.'
  if (host.startsWith('[') && privateIpv6(host)) return 'Webhook URLs must point to a public address.'
  if (
    !v4 &&
    !host.startsWith('[') &&
    (!host.includes('.') || /(^|\.)(localhost|local|internal|localdomain|home\.arpa)$/.test(host))
  ) {
    return 'Webhook URLs must name a public host.'
  }
  return undefined
}
