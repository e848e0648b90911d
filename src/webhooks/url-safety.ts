/*
 * Where a webhook may be sent (SSRF): `https` to a public host. Refused: other schemes, credentials in the URL, IP
 * literals of loopback, private, link-local (the cloud metadata address 169.254.169.254 among them), CGNAT,
 * unspecified, multicast, documentation and reserved ranges (IPv4, IPv6, IPv4-mapped and -embedding IPv6), URLs
 * without `//`, and names that stay inside a network (`localhost`, `*.localhost`, `*.local`, `*.internal`, single-label hosts). Checked when an endpoint is saved and
 * again before every delivery. In development and test (APP_ENV) `http://127.0.0.1` and `http://localhost`, any
 * port, are also allowed, so a local receiver works (`npm run webhooks:listen`). A name that resolves to a private
 * address cannot be caught here (Workers have no DNS API); Workers' outbound fetch does not reach private networks.
 */

const LOCAL_DEVELOPMENT = new Set(['development', 'test'])

type Ipv4 = [number, number, number, number]

function ipv4(host: string): Ipv4 | undefined {
  const parts = host.split('.')
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return undefined
  const octets = parts.map(Number) as Ipv4
  return octets.every((octet) => octet <= 255) ? octets : undefined
}

/** The special-purpose IPv4 ranges (RFC 6890, the IANA registry), exactly: none of their public neighbours. */
function privateIpv4([a, b, c]: Ipv4): boolean {
  return (
    a === 0 || // "this network"
    a === 10 || // private
    a === 127 || // loopback
    (a === 100 && b >= 64 && b <= 127) || // shared address space (CGNAT)
    (a === 169 && b === 254) || // link-local, the cloud metadata address among them
    (a === 172 && b >= 16 && b <= 31) || // private
    (a === 192 && b === 168) || // private
    (a === 192 && b === 0 && (c === 0 || c === 2)) || // IETF protocol assignments, TEST-NET-1
    (a === 192 && b === 88 && c === 99) || // 6to4 relay anycast (deprecated)
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    (a === 198 && b === 51 && c === 100) || // TEST-NET-2
    (a === 203 && b === 0 && c === 113) || // TEST-NET-3
    a >= 224 // multicast, reserved, broadcast
  )
}

/** A bracketed IPv6 literal that is not a public unicast address (or maps/embeds a private IPv4 one). */
function privateIpv6(literal: string): boolean {
  const address = literal.slice(1, -1).toLowerCase()
  if (address === '::' || address === '::1') return true
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/)
  if (mapped) return privateIpv4(ipv4(mapped[1] as string) ?? [0, 0, 0, 0])
  // URL serializes a mapped address in hex (::ffff:7f00:1): every ::ffff: form is refused, as is NAT64's prefix.
  if (address.startsWith('::ffff:') || address.startsWith('64:ff9b:')) return true
  const [first, second] = address.split(':').map((hextet) => Number.parseInt(hextet || '0', 16)) as [
    number,
    number,
  ]
  return (
    (first & 0xfe00) === 0xfc00 || // fc00::/7 unique local
    (first & 0xffc0) === 0xfe80 || // fe80::/10 link-local
    (first & 0xffc0) === 0xfec0 || // fec0::/10 site-local (deprecated, still private)
    (first & 0xff00) === 0xff00 || // multicast
    first === 0x2002 || // 6to4: an IPv4 address inside (deprecated, RFC 7526)
    // 2001::/23 IETF protocol assignments (Teredo with an IPv4 inside, benchmarking, ORCHID), documentation
    (first === 0x2001 && (second < 0x200 || second === 0xdb8)) ||
    first === 0x3fff || // documentation (3fff::/20, RFC 9637)
    first === 0x5f00 || // SRv6 SIDs
    first === 0x100 || // discard-only (100::/64)
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
  // `https:host` parses (the parser supplies the slashes); the URL is stored as written, so it must be absolute.
  if (!/^https:\/\//i.test(url)) return 'Webhook URLs must be absolute (https://host/…).'
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
