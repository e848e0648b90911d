import { env } from 'cloudflare:test'
import { describe, expect, inject, it } from 'vitest'
import { FairGate, fairnessKeyOf } from '../../scripts/neon-local/fair-gate'
import type { SqlRequest } from '../../scripts/neon-local/protocol'
import { ownerSql } from '../support/db'
import { sqlEndpoint } from './support'

/*
 * The local endpoint's Postgres pool cannot be monopolised by one tenant (issue 17): transactions are admitted by a
 * FairGate (at most `perKey` connections per tenant, tenants in turn), and a request whose HTTP client went away is
 * cancelled on the server. The benchmark `npm run bench -- --fairness` shows the effect end to end.
 */

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('FairGate', () => {
  it('admits at most perKey transactions of one key, and the rest of the capacity to the others', async () => {
    const gate = new FairGate(10, 5)
    const burst = Array.from({ length: 20 }, () => gate.acquire('tenant:a'))
    await tick()
    expect(gate.active('tenant:a')).toBe(5)
    expect(gate.waiting).toBe(15)
    // Another tenant is admitted at once, though 15 of the first one's wait.
    const other = await gate.acquire('tenant:b')
    expect(gate.active('tenant:b')).toBe(1)
    other()
    const releases = await Promise.all(burst.slice(0, 5))
    for (const release of releases) release()
    await tick()
    expect(gate.active('tenant:a')).toBe(5)
  })

  it('serves waiting keys in turn (round robin), not in arrival order', async () => {
    const gate = new FairGate(1, 1)
    const order: string[] = []
    const first = await gate.acquire('a')
    const queued = [
      ['a', 2],
      ['a', 3],
      ['b', 1],
      ['c', 1],
    ].map(([key, n]) =>
      gate.acquire(key as string).then((release) => {
        // Each holds its turn only briefly: the next admission is whoever's turn it is.
        order.push(`${key}${n}`)
        release()
      }),
    )
    first()
    await Promise.all(queued)
    expect(order).toEqual(['a2', 'b1', 'c1', 'a3'])
  })

  it('a waiter whose request is abandoned gives up its place without taking a slot', async () => {
    const gate = new FairGate(1, 1)
    const running = await gate.acquire('a')
    const abandon = new AbortController()
    const waiting = gate.acquire('b', abandon.signal)
    const next = gate.acquire('c')
    abandon.abort(new Error('gone'))
    await expect(waiting).rejects.toThrow('gone')
    running()
    const release = await next
    expect(gate.active('c')).toBe(1)
    expect(gate.active('b')).toBe(0)
    release()
    expect(gate.active()).toBe(0)
  })

  it('keys API batches by the tenant they bind, everything else by the connecting user', () => {
    const request = (query: string, params: Array<string | null>): SqlRequest => ({
      user: 'app_api',
      applicationName: 'req-1',
      rawTextOutput: true,
      arrayMode: true,
      isolationLevel: null,
      readOnly: false,
      deferrable: false,
      batch: true,
      statements: [{ query, params }],
    })
    const org = '0b0e7a52-8f6c-4c61-9a0e-4f3a8e2b1c10'
    expect(fairnessKeyOf(request('select app_begin_request($1::uuid, $2::text)', [org, 'ADMIN']))).toBe(
      `tenant:${org}`,
    )
    expect(fairnessKeyOf(request('select 1', []))).toBe('user:app_api')
  })
})

describe('a request whose client went away', () => {
  it.runIf(inject('databaseBackend') === 'postgres')(
    'is cancelled on the server (it does not run on, holding a connection)',
    async () => {
      const marker = `abandoned_${crypto.randomUUID().replaceAll('-', '')}`
      const request = fetch(sqlEndpoint(), {
        method: 'POST',
        signal: AbortSignal.timeout(300),
        headers: {
          'Neon-Connection-String': env.TEST_OWNER_DATABASE_URL,
          'Neon-Raw-Text-Output': 'true',
          'Neon-Array-Mode': 'true',
        },
        body: JSON.stringify({ query: `select pg_sleep(5) as ${marker}`, params: [] }),
      })
      await expect(request).rejects.toThrow()
      const running = async () =>
        (await ownerSql.query(
          "select count(*)::int as n from pg_stat_activity where state = 'active' and query like $1",
          [`%${marker}%`],
        )) as Array<{ n: number }>
      // Cancelled within moments of the client leaving, not after the 5 s the statement asked for.
      const deadline = Date.now() + 1_500
      let left = await running()
      while (left[0]?.n !== 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        left = await running()
      }
      expect(left).toEqual([{ n: 0 }])
    },
  )
})
