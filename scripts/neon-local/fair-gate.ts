import type { SqlRequest } from './protocol'

/**
 * Admission to a Postgres server's connections, fair between tenants: at most `capacity` transactions at once, at
 * most `perKey` of them for one key (a tenant), and when transactions wait, the keys take turns (round robin), so a
 * burst of one tenant queues behind itself, never in front of another tenant's requests.
 *
 * Neon gives each project its own compute; this endpoint shares one pool among every tenant of the local database,
 * so without it one tenant's burst of heavy requests (a dozen 92-day metric recomputes) holds every connection and
 * another tenant's reads wait behind it until they time out (issue 17).
 */
export class FairGate {
  #active = 0
  readonly #activeByKey = new Map<string, number>()
  /** Waiters by key; the Map's order is the turn order (a key served moves to the back). */
  readonly #waiting = new Map<string, Array<{ admit: () => void; abandon: () => void }>>()

  constructor(
    readonly capacity: number,
    readonly perKey: number,
  ) {
    if (!(capacity >= 1 && perKey >= 1)) throw new Error('FairGate: capacity and perKey must be at least 1')
  }

  /** Transactions running, in total or for one key (for tests and the benchmark). */
  active(key?: string): number {
    return key === undefined ? this.#active : (this.#activeByKey.get(key) ?? 0)
  }

  /** Transactions waiting, in total. */
  get waiting(): number {
    let count = 0
    for (const queue of this.#waiting.values()) count += queue.length
    return count
  }

  /**
   * Resolves with `release` once `key` may run a transaction; `release` must be called exactly once. An aborted
   * signal while waiting rejects with its reason, and the place in line is given up.
   */
  acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted()
    return new Promise((resolve, reject) => {
      const waiter = {
        admit: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve(this.#releaser(key))
        },
        abandon: () => reject(signal?.reason),
      }
      const onAbort = () => {
        const queue = this.#waiting.get(key)
        const index = queue?.indexOf(waiter) ?? -1
        if (queue && index >= 0) {
          queue.splice(index, 1)
          if (queue.length === 0) this.#waiting.delete(key)
          waiter.abandon()
        }
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      const queue = this.#waiting.get(key)
      if (queue) queue.push(waiter)
      else this.#waiting.set(key, [waiter])
      this.#pump()
    })
  }

  #releaser(key: string): () => void {
    this.#active++
    this.#activeByKey.set(key, (this.#activeByKey.get(key) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      this.#active--
      const left = (this.#activeByKey.get(key) ?? 1) - 1
      if (left === 0) this.#activeByKey.delete(key)
      else this.#activeByKey.set(key, left)
      this.#pump()
    }
  }

  /** Admits waiters, keys in turn, while there is room overall and for their key. */
  #pump(): void {
    let admitted = true
    while (admitted && this.#active < this.capacity) {
      admitted = false
      for (const [key, queue] of this.#waiting) {
        if (this.#active >= this.capacity) return
        if ((this.#activeByKey.get(key) ?? 0) >= this.perKey) continue
        const waiter = queue.shift() as { admit: () => void }
        // The key goes to the back of the line (or leaves it): the next admission is another key's turn.
        this.#waiting.delete(key)
        if (queue.length > 0) this.#waiting.set(key, queue)
        waiter.admit()
        admitted = true
        break
      }
    }
  }
}

/**
 * Whose transaction a request is, for fair admission (fair-gate.ts): the tenant a batch binds first
 * (`select app_begin_request($1::uuid, …)`, as every API batch starts), else the connecting user.
 */
export function fairnessKeyOf(request: SqlRequest): string {
  const [first] = request.statements
  if (first && /^\s*select\s+app_begin_request\(/i.test(first.query) && typeof first.params[0] === 'string') {
    return `tenant:${first.params[0]}`
  }
  return `user:${request.user}`
}
