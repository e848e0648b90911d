import { describe, expect, it } from 'vitest'
import { backoffSeconds, WEBHOOK_MAX_ATTEMPTS } from '../../src/webhooks/delivery'

/** Seconds from a delivery's first attempt to its last, every wait drawn with `random`. */
const retryWindowSeconds = (random: () => number) => {
  let total = 0
  for (let failures = 1; failures < WEBHOOK_MAX_ATTEMPTS; failures++)
    total += backoffSeconds(failures, random)
  return total
}
const hours = (seconds: number) => seconds / 3600

describe('the retry window of a failing delivery', () => {
  // SPEC-surfaces "Events": "retries with exponential backoff and jitter for ~24 h". Whatever the jitter draws, the
  // last attempt comes about a day after the first: never after only half a day, nor well into the next.
  it('is about a day for every jitter draw: at least 20 h, at most 28 h, about 24 h on average', () => {
    expect(hours(retryWindowSeconds(() => 0))).toBeGreaterThanOrEqual(20)
    expect(hours(retryWindowSeconds(() => 0.999_999))).toBeLessThanOrEqual(28)
    expect(hours(retryWindowSeconds(() => 0.5))).toBeGreaterThanOrEqual(22)
    expect(hours(retryWindowSeconds(() => 0.5))).toBeLessThanOrEqual(26)
  })

  it('still backs off exponentially up to its cap, and jitters every wait', () => {
    for (let failures = 2; failures < WEBHOOK_MAX_ATTEMPTS; failures++) {
      expect(backoffSeconds(failures, () => 0)).toBeGreaterThanOrEqual(backoffSeconds(failures - 1, () => 0))
      expect(backoffSeconds(failures, () => 0)).toBeLessThan(backoffSeconds(failures, () => 0.999_999))
    }
    expect(backoffSeconds(4, () => 0.999_999)).toBe(4 * backoffSeconds(2, () => 0.999_999))
  })
})
