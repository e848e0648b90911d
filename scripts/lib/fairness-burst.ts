/**
 * Tenant A's client for `npm run bench -- --fairness`, in a process of its own: waves of `wave` parallel 92-day
 * `POST /v1/metrics/recompute`, back to back, until its stdin closes; then it prints the answers counted by status
 * (JSON) and exits. Two tenants are two clients: sharing one event loop with B's load generator would delay B's sends
 * and answers behind A's responses in the client, and count that against the server.
 *
 * Run by scripts/bench-fairness.ts (burst): `node --import tsx scripts/lib/fairness-burst.ts <api> <wave> <body>`,
 * the token in FAIRNESS_TOKEN.
 */
const [api, waveArgument, body] = process.argv.slice(2)
const token = process.env.FAIRNESS_TOKEN
const wave = Number(waveArgument)
if (!api || !body || !token || !Number.isSafeInteger(wave) || wave < 1) {
  throw new Error('usage: FAIRNESS_TOKEN=… fairness-burst.ts <api> <wave> <request body>')
}

async function recompute(): Promise<number> {
  try {
    const response = await fetch(`${api}/v1/metrics/recompute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    })
    await response.arrayBuffer()
    return response.status
  } catch {
    return 0
  }
}

let stopping = false
process.stdin.on('end', () => {
  stopping = true
})
process.stdin.resume()

async function main(): Promise<void> {
  const statuses: Record<string, number> = {}
  while (!stopping) {
    for (const status of await Promise.all(Array.from({ length: wave }, recompute))) {
      statuses[status] = (statuses[status] ?? 0) + 1
    }
  }
  process.stdout.write(JSON.stringify(statuses))
}

void main()
